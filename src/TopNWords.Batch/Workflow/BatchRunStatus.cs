using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>Where a durable run is in its life.</summary>
public enum BatchRunState
{
    /// <summary>Submitted and not ended: staging, waiting for its pool, or running its tasks (attached or not).</summary>
    Running = 0,

    /// <summary>Ended with every task succeeded and every output downloaded.</summary>
    Succeeded = 1,

    /// <summary>Ended with a failed task, a missing output, or a failure of the run itself (<see cref="BatchRunStatus.Failure"/>).</summary>
    Failed = 2,

    /// <summary>Ended because it was cancelled (<see cref="IBatchWorkflow.CancelAsync"/>, or the token of <see cref="IBatchWorkflow.RunAsync"/>).</summary>
    Cancelled = 3,
}

/// <summary>A durable run as its record and the compute see it now (<see cref="IBatchWorkflow.GetStatusAsync"/>).</summary>
public sealed class BatchRunStatus
{
    internal BatchRunStatus(string runId, BatchRunState state, BatchRunStage stage, DateTimeOffset createdAt, DateTimeOffset updatedAt, int inputCount)
    {
        RunId = runId;
        State = state;
        Stage = stage;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        InputCount = inputCount;
    }

    /// <summary>Gets the run id.</summary>
    public string RunId { get; }

    /// <summary>Gets the run's state.</summary>
    public BatchRunState State { get; }

    /// <summary>Gets the last stage the run entered.</summary>
    public BatchRunStage Stage { get; }

    /// <summary>Gets when the run was submitted.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Gets when its record was last written.</summary>
    public DateTimeOffset UpdatedAt { get; }

    /// <summary>Gets how many inputs (and so tasks) it has.</summary>
    public int InputCount { get; }

    /// <summary>Gets its task counts: live from the compute while its job exists, else as last recorded.</summary>
    public TaskCounts Counts { get; internal set; }

    /// <summary>Gets the outcome of each task that has completed so far (<see cref="IBatchWorkflow.GetStatusAsync"/> only; empty in listings).
    /// Outputs are not downloaded for a status: <see cref="TaskOutcome.TopWords"/> is set only once the run has ended.</summary>
    public IReadOnlyList<TaskOutcome> CompletedTasks { get; internal set; } = [];

    /// <summary>Gets the process attached to the run (e.g. <c>process 4242 on host 'web-1'</c>), or <see langword="null"/> when none is.</summary>
    public string? AttachedBy { get; internal set; }

    /// <summary>Gets a value indicating whether a cancellation was requested and is not done yet.</summary>
    public bool CancelRequested { get; internal set; }

    /// <summary>Gets why the run failed, when it did.</summary>
    public string? Failure { get; internal set; }

    /// <summary>Gets when it ended, when it has.</summary>
    public DateTimeOffset? FinishedAt { get; internal set; }

    /// <summary>Gets a value indicating whether the run has ended.</summary>
    public bool IsFinished => State != BatchRunState.Running;
}

/// <summary>What <see cref="IBatchWorkflow.SweepAsync"/> did.</summary>
public sealed class BatchSweepResult
{
    internal BatchSweepResult(IReadOnlyList<string> deleted, IReadOnlyList<string> kept, IReadOnlyList<string> failures)
    {
        Deleted = deleted;
        Kept = kept;
        Failures = failures;
    }

    /// <summary>Gets one line per deleted resource, e.g. <c>pool 'tnw-…-pool' (run 'tnw-…')</c>.</summary>
    public IReadOnlyList<string> Deleted { get; }

    /// <summary>Gets one line per run that was left alone, and why (attached, too young).</summary>
    public IReadOnlyList<string> Kept { get; }

    /// <summary>Gets one line per resource that could not be deleted, and why.</summary>
    public IReadOnlyList<string> Failures { get; }
}
