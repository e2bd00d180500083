using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>
/// Everything one run knows about itself: the one input every stage of <see cref="BatchWorkflow"/> takes, and
/// the one it updates (the containers, pool and job it owns, the URLs it issued, each task's outcome).
/// </summary>
internal sealed class RunState
{
    public RunState(BatchRunDefinition definition, RunNames names, IProgress<BatchRunProgress>? progress, DateTimeOffset startTime)
    {
        Definition = definition;
        Names = names;
        Progress = progress;
        StartTime = startTime;
        PoolId = definition.Pool.ExistingPoolId ?? names.PoolId;
        Outcomes = [.. definition.Inputs.Select(i => new TaskOutcome(i, RunNames.TaskId(i.Name)))];
        OutcomesByTaskId = Outcomes.ToDictionary(o => o.TaskId, StringComparer.OrdinalIgnoreCase);
        if (definition.Reduce is { } reduce)
        {
            ReducePlan = ReducePlan.Create(reduce, [.. Outcomes.Select(o => o.TaskId)]);
            ReduceOutcome = new ReduceOutcome([.. ReducePlan.Tasks.Select(t => t.Id)]);
        }
    }

    public BatchRunDefinition Definition { get; }

    public RunNames Names { get; }

    public IProgress<BatchRunProgress>? Progress { get; }

    public DateTimeOffset StartTime { get; }

    public string PoolId { get; }

    public BatchRunStage Stage { get; set; }

    public TaskCounts Counts { get; set; }

    public IReadOnlyList<TaskOutcome> Outcomes { get; }

    public Dictionary<string, TaskOutcome> OutcomesByTaskId { get; }

    public List<string> Containers { get; } = [];

    public bool OwnsPool { get; set; }

    public bool OwnsJob { get; set; }

    public List<(ApplicationFile File, Uri Url)> ApplicationUrls { get; } = [];

    /// <summary>Gets or sets when the run's read and write URLs expire (set when staging issues the first of them). The read URL
    /// of each input is issued with it when its task is added, not kept: 10,000 signed URLs are most of a MB.</summary>
    public DateTimeOffset UrlsExpireOn { get; set; }

    public Uri? OutputContainerUrl { get; set; }

    /// <summary>Gets the reduce tasks, for a run with a reduce step.</summary>
    public ReducePlan? ReducePlan { get; }

    /// <summary>Gets what came of the reduce step, for a run with one.</summary>
    public ReduceOutcome? ReduceOutcome { get; }

    /// <summary>Gets or sets the read-and-list URL of the output container, which the reduce tasks read their inputs through.</summary>
    public Uri? OutputContainerReadUrl { get; set; }

    /// <summary>Gets the read URL of each reduce task's list file, by reduce task id.</summary>
    public Dictionary<string, Uri> ReduceListUrls { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most words <see cref="ShareWord"/> keeps one copy of (a bound on what it holds: the top words of a run's
    /// outputs are mostly the same few hundred).</summary>
    internal const int MaxSharedWords = 65536;

    private readonly HashSet<string> _sharedWords = new(StringComparer.Ordinal);

    /// <summary>Gets the run's one copy of a word of the tasks' parsed outputs (the first one it was given), so that 10,000
    /// results that all start with "the" keep one "the".</summary>
    /// <param name="word">A word.</param>
    /// <returns>The run's copy, or <paramref name="word"/> itself.</returns>
    public string ShareWord(string word)
    {
        lock (_sharedWords)
        {
            if (_sharedWords.TryGetValue(word, out string? shared))
            {
                return shared;
            }

            if (_sharedWords.Count < MaxSharedWords)
            {
                _sharedWords.Add(word);
            }

            return word;
        }
    }

    /// <summary>Gets the number of tasks the job has: one per input, and the reduce tasks.</summary>
    public int TaskCount => Outcomes.Count + (ReducePlan?.Tasks.Count ?? 0);

    /// <summary>Gets a value indicating whether every task succeeded and its output was collected, and the reduce step, when there is one.</summary>
    public bool Succeeded => Outcomes.All(o => o.Succeeded) && (ReduceOutcome?.Succeeded ?? true);

    public string DownloadDirectory { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether an earlier process worked on this run (so that what it left, such as downloaded outputs, is expected).</summary>
    public bool IsResumed { get; set; }

    /// <summary>Gets or sets the span of the run (<see cref="TopNWordsBatchTelemetry.RunActivityName"/>), when one is recorded.</summary>
    public System.Diagnostics.Activity? Activity { get; set; }

    /// <summary>Gets or sets the span of the current stage (<see cref="TopNWordsBatchTelemetry.StageActivityName"/>), the parent of the calls made in it.</summary>
    public System.Diagnostics.Activity? StageActivity { get; set; }

    /// <summary>Gets or sets the last transient failure a call of the current stage retried (redacted), for the message of a timeout.</summary>
    public string? LastTransientFailure { get; set; }

    /// <summary>Puts the outcomes a run's record kept back on this run's tasks (by task id).</summary>
    public void ApplyRecorded(IEnumerable<RecordedOutcome> recorded)
    {
        foreach (var r in recorded)
        {
            if (OutcomesByTaskId.TryGetValue(r.TaskId, out var outcome))
            {
                r.ApplyTo(outcome);
            }
        }
    }
}
