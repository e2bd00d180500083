using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// An <see cref="IBlobStorage"/> over Azure Blob Storage (or Azurite), built on Azure.Storage.Blobs. The
/// URLs it hands out are service SAS URLs signed with the account key, or user delegation SAS URLs when it
/// is built with a Microsoft Entra ID <see cref="TokenCredential"/>.
/// </summary>
/// <remarks>
/// <para>
/// Names are checked against <see cref="StorageNames"/> before anything is sent. Uploads stream, in blocks
/// of <see cref="AzureBlobStorageOptions.TransferBlockSize"/>, <see cref="AzureBlobStorageOptions.MaxParallelism"/>
/// at a time, and record the content's MD5 (<c>Content-MD5</c>) even when it is sent in several blocks, so
/// that <see cref="BlobStorageUploadOptions.SkipIfContentMatches"/> can compare without downloading anything.
/// </para>
/// <para>
/// Read URLs carry only the <c>r</c> permission on one blob; container write URLs only <c>c</c> and
/// <c>w</c> (no read, list or delete). Both start <see cref="AzureBlobStorageOptions.SasClockSkew"/> before
/// now and are HTTPS-only when the endpoint is HTTPS.
/// </para>
/// <para>
/// Failures are <see cref="BlobStorageException"/>s whose messages name the account, the container and the
/// blob; they never hold the account key, the connection string or a SAS signature (the Azure SDK's own
/// exceptions, whose messages can echo requests, are not kept as inner exceptions). The class is thread-safe.
/// </para>
/// </remarks>
public sealed class AzureBlobStorage : IBlobStorage
{
    private const int BufferSize = 81920;

    private readonly BlobServiceClient _service;
    private readonly SasUrlSigner _signer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _clockSkew;
    private readonly StorageTransferOptions _transferOptions;
    private readonly int _blockSize;
    private readonly SasProtocol _protocol;
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private readonly string[] _secrets;

    /// <summary>Initializes a new instance of the <see cref="AzureBlobStorage"/> class from a connection string.</summary>
    /// <param name="connectionString">
    /// An Azure Storage connection string holding the account key (<c>AccountName=…;AccountKey=…</c>, or
    /// <c>UseDevelopmentStorage=true</c> for Azurite on its default port). The key signs the URLs.
    /// </param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The connection string is not valid or holds no account key.</exception>
    public AzureBlobStorage(string connectionString, AzureBlobStorageOptions? options = null)
        : this(CreateFromConnectionString(connectionString, Prepare(options)), Prepare(options), userDelegation: false, secrets: ConnectionStringSecrets(connectionString))
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBlobStorage"/> class from an account key.</summary>
    /// <param name="serviceEndpoint">The Blob service endpoint, for example <c>https://myaccount.blob.core.windows.net</c> (or <c>http://127.0.0.1:10000/devstoreaccount1</c> for Azurite).</param>
    /// <param name="credential">The account name and key. The key signs the URLs.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    public AzureBlobStorage(Uri serviceEndpoint, StorageSharedKeyCredential credential, AzureBlobStorageOptions? options = null)
        : this(new BlobServiceClient(RequireEndpoint(serviceEndpoint), RequireNotNull(credential), CreateClientOptions(Prepare(options))), Prepare(options), userDelegation: false, secrets: [])
    {
    }

