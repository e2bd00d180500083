using Azure.Storage.Sas;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// The URLs <see cref="AzureBlobStorage"/> hands out, signed by a <see cref="SasUrlSigner"/>: a blob read URL with
/// only the <c>r</c> permission, a container write URL with only <c>c</c> and <c>w</c>. Both start a clock skew
/// before now and are HTTPS-only when the endpoint is HTTPS. Nothing is checked to exist.
/// </summary>
internal sealed class BlobUrlIssuer
{
    private readonly BlobAccountContext _account;
    private readonly SasUrlSigner _signer;
    private readonly TimeProvider _time;
    private readonly TimeSpan _clockSkew;
    private readonly SasProtocol _protocol;

    /// <summary>Initializes a new instance of the <see cref="BlobUrlIssuer"/> class.</summary>
    /// <param name="account">The account, its failure messages and its logger.</param>
    /// <param name="signer">Signs with the account key or with a user delegation key.</param>
    /// <param name="time">The clock the URLs start from.</param>
    /// <param name="clockSkew">How long before now the URLs start.</param>
    /// <param name="protocol">The protocols the URLs allow.</param>
    public BlobUrlIssuer(BlobAccountContext account, SasUrlSigner signer, TimeProvider time, TimeSpan clockSkew, SasProtocol protocol)
    {
        _account = account;
        _signer = signer;
        _time = time;
        _clockSkew = clockSkew;
        _protocol = protocol;
    }

    /// <summary>A read-only URL of one blob (names already checked).</summary>
    public async Task<Uri> GetBlobReadUrlAsync(string containerName, string blobName, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var builder = new BlobSasBuilder(BlobSasPermissions.Read, expiresOn)
        {
            BlobContainerName = containerName,
            BlobName = blobName,
            Resource = "b",
        };
        return await SignAsync(builder, $"blob '{blobName}' of container '{containerName}'", containerName, blobName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A create/write-only URL of a container (name already checked).</summary>
    public async Task<Uri> GetContainerWriteUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var builder = new BlobSasBuilder(BlobContainerSasPermissions.Create | BlobContainerSasPermissions.Write, expiresOn)
        {
            BlobContainerName = containerName,
            Resource = "c",
        };
        return await SignAsync(builder, $"container '{containerName}'", containerName, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A read/list-only URL of a container (name already checked).</summary>
    public async Task<Uri> GetContainerReadUrlAsync(string containerName, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        var builder = new BlobSasBuilder(BlobContainerSasPermissions.Read | BlobContainerSasPermissions.List, expiresOn)
        {
            BlobContainerName = containerName,
            Resource = "c",
        };
        return await SignAsync(builder, $"container '{containerName}'", containerName, null, cancellationToken).ConfigureAwait(false);
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
            throw _account.Failure(ex, $"get a user delegation key to sign a URL for {resource}", containerName, blobName);
        }

        BlobStorageLog.UrlIssued(_account.Logger, _account.AccountName, resource, builder.Permissions, builder.StartsOn, builder.ExpiresOn);
        return url;
    }
}
