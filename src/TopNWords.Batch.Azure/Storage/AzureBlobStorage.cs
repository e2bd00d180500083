using Azure;
using System.Runtime.CompilerServices;
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
    private readonly BlobServiceClient _service;
    private readonly BlobAccountContext _account;
    private readonly ILogger _logger;
    private readonly BlobUploader _uploader;
    private readonly BlobDownloader _downloader;
    private readonly BlobUrlIssuer _urls;

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
        var transferOptions = new StorageTransferOptions
        {
            MaximumConcurrency = options.MaxParallelism,
            InitialTransferSize = options.TransferBlockSize,
            MaximumTransferSize = options.TransferBlockSize,
        };
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<AzureBlobStorage>() ?? NullLogger.Instance;
        ServiceEndpoint = new Uri(service.Uri.GetLeftPart(UriPartial.Path));
        AccountName = string.IsNullOrEmpty(service.AccountName) ? ServiceEndpoint.Host : service.AccountName;
        var protocol = ServiceEndpoint.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp;
        SasUrlSigner signer = userDelegation
            ? new UserDelegationSasUrlSigner(service, AccountName, options.TimeProvider, options.UserDelegationKeyLifetime, options.SasClockSkew, _logger)
            : new SharedKeySasUrlSigner(service);

        // One account context, so that every collaborator names the account alike and logs under this class's category.
        _account = new BlobAccountContext(AccountName, ServiceEndpoint, secrets, _logger);
        _uploader = new BlobUploader(_account, transferOptions, options.TransferBlockSize);
        _downloader = new BlobDownloader(_account, transferOptions);
        _urls = new BlobUrlIssuer(_account, signer, options.TimeProvider, options.SasClockSkew, protocol);
        MaxUrlLifetime = userDelegation ? UserDelegationSasUrlSigner.MaxKeyLifetime : null;
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

    /// <inheritdoc />
    /// <value>
    /// 7 days when URLs are user delegation SAS (a storage built with a <see cref="TokenCredential"/>): Azure Storage signs
    /// them with a user delegation key, which lives at most 7 days. <see langword="null"/> (no limit) with the account key.
    /// </value>
    public TimeSpan? MaxUrlLifetime { get; }

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
        return await _uploader.UploadAsync(blob, containerName, blobName, content, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BlobUploadResult> UploadFileAsync(string containerName, string blobName, string filePath, BlobStorageUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return await _uploader.UploadFileAsync(blob, containerName, blobName, filePath, options ?? new BlobStorageUploadOptions(), cancellationToken).ConfigureAwait(false);
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
        return await _downloader.OpenReadAsync(blob, containerName, blobName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListContainersAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pages = _service.GetBlobContainersAsync(prefix: prefix, cancellationToken: cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<BlobContainerItem> page;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    page = pages.Current;
                }
                catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
                {
                    throw Failure(ex, $"list the containers of account '{AccountName}'", string.Empty, null);
                }

                foreach (var item in page.Values)
                {
                    yield return item.Name;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteBlobIfExistsAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        var blob = Blob(containerName, blobName);
        try
        {
            return (await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw Failure(ex, $"delete blob '{blobName}' of container '{containerName}'", containerName, blobName);
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
        await _downloader.DownloadToFileAsync(blob, containerName, blobName, destinationPath, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A service SAS (or user delegation SAS) for this one blob with only the <c>r</c> permission. It is made without checking that the blob exists.</remarks>
    public async Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        ValidateNames(containerName, blobName);
        cancellationToken.ThrowIfCancellationRequested();
        return await _urls.GetBlobReadUrlAsync(containerName, blobName, expiresOn, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A container SAS with only the <c>c</c> and <c>w</c> permissions. It is made without checking that the container exists.</remarks>
    public async Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        ValidateContainerName(containerName);
        cancellationToken.ThrowIfCancellationRequested();
        return await _urls.GetContainerWriteUrlAsync(containerName, expiresOn, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>A container SAS with only the <c>r</c> and <c>l</c> permissions (account key or user delegation, as the other URLs). It is made without checking that the container exists.</remarks>
    public async Task<Uri> GetContainerReadUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        ValidateContainerName(containerName);
        cancellationToken.ThrowIfCancellationRequested();
        return await _urls.GetContainerReadUrlAsync(containerName, expiresOn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The client options the storage's settings give.</summary>
    internal static BlobClientOptions CreateClientOptions(AzureBlobStorageOptions options)
    {
        var clientOptions = options.ServiceVersion is { } version ? new BlobClientOptions(version) : new BlobClientOptions();
        HttpRetryDefaults.CopyTo(options.Retry, clientOptions.Retry);

        // The request ids of each request go on the span of the workflow's call (never a URL or another header).
        clientOptions.AddPolicy(RequestIdTelemetryPolicy.Instance, HttpPipelinePosition.PerRetry);

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
        => _account.Failure(ex, action, containerName, blobName);
}
