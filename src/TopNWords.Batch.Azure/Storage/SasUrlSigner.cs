using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>Signs the SAS URLs <see cref="AzureBlobStorage"/> hands out: with the account key, or with a user delegation key.</summary>
internal abstract class SasUrlSigner
{
    /// <summary>Signs <paramref name="builder"/> (container, blob, permissions, times, protocol set) and returns the resource's URL with the SAS.</summary>
    public abstract ValueTask<Uri> SignAsync(BlobSasBuilder builder, CancellationToken cancellationToken);

    /// <summary>The URL of the builder's resource in the account at <paramref name="serviceUri"/>, with <paramref name="sas"/> as its query.</summary>
    protected static Uri ResourceUri(Uri serviceUri, BlobSasBuilder builder, BlobSasQueryParameters sas)
    {
        var uri = new BlobUriBuilder(serviceUri)
        {
            BlobContainerName = builder.BlobContainerName,
            BlobName = string.IsNullOrEmpty(builder.BlobName) ? null : builder.BlobName,
            Sas = sas,
        };
        return uri.ToUri();
    }
}

/// <summary>Signs with the account key the <see cref="BlobServiceClient"/> was built with (Shared Key or a connection string).</summary>
internal sealed class SharedKeySasUrlSigner : SasUrlSigner
{
    private readonly BlobServiceClient _service;

    public SharedKeySasUrlSigner(BlobServiceClient service)
    {
        _service = service;
    }

    public override ValueTask<Uri> SignAsync(BlobSasBuilder builder, CancellationToken cancellationToken)
    {
        var container = _service.GetBlobContainerClient(builder.BlobContainerName);
        var uri = string.IsNullOrEmpty(builder.BlobName)
            ? container.GenerateSasUri(builder)
            : container.GetBlobClient(builder.BlobName).GenerateSasUri(builder);
        return ValueTask.FromResult(uri);
    }
}

/// <summary>
/// Signs with a user delegation key obtained with the client's Microsoft Entra ID credential. One key is
/// cached and reused for every URL that expires before it; it is renewed shortly before it expires, and
/// a URL that would outlive it gets a new, longer one (at most 7 days from now, the service's limit).
/// </summary>
internal sealed class UserDelegationSasUrlSigner : SasUrlSigner
{
    /// <summary>The longest a user delegation key may be valid, counted from the request.</summary>
    public static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(7);

    private readonly BlobServiceClient _service;
    private readonly string _accountName;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _renewBefore;
    private readonly TimeSpan _clockSkew;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private UserDelegationKey? _key;

    public UserDelegationSasUrlSigner(BlobServiceClient service, string accountName, TimeProvider time, TimeSpan lifetime, TimeSpan clockSkew, ILogger logger)
    {
        _service = service;
        _accountName = accountName;
        _time = time;
        _lifetime = lifetime;
        _clockSkew = clockSkew;
        _logger = logger;

        // Renew a key once less than a tenth of its lifetime is left (at least one minute, at most 30).
        _renewBefore = TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks / 10, TimeSpan.FromMinutes(1).Ticks, TimeSpan.FromMinutes(30).Ticks));
    }

    public override async ValueTask<Uri> SignAsync(BlobSasBuilder builder, CancellationToken cancellationToken)
    {
        var key = await GetKeyAsync(builder.ExpiresOn, cancellationToken).ConfigureAwait(false);
        return ResourceUri(_service.Uri, builder, builder.ToSasQueryParameters(key, _accountName));
    }

    /// <summary>A key valid at least until <paramref name="sasExpiresOn"/> and not about to expire.</summary>
    internal async ValueTask<UserDelegationKey> GetKeyAsync(DateTimeOffset sasExpiresOn, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (sasExpiresOn > now + MaxKeyLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(sasExpiresOn), sasExpiresOn, $"A URL signed with a user delegation key can be valid for at most {MaxKeyLifetime.TotalDays} days from now; ask for an earlier expiry.");
        }

        var key = Volatile.Read(ref _key);
        if (IsUsable(key, now, sasExpiresOn))
        {
            return key!;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            key = _key;
            if (IsUsable(key, now, sasExpiresOn))
            {
                return key!;
            }

            var expiresOn = now + _lifetime;
            if (expiresOn < sasExpiresOn + _renewBefore)
            {
                expiresOn = sasExpiresOn + _renewBefore;
            }

            if (expiresOn > now + MaxKeyLifetime)
            {
                expiresOn = now + MaxKeyLifetime;
            }

            var options = new BlobGetUserDelegationKeyOptions(expiresOn) { StartsOn = now - _clockSkew };
            key = (await _service.GetUserDelegationKeyAsync(options, cancellationToken).ConfigureAwait(false)).Value;
            Volatile.Write(ref _key, key);
            BlobStorageLog.UserDelegationKeyObtained(_logger, _accountName, key.SignedExpiresOn);
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool IsUsable(UserDelegationKey? key, DateTimeOffset now, DateTimeOffset sasExpiresOn)
    {
        return key is not null && key.SignedExpiresOn >= sasExpiresOn && key.SignedExpiresOn - now > _renewBefore;
    }
}
