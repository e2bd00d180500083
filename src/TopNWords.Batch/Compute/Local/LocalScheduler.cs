using Microsoft.Extensions.Logging;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// The scheduler of the local compute: creates and deletes pools and their nodes, jobs and their tasks, queues
/// tasks per pool first in, first out, and dispatches them onto free task slots of ready nodes. Node start-up
/// runs in <see cref="LocalNodeStarter"/> and task runs in <see cref="LocalTaskExecutor"/>, both as tracked
/// background work that disposal waits for.
/// </summary>
internal sealed class LocalScheduler : IAsyncDisposable
{
    private readonly LocalComputeState _state;
    private readonly string _rootPath;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly BackgroundWork _background;
    private readonly LocalNodeStarter _nodes;
    private readonly LocalTaskExecutor _tasks;

    /// <summary>Initializes a new instance of the <see cref="LocalScheduler"/> class.</summary>
    /// <param name="state">The model it changes.</param>
    /// <param name="rootPath">The folder that holds the pools' folders.</param>
    /// <param name="commands">Runs start tasks and tasks.</param>
    /// <param name="files">Uploads the tasks' output files.</param>
    /// <param name="nodeStartupDelay">The simulated boot time of a node.</param>
    /// <param name="nodeFaults">The host's node fault hook, or <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    public LocalScheduler(LocalComputeState state, string rootPath, LocalCommandRunner commands, TaskFileStager files, TimeSpan nodeStartupDelay, Func<string, string, LocalNodeFault>? nodeFaults, ILogger logger)
    {
        _state = state;
        _rootPath = rootPath;
        _logger = logger;
        _background = new BackgroundWork(
            ex => ex is OperationCanceledException && _lifetime.IsCancellationRequested, // disposed
            (ex, _) => LocalComputeLog.BackgroundWorkFailed(logger, ex));
        _nodes = new LocalNodeStarter(this, state, commands, nodeStartupDelay, nodeFaults, logger);
        _tasks = new LocalTaskExecutor(this, state, commands, files, logger);
        state.Dispatch = DispatchLocked;
    }

