using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Runs tasks as processes on this machine with Azure Batch's semantics: a pool is a set of node folders
/// (<c>&lt;root&gt;/pools/&lt;poolId&gt;/nodes/&lt;nodeId&gt;/</c> with <c>shared/</c>, <c>startup/</c> and
/// <c>workitems/</c>), each with task slots; the start task runs once per node; tasks queue first in, first
/// out and run on free slots as child processes (without a shell unless the command line invokes one) with
/// the <c>AZ_BATCH_*</c> environment, resource files fetched, <c>stdout.txt</c>/<c>stderr.txt</c> kept,
/// exit codes, retries and wall-clock limits honoured, and output files uploaded by pattern and condition.
/// </summary>
/// <remarks>
/// <para>
/// The class is thread-safe. A call's cancellation token cancels that call only: pools, start tasks and
/// tasks keep running in the background until they end, are deleted, or the compute is disposed.
/// <see cref="DisposeAsync"/> kills every process still running and waits for it to exit.
/// </para>
/// <para>
/// Differences from Azure Batch, on purpose: a task stopped because its node left the pool (pool deleted)
/// is queued again without counting a retry, as Batch does, but runs only if a pool with that id exists
/// again; output files are uploaded once, when the task completes (after its last attempt); processes a
/// task leaves running in its process group are killed when it ends.
/// </para>
/// </remarks>
public sealed partial class LocalProcessCompute : IBatchCompute, IAsyncDisposable
{
    /// <summary>The most task slots a node may have.</summary>
    private const int MaxTaskSlotsPerNode = 256;

    private readonly TimeProvider _time;
    private readonly IUrlTransfer _transfer;
    private readonly IDisposable? _ownedTransfer;
    private readonly ILogger _logger;
    private readonly LocalProcessRunner _runner;
    private readonly TimeSpan _pollInterval;
    private readonly TimeSpan _nodeStartupDelay;
    private readonly Func<string, string, LocalNodeFault>? _nodeFaults;
    private readonly bool _deleteRootOnDispose;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, PoolEntry> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, JobEntry> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, LinkedList<TaskEntry>> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<long, Task> _background = [];
    private readonly CancellationTokenSource _lifetime = new();
    private long _nextWorkId;
    private long _nextTaskSequence;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="LocalProcessCompute"/> class with default options.</summary>
    public LocalProcessCompute()
        : this(new LocalProcessComputeOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="LocalProcessCompute"/> class.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentException">An option is invalid (the exception names it).</exception>
    public LocalProcessCompute(LocalProcessComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        _time = options.TimeProvider;
        _pollInterval = options.PollInterval;
        _nodeStartupDelay = options.NodeStartupDelay;
        _nodeFaults = options.NodeFaultInjector;
        _logger = options.LoggerFactory?.CreateLogger(typeof(LocalProcessCompute).FullName!) ?? NullLogger.Instance;
        if (options.UrlTransfer is { } transfer)
        {
            _transfer = transfer;
        }
        else
        {
            var owned = new UrlTransfer(timeProvider: _time);
            _transfer = owned;
            _ownedTransfer = owned;
        }

        if (string.IsNullOrEmpty(options.RootPath))
        {
            RootPath = Directory.CreateTempSubdirectory("topnwords-local-compute-").FullName;
            _deleteRootOnDispose = options.DeleteRootOnDispose ?? true;
        }
        else
        {
            RootPath = Path.GetFullPath(options.RootPath);
            Directory.CreateDirectory(RootPath);
            _deleteRootOnDispose = options.DeleteRootOnDispose ?? false;
        }

        _runner = new LocalProcessRunner(_time, options.OutputDrainTimeout, options.UseProcessGroups);
    }

    /// <summary>
    /// Raised, while the compute's state lock is held and in the order they happen, for every node and task
    /// state change. Handlers must be quick and must not block (hand the change to a channel); an exception
    /// from a handler is logged and ignored.
    /// </summary>
    internal event Action<LocalComputeChange>? Changed;

    /// <summary>Gets the folder that holds the pools' node folders.</summary>
    public string RootPath { get; }

    /// <inheritdoc />
    /// <value><see cref="ComputeCapabilities.PosixNodes"/> on Linux, macOS and FreeBSD; otherwise <see cref="ComputeCapabilities.None"/>.</value>
    public ComputeCapabilities Capabilities =>
        OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? ComputeCapabilities.PosixNodes : ComputeCapabilities.None;

    /// <inheritdoc />
    public string DisplayName => $"local ({RootPath})";

    /// <summary>Gets a value indicating whether task processes run in their own process groups (Linux with <c>setsid</c>).</summary>
    internal bool UsesProcessGroups => _runner.UsesProcessGroups;

    /// <inheritdoc />
    public Task CreatePoolAsync(PoolSpec pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        cancellationToken.ThrowIfCancellationRequested();
        BatchIdRules.ThrowIfInvalid("pool", pool.Id);
        if (pool.TaskSlotsPerNode is < 1 or > MaxTaskSlotsPerNode)
        {
            throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, $"Pool '{pool.Id}' asks for {pool.TaskSlotsPerNode} task slots per node; use 1 to {MaxTaskSlotsPerNode}.", pool.Id, BatchIdRules.InvalidPropertyValue);
        }

        StartTaskDefinition? startTask = null;
        if (pool.StartTask is not null)
        {
            startTask = StartTaskDefinition.TryCreate(pool.StartTask, out string? error)
                ?? throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, $"The start task of pool '{pool.Id}' is invalid: {error} Fix the start task and create the pool again.", pool.Id, BatchIdRules.InvalidPropertyValue);
        }

