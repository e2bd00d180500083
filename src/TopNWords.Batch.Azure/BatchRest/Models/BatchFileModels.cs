namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The properties of a file on a node, from the response headers of get file / get file properties.</summary>
public sealed class BatchFileProperties
{
    /// <summary>Gets the file's length in bytes (<c>Content-Length</c>; for a range, the length of the range).</summary>
    public long? ContentLength { get; init; }

    /// <summary>Gets the file's content type (<c>Content-Type</c>).</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets the <c>Content-Range</c> header, for a ranged read (for example <c>bytes 0-1023/4096</c>).</summary>
    public string? ContentRange { get; init; }

    /// <summary>Gets when the file was created (<c>ocp-creation-time</c>).</summary>
    public DateTimeOffset? CreationTime { get; init; }

    /// <summary>Gets when the file was last changed (<c>Last-Modified</c>).</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Gets a value indicating whether the path is a directory (<c>ocp-batch-file-isdirectory</c>).</summary>
    public bool IsDirectory { get; init; }

    /// <summary>Gets the file's URL (<c>ocp-batch-file-url</c>).</summary>
    public string? FileUrl { get; init; }

    /// <summary>Gets the file's Linux mode, such as <c>0100644</c> (<c>ocp-batch-file-mode</c>).</summary>
    public string? FileMode { get; init; }
}

/// <summary>The content of a file on a node, streamed from the service; dispose it to release the connection.</summary>
public sealed class BatchFileContent : IDisposable, IAsyncDisposable
{
    /// <summary>Initializes a new instance of the <see cref="BatchFileContent"/> class.</summary>
    /// <param name="properties">The file's properties.</param>
    /// <param name="content">The file's content; the instance owns it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="properties"/> or <paramref name="content"/> is <see langword="null"/>.</exception>
    public BatchFileContent(BatchFileProperties properties, Stream content)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(content);
        Properties = properties;
        Content = content;
    }

    /// <summary>Gets the file's properties.</summary>
    public BatchFileProperties Properties { get; }

    /// <summary>Gets the file's content (or the requested range of it).</summary>
    public Stream Content { get; }

    /// <summary>Disposes <see cref="Content"/>.</summary>
    public void Dispose() => Content.Dispose();

    /// <summary>Disposes <see cref="Content"/>.</summary>
    /// <returns>A task that completes when the content is disposed.</returns>
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
