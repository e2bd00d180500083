namespace TopNWords.Batch;

/// <summary>
/// The settings of the workflow that <c>services.AddTopNWordsBatch(...)</c> registers, bound from a configuration section
/// (by default <c>TopNWords</c>, <see cref="DefaultSectionName"/>) and validated at start-up.
/// </summary>
/// <remarks>
/// Only what configuration can say is here: the clock, the logger factory and the resilience pipeline come from the
/// container (<see cref="TimeProvider"/>, <c>ILoggerFactory</c>, and the Polly pipeline named
/// <see cref="ResiliencePipelineName"/>), the storage and compute from the backend.
/// </remarks>
public sealed class TopNWordsBatchOptions
{
    /// <summary>The configuration section the settings are usually bound from: <c>TopNWords</c>.</summary>
    public const string DefaultSectionName = "TopNWords";

    /// <summary>
    /// The name of the Polly resilience pipeline the workflow uses when the container has one
    /// (<c>services.AddResiliencePipeline("TopNWords.Batch", builder => ...)</c> of Polly.Extensions):
    /// <c>TopNWords.Batch</c>. Without it, the workflow uses <see cref="WorkflowResilience.CreateDefaultPipeline"/>.
    /// </summary>
    public const string ResiliencePipelineName = "TopNWords.Batch";

    /// <summary>The name of the embedded backend: <c>Local</c> (local folder storage and local processes).</summary>
    public const string LocalBackend = "Local";

    /// <summary>
    /// Gets or sets the backend: <see cref="LocalBackend"/>, or the name of a backend another package registers, such as
    /// <c>Azure</c> (reference TopNWords.Batch.Azure and call <c>AddAzure()</c> on the builder). Compared case-insensitively.
    /// </summary>
    /// <remarks>
    /// A backend named <c>N</c> registers keyed singletons (key <c>N</c>) of <see cref="Storage.IBlobStorage"/> and
    /// <see cref="Compute.IBatchCompute"/>, and optionally of <see cref="ITaskRunnerProvider"/>; the workflow is built on them.
    /// </remarks>
    /// <value>The default value is <c>Local</c>.</value>
    public string Backend { get; set; } = LocalBackend;

    /// <summary>Gets or sets the settings of the workflow engine (section <c>Workflow</c>), for every backend.</summary>
    /// <value>The default value sets nothing: each setting keeps its backend's default.</value>
    public TopNWordsWorkflowOptions Workflow { get; set; } = new();

    /// <summary>Gets or sets the settings of the local backend (section <c>Local</c>).</summary>
    /// <value>The default value is the per-user state folder, read-write.</value>
    public TopNWordsLocalOptions Local { get; set; } = new();

    /// <summary>Gets a value indicating whether <see cref="Backend"/> is the local backend (or not set).</summary>
    internal bool IsLocal => string.IsNullOrWhiteSpace(Backend) || string.Equals(Backend.Trim(), LocalBackend, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Settings of the workflow engine (<see cref="BatchWorkflowOptions"/>) that configuration can set. A setting left
/// <see langword="null"/> keeps the backend's default; <see cref="ApplyTo"/> copies the others.
/// </summary>
public sealed class TopNWordsWorkflowOptions
{
    /// <summary>Gets or sets how often task counts are polled while monitoring (<c>00:00:05</c>).</summary>
    /// <value>The default value is <see langword="null"/>: 250 ms on the local backend, 5 seconds on the others.</value>
    public TimeSpan? MonitorPollInterval { get; set; }

    /// <summary>Gets or sets how many uploads or downloads run at once.</summary>
    /// <value>The default value is <see langword="null"/>: 8.</value>
    public int? MaxParallelTransfers { get; set; }

    /// <summary>Gets or sets how long after the run's timeouts the URLs handed to tasks stay valid.</summary>
    /// <value>The default value is <see langword="null"/>: 1 hour.</value>
    public TimeSpan? UrlExpiryMargin { get; set; }

    /// <summary>Gets or sets how many of the last lines of a failed task's stderr are reported.</summary>
    /// <value>The default value is <see langword="null"/>: 20.</value>
    public int? StderrTailLines { get; set; }

    /// <summary>Gets or sets how often the process attached to a run writes the run's record (its heartbeat).</summary>
    /// <value>The default value is <see langword="null"/>: 30 seconds.</value>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Copies the settings that are set onto <paramref name="options"/>.</summary>
    /// <param name="options">The engine's options, holding the backend's defaults.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public BatchWorkflowOptions ApplyTo(BatchWorkflowOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MonitorPollInterval = MonitorPollInterval ?? options.MonitorPollInterval;
        options.MaxParallelTransfers = MaxParallelTransfers ?? options.MaxParallelTransfers;
        options.UrlExpiryMargin = UrlExpiryMargin ?? options.UrlExpiryMargin;
        options.StderrTailLines = StderrTailLines ?? options.StderrTailLines;
        options.HeartbeatInterval = HeartbeatInterval ?? options.HeartbeatInterval;
        return options;
    }
}

/// <summary>Settings of the local backend (<see cref="LocalBatchWorkflowOptions"/>) that configuration can set.</summary>
public sealed class TopNWordsLocalOptions
{
    /// <summary>Gets or sets the folder of the local storage and the durable local compute.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="LocalBatchWorkflowOptions.DefaultRootDirectory"/>.</value>
    public string? RootDirectory { get; set; }

    /// <summary>Gets or sets a value indicating whether the local compute opens the root read-only (status and listing only).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ReadOnly { get; set; }

    /// <summary>Gets the names of further environment variables of this process that every task receives (see <see cref="LocalBatchWorkflowOptions.PassThroughEnvironmentVariables"/>).</summary>
    /// <value>The default value is an empty list.</value>
    public IList<string> PassThroughEnvironmentVariables { get; } = new List<string>();
}
