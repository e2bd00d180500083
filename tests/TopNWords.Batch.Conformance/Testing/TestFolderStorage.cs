using System.Globalization;
using System.Runtime.CompilerServices;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Conformance.Testing;

/// <summary>
/// A minimal <see cref="IBlobStorage"/> over a folder for tests that need somewhere to stage resource files
/// and receive output files: containers are sub-folders, blobs are files, and URLs are <c>file:</c> URLs with
/// the <c>sp</c>/<c>se</c> limits (and a dummy <c>sig</c>) that <see cref="Transfer.UrlTransfer"/> honours.
/// A test double, not the product's local storage.
/// </summary>
public sealed class TestFolderStorage : IBlobStorage
{
    /// <summary>Initializes a new instance of the <see cref="TestFolderStorage"/> class.</summary>
    /// <param name="rootPath">The folder; created when missing.</param>
    public TestFolderStorage(string rootPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootPath);
        RootPath = Path.GetFullPath(rootPath);
        Directory.CreateDirectory(RootPath);
    }

    /// <summary>Gets the folder.</summary>
    public string RootPath { get; }

    /// <summary>Gets the dummy signature every URL carries, so tests can check that it never leaks into messages.</summary>
    public string Signature { get; } = "test-signature-" + Guid.NewGuid().ToString("N");

    /// <inheritdoc />
    public StorageCapabilities Capabilities => StorageCapabilities.None;

    /// <inheritdoc />
    public string DisplayName => $"test folder ({RootPath})";

    /// <inheritdoc />
    public Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        StorageNames.ThrowIfInvalidContainerName(containerName);
        string folder = ContainerPath(containerName);
        if (Directory.Exists(folder))
        {
            return Task.FromResult(false);
        }

        Directory.CreateDirectory(folder);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<bool> DeleteContainerIfExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        string folder = ContainerPath(containerName);
        if (!Directory.Exists(folder))
        {
            return Task.FromResult(false);
        }

        Directory.Delete(folder, recursive: true);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default) =>
        Task.FromResult(Directory.Exists(ContainerPath(containerName)));

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        string path = BlobPath(containerName, blobName, mustExist: false);
        if (options is { Overwrite: false } && File.Exists(path))
        {
            throw new BlobStorageException(BlobStorageErrorKind.AlreadyExists, $"Blob '{blobName}' exists in container '{containerName}'.", containerName, blobName);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        await content.CopyToAsync(file, cancellationToken);
        return BlobUploadResult.Uploaded;
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var source = File.OpenRead(filePath);
        return await UploadAsync(containerName, blobName, source, options, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string folder = ContainerPath(containerName);
        if (!Directory.Exists(folder))
        {
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' does not exist.", containerName);
        }

        var names = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !(Path.GetFileName(f).StartsWith('.') && f.EndsWith(".partial", StringComparison.Ordinal))) // a transfer in flight
            .Select(f => (Name: Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File: f))
            .Where(b => prefix is null || b.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var (name, file) in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            yield return new BlobItemInfo(name, info.Length, info.LastWriteTimeUtc);
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string containerName, string blobName, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(File.OpenRead(BlobPath(containerName, blobName, mustExist: true)));

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListContainersAsync(string? prefix = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (string name in Directory.EnumerateDirectories(RootPath).Select(Path.GetFileName).OfType<string>().Where(n => prefix is null || n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteBlobIfExistsAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(ContainerPath(containerName)))
        {
            return Task.FromResult(false);
        }

        string path = BlobPath(containerName, blobName, mustExist: false);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public async Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default)
    {
        string path = BlobPath(containerName, blobName, mustExist: true);
        if (File.Exists(destinationPath))
        {
            throw new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"'{destinationPath}' exists.", containerName, blobName);
        }

        await using var source = File.OpenRead(path);
        await using var target = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write);
        await source.CopyToAsync(target, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        Task.FromResult(WithLimits(BlobPath(containerName, blobName, mustExist: true), "r", expiresOn));

    /// <inheritdoc />
    public Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        string folder = ContainerPath(containerName);
        if (!Directory.Exists(folder))
        {
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' does not exist.", containerName);
        }

        return Task.FromResult(WithLimits(folder, "cw", expiresOn));
    }

    /// <inheritdoc />
    public Task<Uri> GetContainerReadUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        Task.FromResult(WithLimits(ContainerPath(containerName), "rl", expiresOn));

    private Uri WithLimits(string path, string permissions, DateTimeOffset expiresOn)
    {
        string expiry = Uri.EscapeDataString(expiresOn.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        return new UriBuilder(new Uri(path)) { Query = $"sp={permissions}&se={expiry}&sig={Signature}" }.Uri;
    }

    private string ContainerPath(string containerName)
    {
        StorageNames.ThrowIfInvalidContainerName(containerName);
        return Path.Combine(RootPath, containerName);
    }

    private string BlobPath(string containerName, string blobName, bool mustExist)
    {
        StorageNames.ThrowIfInvalidBlobName(containerName, blobName);
        string folder = ContainerPath(containerName);
        if (!Directory.Exists(folder))
        {
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' does not exist.", containerName);
        }

        string path = Path.Combine(folder, blobName.Replace('/', Path.DirectorySeparatorChar));
        if (mustExist && !File.Exists(path))
        {
            throw new BlobStorageException(BlobStorageErrorKind.NotFound, $"Blob '{blobName}' does not exist in container '{containerName}'.", containerName, blobName);
        }

        return path;
    }
}
