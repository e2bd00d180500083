using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Polly;

namespace TopNWords.Batch;

/// <summary>Options of <see cref="BatchWorkflow"/> that apply to every run.</summary>
public sealed class BatchWorkflowOptions
{
    /// <summary>Gets or sets how often task counts are polled while monitoring.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan MonitorPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many uploads or downloads run at once.</summary>
    /// <value>The default value is 8.</value>
    public int MaxParallelTransfers { get; set; } = 8;

    /// <summary>Gets or sets how long after the run's timeouts the URLs handed to tasks stay valid.</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan UrlExpiryMargin { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many of the last lines of a failed task's stderr are reported.</summary>
    /// <value>The default value is 20.</value>
    public int StderrTailLines { get; set; } = 20;

    /// <summary>Gets or sets the clock of the run: stage timeouts, monitoring polls, URL expiry times and run ids.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the logger factory the workflow creates its logger from. Run ids, stages, task ids and
    /// input names are logged; keys, connection strings and SAS signatures never are.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Gets or sets the factory of the workflow's <see cref="Meter"/> (named <see cref="TopNWordsBatchTelemetry.MeterName"/>),
    /// such as the <see cref="IMeterFactory"/> of a dependency-injection container, so that its instruments belong to it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: one process-wide meter of that name, shared by every workflow.</value>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Gets or sets the resilience pipeline that every storage and compute call of a run goes through. The workflow runs
    /// each call under the current stage's timeout (see <see cref="WorkflowTimeouts"/>): its cancellation token ends the
    /// pipeline's retries when the timeout runs out. The operation is the <see cref="ResilienceContext.OperationKey"/> (for
    /// example "create pool 'p'"), and the run id is the <see cref="WorkflowResilience.RunIdKey"/> property. Use
    /// <see cref="ResiliencePipeline.Empty"/> for no retries at this layer.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: <see cref="WorkflowResilience.CreateDefaultPipeline"/> on the workflow's
    /// clock and logger (transient failures retried with exponential backoff and jitter, honouring <c>Retry-After</c>, until
    /// the stage's timeout; other failures fail at once).
    /// </value>
    public ResiliencePipeline? Resilience { get; set; }

    /// <summary>
    /// Gets or sets how often the process attached to a run writes the run's record (its heartbeat: stage, counts, and that it
    /// is alive) and looks for a cancellation asked by another process. The attachment holds three intervals without a beat;
    /// a killed process on the same host lets go at once.
    /// </summary>
    /// <value>The default value is 30 seconds: two small storage requests per interval and run.</value>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the options; the constructor of <see cref="BatchWorkflow"/> calls it.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="MonitorPollInterval"/> is not positive, <see cref="MaxParallelTransfers"/> or <see cref="StderrTailLines"/>
    /// is less than 1, or <see cref="UrlExpiryMargin"/> is negative. The exception's <see cref="ArgumentException.ParamName"/>
    /// names the option.
    /// </exception>
    public void Validate()
    {
        if (MonitorPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MonitorPollInterval), MonitorPollInterval, "BatchWorkflowOptions.MonitorPollInterval must be positive: set how often task counts are polled (the default is 5 seconds).");
        }

        if (MaxParallelTransfers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelTransfers), MaxParallelTransfers, "BatchWorkflowOptions.MaxParallelTransfers must be at least 1 (1 transfers one file at a time; the default is 8).");
        }

        if (StderrTailLines < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(StderrTailLines), StderrTailLines, "BatchWorkflowOptions.StderrTailLines must be at least 1 (the default is 20).");
        }

        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), HeartbeatInterval, "BatchWorkflowOptions.HeartbeatInterval must be positive: set how often an attached process writes the run's record (the default is 30 seconds).");
        }

        if (UrlExpiryMargin < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(UrlExpiryMargin), UrlExpiryMargin, "BatchWorkflowOptions.UrlExpiryMargin must not be negative: set how long the task URLs outlive the run's timeouts (the default is 1 hour).");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "BatchWorkflowOptions.TimeProvider is null: leave it at TimeProvider.System, or set the clock to use (such as a FakeTimeProvider in tests).");
        }
    }
}
