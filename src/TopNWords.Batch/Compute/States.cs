namespace TopNWords.Batch.Compute;

/// <summary>Whether a pool is changing size.</summary>
public enum PoolAllocationState
{
    /// <summary>Not resizing: nodes are allocated (or allocation gave up, see <see cref="PoolInfo.ResizeErrors"/>).</summary>
    Steady = 0,

    /// <summary>Nodes are being added or removed.</summary>
    Resizing = 1,

    /// <summary>A resize is being stopped.</summary>
    Stopping = 2,
}

/// <summary>A pool as the backend reports it.</summary>
/// <param name="Id">The pool id.</param>
/// <param name="AllocationState">Whether it is resizing.</param>
/// <param name="TargetNodeCount">The nodes asked for.</param>
/// <param name="CurrentNodeCount">The nodes it has.</param>
/// <param name="TaskSlotsPerNode">Task slots per node.</param>
/// <param name="ResizeErrors">Why allocation failed, when it did.</param>
/// <param name="IsBeingDeleted">Whether the pool is being deleted.</param>
public sealed record PoolInfo(
    string Id,
    PoolAllocationState AllocationState,
    int TargetNodeCount,
    int CurrentNodeCount,
    int TaskSlotsPerNode,
    IReadOnlyList<PoolResizeError> ResizeErrors,
    bool IsBeingDeleted = false);

/// <summary>Why a pool could not get its nodes (for example a quota).</summary>
/// <param name="Code">The service's error code, e.g. <c>AccountCoreQuotaReached</c>.</param>
/// <param name="Message">The service's message.</param>
public sealed record PoolResizeError(string Code, string Message);

/// <summary>A node's state, as Azure Batch names them.</summary>
public enum ComputeNodeState
{
    /// <summary>A state this library does not know.</summary>
    Unknown = 0,

    /// <summary>Being allocated.</summary>
    Creating,

    /// <summary>Booting.</summary>
    Starting,

    /// <summary>Running its start task; no task is scheduled yet.</summary>
    WaitingForStartTask,

    /// <summary>Ready, running no task.</summary>
    Idle,

    /// <summary>Running tasks.</summary>
    Running,

    /// <summary>Its start task failed (with <see cref="StartTaskSpec.WaitForSuccess"/>): no task will run on it.</summary>
    StartTaskFailed,

    /// <summary>Cannot run tasks (for example a failed resource file download or a broken image).</summary>
    Unusable,

    /// <summary>Taken out of scheduling.</summary>
    Offline,

    /// <summary>Restarting.</summary>
    Rebooting,

    /// <summary>Being reinstalled.</summary>
    Reimaging,

    /// <summary>Leaving the pool.</summary>
    LeavingPool,

    /// <summary>A Spot node that was taken back.</summary>
    Preempted,

    /// <summary>Being upgraded.</summary>
    Upgrading,
}

/// <summary>A node and what its start task did.</summary>
/// <param name="Id">The node id.</param>
/// <param name="State">The node's state.</param>
/// <param name="StartTask">The start task's information, when it ran.</param>
/// <param name="Errors">Node errors the service reports (code: message).</param>
public sealed record ComputeNodeInfo(string Id, ComputeNodeState State, StartTaskInfo? StartTask, IReadOnlyList<string> Errors);

/// <summary>What a node's start task did.</summary>
/// <param name="IsCompleted">Whether it has ended.</param>
/// <param name="ExitCode">The exit code, when it ended.</param>
/// <param name="FailureInfo">Why it failed, when it did.</param>
/// <param name="RetryCount">How many times it was retried.</param>
/// <param name="StartTime">When it last started.</param>
/// <param name="EndTime">When it ended.</param>
public sealed record StartTaskInfo(bool IsCompleted, int? ExitCode, TaskFailureInfo? FailureInfo, int RetryCount, DateTimeOffset? StartTime, DateTimeOffset? EndTime);

/// <summary>A task's state.</summary>
public enum ComputeTaskState
{
    /// <summary>Queued.</summary>
    Active = 0,

    /// <summary>Assigned to a node, fetching resource files.</summary>
    Preparing = 1,

    /// <summary>Running.</summary>
    Running = 2,

    /// <summary>Ended, successfully or not (see <see cref="BatchTaskInfo.Result"/>).</summary>
    Completed = 3,
}

/// <summary>How a completed task ended.</summary>
public enum TaskExecutionResult
{
    /// <summary>Exit code 0 and no failure.</summary>
    Success = 0,

    /// <summary>A non-zero exit code or a failure (resource file, output upload, timeout).</summary>
    Failure = 1,
}

/// <summary>Why a task or start task failed, as the service reports it.</summary>
/// <param name="Category">The category, <c>UserError</c> or <c>ServerError</c>.</param>
/// <param name="Code">The code, e.g. <c>FailureExitCode</c>, <c>MaxWallClockTimeExceeded</c>, <c>ResourceFileDownloadFailed</c>.</param>
/// <param name="Message">A human-readable message.</param>
public sealed record TaskFailureInfo(string Category, string Code, string Message);

