using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// The download path of <see cref="AzureBlobStorage"/>: opens a blob as a stream whose failures surface as
/// <see cref="BlobStorageException"/>s, and downloads a blob to a new file, in ranges fetched several at a time,
/// through a hidden temporary file that is renamed into place (and removed on failure or cancellation).
/// </summary>
internal sealed class BlobDownloader
{
    private readonly BlobAccountContext _account;
    private readonly StorageTransferOptions _transferOptions;

    /// <summary>Initializes a new instance of the <see cref="BlobDownloader"/> class.</summary>
    /// <param name="account">The account, its failure messages and its logger.</param>
    /// <param name="transferOptions">The range size and parallelism of transfers.</param>
    public BlobDownloader(BlobAccountContext account, StorageTransferOptions transferOptions)
    {
        _account = account;
        _transferOptions = transferOptions;
    }

    /// <summary>Opens <paramref name="blob"/> to read (names already checked).</summary>
    public async Task<Stream> OpenReadAsync(BlobClient blob, string containerName, string blobName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobReadStream(response.Value.Content, ex => _account.Failure(ex, $"read blob '{blobName}' of container '{containerName}'", containerName, blobName));
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw _account.Failure(ex, $"read blob '{blobName}' of container '{containerName}'", containerName, blobName);
        }
    }

    /// <summary>Downloads <paramref name="blob"/> to a new file at <paramref name="destinationPath"/>, which must not exist (names and arguments already checked).</summary>
    public async Task DownloadToFileAsync(BlobClient blob, string containerName, string blobName, string destinationPath, CancellationToken cancellationToken)
    {
        string destination = Path.GetFullPath(destinationPath);
        if (File.Exists(destination) || Directory.Exists(destination))
        {
            throw DestinationExists(containerName, blobName, destination);
        }

        string folder = Path.GetDirectoryName(destination)!;
        string temporary = Path.Combine(folder, $".download.{Guid.NewGuid():N}.partial");
        FileStream output;
        try
        {
            // Unbuffered: the SDK writes from its own (pooled) copy buffer; a buffer of the stream's own would be 80 KB of
            // garbage per blob (800 MB for 10,000 outputs).
            output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        }
        catch (DirectoryNotFoundException)
        {
            throw new BlobStorageException(BlobStorageErrorKind.Other, $"Cannot download blob '{blobName}' of container '{containerName}' of storage account '{_account.AccountName}': the folder of '{destination}' does not exist. Create it first.", containerName, blobName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw LocalFailure(ex, $"Could not create a file in '{folder}' to download blob '{blobName}' of container '{containerName}'", containerName, blobName);
        }

        try
        {
            await using (output.ConfigureAwait(false))
            {
                await blob.DownloadToAsync(output, new BlobDownloadToOptions { TransferOptions = _transferOptions }, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                File.Move(temporary, destination, overwrite: false);
            }
            catch (IOException) when (File.Exists(destination) || Directory.Exists(destination))
            {
                throw DestinationExists(containerName, blobName, destination);
            }

            BlobStorageLog.Downloaded(_account.Logger, _account.AccountName, containerName, blobName, destination);
        }
        catch (Exception ex)
        {
            TryDeleteFile(temporary);
            if (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
            {
                throw _account.Failure(ex, $"download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw LocalFailure(ex, $"Could not write '{destination}' to download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            throw;
        }
    }

    private static BlobStorageException DestinationExists(string containerName, string blobName, string destination)
    {
        return new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Blob '{blobName}' of container '{containerName}' was not downloaded: '{destination}' already exists and is never overwritten. Choose another path or delete it first.", containerName, blobName);
    }

    private static BlobStorageException LocalFailure(Exception ex, string what, string containerName, string blobName)
    {
        var kind = ex is UnauthorizedAccessException ? BlobStorageErrorKind.Forbidden : BlobStorageErrorKind.Other;
        string advice = kind == BlobStorageErrorKind.Forbidden ? " Check the folder's permissions." : string.Empty;
        return new BlobStorageException(kind, $"{what}: {ex.Message}{advice}", containerName, blobName, ex);
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
}
