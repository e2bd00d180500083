using System.Buffers;
using System.Security.Cryptography;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Storage.Local;

/// <summary>
/// The blob file operations of a <see cref="LocalFolderStorage"/>, on paths <see cref="LocalBlobPaths"/> has
/// checked. An upload streams into a hidden temporary file beside the blob and is published by a rename (when it
/// may overwrite) or by <see cref="NoReplaceMove"/> (when it may not, so that exactly one of racing writers wins):
/// a reader sees the old content or the new, never part of it. A download never overwrites and never leaves a
/// partial file behind.
/// </summary>
internal sealed class LocalBlobTransfers
{
    private const int BufferSize = 81920;

    private readonly LocalBlobPaths _paths;
    private readonly TimeProvider _timeProvider;

    public LocalBlobTransfers(LocalBlobPaths paths, TimeProvider timeProvider)
    {
        _paths = paths;
        _timeProvider = timeProvider;
    }

    /// <summary>Uploads the file at <paramref name="filePath"/> as the blob at <paramref name="blobPath"/>.</summary>
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string containerPath, string blobName, string blobPath, string filePath, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        // Unbuffered: it is read through a pooled buffer (a FileStream buffer would be a new 80 KB array per file).
        var content = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (content.ConfigureAwait(false))
        {
            return await UploadAsync(containerName, containerPath, blobName, blobPath, content, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Uploads <paramref name="content"/> as the blob at <paramref name="blobPath"/>.</summary>
    public async Task<BlobUploadResult> UploadAsync(string containerName, string containerPath, string blobName, string blobPath, Stream content, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _paths.RequireContainer(containerName, containerPath);
        if (Directory.Exists(blobPath))
        {
            throw new BlobStorageException(BlobStorageErrorKind.Other, $"Blob '{blobName}' cannot be stored in container '{containerName}': local folder storage holds other blobs under '{blobName}/', and a blob cannot share its name with such a folder. Choose another name.", containerName, blobName);
        }

        if (!options.Overwrite && !options.SkipIfContentMatches && File.Exists(blobPath))
        {
            throw LocalStorageErrors.AlreadyExists(containerName, blobName);
        }

        string folder = Path.GetDirectoryName(blobPath)!;
        string temporary = LocalBlobPaths.NewTemporaryPath(folder, "upload");
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
                throw LocalStorageErrors.AlreadyExists(containerName, blobName);
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
                throw LocalStorageErrors.Failure(ex, $"Could not upload blob '{blobName}' to container '{containerName}'", containerName, blobName);
            }

            throw;
        }
    }

    /// <summary>Opens the blob's file to read; a missing file (or a folder of other blobs) is <see cref="BlobStorageErrorKind.NotFound"/>.</summary>
    /// <param name="containerName">The container.</param>
    /// <param name="containerPath">Its folder.</param>
    /// <param name="blobName">The blob.</param>
    /// <param name="blobPath">Its file.</param>
    /// <param name="bufferSize">The stream's buffer: 0 when it is only copied (through a buffer of the caller's).</param>
    /// <returns>The stream.</returns>
    public FileStream OpenBlob(string containerName, string containerPath, string blobName, string blobPath, int bufferSize = BufferSize)
    {
        _paths.RequireContainer(containerName, containerPath);
        try
        {
            return new FileStream(blobPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException || (ex is UnauthorizedAccessException && Directory.Exists(blobPath)))
        {
            // A folder is a prefix of other blobs, not a blob.
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Blob '{blobName}' does not exist in container '{containerName}' of local folder storage '{_paths.RootDirectory}'. Check that it was uploaded.", containerName, blobName, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw LocalStorageErrors.Failure(ex, $"Could not open blob '{blobName}' of container '{containerName}'", containerName, blobName);
        }
    }

    /// <summary>
    /// Copies the blob's file to a new file at <paramref name="destinationPath"/>, which must not exist: into a hidden temporary
    /// file beside it, moved into place only when complete (<see cref="NoReplaceMove"/>), as the Azure storage does. A process
    /// killed part-way leaves no partial file under the destination's name (which a resumed run would find and refuse as
    /// another file of the same name).
    /// </summary>
    public async Task DownloadToFileAsync(string containerName, string containerPath, string blobName, string blobPath, string destinationPath, CancellationToken cancellationToken)
    {
        string destination = Path.GetFullPath(destinationPath);
        if (File.Exists(destination) || Directory.Exists(destination))
        {
            throw LocalStorageErrors.DestinationExists(containerName, blobName, destination);
        }

        var source = OpenBlob(containerName, containerPath, blobName, blobPath, bufferSize: 0);
        await using (source.ConfigureAwait(false))
        {
            string temporary = LocalBlobPaths.NewTemporaryPath(Path.GetDirectoryName(destination)!, "download");
            FileStream output;
            try
            {
                output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            }
            catch (DirectoryNotFoundException ex)
            {
                throw new BlobStorageException(BlobStorageErrorKind.Other, $"Cannot download blob '{blobName}' of container '{containerName}': the folder of '{destination}' does not exist. Create it first.", containerName, blobName, ex);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw LocalStorageErrors.Failure(ex, $"Could not create a file beside '{destination}' to download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            try
            {
                await using (output.ConfigureAwait(false))
                {
                    // Unbuffered streams, one pooled buffer no larger than the file (most outputs are a few hundred bytes).
                    await source.CopyToAsync(output, CopyBufferSize(source), cancellationToken).ConfigureAwait(false);
                }

                if (!NoReplaceMove.TryMove(temporary, destination))
                {
                    throw LocalStorageErrors.DestinationExists(containerName, blobName, destination);
                }
            }
            catch (Exception ex)
            {
                // The temporary file is ours (CreateNew): never leave a partial download behind.
                TryDeleteFile(temporary);
                if (ex is IOException or UnauthorizedAccessException)
                {
                    throw LocalStorageErrors.Failure(ex, $"Could not download blob '{blobName}' of container '{containerName}' to '{destination}'", containerName, blobName);
                }

                throw;
            }
        }
    }

    /// <summary>The copy buffer for a file: its length (at least 1 byte more, to see its end in one read), at most <see cref="BufferSize"/>.</summary>
    /// <param name="source">The file.</param>
    /// <returns>The size.</returns>
    internal static int CopyBufferSize(FileStream source)
    {
        long length;
        try
        {
            length = source.Length;
        }
        catch (IOException)
        {
            return BufferSize;
        }

        return (int)Math.Clamp(length + 1, 1, BufferSize);
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
}
