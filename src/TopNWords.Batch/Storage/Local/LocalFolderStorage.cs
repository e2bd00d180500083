using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Storage.Local;

/// <summary>
/// An <see cref="IBlobStorage"/> in a local folder: each container is a folder under the root folder and
/// each blob a file under its container's folder (blob <c>a/b.txt</c> is the file <c>a/b.txt</c>).
/// Runs the workflow on one machine with no Azure account.
/// </summary>
/// <remarks>
/// <para>
/// Names follow Azure Blob's rules (<see cref="StorageNames"/>), checked before the file system is
/// touched, so code that works here also works on Azure Blob Storage. Because blobs are files, a blob
/// cannot share its name with a folder of other blobs (<c>a</c> and <c>a/b</c>), and on a
/// case-insensitive file system names that differ only in case are the same blob.
/// </para>
/// <para>
/// Uploads stream into a hidden temporary file beside the blob (<c>.upload.&lt;guid&gt;.partial</c>) and
/// are renamed into place, so a reader sees the old content or the new content, never part of it.
/// Temporary files never appear in listings; neither do files whose names are not valid blob names.
/// </para>
/// <para>
/// URLs are <c>file:</c> URLs carrying the limits <c>sp</c> (permissions) and <c>se</c> (expiry, UTC)
/// that <see cref="Transfer.UrlTransfer"/> enforces. Nothing else enforces them, and they only work on
/// this machine, so <see cref="Capabilities"/> has neither <see cref="StorageCapabilities.SignedUrls"/> nor
/// <see cref="StorageCapabilities.RemotelyReachableUrls"/>; it is <see cref="StorageCapabilities.LocalListing"/>. As with Azure
/// Blob SAS URLs, a URL is handed out without checking that its blob or container exists: using it then
/// fails as not found, and it works once the blob or container is there.
/// </para>
/// <para>
/// The class is thread-safe. <see cref="BlobStorageUploadOptions.ContentType"/> is not recorded, and
/// <see cref="BlobItemInfo.ContentMd5"/> is not reported (the MD5 is computed when an upload compares content).
/// </para>
/// </remarks>
public sealed class LocalFolderStorage : IBlobStorage
{
    private readonly LocalBlobPaths _paths;
    private readonly LocalBlobTransfers _transfers;
    private readonly Lock _containerGate = new();

