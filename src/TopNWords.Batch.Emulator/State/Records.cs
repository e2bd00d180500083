using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Emulator.State;

// The emulator's mirror of the service's entities. Every member is read and written under EmulatorState's lock.

/// <summary>A pool as the service knows it.</summary>
internal sealed class PoolRecord(string id, BatchPoolCreateContent content, int engineNodes, int targetDedicated, int targetLowPriority, DateTimeOffset now, long sequence)
{
    public string Id { get; } = id;

    public BatchPoolCreateContent Content { get; } = content;

    /// <summary>Gets how many nodes the local compute engine allocates (capped by the account's quota).</summary>
    public int EngineNodes { get; } = engineNodes;

    public int TargetDedicated { get; } = targetDedicated;

    public int TargetLowPriority { get; } = targetLowPriority;

    public long Sequence { get; } = sequence;

    public DateTimeOffset CreationTime { get; } = now;

    public DateTimeOffset LastModified { get; set; } = now;

    public string ETag { get; set; } = string.Empty;

    public BatchPoolState State { get; set; } = BatchPoolState.Active;

    public DateTimeOffset StateTransitionTime { get; set; } = now;

    public BatchAllocationState AllocationState { get; set; } = BatchAllocationState.Resizing;

    public DateTimeOffset AllocationStateTransitionTime { get; set; } = now;

    public List<BatchResizeError> ResizeErrors { get; } = [];

    /// <summary>Gets the nodes in the order they appeared.</summary>
    public List<NodeRecord> Nodes { get; } = [];

    /// <summary>Gets or sets the display name (create, then update pool).</summary>
    public string? DisplayName { get; set; } = content.DisplayName;

    /// <summary>Gets or sets the start task the pool reports (update pool replaces it; nodes already in the pool keep the one they ran).</summary>
    public BatchStartTask? StartTask { get; set; } = content.StartTask;

    /// <summary>Gets or sets the pool's metadata (create, then replaced whole by update pool).</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; } = content.Metadata is { Count: > 0 } metadata ? [.. metadata] : null;
}

/// <summary>A compute node, mirrored from the engine's change events.</summary>
internal sealed class NodeRecord(string id, int index, long sequence, DateTimeOffset now)
{
    public string Id { get; } = id;

    /// <summary>Gets its place in the pool (nodes past the dedicated target are Spot/low-priority).</summary>
    public int Index { get; } = index;

    public long Sequence { get; } = sequence;

    public DateTimeOffset AllocationTime { get; } = now;

    public ComputeNodeState State { get; set; } = ComputeNodeState.Creating;

    public DateTimeOffset StateTransitionTime { get; set; } = now;

    public DateTimeOffset? LastBootTime { get; set; }

    public StartTaskInfo? StartTask { get; set; }

    public DateTimeOffset? StartTaskLastRetryTime { get; set; }

    public IReadOnlyList<string> Errors { get; set; } = [];

    public int TotalTasksRun { get; set; }

    public int TotalTasksSucceeded { get; set; }
}

/// <summary>A job.</summary>
internal sealed class JobRecord(string id, BatchJobCreateContent content, string poolId, DateTimeOffset now, long sequence)
{
    public string Id { get; } = id;

    public BatchJobCreateContent Content { get; } = content;

    public string PoolId { get; } = poolId;

    public long Sequence { get; } = sequence;

    public DateTimeOffset CreationTime { get; } = now;

    public DateTimeOffset LastModified { get; set; } = now;

    public string ETag { get; set; } = string.Empty;

    public BatchJobState State { get; set; } = BatchJobState.Active;

    public DateTimeOffset StateTransitionTime { get; set; } = now;

    public BatchJobState? PreviousState { get; set; }

    public DateTimeOffset? PreviousStateTransitionTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public string? TerminateReason { get; set; }

    public Dictionary<string, TaskRecord> Tasks { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the tasks in the order they were added.</summary>
    public List<TaskRecord> Order { get; } = [];

    /// <summary>Gets or sets the priority (create, then update job).</summary>
    public int Priority { get; set; } = content.Priority ?? 0;

    /// <summary>Gets or sets what happens when every task is complete (create, then update job: only from noaction to terminatejob).</summary>
    public BatchOnAllTasksComplete OnAllTasksComplete { get; set; } = content.OnAllTasksComplete ?? BatchOnAllTasksComplete.NoAction;

    /// <summary>Gets or sets whether the job's tasks may be preempted (reported only: the emulator preempts nothing).</summary>
    public bool AllowTaskPreemption { get; set; }

    /// <summary>Gets or sets the job's metadata (create, then replaced whole by update job).</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; } = content.Metadata is { Count: > 0 } metadata ? [.. metadata] : null;
}

/// <summary>A task, mirrored from the engine's change events.</summary>
internal sealed class TaskRecord(string id, BatchTaskCreateContent content, DateTimeOffset now, long sequence)
{
    public string Id { get; } = id;

    public BatchTaskCreateContent Content { get; } = content;

    public long Sequence { get; } = sequence;

    public DateTimeOffset CreationTime { get; } = now;

    public DateTimeOffset LastModified { get; set; } = now;

    public string ETag { get; set; } = string.Empty;

    public ComputeTaskState State { get; set; } = ComputeTaskState.Active;

    public DateTimeOffset StateTransitionTime { get; set; } = now;

    public ComputeTaskState? PreviousState { get; set; }

    public DateTimeOffset? PreviousStateTransitionTime { get; set; }

    /// <summary>Gets or sets the engine's latest view of the task (exit code, result, failure, times, node).</summary>
    public BatchTaskInfo? Info { get; set; }

    public int RequeueCount { get; set; }

    public DateTimeOffset? LastRequeueTime { get; set; }

    public DateTimeOffset? LastRetryTime { get; set; }

    /// <summary>Gets or sets the pool the task last ran on.</summary>
    public string? PoolId { get; set; }
}
