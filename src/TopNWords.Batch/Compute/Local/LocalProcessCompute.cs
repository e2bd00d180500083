using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Internal;
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
/// <para>
/// With <see cref="LocalProcessComputeOptions.Durable"/>, pools, jobs and tasks outlive the compute and its process:
/// they are journaled under the root folder, and a new compute on the same root carries on with them, as a new
/// Azure Batch client finds the account's pools, jobs and tasks. One compute owns a root at a time; others open
/// it read-only (<see cref="IsReadOnly"/>). On Linux a task's processes die with the process that started them,
/// even when it is killed, so that the next owner runs the task again alone.
/// </para>
/// <para>
/// Hosts that build on the engine, such as a Batch emulator, get extension points beyond
/// <see cref="IBatchCompute"/>: the <see cref="Changed"/> event, <see cref="MarkNodeUnusable"/>,
/// <see cref="GetNodeDirectory"/>, <see cref="GetTaskDirectory"/>, <see cref="TerminateTaskAsync"/>,
/// <see cref="DeleteTaskAsync"/> and <see cref="LocalProcessComputeOptions.NodeFaultInjector"/>.
/// </para>
/// </remarks>
public sealed class LocalProcessCompute : IBatchCompute, IAsyncDisposable
{
    /// <summary>The most task slots a node may have.</summary>
    private const int MaxTaskSlotsPerNode = 256;

    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly UrlTransfer? _ownedTransfer;
    private readonly ILogger _logger;
    private readonly bool _deleteRootOnDispose;
    private readonly LocalProcessRunner _processes;
    private readonly LocalComputeState _state;
    private readonly LocalScheduler _scheduler;
    private readonly LocalTaskControl _taskControl;
    private readonly FileStream? _ownerLock;
    private readonly bool _readOnlyByRequest;
    private readonly string? _ownerPidFile;
    private readonly LocalJournalReader? _readOnlyJournal;

