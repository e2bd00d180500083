using System.Text.Json.Serialization;

namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A file or directory of a task or a compute node, as list task files and list node files return it.</summary>
public sealed class BatchNodeFile
{
    /// <summary>Gets or sets the file's path, relative to the listed folder (the task's, or the node's root).</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets the file's URL (for get file and get file properties).</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets a value indicating whether the entry is a directory.</summary>
    public bool? IsDirectory { get; set; }

    /// <summary>Gets or sets the file's properties.</summary>
    public BatchNodeFileProperties? Properties { get; set; }
}

/// <summary>The properties of a listed file.</summary>
public sealed class BatchNodeFileProperties
{
    /// <summary>Gets or sets when the file was created.</summary>
    public DateTimeOffset? CreationTime { get; set; }

    /// <summary>Gets or sets when the file was last changed.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Gets or sets the file's length in bytes (a JSON string in the service's newer versions, a number in older ones; both are read).</summary>
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString)]
    public long? ContentLength { get; set; }

    /// <summary>Gets or sets the file's content type.</summary>
    public string? ContentType { get; set; }

    /// <summary>Gets or sets the file's Linux mode in octal, such as <c>0100644</c> (Linux nodes only).</summary>
    public string? FileMode { get; set; }
}
