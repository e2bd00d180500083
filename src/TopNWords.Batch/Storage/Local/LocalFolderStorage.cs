using System.Buffers;
using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
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
/// this machine, so <see cref="Capabilities"/> is <see cref="StorageCapabilities.None"/>. As with Azure
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
    private const int BufferSize = 81920;
    private const string TemporarySuffix = ".partial";
    private const int GuidDigits = 32;

    private static readonly char[] InvalidFileNameChars = Path.GetInvalidFileNameChars();

    private readonly TimeProvider _timeProvider;
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
        RootDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        _timeProvider = options.TimeProvider;
    }

    /// <summary>Gets the full path of the folder that holds the containers.</summary>
    public string RootDirectory { get; }

    /// <inheritdoc />
    /// <value><see cref="StorageCapabilities.None"/>: URLs are enforced only by the workflow's own transfer code, on this machine.</value>
    public StorageCapabilities Capabilities => StorageCapabilities.None;

    /// <inheritdoc />
    /// <value>The full path of the root folder.</value>
    public string DisplayName => RootDirectory;

    /// <inheritdoc />
    public Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        return Run(
            () =>
            {
                string containerPath = ContainerPath(containerName);
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
                    throw Failure(ex, $"Could not create container '{containerName}' in local folder storage '{RootDirectory}'", containerName, null);
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
            containerPath = ContainerPath(containerName);
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

                    Directory.Delete(doomed, recursive: true);
                    return true;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw Failure(ex, $"Could not delete container '{containerName}' (folder '{doomed}'); delete the folder by hand", containerName, null);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        return Run(() => Directory.Exists(ContainerPath(containerName)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var (containerPath, blobPath) = ResolveBlob(containerName, blobName);
        return await UploadCoreAsync(containerName, containerPath, blobName, blobPath, content, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var (containerPath, blobPath) = ResolveBlob(containerName, blobName);
        var content = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (content.ConfigureAwait(false))
        {
            return await UploadCoreAsync(containerName, containerPath, blobName, blobPath, content, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string containerPath = ContainerPath(containerName);
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
                var (containerPath, blobPath) = ResolveBlob(containerName, blobName);
                return (Stream)OpenBlob(containerName, containerPath, blobName, blobPath);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        var (containerPath, blobPath) = ResolveBlob(containerName, blobName);
        cancellationToken.ThrowIfCancellationRequested();
        string destination = Path.GetFullPath(destinationPath);
        if (File.Exists(destination) || Directory.Exists(destination))
        {
            throw DestinationExists(containerName, blobName, destination);
        }

        var source = OpenBlob(containerName, containerPath, blobName, blobPath);
        await using (source.ConfigureAwait(false))
        {
            FileStream output;
            try
            {
                output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException ex)
            {
                throw new BlobStorageException(BlobStorageErrorKind.Other, $"Cannot download blob '{blobName}' of container '{containerName}': the folder of '{destination}' does not exist. Create it first.", containerName, blobName, ex);
            }
            catch (IOException) when (File.Exists(destination) || Directory.Exists(destination))
            {
                throw DestinationExists(containerName, blobName, destination);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw Failure(ex, $"Could not create '{destination}' to download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            try
            {
                await using (output.ConfigureAwait(false))
                {
                    await source.CopyToAsync(output, BufferSize, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                // The file is ours (CreateNew): never leave a partial download behind.
                TryDeleteFile(destination);
                if (ex is IOException or UnauthorizedAccessException)
                {
                    throw Failure(ex, $"Could not download blob '{blobName}' of container '{containerName}' to '{destination}'", containerName, blobName);
                }

                throw;
            }
        }
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
                var (_, blobPath) = ResolveBlob(containerName, blobName);
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
        return Run(() => SignedFileUrl.ForContainerWrite(ContainerPath(containerName), expiresOn), cancellationToken);
    }

    /// <summary>
    /// Tells whether a file name is a hidden temporary file of an upload in progress:
    /// <c>.&lt;anything&gt;.&lt;32 hex digits&gt;.partial</c>, the form used both by this storage and by
    /// <see cref="Transfer.UrlTransfer"/> when it writes through a <c>file:</c> URL.
    /// </summary>
    internal static bool IsTemporaryFileName(ReadOnlySpan<char> fileName)
    {
        int guidStart = fileName.Length - TemporarySuffix.Length - GuidDigits;
        if (guidStart < 1 || fileName[0] != '.' || fileName[guidStart - 1] != '.' || !fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in fileName.Slice(guidStart, GuidDigits))
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
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

    private static bool IsStrictlyUnder(string path, string folder)
    {
        string prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal);
    }

    private static BlobStorageException Failure(Exception ex, string what, string? containerName, string? blobName)
    {
        var kind = ex is UnauthorizedAccessException ? BlobStorageErrorKind.Forbidden : BlobStorageErrorKind.Other;
        string advice = kind == BlobStorageErrorKind.Forbidden ? " Check the folder's permissions." : string.Empty;
        return new BlobStorageException(kind, $"{what}: {ex.Message}{advice}", containerName, blobName, ex);
    }

    private static BlobStorageException DestinationExists(string containerName, string blobName, string destination)
    {
        return new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Blob '{blobName}' of container '{containerName}' was not downloaded: '{destination}' already exists and is never overwritten. Choose another path or delete it first.", containerName, blobName);
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original failure is what the caller needs to see.
        }
    }

    private static async Task<byte[]> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
#pragma warning disable CA5351 // MD5 is Azure Blob's Content-MD5: a content fingerprint for SkipIfContentMatches, not a security control.
            return await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
#pragma warning restore CA5351
        }
    }

    private string ContainerPath(string containerName)
    {
        ArgumentNullException.ThrowIfNull(containerName);
        StorageNames.ThrowIfInvalidContainerName(containerName);
        string path = Path.GetFullPath(Path.Combine(RootDirectory, containerName));
        if (!IsStrictlyUnder(path, RootDirectory))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Container name '{containerName}' does not resolve to a folder under '{RootDirectory}'.", containerName);
        }

        return path;
    }

    private (string ContainerPath, string BlobPath) ResolveBlob(string containerName, string blobName)
    {
        string containerPath = ContainerPath(containerName);
        ArgumentNullException.ThrowIfNull(blobName);
        StorageNames.ThrowIfInvalidBlobName(containerName, blobName);
        string[] segments = blobName.Split('/');
        foreach (string segment in segments)
        {
            if (segment.IndexOfAny(InvalidFileNameChars) >= 0)
            {
                throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' contains a character this machine's file system does not allow in file names.", containerName, blobName);
            }
        }

        if (IsTemporaryFileName(segments[^1]))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' has the form '.<name>.<32 hex digits>.partial', which local folder storage reserves for uploads in progress.", containerName, blobName);
        }

        // Defence in depth: the name rules already forbid '..' and rooted names, but the file system has the last word.
        string blobPath = Path.GetFullPath(Path.Combine(containerPath, blobName.Replace('/', Path.DirectorySeparatorChar)));
        if (!IsStrictlyUnder(blobPath, containerPath))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' does not resolve to a file under container '{containerName}'.", containerName, blobName);
        }

        return (containerPath, blobPath);
    }

    private BlobStorageException ContainerNotFound(string containerName)
    {
        return new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' does not exist in local folder storage '{RootDirectory}'. Create it first with CreateContainerIfNotExistsAsync.", containerName);
    }

    private void RequireContainer(string containerName, string containerPath)
    {
        if (!Directory.Exists(containerPath))
        {
            throw ContainerNotFound(containerName);
        }
    }

    private FileStream OpenBlob(string containerName, string containerPath, string blobName, string blobPath)
    {
        RequireContainer(containerName, containerPath);
        try
        {
            return new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException || (ex is UnauthorizedAccessException && Directory.Exists(blobPath)))
        {
            // A folder is a prefix of other blobs, not a blob.
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Blob '{blobName}' does not exist in container '{containerName}' of local folder storage '{RootDirectory}'. Check that it was uploaded.", containerName, blobName, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(ex, $"Could not open blob '{blobName}' of container '{containerName}'", containerName, blobName);
        }
    }

    private async Task<BlobUploadResult> UploadCoreAsync(string containerName, string containerPath, string blobName, string blobPath, Stream content, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RequireContainer(containerName, containerPath);
        if (Directory.Exists(blobPath))
        {
            throw new BlobStorageException(BlobStorageErrorKind.Other, $"Blob '{blobName}' cannot be stored in container '{containerName}': local folder storage holds other blobs under '{blobName}/', and a blob cannot share its name with such a folder. Choose another name.", containerName, blobName);
        }

        if (!options.Overwrite && !options.SkipIfContentMatches && File.Exists(blobPath))
        {
            throw AlreadyExists(containerName, blobName);
        }

        string folder = Path.GetDirectoryName(blobPath)!;
        string temporary = Path.Combine(folder, $".upload.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            Directory.CreateDirectory(folder);
            var (length, md5) = await WriteTemporaryAsync(temporary, content, cancellationToken).ConfigureAwait(false);
            File.SetLastWriteTimeUtc(temporary, _timeProvider.GetUtcNow().UtcDateTime);

            if (options.SkipIfContentMatches && await HasContentAsync(blobPath, length, md5, cancellationToken).ConfigureAwait(false))
            {
                TryDeleteFile(temporary);
                return BlobUploadResult.Skipped;
            }

            if (options.Overwrite)
            {
                File.Move(temporary, blobPath, overwrite: true);
            }
            else if (!NoReplaceMove.TryMove(temporary, blobPath))
            {
                throw AlreadyExists(containerName, blobName);
            }

            return BlobUploadResult.Uploaded;
        }
        catch (Exception ex)
        {
            TryDeleteFile(temporary);
            if (ex is IOException && !Directory.Exists(containerPath))
            {
                throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' was deleted while blob '{blobName}' was being uploaded to it.", containerName, blobName, ex);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw Failure(ex, $"Could not upload blob '{blobName}' to container '{containerName}'", containerName, blobName);
            }

            throw;
        }
    }

    private static BlobStorageException AlreadyExists(string containerName, string blobName)
    {
        return new BlobStorageException(BlobStorageErrorKind.AlreadyExists, $"Blob '{blobName}' already exists in container '{containerName}' and overwriting was not allowed. Set BlobStorageUploadOptions.Overwrite to replace it.", containerName, blobName);
    }

    private static async Task<(long Length, byte[] Md5)> WriteTemporaryAsync(string temporary, Stream content, CancellationToken cancellationToken)
    {
#pragma warning disable CA5351 // MD5 is Azure Blob's Content-MD5: a content fingerprint, not a security control.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                int read;
                while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    md5.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    length += read;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (length, md5.GetHashAndReset());
    }

    private static async Task<bool> HasContentAsync(string blobPath, long length, byte[] md5, CancellationToken cancellationToken)
    {
        var existing = new FileInfo(blobPath);
        if (!existing.Exists || existing.Length != length)
        {
            return false;
        }

        try
        {
            byte[] existingMd5 = await HashFileAsync(blobPath, cancellationToken).ConfigureAwait(false);
            return existingMd5.AsSpan().SequenceEqual(md5);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    private List<BlobItemInfo> CollectBlobs(string containerName, string containerPath, string prefix, CancellationToken cancellationToken)
    {
        try
        {
            RequireContainer(containerName, containerPath);
            string start = containerPath;
            int slash = prefix.LastIndexOf('/');
            if (slash > 0 && StorageNames.ValidateBlobName(prefix[..slash]) is null)
            {
                // Only the folder the prefix names can hold matching blobs.
                string folder = Path.GetFullPath(Path.Combine(containerPath, prefix[..slash].Replace('/', Path.DirectorySeparatorChar)));
                if (IsStrictlyUnder(folder, containerPath))
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
                (ref FileSystemEntry entry) => new BlobItemInfo(entry.ToFullPath()[nameStart..].Replace(Path.DirectorySeparatorChar, '/'), entry.Length, entry.LastWriteTimeUtc),
                enumerationOptions)
            {
                ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !IsTemporaryFileName(entry.FileName),
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
            throw ContainerNotFound(containerName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure(ex, $"Could not list container '{containerName}' of local folder storage '{RootDirectory}'", containerName, null);
        }
    }
}
