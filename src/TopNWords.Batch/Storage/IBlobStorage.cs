namespace TopNWords.Batch.Storage;

/// <summary>
/// A blob store the workflow stages the task application and inputs in and collects outputs from:
/// Azure Blob Storage, or a local folder. Containers are flat namespaces of blobs whose names follow
/// Azure Blob's rules (<see cref="StorageNames"/>), so code written against one backend runs on the other.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Failures surface as <see cref="BlobStorageException"/> with a
/// <see cref="BlobStorageErrorKind"/>, naming the container or blob; they never carry an account key or
/// a SAS signature.
/// </remarks>
public interface IBlobStorage
{
    /// <summary>Gets what this backend can do beyond the common contract.</summary>
    StorageCapabilities Capabilities { get; }

    /// <summary>Gets a display name for messages and logs (an account name or a folder), never a secret.</summary>
    string DisplayName { get; }

    /// <summary>
    /// Gets the longest lifetime a URL of <see cref="GetBlobReadUrlAsync"/> or <see cref="GetContainerWriteUrlAsync"/> may
    /// have (a user delegation SAS of Azure Storage lives at most 7 days), or <see langword="null"/> when there is no limit.
    /// The workflow's preflight refuses a run whose total timeout a URL could not cover.
    /// </summary>
    /// <value>The default implementation returns <see langword="null"/>.</value>
    TimeSpan? MaxUrlLifetime => null;

    /// <summary>Creates a container if it does not exist.</summary>
    /// <param name="containerName">The container; see <see cref="StorageNames.ValidateContainerName"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call created it; <see langword="false"/> when it already existed.</returns>
    Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default);

    /// <summary>Deletes a container and every blob in it, if it exists.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    Task<bool> DeleteContainerIfExistsAsync(string containerName, CancellationToken cancellationToken = default);

    /// <summary>Tells whether a container exists.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when it exists.</returns>
    Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default);

    /// <summary>Uploads a stream as a blob, streaming (the content is never held whole in memory).</summary>
    /// <param name="containerName">The container, which must exist.</param>
    /// <param name="blobName">The blob; see <see cref="StorageNames.ValidateBlobName"/>.</param>
    /// <param name="content">The content, read from its current position to its end; not disposed.</param>
    /// <param name="options">Upload options, or <see langword="null"/> for the defaults (overwrite).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What happened.</returns>
    Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Uploads a local file as a blob, streaming.</summary>
    /// <param name="containerName">The container, which must exist.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="filePath">The local file.</param>
    /// <param name="options">Upload options, or <see langword="null"/> for the defaults (overwrite).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>What happened; <see cref="BlobUploadResult.Skipped"/> when
    /// <see cref="BlobStorageUploadOptions.SkipIfContentMatches"/> found the same content already there.</returns>
    Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Lists the blobs of a container in ordinal name order.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="prefix">Only blobs whose names start with this, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The blobs.</returns>
    IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for reading.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A stream the caller disposes.</returns>
    Task<Stream> OpenReadAsync(string containerName, string blobName, CancellationToken cancellationToken = default);

    /// <summary>Lists the names of the containers whose names start with <paramref name="prefix"/>, in name order.</summary>
    /// <param name="prefix">The prefix, or <see langword="null"/> for every container.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The container names.</returns>
    /// <exception cref="BlobStorageException">The service refused or failed.</exception>
    IAsyncEnumerable<string> ListContainersAsync(string? prefix = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes one blob when it exists.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the blob existed and was deleted; <see langword="false"/> when there was no such blob or container.</returns>
    /// <exception cref="BlobStorageException">The name is invalid, or the service refused or failed.</exception>
    Task<bool> DeleteBlobIfExistsAsync(string containerName, string blobName, CancellationToken cancellationToken = default);

    /// <summary>Downloads a blob to a local file, streaming. An existing file is never overwritten.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="destinationPath">The file to create; its folder must exist, the file must not.</param>
    /// <param name="cancellationToken">Cancels the operation; a partial file is removed.</param>
    /// <returns>A task that completes when the file is written.</returns>
    Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a URL that grants read access to one blob and nothing else, until <paramref name="expiresOn"/>
    /// (a read-only SAS for Blob storage; a <c>file:</c> URL carrying the same limits for local storage).
    /// </summary>
    /// <param name="containerName">The container.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The URL. It is a secret: never log it whole.</returns>
    Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a URL that lets its holder create and write blobs in a container, and nothing else (no read,
    /// list or delete), until <paramref name="expiresOn"/>.
    /// </summary>
    /// <param name="containerName">The container.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The URL. It is a secret: never log it whole.</returns>
    Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets a URL that lets its holder list a container and read its blobs, and nothing else (no write or delete),
    /// until <paramref name="expiresOn"/>: what a container resource file needs (<see cref="Compute.ResourceFile.FromStorageContainer"/>).
    /// A container SAS with the <c>r</c> and <c>l</c> permissions for Blob storage; a <c>file:</c> URL carrying the same
    /// limits for local storage.
    /// </summary>
    /// <param name="containerName">The container.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The URL. It is a secret: never log it whole.</returns>
    /// <exception cref="NotSupportedException">This storage does not hand out container read URLs (the default for implementations written before this member).</exception>
    Task<Uri> GetContainerReadUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"Storage '{GetType().FullName}' ({DisplayName}) does not hand out container read URLs; implement IBlobStorage.GetContainerReadUrlAsync to use container resource files with it.");
}

/// <summary>What a storage backend can do beyond the common contract.</summary>
[Flags]
public enum StorageCapabilities
{
    /// <summary>Nothing beyond the common contract.</summary>
    None = 0,

    /// <summary>URLs are enforced by a remote service (a signature), not only by the workflow's own transfer code.</summary>
    SignedUrls = 1,

    /// <summary>URLs can be used by processes on other machines (not only on this one).</summary>
    RemotelyReachableUrls = 2,

    /// <summary>
    /// Listing the blobs under a prefix costs no request to a service (a folder on this machine): the workflow lists each
    /// task's outputs under the task's own prefix as it downloads them, instead of the whole output container first, so the
    /// download stage does not hold a listing of every output at once.
    /// </summary>
    LocalListing = 4,
}

/// <summary>Options for an upload.</summary>
public sealed class BlobStorageUploadOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether an existing blob is replaced. When false, an existing blob
    /// makes the upload fail with <see cref="BlobStorageErrorKind.AlreadyExists"/>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Overwrite { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether the upload is skipped when the blob already holds exactly
    /// this content (compared by length and MD5), so re-runs do not upload an unchanged application again.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool SkipIfContentMatches { get; set; }

    /// <summary>Gets or sets the content type to record, or <see langword="null"/> for <c>application/octet-stream</c>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ContentType { get; set; }
}

/// <summary>The outcome of an upload.</summary>
public enum BlobUploadResult
{
    /// <summary>The content was uploaded.</summary>
    Uploaded = 0,

    /// <summary>The blob already held the same content; nothing was sent.</summary>
    Skipped = 1,
}

/// <summary>One blob in a listing.</summary>
/// <param name="Name">The blob name.</param>
/// <param name="Length">The content length in bytes.</param>
/// <param name="LastModified">When it was last written, when known.</param>
/// <param name="ContentMd5">The MD5 of the content, when the store knows it.</param>
public sealed record BlobItemInfo(string Name, long Length, DateTimeOffset? LastModified, ReadOnlyMemory<byte>? ContentMd5 = null);
