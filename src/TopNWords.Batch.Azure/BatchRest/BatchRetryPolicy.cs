using System.Globalization;
using System.Runtime.ExceptionServices;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// The one retry layer of the Batch pipeline (installed as <see cref="ClientOptions.RetryPolicy"/>). It retries
/// 408, 429, 500, 502, 503, 504 and network failures, every method included (POST add-task-collection is safe
/// to resend: the service answers <c>TaskExists</c> for tasks that were added), waits through a
/// <see cref="TimeProvider"/>, and honours <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c> and
/// <c>Retry-After</c> (seconds or an HTTP date). No other status is retried.
/// </summary>
/// <remarks>
/// Azure.Core's own <c>RetryPolicy</c> waits with <c>Task.Delay(TimeSpan, CancellationToken)</c> on the
/// system clock, which tests could not control; this policy replaces it, so there is still one retry layer.
/// The policies after it (signing, logging) run again on every attempt.
/// </remarks>
internal sealed class BatchRetryPolicy : HttpPipelinePolicy
{
    private readonly RetryOptions _retry;
    private readonly TimeProvider _timeProvider;

    internal BatchRetryPolicy(RetryOptions retry, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _retry = retry;
        _timeProvider = timeProvider;
    }

    /// <summary>Random factor in [0.8, 1.2) applied to computed (not server-given) delays; replaceable by tests.</summary>
    internal Func<double> Jitter { get; init; } = static () => 0.8 + (Random.Shared.NextDouble() * 0.4);

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => ProcessCoreAsync(message, pipeline, async: true);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        => ProcessCoreAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    internal static bool IsRetriableStatus(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;

    internal static bool IsRetriableException(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        IOException => true,
        RequestFailedException { Status: 0 } => true,
        // A network timeout (Azure.Core's ResponseBodyPolicy), not the caller's cancellation.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>The server's requested delay, if the response carries one.</summary>
    internal static TimeSpan? GetServerDelay(Response response, DateTimeOffset now)
    {
        if (TryGetMilliseconds(response, "retry-after-ms", out TimeSpan delay) ||
            TryGetMilliseconds(response, "x-ms-retry-after-ms", out delay))
        {
            return delay;
        }

        if (response.Headers.TryGetValue("Retry-After", out string? retryAfter) && !string.IsNullOrWhiteSpace(retryAfter))
        {
            retryAfter = retryAfter.Trim();
            if (int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (DateTimeOffset.TryParseExact(retryAfter, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ||
                DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
            {
                TimeSpan untilThen = at - now;
                return untilThen > TimeSpan.Zero ? untilThen : TimeSpan.Zero;
            }
        }

        return null;
    }

    /// <summary>
    /// The server's requested delay, if the response carries one; an HTTP-date <c>Retry-After</c> is measured from the
    /// response's own <c>Date</c> header (the server's clock), and ignored without one.
    /// </summary>
    internal static TimeSpan? GetServerDelay(Response response)
    {
        if (response.Headers.Date is { } date)
        {
            return GetServerDelay(response, date);
        }

        bool isDate = response.Headers.TryGetValue("Retry-After", out string? retryAfter)
            && !string.IsNullOrWhiteSpace(retryAfter)
            && !int.TryParse(retryAfter.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _);
        TimeSpan? delay = GetServerDelay(response, DateTimeOffset.MinValue);
        return isDate && delay is not null && !HasMillisecondsHeader(response) ? null : delay;
    }

    /// <summary>The backoff before retry number <paramref name="retryNumber"/> (1 for the first retry), without a server hint.</summary>
    internal TimeSpan GetBackoff(int retryNumber)
    {
        double factor = _retry.Mode == RetryMode.Exponential ? Math.Pow(2, retryNumber - 1) : 1;
        double milliseconds = _retry.Delay.TotalMilliseconds * factor * Jitter();
        double max = _retry.MaxDelay.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Min(milliseconds, max));
    }

    private async ValueTask ProcessCoreAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        int retryNumber = 0;
        while (true)
        {
            MessageProcessingContext context = message.ProcessingContext;
            context.RetryNumber = retryNumber;
            Exception? failure = null;
            try
            {
                if (async)
                {
                    await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                }
                else
                {
                    ProcessNext(message, pipeline);
                }
            }
            catch (Exception ex) when (IsRetriableException(ex, message.CancellationToken))
            {
                failure = ex;
            }

            bool transient = failure is not null || IsRetriableStatus(message.Response.Status);
            if (!transient || retryNumber >= _retry.MaxRetries)
            {
                if (failure is not null)
                {
                    ExceptionDispatchInfo.Throw(failure);
                }

                return;
            }

            retryNumber++;
            TimeSpan delay = (failure is null ? GetServerDelay(message.Response, _timeProvider.GetUtcNow()) : null)
                ?? GetBackoff(retryNumber);

            if (failure is null)
            {
                // The failed attempt's body is not needed any more; the next attempt sets a new response.
                message.Response.ContentStream?.Dispose();
            }

            if (delay > TimeSpan.Zero)
            {
                Task wait = Task.Delay(delay, _timeProvider, message.CancellationToken);
                if (async)
                {
                    await wait.ConfigureAwait(false);
                }
                else
                {
                    wait.GetAwaiter().GetResult();
                }
            }

            message.CancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static bool HasMillisecondsHeader(Response response) =>
        TryGetMilliseconds(response, "retry-after-ms", out _) || TryGetMilliseconds(response, "x-ms-retry-after-ms", out _);

    private static bool TryGetMilliseconds(Response response, string header, out TimeSpan delay)
    {
        if (response.Headers.TryGetValue(header, out string? value) &&
            double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double milliseconds) &&
            milliseconds >= 0)
        {
            delay = TimeSpan.FromMilliseconds(milliseconds);
            return true;
        }

        delay = default;
        return false;
    }
}
