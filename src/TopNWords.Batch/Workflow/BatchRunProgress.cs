using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>The stages of a run, in order.</summary>
public enum BatchRunStage
{
    /// <summary>Creating containers and uploading the application and inputs.</summary>
    Staging = 0,

    /// <summary>Creating the pool (or finding the caller's).</summary>
    CreatingPool = 1,

    /// <summary>Waiting for every node to be ready.</summary>
    WaitingForPool = 2,

    /// <summary>Creating the job.</summary>
    CreatingJob = 3,

    /// <summary>Adding one task per input.</summary>
    AddingTasks = 4,

    /// <summary>Waiting for the tasks to complete.</summary>
    Monitoring = 5,

    /// <summary>Downloading and parsing outputs.</summary>
    Downloading = 6,

    /// <summary>Deleting what the run created, by policy.</summary>
    CleaningUp = 7,

    /// <summary>The run has ended.</summary>
    Completed = 8,
}

/// <summary>
/// A progress report: a stage change, new task counts, or one task's completion (then
/// <see cref="CompletedTask"/> is set).
/// </summary>
/// <param name="Stage">The stage the run is in.</param>
/// <param name="Counts">The job's task counts (all zero before tasks are added).</param>
/// <param name="CompletedTask">The task that just completed, for a completion report.</param>
public sealed record BatchRunProgress(BatchRunStage Stage, TaskCounts Counts, TaskOutcome? CompletedTask = null);