    /// <summary>
    /// Initializes a new instance of the <see cref="AzureBlobStorage"/> class with a Microsoft Entra ID
    /// credential. The URLs it hands out are user delegation SAS URLs: the identity needs a
    /// 'Storage Blob Data Contributor' role on the account (and 'Storage Blob Delegator', which it includes).
    /// </summary>
    /// <param name="serviceEndpoint">The Blob service endpoint, for example <c>https://myaccount.blob.core.windows.net</c>.</param>
    /// <param name="credential">The credential, for example <c>DefaultAzureCredential</c> from Azure.Identity.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    public AzureBlobStorage(Uri serviceEndpoint, TokenCredential credential, AzureBlobStorageOptions? options = null)
        : this(new BlobServiceClient(RequireEndpoint(serviceEndpoint), RequireNotNull(credential), CreateClientOptions(Prepare(options))), Prepare(options), userDelegation: true, secrets: [])
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBlobStorage"/> class over an existing client (tests).</summary>
    /// <param name="service">The client; with <paramref name="userDelegation"/> false it must have been built with the account key.</param>
    /// <param name="options">The prepared options.</param>
    /// <param name="userDelegation">Whether URLs are signed with user delegation keys rather than the account key.</param>
    /// <param name="secrets">Texts the messages must never contain (besides the account key, which never reaches them).</param>
    internal AzureBlobStorage(BlobServiceClient service, AzureBlobStorageOptions options, bool userDelegation, IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _time = options.TimeProvider;
        _clockSkew = options.SasClockSkew;
        _blockSize = options.TransferBlockSize;
        _transferOptions = new StorageTransferOptions
        {
            MaximumConcurrency = options.MaxParallelism,
            InitialTransferSize = options.TransferBlockSize,
            MaximumTransferSize = options.TransferBlockSize,
        };
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<AzureBlobStorage>() ?? NullLogger.Instance;
        ServiceEndpoint = new Uri(service.Uri.GetLeftPart(UriPartial.Path));
        _endpoint = ServiceEndpoint.AbsoluteUri;
        AccountName = string.IsNullOrEmpty(service.AccountName) ? ServiceEndpoint.Host : service.AccountName;
        _protocol = ServiceEndpoint.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp;
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s))];
        _signer = userDelegation
            ? new UserDelegationSasUrlSigner(service, AccountName, _time, options.UserDelegationKeyLifetime, _clockSkew, _logger)
            : new SharedKeySasUrlSigner(service);
    }

    /// <summary>Gets the storage account name.</summary>
    public string AccountName { get; }

    /// <summary>Gets the Blob service endpoint (it holds no secret).</summary>
    public Uri ServiceEndpoint { get; }

    /// <inheritdoc />
    /// <value><see cref="StorageCapabilities.SignedUrls"/> and <see cref="StorageCapabilities.RemotelyReachableUrls"/>: the service enforces the URLs' limits, for any machine that can reach it.</value>
    public StorageCapabilities Capabilities => StorageCapabilities.SignedUrls | StorageCapabilities.RemotelyReachableUrls;

    /// <inheritdoc />
    /// <value>The storage account name.</value>
    public string DisplayName => AccountName;

    /// <summary>Creates an <see cref="AzureBlobStorage"/> from a connection string that holds the account key.</summary>
    /// <param name="connectionString">The connection string (<c>UseDevelopmentStorage=true</c> for Azurite on its default port).</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The storage.</returns>
    public static AzureBlobStorage FromConnectionString(string connectionString, AzureBlobStorageOptions? options = null)
        => new(connectionString, options);

    /// <summary>Creates an <see cref="AzureBlobStorage"/> from an account name and key.</summary>
    /// <param name="accountName">The storage account name.</param>
    /// <param name="accountKey">The account key (base64).</param>
    /// <param name="serviceEndpoint">
    /// The Blob service endpoint, or <see langword="null"/> for <c>https://&lt;account&gt;.blob.core.windows.net</c>.
    /// Give it for Azurite (<c>http://127.0.0.1:10000/devstoreaccount1</c>) or a sovereign cloud.
    /// </param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The storage.</returns>
    public static AzureBlobStorage FromAccountKey(string accountName, string accountKey, Uri? serviceEndpoint = null, AzureBlobStorageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        serviceEndpoint ??= new Uri($"https://{accountName}.blob.core.windows.net");
        StorageSharedKeyCredential credential;
        try
        {
            credential = new StorageSharedKeyCredential(accountName, accountKey);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"The account key of storage account '{accountName}' is not valid base64 (its value is not shown). Copy it again from the account's access keys.", nameof(accountKey));
        }

        var prepared = Prepare(options);
        var service = new BlobServiceClient(RequireEndpoint(serviceEndpoint), credential, CreateClientOptions(prepared));
        return new AzureBlobStorage(service, prepared, userDelegation: false, secrets: [accountKey]);
    }

    /// <inheritdoc />
    public async Task<bool> CreateContainerIfNotExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        var container = Container(containerName);
        try
        {
            var response = await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return false;
            }

            BlobStorageLog.ContainerCreated(_logger, AccountName, containerName);
            return true;
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"create container '{containerName}'", containerName, null);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteContainerIfExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        var container = Container(containerName);
        try
        {
            bool deleted = (await container.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (deleted)
            {
                BlobStorageLog.ContainerDeleted(_logger, AccountName, containerName);
            }

            return deleted;
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"delete container '{containerName}'", containerName, null);
        }
    }

    /// <inheritdoc />
    public async Task<bool> ContainerExistsAsync(string containerName, CancellationToken cancellationToken = default)
    {
        var container = Container(containerName);
        try
        {
            return (await container.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"check whether container '{containerName}' exists", containerName, null);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A seekable stream is read twice (once for its MD5, once to send it). With
    /// <see cref="BlobStorageUploadOptions.SkipIfContentMatches"/>, a non-seekable stream is first copied to a
    /// temporary file (to know its MD5 before anything is sent); without it, it is sent as it is read.
    /// </remarks>
    public async Task<BlobUploadResult> UploadAsync(string containerName, string blobName, Stream content, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        ArgumentNullException.ThrowIfNull(content);
        options ??= new BlobStorageUploadOptions();
        cancellationToken.ThrowIfCancellationRequested();

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

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var content = new FileStream(filePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (content.ConfigureAwait(false))
        {
            return await UploadSeekableAsync(blob, containerName, blobName, content, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>The service lists blobs in the ordinal order of their names.</remarks>
    public async IAsyncEnumerable<BlobItemInfo> ListBlobsAsync(string containerName, string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var container = Container(containerName);
        var listOptions = new GetBlobsOptions { Prefix = string.IsNullOrEmpty(prefix) ? null : prefix };
        var items = container.GetBlobsAsync(listOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (items.ConfigureAwait(false))
        {
            while (true)
            {
                BlobItem item;
                try
                {
                    if (!await items.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    item = items.Current;
                }
                catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
                {
                    throw Failure(ex, $"list container '{containerName}'", containerName, null);
                }

                var properties = item.Properties;
                byte[]? md5 = properties?.ContentHash;
                yield return new BlobItemInfo(
                    item.Name,
                    properties?.ContentLength ?? 0,
                    properties?.LastModified,
                    md5 is { Length: > 0 } ? md5 : null);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The stream reads the blob as it was when it was opened (one <c>GET</c>, resumed from where it stopped
    /// if the connection drops); read failures surface as <see cref="BlobStorageException"/>.
    /// </remarks>
    public async Task<Stream> OpenReadAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        try
        {
            var response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new BlobReadStream(response.Value.Content, ex => Failure(ex, $"read blob '{blobName}' of container '{containerName}'", containerName, blobName));
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"read blob '{blobName}' of container '{containerName}'", containerName, blobName);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The blob is written to a hidden temporary file beside the destination (<c>.download.&lt;guid&gt;.partial</c>),
    /// in ranges fetched <see cref="AzureBlobStorageOptions.MaxParallelism"/> at a time, then renamed into
    /// place; the temporary file is removed on failure or cancellation.
    /// </remarks>
    public async Task DownloadToFileAsync(string containerName, string blobName, string destinationPath, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        cancellationToken.ThrowIfCancellationRequested();
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
            output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
        }
        catch (DirectoryNotFoundException)
        {
            throw new BlobStorageException(BlobStorageErrorKind.Other, $"Cannot download blob '{blobName}' of container '{containerName}' of storage account '{AccountName}': the folder of '{destination}' does not exist. Create it first.", containerName, blobName);
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

            BlobStorageLog.Downloaded(_logger, AccountName, containerName, blobName, destination);
        }
        catch (Exception ex)
        {
            TryDeleteFile(temporary);
            if (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
            {
                throw Failure(ex, $"download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                throw LocalFailure(ex, $"Could not write '{destination}' to download blob '{blobName}' of container '{containerName}'", containerName, blobName);
            }

            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>A service SAS (or user delegation SAS) for this one blob with only the <c>r</c> permission. It is made without checking that the blob exists.</remarks>
    public async Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        ValidateNames(containerName, blobName);
        cancellationToken.ThrowIfCancellationRequested();
        var builder = new BlobSasBuilder(BlobSasPermissions.Read, expiresOn)
        {
            BlobContainerName = containerName,
            BlobName = blobName,
            Resource = "b",
        };
        return await SignAsync(builder, $"blob '{blobName}' of container '{containerName}'", containerName, blobName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A container SAS with only the <c>c</c> and <c>w</c> permissions. It is made without checking that the container exists.</remarks>
    public async Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        ValidateContainerName(containerName);
        cancellationToken.ThrowIfCancellationRequested();
        var builder = new BlobSasBuilder(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, expiresOn)
        {
            BlobContainerName = containerName,
            Resource = "c",
        };
        return await SignAsync(builder, $"container '{containerName}'", containerName, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The client options the storage's settings give.</summary>
    internal static BlobClientOptions CreateClientOptions(AzureBlobStorageOptions options)
    {
        var clientOptions = options.ServiceVersion is { } version ? new BlobClientOptions(version) : new BlobClientOptions();
        HttpRetryDefaults.CopyTo(options.Retry, clientOptions.Retry);

        // Azure.Core already redacts every query parameter but an allowed few (never sig) in its own logs.
        options.ConfigureClientOptions?.Invoke(clientOptions);
        return clientOptions;
    }

    /// <summary>The options, validated, or the defaults.</summary>
    internal static AzureBlobStorageOptions Prepare(AzureBlobStorageOptions? options)
    {
        options ??= new AzureBlobStorageOptions();
        options.Validate();
        return options;
    }

    private static BlobServiceClient CreateFromConnectionString(string connectionString, AzureBlobStorageOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        BlobServiceClient service;
        try
        {
            service = new BlobServiceClient(connectionString, CreateClientOptions(options));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's message may quote the connection string: it is not kept.
            throw new ArgumentException("The connection string is not a valid Azure Storage connection string (its text is not shown: it holds a secret). Copy it again from the storage account's access keys.", nameof(connectionString));
        }

        if (!service.CanGenerateAccountSasUri)
        {
            throw new ArgumentException($"The connection string of storage account '{service.AccountName}' holds no account key (AccountKey=…), so the storage cannot sign the URLs it hands to tasks. Use a connection string with a key, or the constructor that takes a TokenCredential.", nameof(connectionString));
        }

        return service;
    }

    /// <summary>The connection string and the account key in it: texts no message may contain.</summary>
    private static string[] ConnectionStringSecrets(string connectionString)
    {
        const string KeyPrefix = "AccountKey=";
        var secrets = new List<string> { connectionString };
        foreach (string part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith(KeyPrefix, StringComparison.OrdinalIgnoreCase) && part.Length > KeyPrefix.Length)
            {
                secrets.Add(part[KeyPrefix.Length..]);
            }
        }

        return [.. secrets];
    }

    private static Uri RequireEndpoint(Uri serviceEndpoint)
    {
        ArgumentNullException.ThrowIfNull(serviceEndpoint);
        if (!serviceEndpoint.IsAbsoluteUri || (serviceEndpoint.Scheme != Uri.UriSchemeHttps && serviceEndpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The Blob service endpoint must be an absolute http: or https: URL (got '{serviceEndpoint.GetLeftPart(UriPartial.Path)}').", nameof(serviceEndpoint));
        }

        if (!string.IsNullOrEmpty(serviceEndpoint.Query))
        {
            throw new ArgumentException("The Blob service endpoint must not have a query (a SAS token): pass the account key or a TokenCredential instead.", nameof(serviceEndpoint));
        }

        return serviceEndpoint;
    }

    private static T RequireNotNull<T>(T value, [CallerArgumentExpression(nameof(value))] string? name = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(value, name);
        return value;
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

    private static void ValidateContainerName(string containerName)
    {
        ArgumentNullException.ThrowIfNull(containerName);
        StorageNames.ThrowIfInvalidContainerName(containerName);
    }

    private static void ValidateNames(string containerName, string blobName)
    {
        ValidateContainerName(containerName);
        ArgumentNullException.ThrowIfNull(blobName);
        StorageNames.ThrowIfInvalidBlobName(containerName, blobName);
    }

    private BlobContainerClient Container(string containerName)
    {
        ValidateContainerName(containerName);
        return _service.GetBlobContainerClient(containerName);
    }

    private BlobClient Blob(string containerName, string blobName)
    {
        ValidateNames(containerName, blobName);
        return _service.GetBlobContainerClient(containerName).GetBlobClient(blobName);
    }

    private BlobStorageException Failure(Exception ex, string action, string? containerName, string? blobName)
    {
        var failure = AzureBlobErrors.Map(ex, AccountName, _endpoint, action, containerName, blobName, _secrets);
        var (_, status, code) = AzureBlobErrors.Classify(ex);
        BlobStorageLog.OperationFailed(_logger, AccountName, action, failure.Kind, status, code);
        return failure;
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
                BlobStorageLog.UploadSkipped(_logger, AccountName, containerName, blobName, length);
                return BlobUploadResult.Skipped;
            }

            await blob.UploadAsync(content, AzureUploadOptions(options, md5), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, action, containerName, blobName);
        }

        BlobStorageLog.Uploaded(_logger, AccountName, containerName, blobName, length);
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
            throw Failure(ex, action, containerName, blobName);
        }

        BlobStorageLog.Uploaded(_logger, AccountName, containerName, blobName, hashing.Length);
        return BlobUploadResult.Uploaded;
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

    private async Task<Uri> SignAsync(BlobSasBuilder builder, string resource, string containerName, string? blobName, CancellationToken cancellationToken)
    {
        builder.StartsOn = _time.GetUtcNow() - _clockSkew;
        builder.Protocol = _protocol;
        Uri url;
        try
        {
            url = await _signer.SignAsync(builder, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"get a user delegation key to sign a URL for {resource}", containerName, blobName);
        }

        BlobStorageLog.UrlIssued(_logger, AccountName, resource, builder.Permissions, builder.StartsOn, builder.ExpiresOn);
        return url;
    }

    /// <summary>Reads through to a stream, computing the MD5 and length of what was read.</summary>
    private sealed class Md5ReadStream : ForwardReadStream
    {
        private readonly Stream _inner;
#pragma warning disable CA5351 // MD5 is Azure Blob's Content-MD5: a content fingerprint, not a security control.
        private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
        private long _length;

        public Md5ReadStream(Stream inner) => _inner = inner;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public byte[] GetHash() => _md5.GetCurrentHash();

        public override int Read(Span<byte> buffer)
        {
            int read = _inner.Read(buffer);
            Append(buffer[..read]);
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            Append(buffer.Span[..read]);
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _md5.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Append(ReadOnlySpan<byte> data)
        {
            _md5.AppendData(data);
            _length += data.Length;
        }
    }

    /// <summary>A blob's content stream whose service and network failures surface as <see cref="BlobStorageException"/>s.</summary>
    private sealed class BlobReadStream : ForwardReadStream
    {
        private readonly Stream _inner;
        private readonly Func<Exception, BlobStorageException> _failure;

        public BlobReadStream(Stream inner, Func<Exception, BlobStorageException> failure)
        {
            _inner = inner;
            _failure = failure;
        }

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return _inner.Read(buffer);
            }
            catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, CancellationToken.None) && ex is not OperationCanceledException)
            {
                throw _failure(ex);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
            {
                throw _failure(ex);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