    /// <summary>Gets the in-memory model of pools, jobs and tasks (for tests: take its lock to read it).</summary>
    internal LocalComputeState Model => _state;

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
        _logger = options.LoggerFactory?.CreateLogger(typeof(LocalProcessCompute).FullName!) ?? NullLogger.Instance;
        IUrlTransfer transfer;
        if (options.UrlTransfer is { } given)
        {
            transfer = given;
        }
        else
        {
            var owned = new UrlTransfer(timeProvider: _time);
            transfer = owned;
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

        _processes = new LocalProcessRunner(_time, options.OutputDrainTimeout, options.UseProcessGroups);
        var files = new TaskFileStager(transfer, _logger);
        var commands = new LocalCommandRunner(_processes, files, new LocalTaskEnvironment(options.PassThroughEnvironmentVariables), _logger);
        _state = new LocalComputeState(DisplayName, _time, _logger);
        _scheduler = new LocalScheduler(_state, RootPath, commands, files, options.NodeStartupDelay, options.NodeFaultInjector, _logger);
        _taskControl = new LocalTaskControl(_scheduler, _state, _logger);
        if (options.Durable)
        {
            string stateFolder = Path.Combine(RootPath, "state");
            CreatePrivateFolder(stateFolder);
            var journal = new LocalJournalReader(Path.Combine(stateFolder, "journal.jsonl"));
            _ownerLock = options.OpenReadOnly ? null : TryTakeOwnership(Path.Combine(stateFolder, "owner.lock"));
            _readOnlyByRequest = options.OpenReadOnly;
            if (_ownerLock is null)
            {
                IsReadOnly = true;
                _deleteRootOnDispose = false;
                _readOnlyJournal = journal;
                OwnerProcessId = ReadOwnerProcessId(Path.Combine(stateFolder, "owner.pid"));
                LocalComputeLog.OpenedReadOnly(_logger, RootPath, OwnerProcessId);
                RefreshReadOnly();
            }
            else
            {
                try
                {
                    _ownerPidFile = Path.Combine(stateFolder, "owner.pid");
                    File.WriteAllText(_ownerPidFile, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    OwnerProcessId = Environment.ProcessId;
                    var records = journal.ReadNew(out _);
                    lock (_state.Gate)
                    {
                        LocalJournalReplay.ApplyLocked(_state, RootPath, records, _scheduler.Lifetime);
                        string journalFile = Path.Combine(stateFolder, "journal.jsonl");
                        long length = LocalJournalWriter.Compact(journalFile, _state); // O(what is left), not O(history)
                        _state.Journal = new LocalJournalWriter(journalFile, length, _logger);
                    }

                    var (requeued, finishing) = _scheduler.Recover();
                    LocalComputeLog.Reopened(_logger, RootPath, _state.Pools.Count, _state.Jobs.Count, requeued, finishing);
                }
                catch
                {
                    _state.Journal?.Dispose();
                    _ownerLock.Dispose();
                    throw;
                }
            }
        }
    }

    /// <summary>
    /// Occurs for every node and task state change (a node created, starting, idle, running, unusable, its
    /// start task's progress; a task added, preparing, running, retried, queued again, completed), so that a
    /// host such as a Batch emulator can mirror nodes and tasks without polling.
    /// </summary>
    /// <remarks>
    /// The event is raised synchronously, on the thread that made the change, while the compute's internal
    /// lock is held, so handlers see the changes one at a time and in the order they happened, and every
    /// other call on the compute waits for them. A handler must therefore be quick, must not block, and must
    /// not call back into this compute (its state is in the middle of a change): update the host's own state,
    /// or hand the change to a channel, and act on it after the handler returns. An exception from a handler
    /// is logged and ignored; the change stands.
    /// </remarks>
    public event Action<LocalComputeChange>? Changed
    {
        add => _state.Changed += value;
        remove => _state.Changed -= value;
    }

    /// <summary>Gets the folder that holds the pools' node folders.</summary>
    public string RootPath { get; }

    /// <summary>
    /// Gets a value indicating whether this compute only reads a durable root another live process owns
    /// (<see cref="LocalProcessComputeOptions.Durable"/>): queries answer from the owner's journal, as the owner wrote
    /// it; every change throws <see cref="BatchComputeException"/> (<see cref="BatchComputeErrorKind.Conflict"/>); no
    /// process is started.
    /// </summary>
    public bool IsReadOnly { get; }

    /// <summary>
    /// Gets the id of the process that owns the durable root: this process when this compute owns it, the owner
    /// when <see cref="IsReadOnly"/> (when it could be read), or <see langword="null"/> when the compute is not durable.
    /// </summary>
    public int? OwnerProcessId { get; }

    /// <inheritdoc />
    /// <value><see cref="ComputeCapabilities.InProcess"/>, and <see cref="ComputeCapabilities.PosixNodes"/> on Linux, macOS and FreeBSD.</value>
    public ComputeCapabilities Capabilities =>
        ComputeCapabilities.InProcess | (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? ComputeCapabilities.PosixNodes : ComputeCapabilities.None);

    /// <inheritdoc />
    public string DisplayName => $"local ({RootPath})";

    /// <summary>Gets a value indicating whether task processes run in their own process groups (Linux with <c>setsid</c>).</summary>
    internal bool UsesProcessGroups => _processes.UsesProcessGroups;

    /// <summary>
    /// Checks a task as <see cref="AddTasksAsync"/> does, without adding it: its id, command line, resource
    /// files, environment settings, output files and constraints.
    /// </summary>
    /// <remarks>For hosts that take tasks from elsewhere (such as an emulator's REST API) and answer for each task at once.</remarks>
    /// <param name="task">The task.</param>
    /// <returns><see langword="null"/> when the task is valid; otherwise why <see cref="AddTasksAsync"/> would refuse it.</returns>
    public static string? ValidateTask(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return TaskDefinition.TryCreate(task, out string? error) is null ? error : null;
    }

    /// <summary>
    /// Checks a start task as <see cref="CreatePoolAsync"/> does, without creating a pool: its command line,
    /// resource files, environment settings and retry count.
    /// </summary>
    /// <remarks>For hosts that take pools from elsewhere (such as an emulator's REST API) and answer at once.</remarks>
    /// <param name="startTask">The start task.</param>
    /// <returns><see langword="null"/> when the start task is valid; otherwise why <see cref="CreatePoolAsync"/> would refuse it.</returns>
    public static string? ValidateStartTask(StartTaskSpec startTask)
    {
        ArgumentNullException.ThrowIfNull(startTask);
        return StartTaskDefinition.TryCreate(startTask, out string? error) is null ? error : null;
    }

    /// <inheritdoc />
    public Task CreatePoolAsync(PoolSpec pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ThrowIfReadOnly($"create pool '{pool.Id}'");
        cancellationToken.ThrowIfCancellationRequested();
        BatchIdRules.ThrowIfInvalid("pool", pool.Id);
        if (pool.TaskSlotsPerNode is < 1 or > MaxTaskSlotsPerNode)
        {
            throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, $"Pool '{pool.Id}' asks for {pool.TaskSlotsPerNode} task slots per node; use 1 to {MaxTaskSlotsPerNode}.", pool.Id, BatchErrorCodes.InvalidPropertyValue);
        }

        StartTaskDefinition? startTask = null;
        if (pool.StartTask is not null)
        {
            startTask = StartTaskDefinition.TryCreate(pool.StartTask, out string? error)
                ?? throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, $"The start task of pool '{pool.Id}' is invalid: {error} Fix the start task and create the pool again.", pool.Id, BatchErrorCodes.InvalidPropertyValue);
        }

