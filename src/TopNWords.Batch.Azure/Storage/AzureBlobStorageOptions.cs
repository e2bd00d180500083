using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>Options for <see cref="AzureBlobStorage"/>.</summary>
/// <remarks>
/// Retries are Azure.Core's (the client pipeline is the one retry layer): transient HTTP failures (408,
/// 429, 500, 502, 503, 504) and network errors are retried <see cref="MaxRetries"/> times with exponential
/// backoff; other failures are not. The defaults fail fast on an unreachable endpoint or a wrong key.
/// </remarks>
public sealed class AzureBlobStorageOptions
{
    /// <summary>
    /// Gets or sets the Blob service REST API version the client speaks, or <see langword="null"/> for the
    /// newest one this version of Azure.Storage.Blobs knows. Pin an older one for an emulator that refuses
    /// newer versions (or start Azurite with <c>--skipApiVersionCheck</c>).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the newest version).</value>
    public BlobClientOptions.ServiceVersion? ServiceVersion { get; set; }

    /// <summary>Gets or sets how many times a transient failure of one request is retried.</summary>
    /// <value>The default value is 3.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry; it doubles for each later one.</summary>
    /// <value>The default value is 0.5 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    /// <summary>Gets or sets the longest delay between two retries.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long one request (or one read of a response body) may wait on the network before it
    /// is abandoned and, if retries are left, retried.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(60);

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
    /// Gets or sets the logger, or <see langword="null"/> for none. Names of accounts, containers and blobs
    /// are logged; keys, connection strings and SAS signatures never are.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// Gets or sets a callback that adjusts the <see cref="BlobClientOptions"/> after this class has applied
    /// its settings (for example, to add a pipeline policy or a transport). Do not add a second retry layer.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<BlobClientOptions>? ConfigureClientOptions { get; set; }

    /// <summary>Throws when a value is out of range.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(NetworkTimeout, TimeSpan.Zero, nameof(NetworkTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1, nameof(MaxParallelism));
        ArgumentOutOfRangeException.ThrowIfLessThan(TransferBlockSize, 64 * 1024, nameof(TransferBlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(SasClockSkew, TimeSpan.Zero, nameof(SasClockSkew));
        ArgumentOutOfRangeException.ThrowIfLessThan(UserDelegationKeyLifetime, TimeSpan.FromMinutes(10), nameof(UserDelegationKeyLifetime));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(UserDelegationKeyLifetime, TimeSpan.FromDays(7), nameof(UserDelegationKeyLifetime));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
    }
}
