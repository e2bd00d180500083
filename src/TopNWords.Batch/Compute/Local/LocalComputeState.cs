using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// The in-memory model of the local compute: pools, nodes, jobs, tasks and the pools' task queues, all under
/// one lock (<see cref="Gate"/>), with the lookups, the snapshots callers get, and the change notifications
/// hosts get. Members whose names end in <c>Locked</c> are called with <see cref="Gate"/> held; the others take it.
/// </summary>
internal sealed class LocalComputeState
{
    private readonly ILogger _logger;
    private readonly Dictionary<string, LinkedList<TaskEntry>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private long _nextTaskSequence;

    /// <summary>Initializes a new instance of the <see cref="LocalComputeState"/> class.</summary>
    /// <param name="displayName">The compute's display name, for messages.</param>
    /// <param name="time">The clock for state times.</param>
    /// <param name="logger">The logger.</param>
    public LocalComputeState(string displayName, TimeProvider time, ILogger logger)
    {
        DisplayName = displayName;
        Time = time;
        _logger = logger;
    }

    /// <summary>Raised under <see cref="Gate"/>, in order, for every node and task state change (see <see cref="LocalProcessCompute.Changed"/>).</summary>
    public event Action<LocalComputeChange>? Changed;

    /// <summary>Gets the lock that guards everything in the model.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Gets the clock for state times.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the compute's display name, for messages.</summary>
    public string DisplayName { get; }

