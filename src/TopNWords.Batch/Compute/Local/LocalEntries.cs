using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

// The in-memory model of the local compute: pools, nodes, jobs and tasks. Every member is read and
// written under the lock of the LocalComputeState that holds them.

/// <summary>Where a job is in its life.</summary>
internal enum JobStatus
{
    Active,
    Terminated,
    Deleting,
}

/// <summary>Why a running task was asked to stop.</summary>
internal enum StopReason
{
    /// <summary>Its node left the pool (pool deleted, node unusable): the task is queued again.</summary>
    NodeLost,

    /// <summary>Its job was terminated: the task completes as failed (<c>TaskEnded</c>).</summary>
    JobTerminated,

    /// <summary>Its job is being deleted: the task disappears.</summary>
    JobDeleted,

    /// <summary>The task itself was terminated: it completes as failed (<c>TaskEnded</c>).</summary>
    TaskTerminated,

    /// <summary>The task itself was deleted: it disappears.</summary>
    TaskDeleted,
}

/// <summary>A pool: its nodes, their start task and its lifetime. Read and written under the state's lock.</summary>
internal sealed class PoolEntry
{
    private const string NodeIdPrefix = "tvm-local-";

    public PoolEntry(string id, string directory, int nodeCount, int taskSlotsPerNode, StartTaskDefinition? startTask, CancellationToken engineLifetime)
    {
        Id = id;
        NodeCount = nodeCount;
        Directory = directory;
        TaskSlotsPerNode = taskSlotsPerNode;
        StartTask = startTask;
        Lifetime = CancellationTokenSource.CreateLinkedTokenSource(engineLifetime);
        Nodes = [.. Enumerable.Range(1, nodeCount).Select(i => new NodeEntry(this, NodeIdPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public string Id { get; }

    public string Directory { get; }

    public int NodeCount { get; }

    public int TaskSlotsPerNode { get; }

    public StartTaskDefinition? StartTask { get; }

    /// <summary>Gets or sets the pool's metadata (a frozen copy of the spec's).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public DateTimeOffset CreationTime { get; set; }

    public List<NodeEntry> Nodes { get; }

    /// <summary>Gets the source whose cancellation stops everything on the pool (deletion, disposal).</summary>
    public CancellationTokenSource Lifetime { get; }

    public PoolAllocationState Allocation { get; set; } = PoolAllocationState.Resizing;

    public int CurrentNodeCount { get; set; }

    public bool IsBeingDeleted { get; set; }

    public Task? Deletion { get; set; }

    /// <summary>Gets the background work that initializes the pool's nodes.</summary>
    public List<Task> Work { get; } = [];

    public void DisposeTokens()
    {
        foreach (var node in Nodes)
        {
            node.Lifetime.Dispose();
        }

        Lifetime.Dispose();
    }
}

/// <summary>A node: its folders, state, running tasks and start task. Read and written under the state's lock.</summary>
internal sealed class NodeEntry
{
    public NodeEntry(PoolEntry pool, string id)
    {
        Pool = pool;
        Id = id;
        RootDirectory = Path.Combine(pool.Directory, "nodes", id);
        Lifetime = CancellationTokenSource.CreateLinkedTokenSource(pool.Lifetime.Token);
    }

    public PoolEntry Pool { get; }

    public string Id { get; }

    /// <summary>Gets the node's root folder (<c>AZ_BATCH_NODE_ROOT_DIR</c>).</summary>
    public string RootDirectory { get; }

    public string SharedDirectory => Path.Combine(RootDirectory, "shared");

    public string StartupDirectory => Path.Combine(RootDirectory, "startup");

    public string WorkItemsDirectory => Path.Combine(RootDirectory, "workitems");

    /// <summary>Gets the source whose cancellation stops everything on the node (unusable, pool deleted, disposal).</summary>
    public CancellationTokenSource Lifetime { get; }

    /// <summary>Gets or sets the node's own state; <see cref="ComputeNodeState.Idle"/> means ready for tasks.</summary>
    public ComputeNodeState State { get; set; } = ComputeNodeState.Creating;

    /// <summary>Gets the state Batch would report: <see cref="ComputeNodeState.Running"/> when a ready node runs tasks.</summary>
    public ComputeNodeState ReportedState => State == ComputeNodeState.Idle && Running.Count > 0 ? ComputeNodeState.Running : State;

    public List<TaskEntry> Running { get; } = [];

    public StartTaskInfo? StartTask { get; set; }

    public List<string> Errors { get; } = [];

    public string TaskDirectory(string jobId, string taskId) => Path.Combine(WorkItemsDirectory, jobId, "job-1", taskId);
}

/// <summary>A job and its tasks. Read and written under the state's lock.</summary>
internal sealed class JobEntry(string id, string poolId)
{
    public string Id { get; } = id;

    public string PoolId { get; } = poolId;

    public JobStatus Status { get; set; } = JobStatus.Active;

    /// <summary>Gets or sets the job's metadata (a frozen copy of the spec's).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public DateTimeOffset CreationTime { get; set; }

    /// <summary>Gets or sets a value indicating whether its tasks may depend on each other.</summary>
    public bool UsesTaskDependencies { get; set; }

    /// <summary>Gets the tasks waiting for a task id (listed in their dependencies by id), by that id: released when it completes.</summary>
    public Dictionary<string, List<TaskEntry>> Waiters { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the ranges of integer task ids that tasks still wait for.</summary>
    public List<RangeWait> RangeWaiters { get; } = [];

    public Dictionary<string, TaskEntry> Tasks { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the tasks in the order they were added.</summary>
    public List<TaskEntry> Order { get; } = [];

    public Task? Deletion { get; set; }
}

/// <summary>A task: its definition, state and where it runs. Read and written under the state's lock.</summary>
internal sealed class TaskEntry(JobEntry job, TaskDefinition definition, long sequence)
{
    // The times in 8 bytes each (UtcInstant), not 16 or 24: a job keeps its completed tasks until it is deleted.
    private long _transitionTime;
    private long _startTime;
    private long _endTime;

    public JobEntry Job { get; } = job;

    /// <summary>Gets the task's definition: all of it until the task completes, then only what a completed task still needs (see <see cref="ReleaseRunPartsLocked"/>).</summary>
    public TaskDefinition Definition { get; private set; } = definition;

    /// <summary>Gets the order in which it was added (first in, first out, also when queued again).</summary>
    public long Sequence { get; } = sequence;

    public ComputeTaskState State { get; set; } = ComputeTaskState.Active;

    public DateTimeOffset TransitionTime { get => UtcInstant.Unpack(_transitionTime) ?? default; set => _transitionTime = UtcInstant.Pack(value); }

    public int? ExitCode { get; set; }

    public TaskExecutionResult? Result { get; set; }

    public TaskFailureInfo? FailureInfo { get; set; }

    public int RetryCount { get; set; }

    public DateTimeOffset? StartTime { get => UtcInstant.Unpack(_startTime); set => _startTime = UtcInstant.Pack(value); }

    public DateTimeOffset? EndTime { get => UtcInstant.Unpack(_endTime); set => _endTime = UtcInstant.Pack(value); }

    public string? NodeId { get; set; }

    /// <summary>Gets the task's folder on the node it last ran on (made from <see cref="NodeDirectory"/> when asked: not one string per task kept).</summary>
    public string? TaskDirectory => NodeDirectory is { } node ? Path.Combine(node, "workitems", Job.Id, "job-1", Definition.Id) : null;

    /// <summary>Gets or sets the root folder of the node it last ran on.</summary>
    public string? NodeDirectory { get; set; }

    /// <summary>Gets or sets the node it runs on now.</summary>
    public NodeEntry? Node { get; set; }

    /// <summary>Gets or sets its place in its pool's queue while it is queued.</summary>
    public LinkedListNode<TaskEntry>? QueueNode { get; set; }

    /// <summary>Gets or sets the source that kills its process while it runs.</summary>
    public CancellationTokenSource? Stop { get; set; }

    public StopReason? StopReason { get; set; }

    /// <summary>Gets or sets the background work running it.</summary>
    public Task? Run { get; set; }

    /// <summary>
    /// Gets or sets, for a durable compute, how its process exited when that was journaled but its completion
    /// (output upload) was not yet: a reopened compute finishes it without running it again.
    /// </summary>
    public JournalRecord? PendingExit { get; set; }

    /// <summary>Gets or sets how many tasks it still waits for (its dependencies not yet satisfied); it is queued only at 0.</summary>
    public long UnmetDependencies { get; set; }

    /// <summary>
    /// Once the task has completed, drops what only running it needed: its command line, resource files (with their
    /// URLs), environment and output files, most of a KB per task, and the background work that ran it (whatever still
    /// waits for that work holds it; nothing looks for the run of a completed task). A job keeps its completed
    /// tasks until it is deleted (as Batch does), so 10,000 of them would otherwise keep 10,000 command lines that nothing
    /// reads again: a completed task is never run again here (no reactivation), and what is asked of it (its state, exit
    /// code, node and folder, its place in the dependencies of others) is kept. A compacted journal keeps the task
    /// without them, which replays the same.
    /// </summary>
    public void ReleaseRunPartsLocked()
    {
        if (State == ComputeTaskState.Completed && PendingExit is null)
        {
            Definition = Definition.WithoutRunParts();
            Run = null;
        }
    }
}

/// <summary>A task waiting for the integer task ids from <see cref="Start"/> to <see cref="End"/>; <see cref="Remaining"/> of them are not yet satisfied.</summary>
internal sealed class RangeWait(TaskEntry task, int start, int end, long remaining)
{
    public TaskEntry Task { get; } = task;

    public int Start { get; } = start;

    public int End { get; } = end;

    public long Remaining { get; set; } = remaining;
}
