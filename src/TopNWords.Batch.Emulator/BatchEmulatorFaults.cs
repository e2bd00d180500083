using System.Text.Json.Serialization;

namespace TopNWords.Batch.Emulator;

/// <summary>
/// The faults the emulator injects, for testing how a Batch client copes: transient errors, throttling, size
/// limits, lost responses and broken nodes. Set them when starting (<see cref="BatchEmulatorOptions.Faults"/>,
/// command-line options) or while running (<see cref="BatchEmulator.SetFaults"/>, or <c>POST /admin/faults</c>
/// with this object as JSON). Random choices are deterministic for a given <see cref="Seed"/> and request order.
/// </summary>
/// <remarks>
/// Node patterns (<see cref="StartTaskFailureNodes"/>, <see cref="UnusableNodes"/>, <see cref="UnusableNodesAfterTasks"/>)
/// are a node id (<c>tvm-local-1</c>: that node of every pool) or <c>poolId/nodeId</c>; either part may be <c>*</c>.
/// </remarks>
public sealed class BatchEmulatorFaults
{
    /// <summary>Gets or sets the fraction (0 to 1) of Batch requests answered <c>503 ServerBusy</c> instead of being served.</summary>
    /// <value>The default value is 0.</value>
    public double ServerBusyRate { get; set; }

    /// <summary>Gets or sets the fraction (0 to 1) of Batch requests answered <c>429 TooManyRequests</c> with <c>Retry-After</c>.</summary>
    /// <value>The default value is 0.</value>
    public double TooManyRequestsRate { get; set; }

    /// <summary>Gets or sets how often a burst of 429s starts: every this many Batch requests (0: never).</summary>
    /// <value>The default value is 0.</value>
    public int ThrottleBurstEvery { get; set; }

    /// <summary>Gets or sets how many consecutive Batch requests a burst answers with 429.</summary>
    /// <value>The default value is 3.</value>
    public int ThrottleBurstLength { get; set; } = 3;

    /// <summary>Gets or sets the <c>Retry-After</c> (seconds) of injected 429 and 503 answers.</summary>
    /// <value>The default value is 1.</value>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Gets or sets the operations (swagger operation ids, e.g. <c>Tasks_ListTasks</c>) that 503/429 faults apply to; empty for all.</summary>
    /// <value>The default value is empty: every Batch operation.</value>
    public IList<string> FaultOperations { get; set; } = [];

    /// <summary>Gets or sets the largest request body served; a larger one is answered <c>413 RequestBodyTooLarge</c> (the service's limit is 1 MB).</summary>
    /// <value>The default value is 1,048,576 bytes.</value>
    public long RequestBodyLimitBytes { get; set; } = BatchEmulatorOptions.ServiceRequestBodyLimit;

    /// <summary>Gets or sets the fraction (0 to 1) of tasks in an add-task-collection request answered <c>servererror</c> (not added).</summary>
    /// <value>The default value is 0.</value>
    public double TaskAddServerErrorRate { get; set; }

    /// <summary>
    /// Gets or sets how many add-task-collection requests are applied and then answered by dropping the connection
    /// (the client sees a network error although its tasks were added).
    /// </summary>
    /// <value>The default value is 0.</value>
    public int DropConnectionAfterAddTaskCollection { get; set; }

    /// <summary>
    /// Gets or sets how long (seconds, on the emulator's clock) a deleted pool or job stays <c>deleting</c> after its
    /// nodes or tasks have stopped, as the service takes a while to reclaim them.
    /// </summary>
    /// <value>The default value is 0.</value>
    public double DeletionDelaySeconds { get; set; }

    /// <summary>Gets or sets the nodes whose start task fails (exit code 1, a message in <c>startup/stderr.txt</c>) when they start.</summary>
    /// <value>The default value is empty.</value>
    public IList<string> StartTaskFailureNodes { get; set; } = [];

    /// <summary>Gets or sets the nodes that turn <c>unusable</c> when they start.</summary>
    /// <value>The default value is empty.</value>
    public IList<string> UnusableNodes { get; set; } = [];

