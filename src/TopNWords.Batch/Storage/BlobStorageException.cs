namespace TopNWords.Batch.Storage;

/// <summary>What kind of storage failure happened.</summary>
public enum BlobStorageErrorKind
{
    /// <summary>Anything else.</summary>
    Other = 0,

    /// <summary>The container or blob does not exist.</summary>
    NotFound = 1,

    /// <summary>The blob or container exists and may not be replaced.</summary>
    AlreadyExists = 2,

    /// <summary>The credentials or the URL do not allow the operation (wrong key, expired or read-only URL).</summary>
    Forbidden = 3,

    /// <summary>The store cannot be reached (wrong endpoint, network down, service unavailable).</summary>
    Unavailable = 4,

    /// <summary>A container or blob name breaks the naming rules.</summary>
    InvalidName = 5,

    /// <summary>A local destination already exists and was not overwritten.</summary>
    DestinationExists = 6,
}

/// <summary>
/// A storage operation failed. The message names the container or blob and what to do; it never holds
/// an account key or a SAS signature.
/// </summary>
public class BlobStorageException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BlobStorageException"/> class.</summary>
    public BlobStorageException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BlobStorageException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BlobStorageException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BlobStorageException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BlobStorageException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BlobStorageException"/> class.</summary>
    /// <param name="kind">What kind of failure.</param>
    /// <param name="message">The message, naming the resource and what to do.</param>
    /// <param name="containerName">The container, when one is involved.</param>
    /// <param name="blobName">The blob, when one is involved.</param>
    /// <param name="innerException">The cause, when there is one (it must not carry secrets either).</param>
    public BlobStorageException(BlobStorageErrorKind kind, string message, string? containerName = null, string? blobName = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ContainerName = containerName;
        BlobName = blobName;
    }

    /// <summary>Gets what kind of failure happened.</summary>
    public BlobStorageErrorKind Kind { get; }

    /// <summary>Gets the container involved, if any.</summary>
    public string? ContainerName { get; }

    /// <summary>Gets the blob involved, if any.</summary>
    public string? BlobName { get; }

    /// <summary>
    /// Gets or sets how long the service asked the caller to wait before trying again (its <c>Retry-After</c> or
    /// <c>x-ms-retry-after-ms</c> header), when the failure is transient and the response said so. The workflow's
    /// default resilience pipeline waits exactly this long before its next attempt.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the store gave no hint.</value>
    public TimeSpan? RetryAfter { get; init; }
}