    /// <summary>Gets the pools by id.</summary>
    public Dictionary<string, PoolEntry> Pools { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the jobs by id.</summary>
    public Dictionary<string, JobEntry> Jobs { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets the journal of a durable compute that owns its root, or <see langword="null"/>.</summary>
    public LocalJournalWriter? Journal { get; set; }

    /// <summary>Gets or sets a value indicating whether the compute is disposed (or being disposed).</summary>
    public bool IsDisposed { get; set; }

    // ---------------------------------------------------------------- queries

    /// <summary>Gets a pool, or <see langword="null"/> when there is none.</summary>
    public PoolInfo? GetPool(string poolId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return Pools.TryGetValue(poolId, out var pool)
                ? new PoolInfo(pool.Id, pool.Allocation, pool.Nodes.Count, pool.CurrentNodeCount, pool.TaskSlotsPerNode, [], pool.IsBeingDeleted)
                : null;
        }
    }

    /// <summary>Lists the pools, by id.</summary>
    public List<PoolSummary> ListPools()
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return [.. Pools.Values.OrderBy(p => p.Id, StringComparer.Ordinal).Select(p => new PoolSummary(p.Id, p.Metadata, p.CreationTime))];
        }
    }

    /// <summary>Lists the jobs, by id.</summary>
    public List<JobSummary> ListJobs()
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return [.. Jobs.Values.OrderBy(j => j.Id, StringComparer.Ordinal).Select(j => new JobSummary(j.Id, j.PoolId, j.Metadata, j.CreationTime, j.Status != JobStatus.Active))];
        }
    }

    /// <summary>Lists a pool's nodes.</summary>
    public IReadOnlyList<ComputeNodeInfo> ListNodes(string poolId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            var pool = GetPoolLocked(poolId);
            return [.. pool.Nodes.Select(SnapshotLocked)];
        }
    }

    /// <summary>Gets the file that holds a stream of a node's start task output.</summary>
    public string GetStartTaskOutputPath(string poolId, string nodeId, TaskOutputStream stream)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            var node = GetNodeLocked(poolId, nodeId);
            return Path.Combine(node.StartupDirectory, LocalCommandRunner.OutputFileName(stream));
        }
    }

    /// <summary>Counts a job's tasks by state.</summary>
    public TaskCounts GetTaskCounts(string jobId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            var counts = default(TaskCounts);
            foreach (var task in job.Order)
            {
                counts = counts.Add(task.State, task.Result);
            }

            return counts;
        }
    }

    /// <summary>Takes a snapshot of a job's tasks that match the query, in the order they were added. The list grows with what
    /// matches, not with the job: a poll for the few tasks that changed since the last one does not allocate room for 20,000.</summary>
    public List<BatchTaskInfo> ListTasks(string jobId, TaskListQuery? query)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            var snapshot = new List<BatchTaskInfo>(query is null ? job.Order.Count : 0);
            foreach (var task in job.Order)
            {
                if ((query?.State is not { } state || task.State == state)
                    && (query?.StateChangedSince is not { } since || task.TransitionTime >= since))
                {
                    snapshot.Add(SnapshotLocked(task));
                }
            }

            return snapshot;
        }
    }

    /// <summary>Gets a task, or <see langword="null"/> when there is no such job or task.</summary>
    public BatchTaskInfo? GetTask(string jobId, string taskId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return Jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) ? SnapshotLocked(task) : null;
        }
    }

    /// <summary>Gets a node's folder, or <see langword="null"/> when there is no such node.</summary>
    public string? GetNodeDirectory(string poolId, string nodeId)
    {
        lock (Gate)
        {
            return FindNodeLocked(poolId, nodeId)?.RootDirectory;
        }
    }

    /// <summary>Gets the folder of a task on the node it last ran on, or <see langword="null"/> when it never ran.</summary>
    public string? GetTaskDirectory(string jobId, string taskId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return Jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) ? task.TaskDirectory : null;
        }
    }

    /// <summary>Gets the folder of a task and the root folder of the node it last ran on, or <see langword="null"/> when it never ran.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task.</param>
    /// <returns>The folders.</returns>
    public (string TaskDirectory, string NodeDirectory)? GetTaskFolders(string jobId, string taskId)
    {
        lock (Gate)
        {
            ThrowIfDisposedLocked();
            return Jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) && task is { TaskDirectory: { } taskDirectory, NodeDirectory: { } nodeDirectory }
                ? (taskDirectory, nodeDirectory)
                : null;
        }
    }

    // ---------------------------------------------------------------- lookups

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the compute is disposed.</summary>
    public void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(IsDisposed, typeof(LocalProcessCompute));

    /// <summary>Gets a pool, or throws <see cref="BatchComputeException"/> (<c>PoolNotFound</c>).</summary>
    public PoolEntry GetPoolLocked(string poolId) =>
        Pools.TryGetValue(poolId, out var pool)
            ? pool
            : throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Pool '{poolId}' does not exist on {DisplayName}.", poolId, BatchErrorCodes.PoolNotFound);

    /// <summary>Gets a node, or throws <see cref="BatchComputeException"/> (<c>PoolNotFound</c>, <c>NodeNotFound</c>).</summary>
    public NodeEntry GetNodeLocked(string poolId, string nodeId) =>
        GetPoolLocked(poolId).Nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.OrdinalIgnoreCase))
            ?? throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Node '{nodeId}' does not exist in pool '{poolId}'.", nodeId, BatchErrorCodes.NodeNotFound);

    /// <summary>Finds a node, or returns <see langword="null"/> when there is no such pool or node.</summary>
    public NodeEntry? FindNodeLocked(string poolId, string nodeId) =>
        Pools.TryGetValue(poolId, out var pool) ? pool.Nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.OrdinalIgnoreCase)) : null;

    /// <summary>Gets a job, or throws <see cref="BatchComputeException"/> (<c>JobNotFound</c>).</summary>
    public JobEntry GetJobLocked(string jobId) =>
        Jobs.TryGetValue(jobId, out var job)
            ? job
            : throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Job '{jobId}' does not exist on {DisplayName}.", jobId, BatchErrorCodes.JobNotFound);

    /// <summary>Gets the queue of a pool id, creating it when missing (tasks may wait for a pool that does not exist yet).</summary>
    public LinkedList<TaskEntry> GetQueueLocked(string poolId)
    {
        if (!_queues.TryGetValue(poolId, out var queue))
        {
            queue = new LinkedList<TaskEntry>();
            _queues.Add(poolId, queue);
        }

        return queue;
    }

    /// <summary>Finds the queue of a pool id, or returns <see langword="null"/> when no task was ever queued for it.</summary>
    public LinkedList<TaskEntry>? FindQueueLocked(string poolId) => _queues.GetValueOrDefault(poolId);

    /// <summary>Puts a task whose dependencies are met in its pool's queue, in its first-in, first-out place (by sequence; searched from the end, where such a task usually goes).</summary>
    public void EnqueueInOrderLocked(TaskEntry task)
    {
        var queue = GetQueueLocked(task.Job.PoolId);
        var next = queue.Last;
        while (next is not null && next.Value.Sequence > task.Sequence)
        {
            next = next.Previous;
        }

        task.QueueNode = next is null ? queue.AddFirst(task) : queue.AddAfter(next, task);
    }

    /// <summary>Gets or sets what dispatches a pool's queue (the scheduler), called when tasks waiting for dependencies are queued.</summary>
    public Action<string>? Dispatch { get; set; }

    /// <summary>Gets the next task sequence number (first in, first out order).</summary>
    public long NextTaskSequenceLocked() => ++_nextTaskSequence;

    // ---------------------------------------------------------------- changes and snapshots

    /// <summary>Completes a task.</summary>
    public void CompleteTaskLocked(TaskEntry task, int? exitCode, TaskFailureInfo? failure)
    {
        task.ExitCode = exitCode;
        task.FailureInfo = failure;
        task.Result = failure is null ? TaskExecutionResult.Success : TaskExecutionResult.Failure;
        task.EndTime = Time.GetUtcNow();
        SetTaskStateLocked(task, ComputeTaskState.Completed);
        task.ReleaseRunPartsLocked();
        if (task.Job.UsesTaskDependencies)
        {
            var ready = new List<TaskEntry>();
            LocalDependencies.ReleaseLocked(task, ready);
            if (ready.Count > 0)
            {
                foreach (var waiter in ready)
                {
                    EnqueueInOrderLocked(waiter);
                }

                Dispatch?.Invoke(task.Job.PoolId);
            }
        }
    }

    /// <summary>Sets a task's state and transition time, and notifies.</summary>
    public void SetTaskStateLocked(TaskEntry task, ComputeTaskState state)
    {
        task.State = state;
        task.TransitionTime = Time.GetUtcNow();
        NotifyTaskLocked(task);
    }

    /// <summary>Sets a node's state, and notifies.</summary>
    public void SetNodeStateLocked(NodeEntry node, ComputeNodeState state)
    {
        node.State = state;
        NotifyNodeLocked(node);
    }

    /// <summary>Appends a record to the journal of a durable compute (nothing otherwise).</summary>
    public void JournalLocked(JournalRecord record)
    {
        if (Journal is { } journal)
        {
            if (record.At == default)
            {
                record.At = Time.GetUtcNow();
            }

            journal.Append(record);
        }
    }

    /// <summary>Journals a task's state and raises <see cref="Changed"/> for it.</summary>
    public void NotifyTaskLocked(TaskEntry task)
    {
        var handler = Changed;
        if (handler is null && Journal is null)
        {
            return;
        }

        var snapshot = SnapshotLocked(task);
        JournalLocked(new JournalRecord { Kind = JournalKinds.Task, JobId = task.Job.Id, TaskId = task.Definition.Id, TaskState = snapshot });
        if (handler is not null)
        {
            Raise(handler, new LocalTaskChange(Time.GetUtcNow(), task.Job.Id, snapshot));
        }
    }

    /// <summary>Journals a node's state and raises <see cref="Changed"/> for it.</summary>
    public void NotifyNodeLocked(NodeEntry node)
    {
        var handler = Changed;
        if (handler is null && Journal is null)
        {
            return;
        }

        var snapshot = SnapshotLocked(node);
        JournalLocked(new JournalRecord { Kind = JournalKinds.Node, PoolId = node.Pool.Id, NodeState = snapshot });
        if (handler is not null)
        {
            Raise(handler, new LocalNodeChange(Time.GetUtcNow(), node.Pool.Id, snapshot));
        }
    }

    /// <summary>Takes a snapshot of a task, as callers see it.</summary>
    public static BatchTaskInfo SnapshotLocked(TaskEntry task) => new()
    {
        Id = task.Definition.Id,
        State = task.State,
        StateTransitionTime = task.TransitionTime,
        ExitCode = task.ExitCode,
        Result = task.State == ComputeTaskState.Completed ? task.Result : null,
        FailureInfo = task.State == ComputeTaskState.Completed ? task.FailureInfo : null,
        RetryCount = task.RetryCount,
        StartTime = task.StartTime,
        EndTime = task.EndTime,
        NodeId = task.NodeId,
    };

    /// <summary>Takes a snapshot of a node, as callers see it.</summary>
    public ComputeNodeInfo SnapshotLocked(NodeEntry node) => new(node.Id, node.ReportedState, node.StartTask, [.. node.Errors]);

    private void Raise(Action<LocalComputeChange> handler, LocalComputeChange change)
    {
        try
        {
            handler(change);
        }
        catch (Exception ex)
        {
            LocalComputeLog.ChangeHandlerFailed(_logger, ex);
        }
    }
}