    /// <summary>Gets or sets nodes that turn <c>unusable</c> once they have completed this many tasks (their running tasks are requeued).</summary>
    /// <value>The default value is empty.</value>
    public IDictionary<string, int> UnusableNodesAfterTasks { get; set; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the seed of the random choices (503/429 rates, per-task server errors).</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; set; } = 1;

    /// <summary>Gets a value indicating whether any fault is set.</summary>
    [JsonIgnore]
    public bool IsEmpty =>
        ServerBusyRate <= 0 && TooManyRequestsRate <= 0 && ThrottleBurstEvery <= 0 && TaskAddServerErrorRate <= 0
        && DropConnectionAfterAddTaskCollection <= 0 && StartTaskFailureNodes.Count == 0 && UnusableNodes.Count == 0
        && UnusableNodesAfterTasks.Count == 0 && DeletionDelaySeconds <= 0 && RequestBodyLimitBytes == BatchEmulatorOptions.ServiceRequestBodyLimit;

    /// <summary>Returns a deep copy.</summary>
    /// <returns>The copy.</returns>
    public BatchEmulatorFaults Clone() => new()
    {
        ServerBusyRate = ServerBusyRate,
        TooManyRequestsRate = TooManyRequestsRate,
        ThrottleBurstEvery = ThrottleBurstEvery,
        ThrottleBurstLength = ThrottleBurstLength,
        RetryAfterSeconds = RetryAfterSeconds,
        FaultOperations = [.. FaultOperations],
        RequestBodyLimitBytes = RequestBodyLimitBytes,
        TaskAddServerErrorRate = TaskAddServerErrorRate,
        DropConnectionAfterAddTaskCollection = DropConnectionAfterAddTaskCollection,
        DeletionDelaySeconds = DeletionDelaySeconds,
        StartTaskFailureNodes = [.. StartTaskFailureNodes],
        UnusableNodes = [.. UnusableNodes],
        UnusableNodesAfterTasks = new Dictionary<string, int>(UnusableNodesAfterTasks, StringComparer.OrdinalIgnoreCase),
        Seed = Seed,
    };

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        CheckRate(ServerBusyRate, nameof(ServerBusyRate));
        CheckRate(TooManyRequestsRate, nameof(TooManyRequestsRate));
        CheckRate(TaskAddServerErrorRate, nameof(TaskAddServerErrorRate));
        ArgumentOutOfRangeException.ThrowIfNegative(ThrottleBurstEvery, nameof(ThrottleBurstEvery));
        ArgumentOutOfRangeException.ThrowIfLessThan(ThrottleBurstLength, 1, nameof(ThrottleBurstLength));
        ArgumentOutOfRangeException.ThrowIfNegative(RetryAfterSeconds, nameof(RetryAfterSeconds));
        ArgumentOutOfRangeException.ThrowIfLessThan(RequestBodyLimitBytes, 1, nameof(RequestBodyLimitBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(DropConnectionAfterAddTaskCollection, nameof(DropConnectionAfterAddTaskCollection));
        if (double.IsNaN(DeletionDelaySeconds) || DeletionDelaySeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DeletionDelaySeconds), DeletionDelaySeconds, "The deletion delay must not be negative.");
        }

        ArgumentNullException.ThrowIfNull(FaultOperations, nameof(FaultOperations));
        ArgumentNullException.ThrowIfNull(StartTaskFailureNodes, nameof(StartTaskFailureNodes));
        ArgumentNullException.ThrowIfNull(UnusableNodes, nameof(UnusableNodes));
        ArgumentNullException.ThrowIfNull(UnusableNodesAfterTasks, nameof(UnusableNodesAfterTasks));
        foreach (KeyValuePair<string, int> entry in UnusableNodesAfterTasks)
        {
            if (entry.Value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(UnusableNodesAfterTasks), entry.Value, $"Node '{entry.Key}': the number of tasks must be at least 1 (list it in {nameof(UnusableNodes)} to break it at start).");
            }
        }
    }

    private static void CheckRate(double value, string name)
    {
        if (double.IsNaN(value) || value is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(name, value, "A rate is a fraction from 0 to 1.");
        }
    }
}