/// <summary>A task as the backend reports it.</summary>
public sealed record BatchTaskInfo
{
    /// <summary>Gets the task id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the state.</summary>
    public required ComputeTaskState State { get; init; }

    /// <summary>Gets when the task entered its state.</summary>
    public DateTimeOffset? StateTransitionTime { get; init; }

    /// <summary>Gets the exit code of the last attempt, when it ran.</summary>
    public int? ExitCode { get; init; }

    /// <summary>Gets how the task ended, when it completed.</summary>
    public TaskExecutionResult? Result { get; init; }

    /// <summary>Gets why it failed, when it did.</summary>
    public TaskFailureInfo? FailureInfo { get; init; }

    /// <summary>Gets how many times it was retried.</summary>
    public int RetryCount { get; init; }

    /// <summary>Gets when the last attempt started.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Gets when it ended.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>Gets the node it ran on.</summary>
    public string? NodeId { get; init; }
}

/// <summary>A job's task counts by state.</summary>
/// <param name="Active">Queued tasks.</param>
/// <param name="Running">Running (or preparing) tasks.</param>
/// <param name="Completed">Completed tasks.</param>
/// <param name="Succeeded">Completed tasks that succeeded.</param>
/// <param name="Failed">Completed tasks that failed.</param>
public readonly record struct TaskCounts(int Active, int Running, int Completed, int Succeeded, int Failed)
{
    /// <summary>Gets the number of tasks in all states.</summary>
    public int Total => Active + Running + Completed;

    /// <summary>
    /// The counts with one more task: queued when <see cref="ComputeTaskState.Active"/>, running when preparing or
    /// running, otherwise completed, and then succeeded only when <paramref name="result"/> is
    /// <see cref="TaskExecutionResult.Success"/>.
    /// </summary>
    /// <param name="state">The task's state.</param>
    /// <param name="result">The task's result, when it has completed.</param>
    /// <returns>These counts with the task added.</returns>
    public TaskCounts Add(ComputeTaskState state, TaskExecutionResult? result) => state switch
    {
        ComputeTaskState.Active => this with { Active = Active + 1 },
        ComputeTaskState.Preparing or ComputeTaskState.Running => this with { Running = Running + 1 },
        _ when result == TaskExecutionResult.Success => this with { Completed = Completed + 1, Succeeded = Succeeded + 1 },
        _ => this with { Completed = Completed + 1, Failed = Failed + 1 },
    };
}

/// <summary>The outcome of <see cref="IBatchCompute.AddTasksAsync"/>.</summary>
/// <param name="Added">Tasks this call created.</param>
/// <param name="AlreadyExisted">Tasks that existed already (counted as success).</param>
/// <param name="Requests">How many requests the backend sent (for diagnostics).</param>
public sealed record AddTasksResult(int Added, int AlreadyExisted, int Requests);

/// <summary>A pool as <see cref="IBatchCompute.ListPoolsAsync"/> lists it: enough to recognise who made it and when.</summary>
/// <param name="Id">The pool id.</param>
/// <param name="Metadata">Its metadata (<see cref="PoolSpec.Metadata"/>); empty when it has none.</param>
/// <param name="CreationTime">When it was created, when the backend knows.</param>
public sealed record PoolSummary(string Id, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset? CreationTime);

/// <summary>A job as <see cref="IBatchCompute.ListJobsAsync"/> lists it: enough to recognise who made it and when.</summary>
/// <param name="Id">The job id.</param>
/// <param name="PoolId">The pool it runs on.</param>
/// <param name="Metadata">Its metadata (<see cref="JobSpec.Metadata"/>); empty when it has none.</param>
/// <param name="CreationTime">When it was created, when the backend knows.</param>
/// <param name="IsCompleted">Whether it has ended (terminated or completed), so that no task of it runs any more.</param>
public sealed record JobSummary(string Id, string PoolId, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset? CreationTime, bool IsCompleted);

/// <summary>What <see cref="IBatchCompute.PreflightPoolAsync"/> checked.</summary>
/// <param name="Checked">One line per check that passed, e.g. "VM size 'standard_d2s_v3' is available (2 vCPUs)".</param>
/// <param name="Skipped">One line per check that could not be made, and why (e.g. no management endpoint configured).</param>
/// <param name="CoresPerNode">The vCPUs of one node, when known (for the cost hint).</param>
public sealed record ComputePreflightResult(IReadOnlyList<string> Checked, IReadOnlyList<string> Skipped, int? CoresPerNode = null)
{
    /// <summary>Gets a result with nothing to check.</summary>
    public static ComputePreflightResult Nothing { get; } = new([], []);
}
