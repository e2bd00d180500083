using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The workflow's resilience layer: the Polly pipeline that every storage and compute call of a run goes through
/// (see <see cref="BatchWorkflowOptions.Resilience"/>), and the rule that tells a transient failure from one that
/// retrying cannot fix.
/// </summary>
/// <remarks>
/// <para>
/// The default pipeline (<see cref="CreateDefaultPipeline"/>) retries transient failures (see <see cref="IsTransient"/>)
/// with exponential backoff and jitter, from <see cref="DefaultBaseDelay"/> up to <see cref="DefaultMaxDelay"/> between two
/// attempts, waiting exactly as long as the service asked when a failure carries a <c>Retry-After</c>
/// (<see cref="GetRetryAfter"/>). It has no attempt limit of its own: the workflow runs every call under the cancellation
/// token of the current stage's timeout (<see cref="WorkflowTimeouts"/>), so retries stop when that timeout runs out
/// and the run fails with a <see cref="BatchTimeoutException"/> naming it. Every other failure fails the call at once.
/// </para>
/// <para>
/// The Azure backends keep their own HTTP retries (a few quick ones per request); this layer retries whole operations
/// after those gave up, so a long outage or a burst of throttling does not end a run.
/// </para>
/// </remarks>
public static class WorkflowResilience
{
    /// <summary>The wait before the default pipeline's first retry (1 second), doubling for each later one, with jitter.</summary>
    public static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait (30 seconds) the default pipeline's backoff reaches; a longer <c>Retry-After</c> is still honoured.</summary>
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>The key of the run id in the <see cref="ResilienceContext.Properties"/> of every call the workflow makes.</summary>
    public static readonly ResiliencePropertyKey<string> RunIdKey = new("TopNWords.Batch.RunId");

    /// <summary>
    /// Creates the workflow's default pipeline: transient failures (<see cref="IsTransient"/>) retried without an attempt
    /// limit (the stage's timeout ends them), with exponential backoff and jitter from <see cref="DefaultBaseDelay"/> to
    /// <see cref="DefaultMaxDelay"/>, honouring <c>Retry-After</c> (<see cref="GetRetryAfter"/>), and one warning logged per retry
    /// (the operation, the attempt, the delay and the kind of failure; never a message that could quote a URL).
    /// </summary>
    /// <param name="timeProvider">The clock the waits use, or <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Where the retries are logged (category <see cref="BatchWorkflow"/>), or <see langword="null"/> for nowhere.</param>
    /// <returns>The pipeline, to set as <see cref="BatchWorkflowOptions.Resilience"/> or to build upon.</returns>
    public static ResiliencePipeline CreateDefaultPipeline(TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ILogger logger = (ILogger?)loggerFactory?.CreateLogger<BatchWorkflow>() ?? NullLogger.Instance;
        return Create(timeProvider ?? TimeProvider.System, logger);
    }

    /// <summary>
    /// Tells whether <paramref name="exception"/> is a failure that trying again may fix: throttling, a busy or unavailable
    /// service, 5xx, a timeout (but not the caller's cancellation) or a dropped connection.
    /// </summary>
    /// <param name="exception">The failure of a storage or compute call.</param>
    /// <param name="cancellationToken">The token the call ran under: a cancellation it requested is never transient.</param>
    /// <returns>
    /// <see langword="true"/> for <see cref="BatchComputeErrorKind.Unavailable"/> and <see cref="BlobStorageErrorKind.Unavailable"/>
    /// (the backends' kind for 408, 429, 5xx and no response), <see cref="TimeoutException"/>, an
    /// <see cref="OperationCanceledException"/> that <paramref name="cancellationToken"/> did not request,
    /// <see cref="SocketException"/>, <see cref="HttpRequestException"/> without a status or with 408, 429 or 5xx, and an
    /// <see cref="IOException"/> of the network (not a missing file or a full disk); <see langword="false"/> for everything
    /// else: authentication, not found, already exists, conflicts, invalid requests and quotas fail at once.
    /// </returns>
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            BatchComputeException compute => compute.Kind == BatchComputeErrorKind.Unavailable,
            BlobStorageException storage => storage.Kind == BlobStorageErrorKind.Unavailable,
            OperationCanceledException => !cancellationToken.IsCancellationRequested,
            TimeoutException or SocketException => true,
            HttpRequestException http => http.StatusCode is null || (int)http.StatusCode is 408 or 429 or >= 500,
            IOException io => IsTransientIO(io),
            AggregateException { InnerExceptions.Count: > 0 } aggregate => aggregate.InnerExceptions.All(e => IsTransient(e, cancellationToken)),
            _ => false,
        };
    }

    /// <summary>
    /// The wait the service asked for with a failure (<see cref="BatchComputeException.RetryAfter"/> or
    /// <see cref="BlobStorageException.RetryAfter"/>, on the exception or one of its inner exceptions).
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <returns>The requested wait, or <see langword="null"/> when none was given.</returns>
    public static TimeSpan? GetRetryAfter(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            TimeSpan? retryAfter = e switch
            {
                BatchComputeException compute => compute.RetryAfter,
                BlobStorageException storage => storage.RetryAfter,
                _ => null,
            };
            if (retryAfter is { } wait && wait >= TimeSpan.Zero)
            {
                return wait;
            }
        }

        return null;
    }

    /// <summary>The default pipeline, logging to <paramref name="logger"/>.</summary>
    internal static ResiliencePipeline Create(TimeProvider timeProvider, ILogger logger)
    {
        var retry = new RetryStrategyOptions
        {
            Name = "TopNWords.Batch.Workflow",
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex, args.Context.CancellationToken)),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = DefaultBaseDelay,
            MaxDelay = DefaultMaxDelay,
            MaxRetryAttempts = int.MaxValue,
            DelayGenerator = static args => ValueTask.FromResult(GetRetryAfter(args.Outcome.Exception)),
            OnRetry = args =>
            {
                if (logger.IsEnabled(LogLevel.Warning))
                {
                    string runId = args.Context.Properties.GetValue(RunIdKey, "(none)");
                    WorkflowLog.Retrying(logger, runId, args.Context.OperationKey ?? "(unnamed operation)", args.AttemptNumber + 1, args.RetryDelay, DescribeKind(args.Outcome.Exception));
                }

                return ValueTask.CompletedTask;
            },
        };
        return new ResiliencePipelineBuilder { Name = "TopNWords.Batch.Workflow", TimeProvider = timeProvider }.AddRetry(retry).Build();
    }

    /// <summary>The kind of a failure for the logs: its type and kind or code, never its message.</summary>
    internal static string DescribeKind(Exception? exception) => exception switch
    {
        null => "no exception",
        BatchComputeException { ErrorCode: { } code } compute => $"{compute.Kind} ({code})",
        BatchComputeException compute => compute.Kind.ToString(),
        BlobStorageException storage => storage.Kind.ToString(),
        HttpRequestException { StatusCode: { } status } => $"{nameof(HttpRequestException)} ({(int)status})",
        _ => exception.GetType().Name,
    };

    private static bool IsTransientIO(IOException exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException or HttpRequestException)
            {
                return true;
            }
        }

        // A bare IOException is what a dropped connection or a reset stream surfaces as; its subclasses (a missing file or
        // folder, a too long path, an end of stream) and a full disk are not fixed by waiting.
        const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027), NoSpace = 28, QuotaExceeded = 122;
        return exception.GetType() == typeof(IOException)
            && exception.HResult is not (WindowsDiskFull or WindowsHandleDiskFull or NoSpace or QuotaExceeded);
    }
}
