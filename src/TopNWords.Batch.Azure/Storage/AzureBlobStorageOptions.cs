using Azure.Core;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>Options for <see cref="AzureBlobStorage"/>.</summary>
/// <remarks>
/// Retries are Azure.Core's (the client pipeline is the one retry layer), configured through <see cref="Retry"/> exactly
/// as the Batch client's are through <see cref="BatchClientOptions"/>' <see cref="ClientOptions.Retry"/>, with the same
/// defaults: transient HTTP failures (408, 429, 500, 502, 503, 504) and network errors are retried a few times, quickly,
/// waiting as long as the service asks with <c>Retry-After</c> when it does; other failures are not retried. The defaults
/// fail fast on an unreachable endpoint or a wrong key.
/// </remarks>
public sealed class AzureBlobStorageOptions
{
    private const int MinTransferBlockSize = 64 * 1024;
    private static readonly TimeSpan MinUserDelegationKeyLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxUserDelegationKeyLifetime = TimeSpan.FromDays(7);

    /// <summary>
    /// Gets or sets the Blob service REST API version the client speaks, or <see langword="null"/> for the
    /// newest one this version of Azure.Storage.Blobs knows. Pin an older one for an emulator that refuses
    /// newer versions (or start Azurite with <c>--skipApiVersionCheck</c>).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the newest version).</value>
    public BlobClientOptions.ServiceVersion? ServiceVersion { get; set; }

    /// <summary>
    /// Gets the retry settings of every request: an Azure.Core <see cref="RetryOptions"/>, as <see cref="ClientOptions.Retry"/>
    /// is for the Batch client (<see cref="BatchClientOptions"/>), with the same defaults. They are copied to the
    /// <see cref="BlobClientOptions"/> when the storage is created.
    /// </summary>
    /// <value>
    /// The default value is a few quick tries: <see cref="RetryOptions.MaxRetries"/> 3; <see cref="RetryOptions.Mode"/>
    /// <see cref="RetryMode.Exponential"/> from <see cref="RetryOptions.Delay"/> 0.5 seconds, doubling, with jitter, at most
    /// <see cref="RetryOptions.MaxDelay"/> 10 seconds apart (a longer <c>Retry-After</c> is honoured); and
    /// <see cref="RetryOptions.NetworkTimeout"/> 60 seconds: how long one request (or one read of a response body) may
    /// wait on the network before it is abandoned and, if retries are left, retried.
    /// </value>
    public RetryOptions Retry { get; } = HttpRetryDefaults.Apply(new BlobClientOptions().Retry);

    /// <summary>
    /// Gets or sets how many blocks (or ranges) of one blob are transferred at the same time by uploads and
    /// <see cref="AzureBlobStorage.DownloadToFileAsync"/>.
    /// </summary>
    /// <value>The default value is 8.</value>
    public int MaxParallelism { get; set; } = 8;

    /// <summary>
    /// Gets or sets the size of one block (or range) of a transfer. A blob no larger than this is sent in
    /// one request; a larger one in blocks of this size, <see cref="MaxParallelism"/> at a time, so memory
    /// use is bounded by about <c>MaxParallelism × TransferBlockSize</c> per transfer.
    /// </summary>
    /// <value>The default value is 4 MiB.</value>
    public int TransferBlockSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Gets or sets how far before the current time the URLs' start time (<c>st</c>) is put, so that a
    /// service whose clock runs slightly behind this machine's accepts a URL at once.
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan SasClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets how long a user delegation key is requested for when the storage signs URLs with a
    /// Microsoft Entra ID credential. A key is reused for every URL that expires before it and renewed
    /// when it is about to expire; a URL that outlives it gets a new key (at most 7 days, the service's limit).
    /// </summary>
    /// <value>The default value is 6 hours.</value>
    public TimeSpan UserDelegationKeyLifetime { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Gets or sets the clock that URL start times and user delegation key lifetimes are computed from.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the logger factory the storage creates its logger from. Names of accounts, containers and blobs
    /// are logged; keys, connection strings and SAS signatures never are.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets a callback that adjusts the <see cref="BlobClientOptions"/> after this class has applied
    /// its settings (for example, to add a pipeline policy or a transport). Do not add a second retry layer.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<BlobClientOptions>? ConfigureClientOptions { get; set; }

    /// <summary>Checks the options; the constructors and factory methods of <see cref="AzureBlobStorage"/> call it.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An option is out of range: a setting of <see cref="Retry"/> (as <see cref="BatchClientOptions.Validate"/> checks it),
    /// <see cref="MaxParallelism"/> is less than 1, <see cref="TransferBlockSize"/> is less than 64 KiB,
    /// <see cref="SasClockSkew"/> is negative, or <see cref="UserDelegationKeyLifetime"/> is not between 10 minutes and
    /// 7 days. The exception's <see cref="ArgumentException.ParamName"/> names the option, such as <c>Retry.MaxRetries</c>.
    /// </exception>
    public void Validate()
    {
        HttpRetryDefaults.Validate(Retry, nameof(AzureBlobStorageOptions));
        if (MaxParallelism < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, "AzureBlobStorageOptions.MaxParallelism must be at least 1 (1 transfers one block at a time; the default is 8).");
        }

        if (TransferBlockSize < MinTransferBlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(TransferBlockSize), TransferBlockSize, "AzureBlobStorageOptions.TransferBlockSize must be at least 64 KiB (65536 bytes; the default is 4 MiB).");
        }

        if (SasClockSkew < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(SasClockSkew), SasClockSkew, "AzureBlobStorageOptions.SasClockSkew must not be negative: set how far before now the URLs start (the default is 5 minutes).");
        }

        if (UserDelegationKeyLifetime < MinUserDelegationKeyLifetime || UserDelegationKeyLifetime > MaxUserDelegationKeyLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(UserDelegationKeyLifetime), UserDelegationKeyLifetime, "AzureBlobStorageOptions.UserDelegationKeyLifetime must be between 10 minutes and 7 days (the service's limit; the default is 6 hours).");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "AzureBlobStorageOptions.TimeProvider is null: leave it at TimeProvider.System, or set the clock to use (such as a FakeTimeProvider in tests).");
        }
    }
}
