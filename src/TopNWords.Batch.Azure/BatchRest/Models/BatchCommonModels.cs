using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A Marketplace or Azure Compute Gallery image.</summary>
internal sealed class BatchImageReference
{
    public string? Publisher { get; set; }

    public string? Offer { get; set; }

    public string? Sku { get; set; }

    public string? Version { get; set; }

    /// <summary>The ARM id of an Azure Compute Gallery image, instead of publisher/offer/sku.</summary>
    public string? VirtualMachineImageId { get; set; }
}

/// <summary>The VM image of a pool's nodes and the node agent that matches it.</summary>
internal sealed class BatchVirtualMachineConfiguration
{
    public BatchImageReference? ImageReference { get; set; }

    [JsonPropertyName("nodeAgentSKUId")]
    public string? NodeAgentSkuId { get; set; }
}

/// <summary>A file to download to a node before a task runs: exactly one of <see cref="HttpUrl"/>, <see cref="StorageContainerUrl"/>, <see cref="AutoStorageContainerName"/>.</summary>
internal sealed class BatchResourceFile
{
    /// <summary>A URL (typically with a read SAS) of one file.</summary>
    public string? HttpUrl { get; set; }

    /// <summary>A container URL (with a read/list SAS): every blob, or those under <see cref="BlobPrefix"/>.</summary>
    public string? StorageContainerUrl { get; set; }

    public string? AutoStorageContainerName { get; set; }

    public string? BlobPrefix { get; set; }

    /// <summary>Where to put the file, relative to the task's working directory.</summary>
    public string? FilePath { get; set; }

    /// <summary>Linux octal file mode, such as <c>0770</c>.</summary>
    public string? FileMode { get; set; }
}

/// <summary>An environment variable.</summary>
internal sealed class BatchEnvironmentSetting
{
    public BatchEnvironmentSetting()
    {
    }

    [SetsRequiredMembers]
    public BatchEnvironmentSetting(string name, string? value)
    {
        Name = name;
        Value = value;
    }

    public required string Name { get; set; }

    public string? Value { get; set; }
}

/// <summary>A name/value pair (pool metadata, resize error values, node error details, failure details).</summary>
internal sealed class BatchNameValuePair
{
    public BatchNameValuePair()
    {
    }

    public BatchNameValuePair(string name, string? value)
    {
        Name = name;
        Value = value;
    }

    public string? Name { get; set; }

    public string? Value { get; set; }
}

/// <summary>The user a task runs as.</summary>
internal sealed class BatchUserIdentity
{
    /// <summary>A named user account of the pool; mutually exclusive with <see cref="AutoUser"/>.</summary>
    public string? Username { get; set; }

    public BatchAutoUserSpecification? AutoUser { get; set; }
}

/// <summary>The auto user a task runs as.</summary>
internal sealed class BatchAutoUserSpecification
{
    public BatchAutoUserScope? Scope { get; set; }

    public BatchElevationLevel? ElevationLevel { get; set; }
}

/// <summary>Why a task or start task failed.</summary>
internal sealed class BatchTaskFailureInfo
{
    public BatchErrorCategory? Category { get; set; }

    public string? Code { get; set; }

    public string? Message { get; set; }

    public IList<BatchNameValuePair>? Details { get; set; }
}

/// <summary>The error of one task in an add-task-collection result (the service's error shape).</summary>
internal sealed class BatchError
{
    public string? Code { get; set; }

    public BatchErrorMessage? Message { get; set; }

    public IList<BatchErrorDetail>? Values { get; set; }
}

/// <summary>An error message and its language.</summary>
internal sealed class BatchErrorMessage
{
    public string? Lang { get; set; }

    public string? Value { get; set; }
}

/// <summary>A key/value detail of an error.</summary>
internal sealed class BatchErrorDetail
{
    public string? Key { get; set; }

    public string? Value { get; set; }
}

/// <summary>One page of a list response: <c>value</c> and, when more pages follow, <c>odata.nextLink</c>.</summary>
internal sealed class BatchPage<T>
{
    public IList<T>? Value { get; set; }

    [JsonPropertyName("odata.nextLink")]
    public string? NextLink { get; set; }
}