        _scheduler.CreatePool(pool.Id, pool.NodeCount, pool.TaskSlotsPerNode, startTask, CopyMetadata(pool.Metadata));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<PoolInfo?> GetPoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        RefreshReadOnly();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_state.GetPool(poolId));
    }

    /// <inheritdoc />
    public Task<PoolInfo> WaitForPoolReadyAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        return this.WaitForPoolReadyAsync(poolId, _pollInterval, _time, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Every process on the pool's nodes is killed and the pool's folders are removed before the returned task completes.
    /// Tasks that were running on it are queued again (as Batch does when a node leaves a pool).</remarks>
    public async Task<bool> DeletePoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ThrowIfReadOnly($"delete pool '{poolId}'");
        cancellationToken.ThrowIfCancellationRequested();
        if (_scheduler.DeletePool(poolId) is not { } deletion)
        {
            return false;
        }

        await deletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ComputeNodeInfo>> ListNodesAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        RefreshReadOnly();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_state.ListNodes(poolId));
    }

    /// <inheritdoc />
    /// <remarks>A file that resolves outside the node's startup folder (the start task replaced it with a symbolic link leading out) is read as missing, and logged.</remarks>
    public Task<string?> GetStartTaskOutputTailAsync(string poolId, string nodeId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        RefreshReadOnly();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string file = _state.GetStartTaskOutputPath(poolId, nodeId, stream);
        string startup = Path.GetDirectoryName(file)!;
        return ReadConfinedTailAsync(file, startup, Path.GetDirectoryName(startup)!, $"the start task of node '{nodeId}' in pool '{poolId}'", "the node's startup folder", maxBytes, cancellationToken);
    }

    /// <inheritdoc />
    public Task CreateJobAsync(JobSpec job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ThrowIfReadOnly($"create job '{job.Id}'");
        cancellationToken.ThrowIfCancellationRequested();
        BatchIdRules.ThrowIfInvalid("job", job.Id);
        _scheduler.CreateJob(job.Id, job.PoolId, CopyMetadata(job.Metadata), job.UsesTaskDependencies);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Running tasks are killed and complete as failed with failure code <c>TaskEnded</c>; queued tasks stay
    /// <see cref="ComputeTaskState.Active"/> and never start. The returned task completes when the killed tasks have completed.
    /// </remarks>
    public Task TerminateJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ThrowIfReadOnly($"terminate job '{jobId}'");
        cancellationToken.ThrowIfCancellationRequested();
        return _scheduler.TerminateJobAsync(jobId, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Running tasks are killed, and the job's folders removed, before the returned task completes.</remarks>
    public async Task<bool> DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ThrowIfReadOnly($"delete job '{jobId}'");
        cancellationToken.ThrowIfCancellationRequested();
        if (_scheduler.DeleteJob(jobId) is not { } deletion)
        {
            return false;
        }

        await deletion.WaitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Pools are listed by id, including those being deleted.</remarks>
    public async IAsyncEnumerable<PoolSummary> ListPoolsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RefreshReadOnly();
        foreach (var pool in _state.ListPools())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return pool;
        }
    }

    /// <inheritdoc />
    /// <remarks>Jobs are listed by id, including those being deleted; a terminated job is completed.</remarks>
    public async IAsyncEnumerable<JobSummary> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RefreshReadOnly();
        foreach (var job in _state.ListJobs())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return job;
        }
    }

    /// <inheritdoc />
    public Task<ComputePreflightResult> PreflightPoolAsync(PoolSpec pool, CancellationToken cancellationToken = default)
        => Task.FromResult(ComputePreflightResult.Nothing);

    /// <inheritdoc />
    /// <remarks>
    /// Task ids are compared case-insensitively, as Batch does. Valid tasks are added even when others are
    /// refused; the refused ones are then reported by an <see cref="AddTasksException"/> with Batch's error code
    /// (<c>InvalidPropertyValue</c>, <c>TaskDependencyListTooLong</c>, or <c>TaskDependenciesNotSpecifiedOnJob</c> for a task with
    /// dependencies on a job without <see cref="JobSpec.UsesTaskDependencies"/>).
    /// </remarks>
    public Task<AddTasksResult> AddTasksAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(tasks);
        ThrowIfReadOnly($"add tasks to job '{jobId}'");
        cancellationToken.ThrowIfCancellationRequested();
        var failures = new List<TaskAddFailure>();
        var definitions = new List<TaskDefinition>(tasks.Count);
        foreach (var spec in tasks)
        {
            if (spec is null)
            {
                throw new ArgumentException("The task list contains null.", nameof(tasks));
            }

            if (spec.DependsOn?.Validate(spec.Id) is { } dependencyError)
            {
                failures.Add(new TaskAddFailure(spec.Id, dependencyError.ErrorCode, dependencyError.Message));
                continue;
            }

            var definition = TaskDefinition.TryCreate(spec, out string? error, definitions.Count > 0 ? definitions[^1] : null);
            if (definition is null)
            {
                failures.Add(new TaskAddFailure(spec.Id, BatchErrorCodes.InvalidPropertyValue, error!));
            }
            else
            {
                definitions.Add(definition);
            }
        }

        var (added, existed) = _scheduler.AddTasks(jobId, definitions, failures);
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
        RefreshReadOnly();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_state.GetTaskCounts(jobId));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BatchTaskInfo> ListTasksAsync(string jobId, TaskListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        cancellationToken.ThrowIfCancellationRequested();
        RefreshReadOnly();
        var snapshot = _state.ListTasks(jobId, query);
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
        RefreshReadOnly();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_state.GetTask(jobId, taskId));
    }

    /// <summary>
    /// Terminates one task, as Batch's terminate task does: a queued task completes at once, a running one is
    /// killed (with the processes it started) and then completes; either way as failed, with failure code
    /// <c>TaskEnded</c> (and the killed process's exit code, if it ran).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task (compared case-insensitively).</param>
    /// <param name="cancellationToken">Cancels the wait, not the termination.</param>
    /// <returns><see langword="true"/> once the task has completed; <see langword="false"/> when it had completed already (nothing changes).</returns>
    /// <exception cref="BatchComputeException"><c>JobNotFound</c>, <c>TaskNotFound</c>, or <c>JobBeingDeleted</c>.</exception>
    public Task<bool> TerminateTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ThrowIfReadOnly($"terminate task '{taskId}' of job '{jobId}'");
        return _taskControl.TerminateAsync(jobId, taskId, cancellationToken);
    }

    /// <summary>
    /// Deletes one task, as Batch's delete task does: it leaves its job at once (its id is free again once this
    /// completes); a running task is killed; its folder on the node is removed.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task (compared case-insensitively).</param>
    /// <param name="cancellationToken">Cancels the wait, not the deletion.</param>
    /// <returns>A task that completes when the task's processes have exited and its folder is gone.</returns>
    /// <exception cref="BatchComputeException"><c>JobNotFound</c>, <c>TaskNotFound</c>, or <c>JobBeingDeleted</c>.</exception>
    public Task DeleteTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ThrowIfReadOnly($"delete task '{taskId}' of job '{jobId}'");
        return _taskControl.DeleteAsync(jobId, taskId, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The task's files are in the folder of the node it last ran on; a task that never ran has none. A file that
    /// resolves outside the task's folder (the task replaced it with a symbolic link leading out) is read as missing, and logged.
    /// </remarks>
    public Task<string?> GetTaskOutputTailAsync(string jobId, string taskId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        RefreshReadOnly();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (_state.GetTaskFolders(jobId, taskId) is not { } folders)
        {
            return Task.FromResult<string?>(null);
        }

        string file = Path.Combine(folders.TaskDirectory, LocalCommandRunner.OutputFileName(stream));
        return ReadConfinedTailAsync(file, folders.TaskDirectory, folders.NodeDirectory, $"task '{taskId}' of job '{jobId}'", "the task's folder", maxBytes, cancellationToken);
    }

    /// <summary>Takes the exclusive lock of a durable root, or returns <see langword="null"/> when another process (or compute) holds it.</summary>
    private static FileStream? TryTakeOwnership(string lockFile)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix and a sharing lock on Windows; the
            // operating system frees it when the process ends, even when it is killed.
            return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int? ReadOwnerProcessId(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void CreatePrivateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // the journal holds the tasks' URLs
        }
    }

    private static void TryDeleteFile(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a stale pid file is harmless: the lock says who owns the root
        }
    }

    private void ThrowIfReadOnly(string what)
    {
        if (IsReadOnly)
        {
            if (_readOnlyByRequest)
            {
                throw new BatchComputeException(
                    BatchComputeErrorKind.Conflict,
                    $"Cannot {what}: the local compute folder '{RootPath}' was opened read-only (LocalProcessComputeOptions.OpenReadOnly). Open it without OpenReadOnly to change it.",
                    RootPath);
            }

            string owner = OwnerProcessId is { } pid ? $"process {pid}" : "another process";
            throw new BatchComputeException(
                BatchComputeErrorKind.Conflict,
                $"Cannot {what}: the local compute folder '{RootPath}' is owned by {owner}, and this compute opened it read-only. Run the change in the owning process, wait for it to end (or stop it), or use another root folder.",
                RootPath);
        }
    }

    /// <summary>Reads what the owner journaled since the last query (read-only computes only).</summary>
    private void RefreshReadOnly()
    {
        if (_readOnlyJournal is null)
        {
            return;
        }

        lock (_state.Gate)
        {
            if (_state.IsDisposed)
            {
                return;
            }

            var records = _readOnlyJournal.ReadNew(out bool reset);
            if (reset)
            {
                _state.Pools.Clear();
                _state.Jobs.Clear();
            }

            LocalJournalReplay.ApplyLocked(_state, RootPath, records, _scheduler.Lifetime);
        }
    }

    private static Dictionary<string, string> CopyMetadata(IDictionary<string, string> metadata)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in metadata)
        {
            copy[name] = value;
        }

        return copy;
    }

    /// <summary>
    /// Reads the end of a task's or start task's output file only when it resolves inside its folder, and that
    /// folder inside the node's: the task can replace the file (its folder is writable to it) with a link to any file
    /// this process can read. A file reached through a link leading out is logged and read as missing.
    /// </summary>
    private Task<string?> ReadConfinedTailAsync(string file, string folder, string nodeDirectory, string what, string folderName, int maxBytes, CancellationToken cancellationToken)
    {
        bool outside = false;
        string? resolvedFolder = ConfinedPath.Resolve(nodeDirectory) is { } node ? ConfinedPath.ResolveInside(folder, node, out outside) : null;
        string? resolved = resolvedFolder is null ? null : ConfinedPath.ResolveInside(file, resolvedFolder, out outside);
        if (outside)
        {
            LocalComputeLog.OutputTailLinkRefused(_logger, Path.GetFileName(file), what, folderName);
        }

        return resolved is null || Directory.Exists(resolved)
            ? Task.FromResult<string?>(null)
            : OutputTail.ReadAsync(resolved, maxBytes, cancellationToken);
    }

    /// <summary>
    /// Kills every process still running (tasks and start tasks, with the processes they started), waits
    /// for them to exit, and removes the root folder when <see cref="LocalProcessComputeOptions.DeleteRootOnDispose"/> says so.
    /// </summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!await _scheduler.ShutdownAsync().ConfigureAwait(false))
        {
            return;
        }

        _processes.Dispose(); // every process has ended: the watchdog shell goes
        _ownedTransfer?.Dispose();
        lock (_state.Gate)
        {
            _state.Journal?.Dispose();
            _state.Journal = null;
        }

        if (_ownerLock is not null)
        {
            TryDeleteFile(_ownerPidFile!); // before the lock goes: a later owner's file is never removed
            await _ownerLock.DisposeAsync().ConfigureAwait(false);
        }

        if (_deleteRootOnDispose)
        {
            LocalFolders.TryDelete(RootPath, _logger);
        }
    }

    /// <summary>
    /// Turns a node <see cref="ComputeNodeState.Unusable"/> with a node error, as when a Batch node fails:
    /// kills what runs on it (its tasks are queued again, without counting a retry), and schedules nothing
    /// more on it. The pool then fails <see cref="WaitForPoolReadyAsync"/> with that node's error.
    /// </summary>
    /// <remarks>A fault hook for hosts and tests, such as an emulator's fault injection. Thread-safe; do not call it from a <see cref="Changed"/> handler.</remarks>
    /// <param name="poolId">The pool.</param>
    /// <param name="nodeId">The node.</param>
    /// <param name="errorCode">The node error's code, e.g. <c>DiskFull</c>.</param>
    /// <param name="errorMessage">The node error's message.</param>
    /// <returns><see langword="false"/> when there is no such node (or the compute is disposed).</returns>
    public bool MarkNodeUnusable(string poolId, string nodeId, string errorCode, string errorMessage)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(errorCode);
        ArgumentNullException.ThrowIfNull(errorMessage);
        ThrowIfReadOnly($"mark node '{nodeId}' of pool '{poolId}' unusable");
        return _scheduler.MarkNodeUnusable(poolId, nodeId, errorCode, errorMessage);
    }

    /// <summary>
    /// Gets a node's folder (<c>AZ_BATCH_NODE_ROOT_DIR</c>, holding <c>shared/</c>, <c>startup/</c> and
    /// <c>workitems/</c>), for hosts that serve node files.
    /// </summary>
    /// <remarks>Hosts may read the files in it; writing or deleting them changes what tasks see.</remarks>
    /// <param name="poolId">The pool.</param>
    /// <param name="nodeId">The node.</param>
    /// <returns>The folder, or <see langword="null"/> when there is no such node.</returns>
    public string? GetNodeDirectory(string poolId, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        RefreshReadOnly();
        return _state.GetNodeDirectory(poolId, nodeId);
    }

    /// <summary>
    /// Gets the folder of a task on the node it last ran on (<c>AZ_BATCH_TASK_DIR</c>, holding <c>wd/</c>,
    /// <c>stdout.txt</c> and <c>stderr.txt</c>), for hosts that serve task files.
    /// </summary>
    /// <remarks>Hosts may read the files in it; the folder goes away when the job is deleted.</remarks>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task.</param>
    /// <returns>The folder, or <see langword="null"/> when there is no such task or it never ran.</returns>
    /// <exception cref="ObjectDisposedException">The compute is disposed.</exception>
    public string? GetTaskDirectory(string jobId, string taskId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        RefreshReadOnly();
        return _state.GetTaskDirectory(jobId, taskId);
    }

    /// <summary>
    /// Gets the folder of a task and the root folder of the node it last ran on (for hosts serving task files,
    /// which follow links only within the node), or <see langword="null"/> when it never ran.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="taskId">The task.</param>
    /// <returns>The folders.</returns>
    /// <exception cref="ObjectDisposedException">The compute is disposed.</exception>
    public (string TaskDirectory, string NodeDirectory)? GetTaskFolders(string jobId, string taskId)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        RefreshReadOnly();
        return _state.GetTaskFolders(jobId, taskId);
    }
}
