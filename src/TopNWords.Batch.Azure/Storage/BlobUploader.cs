using System.Buffers;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// The upload path of <see cref="AzureBlobStorage"/>: streams content to a blob in blocks, several at a time, and
/// records the content's MD5 (<c>Content-MD5</c>) even when it is sent in several blocks, so that
/// <see cref="BlobStorageUploadOptions.SkipIfContentMatches"/> can compare without downloading anything.
/// </summary>
internal sealed class BlobUploader
{
    private const int BufferSize = 81920;

    private readonly BlobAccountContext _account;
    private readonly StorageTransferOptions _transferOptions;
    private readonly int _blockSize;

    /// <summary>Initializes a new instance of the <see cref="BlobUploader"/> class.</summary>
    /// <param name="account">The account, its failure messages and its logger.</param>
    /// <param name="transferOptions">The block size and parallelism of transfers.</param>
    /// <param name="blockSize">The block size: content longer than this is sent in several blocks.</param>
    public BlobUploader(BlobAccountContext account, StorageTransferOptions transferOptions, int blockSize)
    {
        _account = account;
        _transferOptions = transferOptions;
        _blockSize = blockSize;
    }

    /// <summary>Uploads <paramref name="content"/> from its position to its end to <paramref name="blob"/> (names and arguments already checked).</summary>
    public async Task<BlobUploadResult> UploadAsync(BlobClient blob, string containerName, string blobName, Stream content, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        if (content.CanSeek)
        {
            return await UploadSeekableAsync(blob, containerName, blobName, content, options, cancellationToken).ConfigureAwait(false);
        }

        if (!options.SkipIfContentMatches)
        {
            return await UploadUnseekableAsync(blob, containerName, blobName, content, options, cancellationToken).ConfigureAwait(false);
        }

        // To compare before sending, the content must be read once before it is sent: spool it to disk.
        string spool = Path.Combine(Path.GetTempPath(), $"topnwords-upload-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(spool, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await using (file.ConfigureAwait(false))
        {
            await content.CopyToAsync(file, BufferSize, cancellationToken).ConfigureAwait(false);
            file.Position = 0;
            return await UploadSeekableAsync(blob, containerName, blobName, file, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Uploads the file at <paramref name="filePath"/> to <paramref name="blob"/> (names and arguments already checked).</summary>
    public async Task<BlobUploadResult> UploadFileAsync(BlobClient blob, string containerName, string blobName, string filePath, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        // Unbuffered: the checksum pass and the SDK read into their own (pooled) buffers; a buffer of the stream's own would
        // be 80 KB of garbage per file (800 MB for 10,000 inputs).
        var content = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (content.ConfigureAwait(false))
        {
            return await UploadSeekableAsync(blob, containerName, blobName, content, options, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The MD5 and length of a seekable stream from its position to its end; the position is restored.</summary>
    private static async Task<(byte[] Md5, long Length)> HashAsync(Stream content, CancellationToken cancellationToken)
    {
        long start = content.Position;
#pragma warning disable CA5351 // MD5 is Azure Blob's Content-MD5: a content fingerprint, not a security control.
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long length = 0;
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        content.Position = start;
        return (md5.GetHashAndReset(), length);
    }

    /// <summary>Whether the blob exists with exactly this length and MD5.</summary>
    private static async Task<bool> HasContentAsync(BlobClient blob, byte[] md5, long length, CancellationToken cancellationToken)
    {
        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No blob (or no container: the upload that follows says which).
            return false;
        }

        return properties.ContentLength == length && properties.ContentHash is { } existing && existing.AsSpan().SequenceEqual(md5);
    }

    private BlobUploadOptions AzureUploadOptions(BlobStorageUploadOptions options, byte[]? md5)
    {
        return new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders
            {
                ContentType = options.ContentType ?? "application/octet-stream",
                ContentHash = md5,
            },
            Conditions = options.Overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
            TransferOptions = _transferOptions,
        };
    }

    private async Task<BlobUploadResult> UploadSeekableAsync(BlobClient blob, string containerName, string blobName, Stream content, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        string action = $"upload blob '{blobName}' to container '{containerName}'";
        var (md5, length) = await HashAsync(content, cancellationToken).ConfigureAwait(false);
        try
        {
            if (options.SkipIfContentMatches && await HasContentAsync(blob, md5, length, cancellationToken).ConfigureAwait(false))
            {
                BlobStorageLog.UploadSkipped(_account.Logger, _account.AccountName, containerName, blobName, length);
                return BlobUploadResult.Skipped;
            }

            await blob.UploadAsync(content, AzureUploadOptions(options, md5), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw _account.Failure(ex, action, containerName, blobName);
        }

        BlobStorageLog.Uploaded(_account.Logger, _account.AccountName, containerName, blobName, length);
        return BlobUploadResult.Uploaded;
    }

    private async Task<BlobUploadResult> UploadUnseekableAsync(BlobClient blob, string containerName, string blobName, Stream content, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        string action = $"upload blob '{blobName}' to container '{containerName}'";
        using var hashing = new Md5ReadStream(content);
        try
        {
            var info = (await blob.UploadAsync(hashing, AzureUploadOptions(options, md5: null), cancellationToken).ConfigureAwait(false)).Value;
            byte[] md5 = hashing.GetHash();
            if (hashing.Length > _blockSize || info.ContentHash is null || !info.ContentHash.AsSpan().SequenceEqual(md5))
            {
                // Sent in several blocks: the service knows no MD5 of the whole. Record it, unless someone wrote since.
                var headers = new BlobHttpHeaders { ContentType = options.ContentType ?? "application/octet-stream", ContentHash = md5 };
                try
                {
                    await blob.SetHttpHeadersAsync(headers, new BlobRequestConditions { IfMatch = info.ETag }, cancellationToken).ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    // Replaced meanwhile by another writer, whose content it now is.
                }
            }
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw _account.Failure(ex, action, containerName, blobName);
        }

        BlobStorageLog.Uploaded(_account.Logger, _account.AccountName, containerName, blobName, hashing.Length);
        return BlobUploadResult.Uploaded;
    }
}
