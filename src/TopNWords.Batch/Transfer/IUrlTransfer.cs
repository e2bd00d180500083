namespace TopNWords.Batch.Transfer;

/// <summary>
/// Moves files to and from the URLs storage backends hand out: <c>file:</c> URLs of local storage and
/// <c>http(s):</c> blob SAS URLs. Compute backends use it to fetch resource files and upload output files,
/// so a task never needs storage credentials, only the URLs it was given.
/// </summary>
/// <remarks>
/// A URL's limits are honoured for both schemes: the expiry (<c>se</c>) and the permissions (<c>sp</c>:
/// <c>r</c> to read, <c>c</c>/<c>w</c> to create and write). For <c>http(s):</c> URLs the service enforces
/// them; for <c>file:</c> URLs this transfer does. Failures are <see cref="UrlTransferException"/>s whose
/// messages show the URL without its signature.
/// </remarks>
public interface IUrlTransfer
{
    /// <summary>Downloads the blob at <paramref name="sourceUrl"/> to a local file (replacing it).</summary>
    /// <param name="sourceUrl">A blob URL that grants read access.</param>
    /// <param name="destinationPath">The local file; its folder is created when missing.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <returns>A task that completes when the file is written.</returns>
    Task DownloadAsync(Uri sourceUrl, string destinationPath, CancellationToken cancellationToken = default);

    /// <summary>Uploads a local file as blob <paramref name="blobName"/> of the container at <paramref name="containerUrl"/>.</summary>
    /// <param name="containerUrl">A container URL that grants create/write access.</param>
    /// <param name="blobName">The blob name inside the container.</param>
    /// <param name="sourcePath">The local file.</param>
    /// <param name="cancellationToken">Cancels the transfer.</param>
    /// <returns>A task that completes when the blob is written.</returns>
    Task UploadAsync(Uri containerUrl, string blobName, string sourcePath, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the names of the blobs of the container at <paramref name="containerUrl"/> that start with
    /// <paramref name="prefix"/>, in ordinal name order, page by page (what a container resource file fetches).
    /// Read each with <see cref="DownloadAsync"/> on the container URL with the blob name appended to its path.
    /// </summary>
    /// <param name="containerUrl">A container URL that grants list (and, to download, read) access.</param>
    /// <param name="prefix">The prefix, or <see langword="null"/> for every blob.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The blob names.</returns>
    /// <exception cref="NotSupportedException">This transfer cannot list containers (the default for implementations written before this member).</exception>
    IAsyncEnumerable<string> ListBlobsAsync(Uri containerUrl, string? prefix, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"URL transfer '{GetType().FullName}' cannot list containers; implement IUrlTransfer.ListBlobsAsync to fetch container resource files with it.");
}

/// <summary>What kind of transfer failure happened.</summary>
public enum UrlTransferErrorKind
{
    /// <summary>Anything else.</summary>
    Other = 0,

    /// <summary>The blob does not exist.</summary>
    NotFound = 1,

    /// <summary>The URL does not grant this operation, or it has expired.</summary>
    Forbidden = 2,

    /// <summary>The endpoint cannot be reached.</summary>
    Unavailable = 3,

    /// <summary>The URL's scheme is not supported.</summary>
    UnsupportedScheme = 4,
}

/// <summary>A transfer to or from a URL failed. The message shows the URL without its signature.</summary>
public class UrlTransferException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="UrlTransferException"/> class.</summary>
    public UrlTransferException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UrlTransferException"/> class.</summary>
    /// <param name="message">The message.</param>
    public UrlTransferException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UrlTransferException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UrlTransferException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="UrlTransferException"/> class.</summary>
    /// <param name="kind">What kind of failure.</param>
    /// <param name="message">The message (with the URL redacted).</param>
    /// <param name="innerException">The cause, if any.</param>
    public UrlTransferException(UrlTransferErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>Gets what kind of failure happened.</summary>
    public UrlTransferErrorKind Kind { get; }
}
