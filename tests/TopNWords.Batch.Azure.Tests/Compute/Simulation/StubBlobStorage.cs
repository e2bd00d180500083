using System.Runtime.CompilerServices;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Compute.Simulation;

/// <summary>
/// Storage that hands out Blob-like SAS URLs (with a signature that must never be logged) and stores nothing:
/// enough for the workflow to drive the Azure Batch backend. Outputs are never found.
/// </summary>
internal sealed class StubBlobStorage : IBlobStorage
{
    public StorageCapabilities Capabilities => StorageCapabilities.SignedUrls | StorageCapabilities.RemotelyReachableUrls;

    public string DisplayName => "acct.blob.core.windows.net";

    public Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<bool> DeleteContainerIfExistsAsync(string containerName, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default) => Task.FromResult(true);

    public Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(BlobUploadResult.Uploaded);

    public Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(BlobUploadResult.Uploaded);

    public async IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public IAsyncEnumerable<string> ListContainersAsync(string? prefix = null, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<string>();

    public Task<bool> DeleteBlobIfExistsAsync(string containerName, string blobName, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public Task<Stream> OpenReadAsync(string containerName, string blobName, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
        => Task.FromResult(new Uri($"https://acct.blob.core.windows.net/{containerName}/{blobName}?sv=2025-01-05&sr=b&sp=r&sig={ComputeHarness.Signature}"));

    public Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
        => Task.FromResult(new Uri($"https://acct.blob.core.windows.net/{containerName}?sv=2025-01-05&sr=c&sp=cw&sig={ComputeHarness.Signature}"));
}
