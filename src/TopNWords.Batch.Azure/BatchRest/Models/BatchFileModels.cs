namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The properties of a file on a node, from the response headers of get file / get file properties.</summary>
internal sealed class BatchFileProperties
{
    /// <summary>The file's length in bytes (<c>Content-Length</c>; for a range, the length of the range).</summary>
    public long? ContentLength { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The <c>Content-Range</c> header, for a ranged read (for example <c>bytes 0-1023/4096</c>).</summary>
    public string? ContentRange { get; init; }

    public DateTimeOffset? CreationTime { get; init; }

    public DateTimeOffset? LastModified { get; init; }

    public bool IsDirectory { get; init; }

    public string? FileUrl { get; init; }

    public string? FileMode { get; init; }
}

/// <summary>The content of a file on a node, streamed from the service; dispose it to release the connection.</summary>
internal sealed class BatchFileContent : IDisposable, IAsyncDisposable
{
    public BatchFileContent(BatchFileProperties properties, Stream content)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(content);
        Properties = properties;
        Content = content;
    }

    public BatchFileProperties Properties { get; }

    public Stream Content { get; }

    public void Dispose() => Content.Dispose();

    public ValueTask DisposeAsync() => Content.DisposeAsync();
}
