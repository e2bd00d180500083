using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Emulator.Faults;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Emulator.State;

/// <summary>An accepted task of an add-task-collection request, or why it is refused.</summary>
/// <param name="Id">The task id (null when the request gave none).</param>
/// <param name="Content">The task as sent.</param>
/// <param name="Spec">What the engine runs, when the task is valid.</param>
/// <param name="Error">Why the task is refused (a per-task <c>clienterror</c>), when it is.</param>
internal sealed record TaskAddItem(string? Id, BatchTaskCreateContent? Content, TaskSpec? Spec, BatchRequestException? Error);

/// <summary>The result of one task of an add-task-collection request.</summary>
internal sealed record TaskAddOutcome(string? TaskId, BatchTaskAddStatus Status, string? ETag, DateTimeOffset? LastModified, BatchRequestException? Error);

/// <summary>
/// The emulated account: pools, nodes, jobs and tasks, kept in the service's shape and mirrored from the
/// local compute engine's change events (which arrive under the engine's lock: the handler only updates this
/// state). Lock order: the engine's lock may be held when this state's lock is taken, never the reverse, so
/// no method calls the engine while holding <c>_gate</c>.
/// </summary>
internal sealed partial class EmulatorState : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PoolRecord> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly BackgroundWork _background;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly LocalProcessCompute _engine;
    private readonly FaultInjector _faults;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxNodesPerPool;
    private long _sequence;
    private bool _disposed;

    public EmulatorState(LocalProcessCompute engine, FaultInjector faults, TimeProvider time, ILogger logger, int maxNodesPerPool)
    {
        _engine = engine;
        _faults = faults;
        _time = time;
        _logger = logger;
        _maxNodesPerPool = maxNodesPerPool;
        _background = new BackgroundWork(
            ex => ex is ObjectDisposedException || (ex is OperationCanceledException && _lifetime.IsCancellationRequested), // the emulator is stopping
            (ex, what) => EmulatorLog.BackgroundFailed(_logger, what ?? "background work", ex));
        _engine.Changed += OnEngineChanged;
    }

    /// <summary>Gets the engine's root folder.</summary>
    public string RootPath => _engine.RootPath;

    /// <summary>Gets the number of pools and jobs that exist (deleting ones included), for tests and diagnostics.</summary>
    public (int Pools, int Jobs) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_pools.Count, _jobs.Count);
            }
        }
    }

    /// <summary>The pools and jobs that exist (being deleted ones included).</summary>
    public BatchEmulatorResources Resources()
    {
        lock (_gate)
        {
            return new BatchEmulatorResources { Pools = [.. _pools.Values.Select(p => p.Id)], Jobs = [.. _jobs.Values.Select(j => j.Id)] };
        }
    }

    /// <summary>Turns a node unusable now (admin); false when there is no such node.</summary>
    public bool MarkNodeUnusable(string poolId, string nodeId, string reason)
    {
        lock (_gate)
        {
            if (!_pools.TryGetValue(poolId, out var pool) || pool.Nodes.Find(n => Same(n.Id, nodeId)) is null)
            {
                return false;
            }
        }

        bool done = _engine.MarkNodeUnusable(poolId, nodeId, BatchErrorCodes.NodeFaultInjected, "The emulator's admin endpoint made this node unusable: " + reason);
        if (done)
        {
            EmulatorLog.NodeMadeUnusable(_logger, poolId, nodeId, reason);
        }

        return done;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _engine.Changed -= OnEngineChanged;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        await _background.WaitForAllAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private string NextETag(DateTimeOffset now) => Responses.ETag(now, ++_sequence);

    /// <summary>
    /// The background half of a delete (the request has answered 202): the engine lets go of the resource,
    /// the deletion-delay fault holds it in <c>deleting</c> a while, then <paramref name="remove"/> runs
    /// under the lock, even when the engine failed.
    /// </summary>
    private void DeleteInBackground(string what, Func<Task> engineDelete, Action remove)
    {
        TimeSpan delay = _faults.DeletionDelay;
        RunInBackground(what, async () =>
        {
            try
            {
                await engineDelete().ConfigureAwait(false);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, _lifetime.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                lock (_gate)
                {
                    remove();
                }
            }
        });
    }

    /// <summary>Runs work in the background, tracked so that disposal waits for it; failures are logged.</summary>
    private void RunInBackground(string what, Func<Task> work)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _background.Start(work, what);
        }
    }

    // ------------------------------------------------------------------ engine events

    private void OnEngineChanged(LocalComputeChange change)
    {
        (string PoolId, string NodeId)? breakNode = null;
        string? terminateJob = null;
        lock (_gate)
        {
            switch (change)
            {
                case LocalNodeChange node:
                    ApplyNodeChange(node);
                    break;
                case LocalTaskChange task:
                    (breakNode, terminateJob) = ApplyTaskChange(task);
                    break;
            }
        }

        if (breakNode is { } target)
        {
            RunInBackground($"make node '{target.NodeId}' unusable", () =>
            {
                if (_engine.MarkNodeUnusable(target.PoolId, target.NodeId, BatchErrorCodes.NodeFaultInjected, "The emulator made this node unusable after the number of tasks its faults set."))
                {
                    EmulatorLog.NodeMadeUnusable(_logger, target.PoolId, target.NodeId, "fault: unusable after tasks");
                }

                return Task.CompletedTask;
            });
        }

        if (terminateJob is not null)
        {
            BeginTerminate(terminateJob, "AllTasksComplete");
        }
    }

    private void ApplyNodeChange(LocalNodeChange change)
    {
        if (!_pools.TryGetValue(change.PoolId, out var pool))
        {
            return;
        }

        var info = change.Node;
        var node = pool.Nodes.Find(n => Same(n.Id, info.Id));
        if (node is null)
        {
            node = new NodeRecord(info.Id, pool.Nodes.Count, ++_sequence, change.Time);
            pool.Nodes.Add(node);
        }

        if (node.State != info.State)
        {
            node.State = info.State;
            node.StateTransitionTime = change.Time;
            if (info.State == ComputeNodeState.Starting)
            {
                node.LastBootTime = change.Time;
            }
        }

        if (info.StartTask is { } start && node.StartTask is { } before && start.RetryCount > before.RetryCount)
        {
            node.StartTaskLastRetryTime = change.Time;
        }

        node.StartTask = info.StartTask;
        node.Errors = info.Errors;
        if (pool.AllocationState == BatchAllocationState.Resizing && pool.State == BatchPoolState.Active
            && pool.Nodes.Count >= pool.EngineNodes && pool.Nodes.All(n => n.State != ComputeNodeState.Creating))
        {
            pool.AllocationState = BatchAllocationState.Steady;
            pool.AllocationStateTransitionTime = change.Time;
            if (pool.EngineNodes < pool.TargetDedicated + pool.TargetLowPriority)
            {
                pool.ResizeErrors.Add(new BatchResizeError
                {
                    Code = BatchErrorCodes.AccountCoreQuotaReached,
                    Message = $"The specified account has reached VM core quota. The pool asked for {pool.TargetDedicated + pool.TargetLowPriority} node(s); the emulator allows {pool.EngineNodes} per pool.",
                    Values = [new BatchNameValuePair("MaxNodesPerPool", pool.EngineNodes.ToString(System.Globalization.CultureInfo.InvariantCulture))],
                });
            }
        }
    }

    private ((string PoolId, string NodeId)? BreakNode, string? TerminateJob) ApplyTaskChange(LocalTaskChange change)
    {
        if (!_jobs.TryGetValue(change.JobId, out var job) || !job.Tasks.TryGetValue(change.Task.Id, out var task))
        {
            return (null, null);
        }

        var info = change.Task;
        var previous = task.Info;
        if (info.State != task.State)
        {
            if (task.State is ComputeTaskState.Preparing or ComputeTaskState.Running && info.State == ComputeTaskState.Active)
            {
                task.RequeueCount++;
                task.LastRequeueTime = change.Time;
            }

            task.PreviousState = task.State;
            task.PreviousStateTransitionTime = task.StateTransitionTime;
            task.State = info.State;
            task.StateTransitionTime = info.StateTransitionTime ?? change.Time;
        }

        if (previous is not null && info.RetryCount > previous.RetryCount)
        {
            task.LastRetryTime = change.Time;
        }

        task.Info = info;
        if (info.NodeId is not null)
        {
            task.PoolId = job.PoolId;
        }

        task.ETag = NextETag(change.Time);
        (string, string)? breakNode = null;
        string? terminate = null;
        if (info.State == ComputeTaskState.Completed && previous?.State != ComputeTaskState.Completed)
        {
            if (info.NodeId is { } nodeId && _pools.TryGetValue(job.PoolId, out var pool) && pool.Nodes.Find(n => Same(n.Id, nodeId)) is { } node)
            {
                node.TotalTasksRun++;
                if (info.Result == TaskExecutionResult.Success)
                {
                    node.TotalTasksSucceeded++;
                }

                if (_faults.UnusableAfterTasks(pool.Id, node.Id) is int limit && node.TotalTasksRun == limit)
                {
                    breakNode = (pool.Id, node.Id);
                }
            }

            if (job.OnAllTasksComplete == BatchOnAllTasksComplete.TerminateJob && job.State == BatchJobState.Active
                && job.Order.All(t => t.State == ComputeTaskState.Completed))
            {
                terminate = job.Id;
            }
        }

        return (breakNode, terminate);
    }
}
