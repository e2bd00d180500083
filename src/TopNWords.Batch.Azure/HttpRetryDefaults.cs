using Azure.Core;

namespace TopNWords.Batch.Azure;

/// <summary>
/// The HTTP retry settings that the Blob storage (<see cref="Storage.AzureBlobStorageOptions.Retry"/>) and the Batch
/// client (<see cref="BatchClientOptions"/>'s <see cref="ClientOptions.Retry"/>) both start from, and the one check of them:
/// a few quick tries, because the workflow's own retries carry a run through a long outage.
/// </summary>
internal static class HttpRetryDefaults
{
    /// <summary>The default <see cref="RetryOptions.Mode"/>: exponential backoff.</summary>
    internal const RetryMode Mode = RetryMode.Exponential;

    /// <summary>The default <see cref="RetryOptions.MaxRetries"/>: 3 retries after the first attempt.</summary>
    internal const int MaxRetries = 3;

    /// <summary>The default <see cref="RetryOptions.Delay"/>: 0.5 seconds before the first retry, doubling for each later one.</summary>
    internal static readonly TimeSpan Delay = TimeSpan.FromSeconds(0.5);

    /// <summary>The default <see cref="RetryOptions.MaxDelay"/>: at most 10 seconds between two attempts (a server's <c>Retry-After</c> is honoured beyond it).</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>The default <see cref="RetryOptions.NetworkTimeout"/>: 60 seconds for one request or one read of a response body.</summary>
    internal static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Sets the defaults on <paramref name="retry"/>.</summary>
    /// <param name="retry">The retry options to change.</param>
    /// <returns><paramref name="retry"/>.</returns>
    internal static RetryOptions Apply(RetryOptions retry)
    {
        retry.Mode = Mode;
        retry.MaxRetries = MaxRetries;
        retry.Delay = Delay;
        retry.MaxDelay = MaxDelay;
        retry.NetworkTimeout = NetworkTimeout;
        return retry;
    }

    /// <summary>Copies every setting of <paramref name="source"/> to <paramref name="target"/>.</summary>
    internal static void CopyTo(RetryOptions source, RetryOptions target)
    {
        target.Mode = source.Mode;
        target.MaxRetries = source.MaxRetries;
        target.Delay = source.Delay;
        target.MaxDelay = source.MaxDelay;
        target.NetworkTimeout = source.NetworkTimeout;
    }

    /// <summary>Throws when a retry setting is out of range, naming it as <c>&lt;owner&gt;.Retry.&lt;setting&gt;</c>.</summary>
    /// <param name="retry">The retry options.</param>
    /// <param name="owner">The options class that holds them, for the messages.</param>
    internal static void Validate(RetryOptions retry, string owner)
    {
        if (!Enum.IsDefined(retry.Mode))
        {
            throw OutOfRange("Retry.Mode", retry.Mode, $"{owner}.Retry.Mode is {(int)retry.Mode}, which is not a RetryMode: use RetryMode.Exponential (the default) or RetryMode.Fixed.");
        }

        if (retry.MaxRetries < 0)
        {
            throw OutOfRange("Retry.MaxRetries", retry.MaxRetries, $"{owner}.Retry.MaxRetries must be 0 (no retry) or more (the default is {MaxRetries}).");
        }

        if (retry.Delay < TimeSpan.Zero)
        {
            throw OutOfRange("Retry.Delay", retry.Delay, $"{owner}.Retry.Delay must not be negative: set the wait before the first retry (the default is {Delay.TotalSeconds:0.#} seconds).");
        }

        if (retry.MaxDelay < retry.Delay)
        {
            throw OutOfRange("Retry.MaxDelay", retry.MaxDelay, $"{owner}.Retry.MaxDelay ({retry.MaxDelay}) is less than Retry.Delay ({retry.Delay}): set it to at least the delay (the default is {MaxDelay.TotalSeconds:0} seconds).");
        }

        if (retry.NetworkTimeout <= TimeSpan.Zero && retry.NetworkTimeout != Timeout.InfiniteTimeSpan)
        {
            throw OutOfRange("Retry.NetworkTimeout", retry.NetworkTimeout, $"{owner}.Retry.NetworkTimeout must be positive, or Timeout.InfiniteTimeSpan for none (the default is {NetworkTimeout.TotalSeconds:0} seconds).");
        }
    }

    // The options convention names the invalid option (Retry.<setting>) in ParamName; it is not a parameter of Validate.
    private static ArgumentOutOfRangeException OutOfRange(string option, object value, string message) => new(option, value, message);
}
