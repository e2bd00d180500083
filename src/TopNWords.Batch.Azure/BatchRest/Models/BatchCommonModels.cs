using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A Marketplace or Azure Compute Gallery image.</summary>
public sealed class BatchImageReference
{
    /// <summary>Gets or sets the Marketplace publisher, such as <c>canonical</c>.</summary>
    public string? Publisher { get; set; }

    /// <summary>Gets or sets the Marketplace offer, such as <c>ubuntu-24_04-lts</c>.</summary>
    public string? Offer { get; set; }

    /// <summary>Gets or sets the Marketplace SKU, such as <c>server</c>.</summary>
    public string? Sku { get; set; }

    /// <summary>Gets or sets the image version, such as <c>latest</c>.</summary>
    public string? Version { get; set; }

    /// <summary>Gets or sets the ARM id of an Azure Compute Gallery image, instead of publisher/offer/sku.</summary>
    public string? VirtualMachineImageId { get; set; }
}

/// <summary>The VM image of a pool's nodes and the node agent that matches it.</summary>
public sealed class BatchVirtualMachineConfiguration
{
    /// <summary>Gets or sets the image.</summary>
    public BatchImageReference? ImageReference { get; set; }

    /// <summary>Gets or sets the node agent SKU that matches the image, such as <c>batch.node.ubuntu 24.04</c> (<c>nodeAgentSKUId</c>).</summary>
    [JsonPropertyName("nodeAgentSKUId")]
    public string? NodeAgentSkuId { get; set; }
}

/// <summary>A file to download to a node before a task runs: exactly one of <see cref="HttpUrl"/>, <see cref="StorageContainerUrl"/>, <see cref="AutoStorageContainerName"/>.</summary>
public sealed class BatchResourceFile
{
    /// <summary>Gets or sets a URL (typically with a read SAS) of one file.</summary>
    public string? HttpUrl { get; set; }

    /// <summary>Gets or sets a container URL (with a read/list SAS): every blob, or those under <see cref="BlobPrefix"/>.</summary>
    public string? StorageContainerUrl { get; set; }

    /// <summary>Gets or sets the name of a container of the account's auto-storage account.</summary>
    public string? AutoStorageContainerName { get; set; }

    /// <summary>Gets or sets the prefix of the blobs to download from a container.</summary>
    public string? BlobPrefix { get; set; }

    /// <summary>Gets or sets where to put the file, relative to the task's working directory.</summary>
    public string? FilePath { get; set; }

    /// <summary>Gets or sets the Linux octal file mode, such as <c>0770</c>.</summary>
    public string? FileMode { get; set; }
}

/// <summary>An environment variable.</summary>
public sealed class BatchEnvironmentSetting
{
    /// <summary>Initializes a new instance of the <see cref="BatchEnvironmentSetting"/> class (set <see cref="Name"/>).</summary>
    public BatchEnvironmentSetting()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchEnvironmentSetting"/> class.</summary>
    /// <param name="name">The variable's name.</param>
    /// <param name="value">The variable's value.</param>
    [SetsRequiredMembers]
    public BatchEnvironmentSetting(string name, string? value)
    {
        Name = name;
        Value = value;
    }

    /// <summary>Gets or sets the variable's name.</summary>
    public required string Name { get; set; }

    /// <summary>Gets or sets the variable's value.</summary>
    public string? Value { get; set; }
}

/// <summary>A name/value pair (pool metadata, resize error values, node error details, failure details).</summary>
public sealed class BatchNameValuePair
{
    /// <summary>Initializes a new instance of the <see cref="BatchNameValuePair"/> class.</summary>
    public BatchNameValuePair()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchNameValuePair"/> class.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The value.</param>
    public BatchNameValuePair(string name, string? value)
    {
        Name = name;
        Value = value;
    }

    /// <summary>Gets or sets the name.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the value.</summary>
    public string? Value { get; set; }
}

/// <summary>The user a task runs as.</summary>
public sealed class BatchUserIdentity
{
    /// <summary>Gets or sets a named user account of the pool; mutually exclusive with <see cref="AutoUser"/>.</summary>
    public string? Username { get; set; }

    /// <summary>Gets or sets the auto user the task runs as.</summary>
    public BatchAutoUserSpecification? AutoUser { get; set; }
}

/// <summary>The auto user a task runs as.</summary>
public sealed class BatchAutoUserSpecification
{
    /// <summary>Gets or sets whether the user is the task's own or shared by the pool's tasks.</summary>
    public BatchAutoUserScope? Scope { get; set; }

    /// <summary>Gets or sets whether the user is an administrator.</summary>
    public BatchElevationLevel? ElevationLevel { get; set; }
}

/// <summary>Why a task or start task failed.</summary>
public sealed class BatchTaskFailureInfo
{
    /// <summary>Gets or sets whether the user or the service caused the failure.</summary>
    public BatchErrorCategory? Category { get; set; }

    /// <summary>Gets or sets the failure's code, such as <c>FailureExitCode</c>.</summary>
    public string? Code { get; set; }

    /// <summary>Gets or sets a message that describes the failure.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets further details of the failure.</summary>
    public IList<BatchNameValuePair>? Details { get; set; }
}

/// <summary>The error of one task in an add-task-collection result (the service's error shape).</summary>
public sealed class BatchError
{
    /// <summary>Gets or sets the error's code, such as <c>TaskExists</c>.</summary>
    public string? Code { get; set; }

    /// <summary>Gets or sets the error's message.</summary>
    public BatchErrorMessage? Message { get; set; }

    /// <summary>Gets or sets further details of the error.</summary>
    public IList<BatchErrorDetail>? Values { get; set; }
}

/// <summary>An error message and its language.</summary>
public sealed class BatchErrorMessage
{
    /// <summary>Gets or sets the message's language, such as <c>en-US</c>.</summary>
    public string? Lang { get; set; }

    /// <summary>Gets or sets the message's text.</summary>
    public string? Value { get; set; }
}

/// <summary>A key/value detail of an error.</summary>
public sealed class BatchErrorDetail
{
    /// <summary>Gets or sets the detail's key.</summary>
    public string? Key { get; set; }

    /// <summary>Gets or sets the detail's value.</summary>
    public string? Value { get; set; }
}

/// <summary>One page of a list response: <c>value</c> and, when more pages follow, <c>odata.nextLink</c>.</summary>
/// <typeparam name="T">The type of the items.</typeparam>
public sealed class BatchPage<T>
{
    /// <summary>Gets or sets the items of the page.</summary>
    public IList<T>? Value { get; set; }

    /// <summary>Gets or sets the URL of the next page, when more follow (<c>odata.nextLink</c>).</summary>
    [JsonPropertyName("odata.nextLink")]
    public string? NextLink { get; set; }
}
