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

    internal void Validate()
    {
        if (MonitorPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MonitorPollInterval), MonitorPollInterval, "The monitor poll interval must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelTransfers, 1, nameof(MaxParallelTransfers));
        ArgumentOutOfRangeException.ThrowIfLessThan(StderrTailLines, 1, nameof(StderrTailLines));
        ArgumentOutOfRangeException.ThrowIfLessThan(UrlExpiryMargin, TimeSpan.Zero, nameof(UrlExpiryMargin));
    }
}