    /// <summary>Initializes a new instance of the <see cref="LocalFolderStorage"/> class.</summary>
    /// <param name="rootDirectory">The folder that holds the containers; created with the first container when missing.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="rootDirectory"/> is empty, or an option is invalid (see <see cref="LocalFolderStorageOptions.Validate"/>).</exception>
    public LocalFolderStorage(string rootDirectory, LocalFolderStorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        options ??= new LocalFolderStorageOptions();
        options.Validate();
        _paths = new LocalBlobPaths(Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory)));
        _transfers = new LocalBlobTransfers(_paths, options.TimeProvider);
    }

    /// <summary>Gets the full path of the folder that holds the containers.</summary>
    public string RootDirectory => _paths.RootDirectory;

    /// <inheritdoc />
    /// <value><see cref="StorageCapabilities.LocalListing"/>: a listing reads folders on this machine; URLs are enforced only by the workflow's own transfer code, on this machine.</value>
    public StorageCapabilities Capabilities => StorageCapabilities.LocalListing;

    /// <inheritdoc />
    /// <value>The full path of the root folder.</value>
    public string DisplayName => RootDirectory;

    /// <inheritdoc />
    public Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        return Run(
            () =>
            {
                string containerPath = _paths.ContainerPath(containerName);
                try
                {
                    lock (_containerGate)
                    {
                        if (Directory.Exists(containerPath))
                        {
                            return false;
                        }

                        Directory.CreateDirectory(containerPath);
                        return true;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw LocalStorageErrors.Failure(ex, $"Could not create container '{containerName}' in local folder storage '{RootDirectory}'", containerName, null);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The folder is first renamed to a hidden name, so the container disappears at once, then deleted.</remarks>
    public Task<bool> DeleteContainerIfExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        string containerPath;
        try
        {
            containerPath = _paths.ContainerPath(containerName);
        }
        catch (BlobStorageException ex)
        {
            return Task.FromException<bool>(ex);
        }

        return Task.Run(
            () =>
            {
                string doomed = Path.Combine(RootDirectory, $".deleted-{containerName}-{Guid.NewGuid():N}");
                try
                {
                    lock (_containerGate)
                    {
                        if (!Directory.Exists(containerPath))
                        {
                            return false;
                        }

                        try
                        {
                            Directory.Move(containerPath, doomed);
                        }
                        catch (DirectoryNotFoundException)
                        {
                            return false;
                        }
                        catch (IOException)
                        {
                            // The rename is refused (for example, a file in it is open on Windows): delete in place.
                            doomed = containerPath;
                        }
                    }

                    FolderTree.Delete(doomed);
                    return true;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw LocalStorageErrors.Failure(ex, $"Could not delete container '{containerName}' (folder '{doomed}'); delete the folder by hand", containerName, null);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        return Run(() => Directory.Exists(_paths.ContainerPath(containerName)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (containerPath, blobPath) = _paths.ResolveBlob(containerName, blobName);
        return await _transfers.UploadAsync(containerName, containerPath, blobName, blobPath, content, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var (containerPath, blobPath) = _paths.ResolveBlob(containerName, blobName);
        return await _transfers.UploadFileAsync(containerName, containerPath, blobName, blobPath, filePath, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string containerPath = _paths.ContainerPath(containerName);
        var blobs = await Task.Run(() => CollectBlobs(containerName, containerPath, prefix ?? string.Empty, cancellationToken), cancellationToken).ConfigureAwait(false);
        foreach (var blob in blobs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return blob;
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        return Run(
            () =>
            {
                var (containerPath, blobPath) = _paths.ResolveBlob(containerName, blobName);
                return (Stream)_transfers.OpenBlob(containerName, containerPath, blobName, blobPath);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListContainersAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = await Run(
            () => Directory.Exists(RootDirectory)
                ? Directory.EnumerateDirectories(RootDirectory)
                    .Select(Path.GetFileName)
                    .OfType<string>()
                    .Where(n => StorageNames.ValidateContainerName(n) is null && (prefix is null || n.StartsWith(prefix, StringComparison.Ordinal)))
                    .Order(StringComparer.Ordinal)
                    .ToList()
                : [],
            cancellationToken).ConfigureAwait(false);
        foreach (string name in names)
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteBlobIfExistsAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        return Run(
            () =>
            {
                var (containerPath, blobPath) = _paths.ResolveBlob(containerName, blobName);
                if (!Directory.Exists(containerPath) || !File.Exists(blobPath))
                {
                    return false;
                }

                try
                {
                    File.Delete(blobPath);
                    return true;
                }
                catch (DirectoryNotFoundException)
                {
                    return false;
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var (containerPath, blobPath) = _paths.ResolveBlob(containerName, blobName);
        cancellationToken.ThrowIfCancellationRequested();
        await _transfers.DownloadToFileAsync(containerName, containerPath, blobName, blobPath, destinationPath, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The URL is <c>file:///…/&lt;container&gt;/&lt;blob&gt;?se=&lt;expiry&gt;&amp;sr=b&amp;sp=r</c>, each path segment
    /// percent-encoded. It is made without checking that the blob exists.
    /// </remarks>
    public Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        return Run(
            () =>
            {
                var (_, blobPath) = _paths.ResolveBlob(containerName, blobName);
                return SignedFileUrl.ForBlobRead(blobPath, expiresOn);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The URL is <c>file:///…/&lt;container&gt;?se=&lt;expiry&gt;&amp;sr=c&amp;sp=cw</c>. It is made without
    /// checking that the container exists.
    /// </remarks>
    public Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        return Run(() => SignedFileUrl.ForContainerWrite(_paths.ContainerPath(containerName), expiresOn), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The URL is <c>file:///…/&lt;container&gt;?se=&lt;expiry&gt;&amp;sr=c&amp;sp=rl</c>. It is made without
    /// checking that the container exists.
    /// </remarks>
    public Task<Uri> GetContainerReadUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        return Run(() => SignedFileUrl.ForContainerRead(_paths.ContainerPath(containerName), expiresOn), cancellationToken);
    }

    /// <summary>Runs quick synchronous file-system work, surfacing its failure through the task.</summary>
    private static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        try
        {
            return Task.FromResult(work());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }

    private List<BlobItemInfo> CollectBlobs(string containerName, string containerPath, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            _paths.RequireContainer(containerName, containerPath);
            string start = containerPath;
            int slash = prefix.LastIndexOf('/');
            if (slash > 0 && StorageNames.ValidateBlobName(prefix[..slash]) is null)
            {
                // Only the folder the prefix names can hold matching blobs.
                string folder = Path.GetFullPath(Path.Combine(containerPath, prefix[..slash].Replace('/', Path.DirectorySeparatorChar)));
                if (LocalBlobPaths.IsStrictlyUnder(folder, containerPath))
                {
                    if (!Directory.Exists(folder))
                    {
                        return [];
                    }

                    start = folder;
                }
            }

            var enumerationOptions = new EnumerationOptions
            {
                RecurseSubdirectories = true,
                AttributesToSkip = 0,
                IgnoreInaccessible = false,
                MatchType = MatchType.Simple,
                ReturnSpecialDirectories = false,
            };
            int nameStart = containerPath.Length + 1;
            var files = new FileSystemEnumerable<BlobItemInfo>(
                start,
                (ref FileSystemEntry entry) => new BlobItemInfo(LocalBlobPaths.BlobName(ref entry, nameStart), entry.Length, entry.LastWriteTimeUtc),
                enumerationOptions)
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !LocalBlobPaths.IsTemporaryFileName(entry.FileName),
            };

            var blobs = new List<BlobItemInfo>();
            foreach (var blob in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (blob.Name.StartsWith(prefix, StringComparison.Ordinal) && StorageNames.ValidateBlobName(blob.Name) is null)
                {
                    blobs.Add(blob);
                }
            }

            blobs.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            return blobs;
        }
        catch (DirectoryNotFoundException) when (!Directory.Exists(containerPath))
        {
            throw _paths.ContainerNotFound(containerName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw LocalStorageErrors.Failure(ex, $"Could not list container '{containerName}' of local folder storage '{RootDirectory}'", containerName, null);
        }
    }
}