        PoolEntry entry;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (_pools.TryGetValue(pool.Id, out var existing))
            {
                throw existing.IsBeingDeleted
                    ? new BatchComputeException(BatchComputeErrorKind.Conflict, $"Pool '{pool.Id}' is being deleted. Wait for the deletion to finish, or use another pool id.", pool.Id, "PoolBeingDeleted")
                    : new BatchComputeException(BatchComputeErrorKind.AlreadyExists, $"Pool '{existing.Id}' already exists. Use it, delete it first, or choose another pool id.", pool.Id, "PoolExists");
            }

            entry = new PoolEntry(pool.Id, Path.Combine(RootPath, "pools", pool.Id), pool.NodeCount, pool.TaskSlotsPerNode, startTask, _lifetime.Token);
            _pools.Add(entry.Id, entry);
            foreach (var node in entry.Nodes)
            {
                NotifyNodeLocked(node);
            }

            var initialization = StartBackgroundLocked(() => InitializePoolAsync(entry));
            entry.Work.Add(initialization);
        }

        LocalComputeLog.PoolCreated(_logger, entry.Id, entry.Nodes.Count, entry.TaskSlotsPerNode, entry.Directory);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<PoolInfo?> GetPoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (!_pools.TryGetValue(poolId, out var pool))
            {
                return Task.FromResult<PoolInfo?>(null);
            }

            return Task.FromResult<PoolInfo?>(new PoolInfo(pool.Id, pool.Allocation, pool.Nodes.Count, pool.CurrentNodeCount, pool.TaskSlotsPerNode, [], pool.IsBeingDeleted));
        }
    }

    /// <inheritdoc />
    public Task<PoolInfo> WaitForPoolReadyAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        return PoolReadiness.WaitAsync(this, poolId, _pollInterval, _time, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Every process on the pool's nodes is killed and the pool's folders are removed before the returned task completes.
    /// Tasks that were running on it are queued again (as Batch does when a node leaves a pool).</remarks>
    public async Task<bool> DeletePoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        cancellationToken.ThrowIfCancellationRequested();
        Task deletion;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (!_pools.TryGetValue(poolId, out var pool))
            {
                return false;
            }

            if (pool.Deletion is null)
            {
                pool.IsBeingDeleted = true;
                foreach (var node in pool.Nodes)
                {
                    foreach (var task in node.Running)
                    {
                        task.StopReason ??= StopReason.NodeLost;
                    }
                }

                pool.Deletion = StartBackgroundLocked(() => DeletePoolCoreAsync(pool));
            }

            deletion = pool.Deletion;
        }

        await deletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ComputeNodeInfo>> ListNodesAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var pool = GetPoolLocked(poolId);
            return Task.FromResult<IReadOnlyList<ComputeNodeInfo>>([.. pool.Nodes.Select(SnapshotLocked)]);
        }
    }

    /// <inheritdoc />
    public Task<string?> GetStartTaskOutputTailAsync(string poolId, string nodeId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string file;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var node = GetNodeLocked(poolId, nodeId);
            file = Path.Combine(node.StartupDirectory, OutputFileName(stream));
        }

        return OutputTail.ReadAsync(file, maxBytes, cancellationToken);
    }

    /// <inheritdoc />
    public Task CreateJobAsync(JobSpec job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        cancellationToken.ThrowIfCancellationRequested();
        BatchIdRules.ThrowIfInvalid("job", job.Id);
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (_jobs.TryGetValue(job.Id, out var existing))
            {
                throw existing.Status == JobStatus.Deleting
                    ? new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is being deleted. Wait for the deletion to finish, or use another job id.", job.Id, "JobBeingDeleted")
                    : new BatchComputeException(BatchComputeErrorKind.AlreadyExists, $"Job '{existing.Id}' already exists. Add tasks to it, delete it first, or choose another job id.", job.Id, "JobExists");
            }

            if (!_pools.TryGetValue(job.PoolId, out var pool))
            {
                throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Job '{job.Id}' names pool '{job.PoolId}', which does not exist. Create the pool first.", job.PoolId, "PoolNotFound");
            }

            if (pool.IsBeingDeleted)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' names pool '{pool.Id}', which is being deleted. Create the pool again, or use another pool.", pool.Id, "PoolBeingDeleted");
            }

            _jobs.Add(job.Id, new JobEntry(job.Id, pool.Id));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Running tasks are killed and complete as failed with failure code <c>TaskEnded</c>; queued tasks stay
    /// <see cref="BatchTaskState.Active"/> and never start. The returned task completes when the killed tasks have completed.
    /// </remarks>
    public async Task TerminateJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        List<TaskEntry> running;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            if (job.Status == JobStatus.Deleting)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is being deleted.", job.Id, "JobBeingDeleted");
            }

            job.Status = JobStatus.Terminated;
            running = StopJobTasksLocked(job, StopReason.JobTerminated);
        }

        await StopAndWaitAsync(running, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Running tasks are killed, and the job's folders removed, before the returned task completes.</remarks>
    public async Task<bool> DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        Task deletion;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            if (!_jobs.TryGetValue(jobId, out var job))
            {
                return false;
            }

            if (job.Deletion is null)
            {
                job.Status = JobStatus.Deleting;
                var running = StopJobTasksLocked(job, StopReason.JobDeleted);
                job.Deletion = StartBackgroundLocked(() => DeleteJobCoreAsync(job, running));
            }

            deletion = job.Deletion;
        }

        await deletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Task ids are compared case-insensitively, as Batch does. Valid tasks are added even when others are
    /// refused; the refused ones are then reported by an <see cref="AddTasksException"/> with Batch's error code
    /// <c>InvalidPropertyValue</c>.
    /// </remarks>
    public Task<AddTasksResult> AddTasksAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(tasks);
        cancellationToken.ThrowIfCancellationRequested();
        var failures = new List<TaskAddFailure>();
        var definitions = new List<TaskDefinition>(tasks.Count);
        foreach (var spec in tasks)
        {
            if (spec is null)
            {
                throw new ArgumentException("The task list contains null.", nameof(tasks));
            }

            var definition = TaskDefinition.TryCreate(spec, out string? error);
            if (definition is null)
            {
                failures.Add(new TaskAddFailure(spec.Id, BatchIdRules.InvalidPropertyValue, error!));
            }
            else
            {
                definitions.Add(definition);
            }
        }

        int added = 0;
        int existed = 0;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            if (job.Status != JobStatus.Active)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is {(job.Status == JobStatus.Deleting ? "being deleted" : "terminated")} and accepts no tasks. Create a new job.", job.Id, job.Status == JobStatus.Deleting ? "JobBeingDeleted" : "JobCompleted");
            }

            var queue = GetQueueLocked(job.PoolId);
            foreach (var definition in definitions)
            {
                if (job.Tasks.ContainsKey(definition.Id))
                {
                    existed++;
                    continue;
                }

                var task = new TaskEntry(job, definition, ++_nextTaskSequence) { TransitionTime = _time.GetUtcNow() };
                job.Tasks.Add(definition.Id, task);
                job.Order.Add(task);
                task.QueueNode = queue.AddLast(task);
                added++;
                NotifyTaskLocked(task);
            }

            DispatchLocked(job.PoolId);
        }

        if (failures.Count > 0)
        {
            throw new AddTasksException(jobId, failures);
        }

        return Task.FromResult(new AddTasksResult(added, existed, tasks.Count == 0 ? 0 : 1));
    }

    /// <inheritdoc />
    public Task<TaskCounts> GetTaskCountsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            int active = 0, running = 0, succeeded = 0, failed = 0;
            foreach (var task in job.Order)
            {
                switch (task.State)
                {
                    case BatchTaskState.Active:
                        active++;
                        break;
                    case BatchTaskState.Preparing or BatchTaskState.Running:
                        running++;
                        break;
                    default:
                        if (task.Result == TaskExecutionResult.Success)
                        {
                            succeeded++;
                        }
                        else
                        {
                            failed++;
                        }

                        break;
                }
            }

            return Task.FromResult(new TaskCounts(active, running, succeeded + failed, succeeded, failed));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BatchTaskInfo> ListTasksAsync(string jobId, TaskListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        List<BatchTaskInfo> snapshot;
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            var job = GetJobLocked(jobId);
            snapshot = new List<BatchTaskInfo>(job.Order.Count);
            foreach (var task in job.Order)
            {
                if ((query?.State is not { } state || task.State == state)
                    && (query?.StateChangedSince is not { } since || task.TransitionTime >= since))
                {
                    snapshot.Add(SnapshotLocked(task));
                }
            }
        }

        foreach (var info in snapshot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }
    }

    /// <inheritdoc />
    public Task<BatchTaskInfo?> GetTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            return Task.FromResult(_jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) ? SnapshotLocked(task) : null);
        }
    }

    /// <inheritdoc />
    /// <remarks>The task's files are in the folder of the node it last ran on; a task that never ran has none.</remarks>
    public Task<string?> GetTaskOutputTailAsync(string jobId, string taskId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string? folder = GetTaskDirectory(jobId, taskId);
        return folder is null
            ? Task.FromResult<string?>(null)
            : OutputTail.ReadAsync(Path.Combine(folder, OutputFileName(stream)), maxBytes, cancellationToken);
    }

    /// <summary>
    /// Kills every process still running (tasks and start tasks, with the processes they started), waits
    /// for them to exit, and removes the root folder when <see cref="LocalProcessComputeOptions.DeleteRootOnDispose"/> says so.
    /// </summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _background.Values];
            }

            if (pending.Length == 0)
            {
                break;
            }

            await Task.WhenAll(pending).ConfigureAwait(false); // tracked work never throws
        }

        lock (_gate)
        {
            foreach (var pool in _pools.Values)
            {
                pool.DisposeTokens();
            }
        }

        _lifetime.Dispose();
        _ownedTransfer?.Dispose();
        if (_deleteRootOnDispose)
        {
            TryDeleteFolder(RootPath);
        }
    }

    /// <summary>
    /// Fault hook for hosts and tests: turns a node <see cref="ComputeNodeState.Unusable"/> with a node error,
    /// kills what runs on it (its tasks are queued again) and schedules nothing more on it.
    /// </summary>
    /// <param name="poolId">The pool.</param>
    /// <param name="nodeId">The node.</param>
    /// <param name="errorCode">The node error's code, e.g. <c>DiskFull</c>.</param>
    /// <param name="errorMessage">The node error's message.</param>
    /// <returns><see langword="false"/> when there is no such node.</returns>
    internal bool MarkNodeUnusable(string poolId, string nodeId, string errorCode, string errorMessage)
    {
        CancellationTokenSource? toCancel;
        lock (_gate)
        {
            if (_disposed || !_pools.TryGetValue(poolId, out var pool) || pool.Nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.OrdinalIgnoreCase)) is not { } node)
            {
                return false;
            }

            toCancel = MarkUnusableLocked(node, errorCode, errorMessage);
        }

        Cancel(toCancel);
        return true;
    }

    /// <summary>Gets a node's folder (for hosts serving node files), or <see langword="null"/> when there is no such node.</summary>
    /// <param name="poolId">The pool.</param>
    /// <param name="nodeId">The node.</param>
    /// <returns>The folder.</returns>
    internal string? GetNodeDirectory(string poolId, string nodeId)
    {
        lock (_gate)
        {
            return _pools.TryGetValue(poolId, out var pool) ? pool.Nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.OrdinalIgnoreCase))?.RootDirectory : null;
        }
    }

    /// <summary>Gets the folder of a task on the node it last ran on (for hosts serving task files), or <see langword="null"/> when it never ran.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task.</param>
    /// <returns>The folder.</returns>
    internal string? GetTaskDirectory(string jobId, string taskId)
    {
        lock (_gate)
        {
            ThrowIfDisposedLocked();
            return _jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) ? task.TaskDirectory : null;
        }
    }
}