    /// <summary>Cancels a source that may have been disposed meanwhile.</summary>
    /// <param name="source">The source, or <see langword="null"/>.</param>
    public static void Cancel(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // it ended meanwhile
        }
    }

    // ---------------------------------------------------------------- pools and nodes

    /// <summary>Adds a pool and starts its nodes in the background.</summary>
    public void CreatePool(string poolId, int nodeCount, int taskSlotsPerNode, StartTaskDefinition? startTask, IReadOnlyDictionary<string, string> metadata)
    {
        PoolEntry entry;
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            if (_state.Pools.TryGetValue(poolId, out var existing))
            {
                throw existing.IsBeingDeleted
                    ? new BatchComputeException(BatchComputeErrorKind.Conflict, $"Pool '{poolId}' is being deleted. Wait for the deletion to finish, or use another pool id.", poolId, BatchErrorCodes.PoolBeingDeleted)
                    : new BatchComputeException(BatchComputeErrorKind.AlreadyExists, $"Pool '{existing.Id}' already exists. Use it, delete it first, or choose another pool id.", poolId, BatchErrorCodes.PoolExists);
            }

            entry = new PoolEntry(poolId, Path.Combine(_rootPath, "pools", poolId), nodeCount, taskSlotsPerNode, startTask, _lifetime.Token)
            {
                Metadata = metadata,
                CreationTime = _state.Time.GetUtcNow(),
            };
            _state.Pools.Add(entry.Id, entry);
            _state.JournalLocked(new JournalRecord
            {
                Kind = JournalKinds.Pool,
                At = entry.CreationTime,
                PoolId = entry.Id,
                NodeCount = nodeCount,
                TaskSlotsPerNode = taskSlotsPerNode,
                StartTask = startTask is null ? null : JournalCommand.From(startTask),
                Metadata = new(metadata, StringComparer.Ordinal),
            });
            foreach (var node in entry.Nodes)
            {
                _state.NotifyNodeLocked(node);
            }

            var initialization = _background.Start(() => InitializePoolAsync(entry, clean: true));
            entry.Work.Add(initialization);
        }

        LocalComputeLog.PoolCreated(_logger, entry.Id, entry.Nodes.Count, entry.TaskSlotsPerNode, entry.Directory);
    }

    /// <summary>Starts deleting a pool (once): its tasks are queued again, its processes killed and its folders removed.</summary>
    /// <returns>The deletion, or <see langword="null"/> when there is no such pool.</returns>
    public Task? DeletePool(string poolId)
    {
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            if (!_state.Pools.TryGetValue(poolId, out var pool))
            {
                return null;
            }

            if (pool.Deletion is null)
            {
                pool.IsBeingDeleted = true;
                _state.JournalLocked(new JournalRecord { Kind = JournalKinds.PoolDeleted, PoolId = pool.Id });
                foreach (var node in pool.Nodes)
                {
                    foreach (var task in node.Running)
                    {
                        task.StopReason ??= StopReason.NodeLost;
                    }
                }

                pool.Deletion = _background.Start(() => DeletePoolCoreAsync(pool));
            }

            return pool.Deletion;
        }
    }

    /// <summary>Turns a node unusable and kills what runs on it; <see langword="false"/> when there is no such node.</summary>
    public bool MarkNodeUnusable(string poolId, string nodeId, string errorCode, string errorMessage)
    {
        CancellationTokenSource? toCancel;
        lock (_state.Gate)
        {
            if (_state.IsDisposed || _state.FindNodeLocked(poolId, nodeId) is not { } node)
            {
                return false;
            }

            toCancel = MarkUnusableLocked(node, errorCode, errorMessage);
        }

        Cancel(toCancel);
        return true;
    }

    /// <summary>Turns a node unusable; returns the source to cancel (after releasing the lock) to kill what runs on it.</summary>
    public CancellationTokenSource? MarkUnusableLocked(NodeEntry node, string errorCode, string errorMessage)
    {
        node.Errors.Add($"{errorCode}: {errorMessage}");
        if (node.State == ComputeNodeState.Unusable)
        {
            _state.NotifyNodeLocked(node);
            return null;
        }

        foreach (var task in node.Running)
        {
            task.StopReason ??= StopReason.NodeLost;
        }

        _state.SetNodeStateLocked(node, ComputeNodeState.Unusable);
        LocalComputeLog.NodeUnusable(_logger, node.Pool.Id, node.Id, errorCode, errorMessage);
        return node.Lifetime;
    }

    private async Task InitializePoolAsync(PoolEntry pool, bool clean)
    {
        if (clean && Directory.Exists(pool.Directory))
        {
            LocalFolders.TryDelete(pool.Directory, _logger); // left by an earlier run with the same root: nodes start clean
        }

        Task[] nodes;
        lock (_state.Gate)
        {
            if (pool.Lifetime.IsCancellationRequested)
            {
                return;
            }

            nodes = [.. pool.Nodes.Select(node =>
            {
                var stop = node.Lifetime.Token;
                return _background.Start(() => _nodes.InitializeNodeAsync(node, stop));
            })];
        }

        await Task.WhenAll(nodes).ConfigureAwait(false);
    }

    private async Task DeletePoolCoreAsync(PoolEntry pool)
    {
        await pool.Lifetime.CancelAsync().ConfigureAwait(false); // kills start tasks and tasks on every node
        Task[] work;
        lock (_state.Gate)
        {
            work = [.. pool.Work, .. pool.Nodes.SelectMany(n => n.Running).Select(t => t.Run).OfType<Task>()];
        }

        await Task.WhenAll(work).ConfigureAwait(false); // tracked work never throws
        LocalFolders.TryDelete(pool.Directory, _logger);
        lock (_state.Gate)
        {
            if (_state.Pools.TryGetValue(pool.Id, out var current) && ReferenceEquals(current, pool))
            {
                _state.Pools.Remove(pool.Id);
            }

            pool.DisposeTokens();
        }

        LocalComputeLog.PoolDeleted(_logger, pool.Id);
    }

    // ---------------------------------------------------------------- reopening a durable compute

    /// <summary>Gets the token every pool's lifetime is linked to (for pools rebuilt from the journal).</summary>
    public CancellationToken Lifetime => _lifetime.Token;

    /// <summary>
    /// Brings a model rebuilt from the journal back to life, as a rebooted Batch node would: every pool's nodes start
    /// again (start task included, their folders kept); a task whose process had exited is finished without running
    /// again; a task that was preparing or running is queued again (its process died with the old owner); queued tasks
    /// queue again; all in the order they were added. Tasks of a terminated job never start; one that was running
    /// completes as failed (<c>TaskEnded</c>).
    /// </summary>
    /// <returns>How many tasks were queued again after running, and how many are being finished.</returns>
    public (int Requeued, int Finishing) Recover()
    {
        int requeued = 0;
        int finishing = 0;
        lock (_state.Gate)
        {
            var toQueue = new List<TaskEntry>();
            foreach (var job in _state.Jobs.Values)
            {
                foreach (var task in job.Order)
                {
                    if (task.State == ComputeTaskState.Completed)
                    {
                        task.ReleaseRunPartsLocked(); // replayed whole from the journal
                        continue;
                    }

                    if (task.PendingExit is { } exited)
                    {
                        finishing++;
                        var stop = _lifetime.Token;
                        task.Run = _background.Start(() => _tasks.FinishExitedAsync(task, exited, stop));
                        continue;
                    }

                    if (job.Status != JobStatus.Active)
                    {
                        if (task.State != ComputeTaskState.Active)
                        {
                            _state.CompleteTaskLocked(task, null, new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.TaskEnded, "The task was ended because its job was terminated."));
                        }

                        continue;
                    }

                    if (task.State != ComputeTaskState.Active)
                    {
                        requeued++;
                        task.NodeId = null;
                        _state.SetTaskStateLocked(task, ComputeTaskState.Active);
                    }

                    toQueue.Add(task);
                }

                if (job.Status == JobStatus.Active && job.UsesTaskDependencies)
                {
                    foreach (var task in job.Order)
                    {
                        if (task.State != ComputeTaskState.Completed && task.PendingExit is null)
                        {
                            LocalDependencies.RegisterLocked(task); // from the states replayed: a blocked task stays blocked, a waiting one waits
                        }
                    }
                }
            }

            foreach (var task in toQueue.Where(t => t.UnmetDependencies == 0).OrderBy(t => t.Sequence))
            {
                task.QueueNode = _state.GetQueueLocked(task.Job.PoolId).AddLast(task);
            }

            foreach (var pool in _state.Pools.Values)
            {
                pool.CurrentNodeCount = 0;
                pool.Allocation = PoolAllocationState.Resizing;
                foreach (var node in pool.Nodes)
                {
                    node.State = ComputeNodeState.Creating;
                    node.StartTask = null;
                    node.Errors.Clear();
                    _state.NotifyNodeLocked(node);
                }

                var entry = pool;
                pool.Work.Add(_background.Start(() => InitializePoolAsync(entry, clean: false))); // like a rebooted node: its disk is kept
            }
        }

        return (requeued, finishing);
    }

    // ---------------------------------------------------------------- jobs

    /// <summary>Adds a job on an existing pool.</summary>
    public void CreateJob(string jobId, string poolId, IReadOnlyDictionary<string, string> metadata, bool usesTaskDependencies = false)
    {
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            if (_state.Jobs.TryGetValue(jobId, out var existing))
            {
                throw existing.Status == JobStatus.Deleting
                    ? new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{jobId}' is being deleted. Wait for the deletion to finish, or use another job id.", jobId, BatchErrorCodes.JobBeingDeleted)
                    : new BatchComputeException(BatchComputeErrorKind.AlreadyExists, $"Job '{existing.Id}' already exists. Add tasks to it, delete it first, or choose another job id.", jobId, BatchErrorCodes.JobExists);
            }

            if (!_state.Pools.TryGetValue(poolId, out var pool))
            {
                throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Job '{jobId}' names pool '{poolId}', which does not exist. Create the pool first.", poolId, BatchErrorCodes.PoolNotFound);
            }

            if (pool.IsBeingDeleted)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{jobId}' names pool '{pool.Id}', which is being deleted. Create the pool again, or use another pool.", pool.Id, BatchErrorCodes.PoolBeingDeleted);
            }

            var job = new JobEntry(jobId, pool.Id) { Metadata = metadata, CreationTime = _state.Time.GetUtcNow(), UsesTaskDependencies = usesTaskDependencies };
            _state.Jobs.Add(jobId, job);
            _state.JournalLocked(new JournalRecord { Kind = JournalKinds.Job, At = job.CreationTime, JobId = jobId, PoolId = pool.Id, Metadata = new(metadata, StringComparer.Ordinal), UsesTaskDependencies = usesTaskDependencies ? true : null });
        }
    }

    /// <summary>Terminates a job: its running tasks are killed and complete as failed; its queued tasks never start.</summary>
    public async Task TerminateJobAsync(string jobId, CancellationToken cancellationToken)
    {
        List<TaskEntry> running;
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            var job = _state.GetJobLocked(jobId);
            if (job.Status == JobStatus.Deleting)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is being deleted.", job.Id, BatchErrorCodes.JobBeingDeleted);
            }

            if (job.Status != JobStatus.Terminated)
            {
                job.Status = JobStatus.Terminated;
                _state.JournalLocked(new JournalRecord { Kind = JournalKinds.JobTerminated, JobId = job.Id });
            }

            running = StopJobTasksLocked(job, StopReason.JobTerminated);
        }

        await StopAndWaitAsync(running, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deleting a job (once): its running tasks are killed and its folders removed.</summary>
    /// <returns>The deletion, or <see langword="null"/> when there is no such job.</returns>
    public Task? DeleteJob(string jobId)
    {
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            if (!_state.Jobs.TryGetValue(jobId, out var job))
            {
                return null;
            }

            if (job.Deletion is null)
            {
                job.Status = JobStatus.Deleting;
                _state.JournalLocked(new JournalRecord { Kind = JournalKinds.JobDeleted, JobId = job.Id });
                var running = StopJobTasksLocked(job, StopReason.JobDeleted);
                job.Deletion = _background.Start(() => DeleteJobCoreAsync(job, running));
            }

            return job.Deletion;
        }
    }

    /// <summary>Takes a job's queued tasks out of the queue (they stay active) and marks its running tasks to stop.</summary>
    private static List<TaskEntry> StopJobTasksLocked(JobEntry job, StopReason reason)
    {
        var running = new List<TaskEntry>();
        foreach (var task in job.Order)
        {
            if (task.QueueNode is { } queued)
            {
                queued.List?.Remove(queued);
                task.QueueNode = null;
            }

            if (task.Run is { IsCompleted: false } && task.State != ComputeTaskState.Completed)
            {
                task.StopReason = reason;
                running.Add(task);
            }
        }

        return running;
    }

    private async Task StopAndWaitAsync(List<TaskEntry> tasks, CancellationToken cancellationToken)
    {
        var runs = new List<Task>(tasks.Count);
        var sources = new List<CancellationTokenSource>(tasks.Count);
        lock (_state.Gate)
        {
            foreach (var task in tasks)
            {
                if (task.Stop is { } stop)
                {
                    sources.Add(stop);
                }

                if (task.Run is { } run)
                {
                    runs.Add(run);
                }
            }
        }

        foreach (var source in sources)
        {
            Cancel(source);
        }

        await Task.WhenAll(runs).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteJobCoreAsync(JobEntry job, List<TaskEntry> running)
    {
        await StopAndWaitAsync(running, CancellationToken.None).ConfigureAwait(false);
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new HashSet<string>(StringComparer.Ordinal);
        lock (_state.Gate)
        {
            foreach (var task in job.Order)
            {
                if (task.NodeDirectory is { } nodeDirectory && nodes.Add(nodeDirectory))
                {
                    folders.Add(Path.Combine(nodeDirectory, "workitems", job.Id)); // <node>/workitems/<jobId>
                }
            }
        }

        foreach (string folder in folders)
        {
            LocalFolders.TryDelete(folder, _logger);
        }

        lock (_state.Gate)
        {
            if (_state.Jobs.TryGetValue(job.Id, out var current) && ReferenceEquals(current, job))
            {
                _state.Jobs.Remove(job.Id);
            }
        }
    }

    // ---------------------------------------------------------------- tasks: queue and dispatch

    /// <summary>
    /// Queues new tasks of an active job (ids it has already are skipped) and dispatches. A task with dependencies stays
    /// active, out of the queue, until they are met; on a job without task dependencies it is refused into <paramref name="failures"/>.
    /// </summary>
    /// <returns>How many were added, and how many existed already.</returns>
    public (int Added, int Existed) AddTasks(string jobId, IReadOnlyList<TaskDefinition> definitions, List<TaskAddFailure>? failures = null)
    {
        int added = 0;
        int existed = 0;
        lock (_state.Gate)
        {
            _state.ThrowIfDisposedLocked();
            var job = _state.GetJobLocked(jobId);
            if (job.Status != JobStatus.Active)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is {(job.Status == JobStatus.Deleting ? "being deleted" : "terminated")} and accepts no tasks. Create a new job.", job.Id, job.Status == JobStatus.Deleting ? BatchErrorCodes.JobBeingDeleted : BatchErrorCodes.JobCompleted);
            }

            var queue = _state.GetQueueLocked(job.PoolId);
            foreach (var definition in definitions)
            {
                if (job.Tasks.ContainsKey(definition.Id))
                {
                    existed++;
                    continue;
                }

                if (definition.DependsOn is not null && !job.UsesTaskDependencies)
                {
                    (failures ?? throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, DependenciesNotOnJob(job.Id, definition.Id), definition.Id, BatchErrorCodes.TaskDependenciesNotSpecifiedOnJob))
                        .Add(new TaskAddFailure(definition.Id, BatchErrorCodes.TaskDependenciesNotSpecifiedOnJob, DependenciesNotOnJob(job.Id, definition.Id)));
                    continue;
                }

                var task = new TaskEntry(job, definition, _state.NextTaskSequenceLocked()) { TransitionTime = _state.Time.GetUtcNow() };
                job.Tasks.Add(definition.Id, task);
                job.Order.Add(task);
                LocalDependencies.RegisterLocked(task);
                if (task.UnmetDependencies == 0)
                {
                    task.QueueNode = queue.AddLast(task);
                }

                added++;
                _state.JournalLocked(new JournalRecord { Kind = JournalKinds.TaskAdded, JobId = job.Id, TaskId = definition.Id, Spec = JournalCommand.From(definition) });
                _state.NotifyTaskLocked(task);
            }

            DispatchLocked(job.PoolId);
        }

        return (added, existed);
    }

    /// <summary>Puts a task whose node left the pool back in its pool's queue, in its first-in, first-out place.</summary>
    public void RequeueLocked(TaskEntry task)
    {
        task.StopReason = null;
        task.NodeId = null;
        var queue = _state.GetQueueLocked(task.Job.PoolId);
        var next = queue.First;
        while (next is not null && next.Value.Sequence < task.Sequence)
        {
            next = next.Next;
        }

        task.QueueNode = next is null ? queue.AddLast(task) : queue.AddBefore(next, task);
        _state.SetTaskStateLocked(task, ComputeTaskState.Active);
    }

    private static string DependenciesNotOnJob(string jobId, string taskId) =>
        $"Task '{taskId}' has dependencies, but job '{jobId}' does not use task dependencies. Create the job with UsesTaskDependencies set (usesTaskDependencies: true), or add the task without DependsOn.";

    /// <summary>Starts queued tasks of a pool on free slots of its ready nodes, spreading them over the nodes.</summary>
    public void DispatchLocked(string poolId)
    {
        if (_state.IsDisposed || !_state.Pools.TryGetValue(poolId, out var pool) || pool.IsBeingDeleted || _state.FindQueueLocked(poolId) is not { } queue)
        {
            return;
        }

        while (queue.First is { } first)
        {
            NodeEntry? best = null;
            foreach (var node in pool.Nodes)
            {
                if (node.State == ComputeNodeState.Idle && node.Running.Count < pool.TaskSlotsPerNode && (best is null || node.Running.Count < best.Running.Count))
                {
                    best = node;
                }
            }

            if (best is null)
            {
                return;
            }

            queue.RemoveFirst();
            var task = first.Value;
            task.QueueNode = null;
            task.Node = best;
            task.NodeId = best.Id;
            task.StopReason = null;
            task.NodeDirectory = best.RootDirectory;
            best.Running.Add(task);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(best.Lifetime.Token);
            task.Stop = stop;
            _state.SetTaskStateLocked(task, ComputeTaskState.Preparing);
            if (best.Running.Count == 1)
            {
                _state.NotifyNodeLocked(best);
            }

            var target = best;
            var token = stop.Token;
            task.Run = _background.Start(() => _tasks.RunAsync(task, target, token));
        }
    }

    // ---------------------------------------------------------------- disposal

    /// <summary>
    /// Stops everything (once): kills every process still running, waits for all background work to end, and
    /// releases the pools' tokens.
    /// </summary>
    /// <returns><see langword="false"/> when it was shut down already.</returns>
    public async Task<bool> ShutdownAsync()
    {
        lock (_state.Gate)
        {
            if (_state.IsDisposed)
            {
                return false;
            }

            _state.IsDisposed = true;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _background.WaitForAllAsync().ConfigureAwait(false);
        lock (_state.Gate)
        {
            foreach (var pool in _state.Pools.Values)
            {
                pool.DisposeTokens();
            }
        }

        _lifetime.Dispose();
        return true;
    }

    /// <summary>Stops everything, as <see cref="ShutdownAsync"/> does.</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);
}
