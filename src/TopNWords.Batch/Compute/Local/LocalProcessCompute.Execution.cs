using System.Collections;
using System.ComponentModel;
using System.Globalization;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Compute.Local;

/// <content>Scheduling and running: node start-up, start tasks, dispatch onto slots, task attempts, files.</content>
public sealed partial class LocalProcessCompute
{
    private const string WorkingDirectoryName = "wd";
    private const string UserError = "UserError";

    /// <summary>Batch's default mode for resource files on Linux nodes (0770).</summary>
    private const UnixFileMode ResourceFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    private static readonly TaskFailureInfo FailureExitCode = new(UserError, "FailureExitCode", "The task process exited with an exit code representing a failure");

    private static string OutputFileName(TaskOutputStream stream) => stream == TaskOutputStream.StandardError ? "stderr.txt" : "stdout.txt";

    private static void Cancel(CancellationTokenSource? source)
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

    private static TaskFailureInfo ProgramNotFound(string program, string what) => new(
        UserError,
        "CommandProgramNotFound",
        program.Contains('/', StringComparison.Ordinal)
            ? $"The program '{program}' of {what} was not found (a relative path is taken from the working directory). Check the command line and that the application was staged."
            : $"The program '{program}' of {what} was not found on PATH. Check the command line, or give the program's path.");

    private static string? CheckResourceFilePath(string filePath)
    {
        if (string.IsNullOrWhiteSpace(filePath))
        {
            return "its file path is empty";
        }

        if (Path.IsPathRooted(filePath) || filePath[0] is '/' or '\\')
        {
            return "its file path must be relative to the working directory";
        }

        if (filePath.Split('/', '\\').Any(s => s == ".."))
        {
            return "its file path must not contain '..'";
        }

        if (filePath[^1] is '/' or '\\' || filePath.Contains('\0', StringComparison.Ordinal))
        {
            return "its file path must name a file";
        }

        return null;
    }

    private static bool IsInside(string path, string folder) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private void ThrowIfDisposedLocked() => ObjectDisposedException.ThrowIf(_disposed, this);

    private PoolEntry GetPoolLocked(string poolId) =>
        _pools.TryGetValue(poolId, out var pool)
            ? pool
            : throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Pool '{poolId}' does not exist on {DisplayName}.", poolId, "PoolNotFound");

    private NodeEntry GetNodeLocked(string poolId, string nodeId) =>
        GetPoolLocked(poolId).Nodes.Find(n => string.Equals(n.Id, nodeId, StringComparison.OrdinalIgnoreCase))
            ?? throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Node '{nodeId}' does not exist in pool '{poolId}'.", nodeId, "NodeNotFound");

    private JobEntry GetJobLocked(string jobId) =>
        _jobs.TryGetValue(jobId, out var job)
            ? job
            : throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Job '{jobId}' does not exist on {DisplayName}.", jobId, "JobNotFound");

    private LinkedList<TaskEntry> GetQueueLocked(string poolId)
    {
        if (!_queues.TryGetValue(poolId, out var queue))
        {
            queue = new LinkedList<TaskEntry>();
            _queues.Add(poolId, queue);
        }

        return queue;
    }

    /// <summary>Starts tracked background work. The caller holds <c>_gate</c>, so the work cannot untrack itself before it is tracked.</summary>
    private Task StartBackgroundLocked(Func<Task> work)
    {
        long id = ++_nextWorkId;
        var task = Task.Run(() => RunTrackedAsync(id, work));
        _background.Add(id, task);
        return task;
    }

    private async Task RunTrackedAsync(long id, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // disposed
        }
        catch (Exception ex)
        {
            LocalComputeLog.BackgroundWorkFailed(_logger, ex);
        }
        finally
        {
            lock (_gate)
            {
                _background.Remove(id);
            }
        }
    }

    // ---------------------------------------------------------------- pools and nodes

    private async Task InitializePoolAsync(PoolEntry pool)
    {
        if (Directory.Exists(pool.Directory))
        {
            TryDeleteFolder(pool.Directory); // left by an earlier run with the same root: nodes start clean
        }

        Task[] nodes;
        lock (_gate)
        {
            if (pool.Lifetime.IsCancellationRequested)
            {
                return;
            }

            nodes = [.. pool.Nodes.Select(node =>
            {
                var stop = node.Lifetime.Token;
                return StartBackgroundLocked(() => InitializeNodeAsync(node, stop));
            })];
        }

        await Task.WhenAll(nodes).ConfigureAwait(false);
    }

    private async Task InitializeNodeAsync(NodeEntry node, CancellationToken stop)
    {
        var pool = node.Pool;
        try
        {
            Directory.CreateDirectory(node.SharedDirectory);
            Directory.CreateDirectory(node.StartupDirectory);
            Directory.CreateDirectory(node.WorkItemsDirectory);
            Task? boot = null;
            lock (_gate)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                pool.CurrentNodeCount++;
                if (pool.CurrentNodeCount == pool.Nodes.Count)
                {
                    pool.Allocation = PoolAllocationState.Steady;
                }

                if (_nodeStartupDelay > TimeSpan.Zero)
                {
                    boot = Task.Delay(_nodeStartupDelay, _time, stop); // timed from the moment the node is seen Starting
                }

                SetNodeStateLocked(node, ComputeNodeState.Starting);
            }

            if (boot is not null)
            {
                await boot.ConfigureAwait(false);
            }

            switch (_nodeFaults?.Invoke(pool.Id, node.Id) ?? LocalNodeFault.None)
            {
                case LocalNodeFault.Unusable:
                    CancellationTokenSource? toCancel;
                    lock (_gate)
                    {
                        toCancel = MarkUnusableLocked(node, "NodeFaultInjected", "The host injected a fault that makes this node unusable.");
                    }

                    Cancel(toCancel);
                    return;
                case LocalNodeFault.StartTaskFailure:
                    await SimulateStartTaskFailureAsync(node, stop).ConfigureAwait(false);
                    return;
            }

            if (pool.StartTask is { } startTask)
            {
                await RunStartTaskAsync(node, startTask, stop).ConfigureAwait(false);
                return;
            }

            lock (_gate)
            {
                if (node.State == ComputeNodeState.Starting)
                {
                    SetNodeStateLocked(node, ComputeNodeState.Idle);
                    DispatchLocked(pool.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the node left the pool
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CancellationTokenSource? toCancel;
            lock (_gate)
            {
                toCancel = MarkUnusableLocked(node, "NodeFileSystemError", $"The node's folders could not be prepared: {ex.Message}");
            }

            Cancel(toCancel);
        }
    }

    private async Task RunStartTaskAsync(NodeEntry node, StartTaskDefinition startTask, CancellationToken stop)
    {
        var pool = node.Pool;
        string folder = node.StartupDirectory;
        string workingDirectory = Path.Combine(folder, WorkingDirectoryName);
        string what = $"the start task of node '{node.Id}' in pool '{pool.Id}'";
        lock (_gate)
        {
            if (node.State != ComputeNodeState.Starting)
            {
                return;
            }

            node.StartTask = new StartTaskInfo(false, null, null, 0, null, null);
            SetNodeStateLocked(node, startTask.WaitForSuccess ? ComputeNodeState.WaitingForStartTask : ComputeNodeState.Idle);
            if (!startTask.WaitForSuccess)
            {
                DispatchLocked(pool.Id);
            }
        }

        for (int retry = 0; ; retry++)
        {
            Directory.CreateDirectory(workingDirectory);
            var fetchFailure = await FetchResourceFilesAsync(startTask.ResourceFiles, workingDirectory, what, stop).ConfigureAwait(false);
            var started = _time.GetUtcNow();
            if (fetchFailure is not null)
            {
                CancellationTokenSource? toCancel;
                lock (_gate)
                {
                    node.StartTask = new StartTaskInfo(true, null, fetchFailure, retry, started, started);
                    toCancel = MarkUnusableLocked(node, fetchFailure.Code, fetchFailure.Message);
                }

                Cancel(toCancel);
                return;
            }

            lock (_gate)
            {
                node.StartTask = new StartTaskInfo(false, null, null, retry, started, null);
                NotifyNodeLocked(node);
            }

            var environment = BuildEnvironment(node, folder, workingDirectory, null, null, retry, startTask.Environment);
            string? program = LocalProcessRunner.ResolveProgram(startTask.Arguments[0], workingDirectory, environment.GetValueOrDefault("PATH"));
            TaskFailureInfo failure;
            int? exitCode = null;
            if (program is null)
            {
                failure = ProgramNotFound(startTask.Arguments[0], what);
            }
            else
            {
                try
                {
                    var launch = new ProcessLaunch(program, [.. startTask.Arguments.Skip(1)], workingDirectory, environment, Path.Combine(folder, "stdout.txt"), Path.Combine(folder, "stderr.txt"));
                    var outcome = await _runner.RunAsync(launch, null, null, stop).ConfigureAwait(false);
                    if (outcome.Stopped)
                    {
                        LocalComputeLog.ProcessKilled(_logger, outcome.ProcessId, what, "the node left the pool or the compute was disposed");
                        return;
                    }

                    exitCode = outcome.ExitCode;
                    if (exitCode == 0)
                    {
                        lock (_gate)
                        {
                            node.StartTask = new StartTaskInfo(true, 0, null, retry, started, _time.GetUtcNow());
                            if (startTask.WaitForSuccess && node.State == ComputeNodeState.WaitingForStartTask)
                            {
                                SetNodeStateLocked(node, ComputeNodeState.Idle);
                                DispatchLocked(pool.Id);
                            }
                            else
                            {
                                NotifyNodeLocked(node);
                            }
                        }

                        LocalComputeLog.StartTaskSucceeded(_logger, pool.Id, node.Id, retry);
                        return;
                    }

                    if (startTask.MaxTaskRetryCount == -1 || retry < startTask.MaxTaskRetryCount)
                    {
                        continue;
                    }

                    failure = FailureExitCode;
                }
                catch (Win32Exception ex)
                {
                    failure = new TaskFailureInfo(UserError, "CommandLaunchFailed", $"The program '{startTask.Arguments[0]}' of {what} could not be started: {ex.Message}");
                }
            }

            lock (_gate)
            {
                node.StartTask = new StartTaskInfo(true, exitCode, failure, retry, started, _time.GetUtcNow());
                if (startTask.WaitForSuccess && node.State == ComputeNodeState.WaitingForStartTask)
                {
                    SetNodeStateLocked(node, ComputeNodeState.StartTaskFailed);
                }
                else
                {
                    NotifyNodeLocked(node);
                }
            }

            LocalComputeLog.StartTaskFailed(_logger, pool.Id, node.Id, exitCode, failure.Code, failure.Message, retry, Path.Combine(folder, "stderr.txt"));
            return;
        }
    }

    private async Task SimulateStartTaskFailureAsync(NodeEntry node, CancellationToken stop)
    {
        string stderr = Path.Combine(node.StartupDirectory, "stderr.txt");
        await File.WriteAllTextAsync(Path.Combine(node.StartupDirectory, "stdout.txt"), string.Empty, stop).ConfigureAwait(false);
        await File.WriteAllTextAsync(stderr, "The start task failed: the host injected a start-task fault into this node.\n", stop).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            node.StartTask = new StartTaskInfo(true, 1, FailureExitCode, 0, now, now);
            if (node.State == ComputeNodeState.Starting)
            {
                SetNodeStateLocked(node, ComputeNodeState.StartTaskFailed);
            }
        }

        LocalComputeLog.StartTaskFailed(_logger, node.Pool.Id, node.Id, 1, FailureExitCode.Code, "fault injected by the host", 0, stderr);
    }

    /// <summary>Turns a node unusable; returns the source to cancel (after releasing the lock) to kill what runs on it.</summary>
    private CancellationTokenSource? MarkUnusableLocked(NodeEntry node, string errorCode, string errorMessage)
    {
        node.Errors.Add($"{errorCode}: {errorMessage}");
        if (node.State == ComputeNodeState.Unusable)
        {
            NotifyNodeLocked(node);
            return null;
        }

        foreach (var task in node.Running)
        {
            task.StopReason ??= StopReason.NodeLost;
        }

        SetNodeStateLocked(node, ComputeNodeState.Unusable);
        LocalComputeLog.NodeUnusable(_logger, node.Pool.Id, node.Id, errorCode, errorMessage);
        return node.Lifetime;
    }

    private async Task DeletePoolCoreAsync(PoolEntry pool)
    {
        await pool.Lifetime.CancelAsync().ConfigureAwait(false); // kills start tasks and tasks on every node
        Task[] work;
        lock (_gate)
        {
            work = [.. pool.Work, .. pool.Nodes.SelectMany(n => n.Running).Select(t => t.Run).OfType<Task>()];
        }

        await Task.WhenAll(work).ConfigureAwait(false); // tracked work never throws
        TryDeleteFolder(pool.Directory);
        lock (_gate)
        {
            if (_pools.TryGetValue(pool.Id, out var current) && ReferenceEquals(current, pool))
            {
                _pools.Remove(pool.Id);
            }

            pool.DisposeTokens();
        }

        LocalComputeLog.PoolDeleted(_logger, pool.Id);
    }

    // ---------------------------------------------------------------- jobs

    /// <summary>Takes a job's queued tasks out of the queue (they stay active) and marks its running tasks to stop.</summary>
    private List<TaskEntry> StopJobTasksLocked(JobEntry job, StopReason reason)
    {
        var running = new List<TaskEntry>();
        foreach (var task in job.Order)
        {
            if (task.QueueNode is { } queued)
            {
                queued.List?.Remove(queued);
                task.QueueNode = null;
            }

            if (task.Run is { IsCompleted: false } && task.State != BatchTaskState.Completed)
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
        lock (_gate)
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
        lock (_gate)
        {
            foreach (var task in job.Order)
            {
                if (task.TaskDirectory is { } taskDirectory && Path.GetDirectoryName(Path.GetDirectoryName(taskDirectory)) is { } jobFolder)
                {
                    folders.Add(jobFolder); // <node>/workitems/<jobId>
                }
            }
        }

        foreach (string folder in folders)
        {
            TryDeleteFolder(folder);
        }

        lock (_gate)
        {
            if (_jobs.TryGetValue(job.Id, out var current) && ReferenceEquals(current, job))
            {
                _jobs.Remove(job.Id);
            }
        }
    }

    // ---------------------------------------------------------------- tasks

    /// <summary>Starts queued tasks of a pool on free slots of its ready nodes, spreading them over the nodes.</summary>
    private void DispatchLocked(string poolId)
    {
        if (_disposed || !_pools.TryGetValue(poolId, out var pool) || pool.IsBeingDeleted || !_queues.TryGetValue(poolId, out var queue))
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
            task.TaskDirectory = best.TaskDirectory(task.Job.Id, task.Definition.Id);
            best.Running.Add(task);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(best.Lifetime.Token);
            task.Stop = stop;
            SetTaskStateLocked(task, BatchTaskState.Preparing);
            if (best.Running.Count == 1)
            {
                NotifyNodeLocked(best);
            }

            var target = best;
            var token = stop.Token;
            task.Run = StartBackgroundLocked(() => RunTaskAsync(task, target, token));
        }
    }

    private async Task RunTaskAsync(TaskEntry task, NodeEntry node, CancellationToken stop)
    {
        Completion? completion = null;
        int? stoppedExitCode = null;
        try
        {
            while (true)
            {
                var attempt = await RunTaskAttemptAsync(task, node, stop).ConfigureAwait(false);
                if (attempt.Kind == AttemptKind.Stopped)
                {
                    stoppedExitCode = attempt.ExitCode;
                    break;
                }

                if (attempt is { Kind: AttemptKind.Exited, ExitCode: int exitCode and not 0 } && TryScheduleRetry(task, node, exitCode))
                {
                    continue;
                }

                completion = await CompleteAttemptAsync(task, attempt, stop).ConfigureAwait(false);
                break;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            completion = null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            completion = new Completion(null, new TaskFailureInfo("ServerError", "NodeFileSystemError", $"The folder of task '{task.Definition.Id}' on node '{node.Id}' could not be prepared: {ex.Message}"));
        }
        finally
        {
            FinishTaskRun(task, node, completion, stoppedExitCode);
        }
    }

    private bool TryScheduleRetry(TaskEntry task, NodeEntry node, int exitCode)
    {
        int retry;
        lock (_gate)
        {
            int max = task.Definition.MaxTaskRetryCount;
            if (task.StopReason is not null || (max != -1 && task.RetryCount >= max))
            {
                return false;
            }

            retry = ++task.RetryCount;
            task.ExitCode = exitCode;
            SetTaskStateLocked(task, BatchTaskState.Preparing);
        }

        LocalComputeLog.TaskAttemptFailed(_logger, task.Job.Id, task.Definition.Id, node.Id, exitCode, retry);
        return true;
    }

    private async Task<Attempt> RunTaskAttemptAsync(TaskEntry task, NodeEntry node, CancellationToken stop)
    {
        var definition = task.Definition;
        string jobId = task.Job.Id;
        string taskDirectory = node.TaskDirectory(jobId, definition.Id);
        string workingDirectory = Path.Combine(taskDirectory, WorkingDirectoryName);
        string what = $"task '{definition.Id}' of job '{jobId}'";
        Directory.CreateDirectory(workingDirectory);
        var fetchFailure = await FetchResourceFilesAsync(definition.ResourceFiles, workingDirectory, what, stop).ConfigureAwait(false);
        if (fetchFailure is not null)
        {
            return new Attempt(AttemptKind.Failed, null, fetchFailure);
        }

        int retry;
        lock (_gate)
        {
            if (stop.IsCancellationRequested)
            {
                return new Attempt(AttemptKind.Stopped, null, null);
            }

            retry = task.RetryCount;
        }

        var environment = BuildEnvironment(node, taskDirectory, workingDirectory, jobId, definition.Id, retry, definition.Environment);
        string? program = LocalProcessRunner.ResolveProgram(definition.Arguments[0], workingDirectory, environment.GetValueOrDefault("PATH"));
        if (program is null)
        {
            return new Attempt(AttemptKind.Failed, null, ProgramNotFound(definition.Arguments[0], what));
        }

        try
        {
            var launch = new ProcessLaunch(program, [.. definition.Arguments.Skip(1)], workingDirectory, environment, Path.Combine(taskDirectory, "stdout.txt"), Path.Combine(taskDirectory, "stderr.txt"));
            var outcome = await _runner.RunAsync(launch, definition.MaxWallClockTime, pid => OnTaskProcessStarted(task, node, pid, retry), stop).ConfigureAwait(false);
            if (outcome.Stopped)
            {
                StopReason? reason;
                lock (_gate)
                {
                    reason = task.StopReason;
                }

                LocalComputeLog.ProcessKilled(_logger, outcome.ProcessId, what, reason switch
                {
                    StopReason.JobTerminated => "its job was terminated",
                    StopReason.JobDeleted => "its job was deleted",
                    StopReason.NodeLost => "its node left the pool",
                    _ => "the compute was disposed",
                });
                return new Attempt(AttemptKind.Stopped, outcome.ExitCode, null);
            }

            if (outcome.TimedOut)
            {
                LocalComputeLog.ProcessKilled(_logger, outcome.ProcessId, what, $"it ran past its maximum wall-clock time of {definition.MaxWallClockTime}");
                return new Attempt(AttemptKind.TimedOut, outcome.ExitCode, null);
            }

            return new Attempt(AttemptKind.Exited, outcome.ExitCode, null);
        }
        catch (Win32Exception ex)
        {
            return new Attempt(AttemptKind.Failed, null, new TaskFailureInfo(UserError, "CommandLaunchFailed", $"The program '{definition.Arguments[0]}' of {what} could not be started: {ex.Message}"));
        }
    }

    /// <summary>The task is <see cref="BatchTaskState.Running"/> from the moment its process runs (and its wall clock ticks).</summary>
    private void OnTaskProcessStarted(TaskEntry task, NodeEntry node, int processId, int retry)
    {
        lock (_gate)
        {
            task.StartTime = _time.GetUtcNow();
            SetTaskStateLocked(task, BatchTaskState.Running);
        }

        LocalComputeLog.TaskStarted(_logger, task.Job.Id, task.Definition.Id, node.Id, processId, retry);
    }

    private async Task<Completion> CompleteAttemptAsync(TaskEntry task, Attempt attempt, CancellationToken stop)
    {
        if (attempt.Kind == AttemptKind.Failed)
        {
            return new Completion(attempt.ExitCode, attempt.Failure);
        }

        bool succeeded = attempt is { Kind: AttemptKind.Exited, ExitCode: 0 };
        TaskFailureInfo? failure = attempt.Kind == AttemptKind.TimedOut
            ? new TaskFailureInfo(UserError, "MaxWallClockTimeExceeded", $"The task ran longer than its maximum wall-clock time of {task.Definition.MaxWallClockTime} and was killed, with every process it started.")
            : succeeded ? null : FailureExitCode;
        var uploadFailure = await UploadOutputsAsync(task, succeeded, stop).ConfigureAwait(false);
        return new Completion(attempt.ExitCode, failure ?? uploadFailure);
    }

    private void FinishTaskRun(TaskEntry task, NodeEntry node, Completion? completion, int? stoppedExitCode)
    {
        CancellationTokenSource? stop;
        bool requeued = false;
        BatchTaskInfo? completed = null;
        lock (_gate)
        {
            node.Running.Remove(task);
            task.Node = null;
            stop = task.Stop;
            task.Stop = null;
            if (node.Running.Count == 0)
            {
                NotifyNodeLocked(node);
            }

            var job = task.Job;
            if (_disposed || job.Status == JobStatus.Deleting)
            {
                // the task goes away with the job (or the compute)
            }
            else if (completion is not null)
            {
                CompleteTaskLocked(task, completion.ExitCode, completion.Failure);
                completed = SnapshotLocked(task);
            }
            else if (task.StopReason == StopReason.NodeLost && job.Status == JobStatus.Active)
            {
                task.StopReason = null;
                task.NodeId = null;
                var queue = GetQueueLocked(job.PoolId);
                var next = queue.First;
                while (next is not null && next.Value.Sequence < task.Sequence)
                {
                    next = next.Next;
                }

                task.QueueNode = next is null ? queue.AddLast(task) : queue.AddBefore(next, task);
                SetTaskStateLocked(task, BatchTaskState.Active);
                requeued = true;
            }
            else
            {
                CompleteTaskLocked(task, stoppedExitCode, new TaskFailureInfo(UserError, "TaskEnded", "The task was ended because its job was terminated."));
                completed = SnapshotLocked(task);
            }

            DispatchLocked(job.PoolId);
        }

        stop?.Dispose();
        if (completed is not null)
        {
            LocalComputeLog.TaskEnded(_logger, task.Job.Id, completed.Id, node.Id, completed.Result == TaskExecutionResult.Success ? "success" : "failure", completed.ExitCode, completed.FailureInfo?.Code);
        }
        else if (requeued)
        {
            LocalComputeLog.TaskRequeued(_logger, task.Job.Id, task.Definition.Id, node.Id);
        }
    }

    private void CompleteTaskLocked(TaskEntry task, int? exitCode, TaskFailureInfo? failure)
    {
        task.ExitCode = exitCode;
        task.FailureInfo = failure;
        task.Result = failure is null ? TaskExecutionResult.Success : TaskExecutionResult.Failure;
        task.EndTime = _time.GetUtcNow();
        SetTaskStateLocked(task, BatchTaskState.Completed);
    }

    // ---------------------------------------------------------------- files and environment

    private async Task<TaskFailureInfo?> FetchResourceFilesAsync(IReadOnlyList<ResourceFile> files, string workingDirectory, string what, CancellationToken stop)
    {
        foreach (var file in files)
        {
            string? problem = CheckResourceFilePath(file.FilePath);
            string target = string.Empty;
            if (problem is null)
            {
                target = Path.GetFullPath(Path.Combine(workingDirectory, file.FilePath));
                if (!IsInside(target, workingDirectory))
                {
                    problem = "its file path leads outside the working directory";
                }
            }

            TaskFailureInfo? failure = null;
            if (problem is not null)
            {
                failure = new TaskFailureInfo(UserError, "BlobDownloadMiscError", $"Resource file '{file.FilePath}' of {what} was refused: {problem}.");
            }
            else
            {
                try
                {
                    await _transfer.DownloadAsync(file.HttpUrl, target, stop).ConfigureAwait(false);
                    if (!OperatingSystem.IsWindows())
                    {
                        File.SetUnixFileMode(target, ResourceFileMode);
                    }
                }
                catch (UrlTransferException ex)
                {
                    string code = ex.Kind switch
                    {
                        UrlTransferErrorKind.NotFound => "BlobNotFound",
                        UrlTransferErrorKind.Forbidden => "BlobAccessDenied",
                        _ => "BlobDownloadMiscError",
                    };
                    failure = new TaskFailureInfo(UserError, code, $"Resource file '{file.FilePath}' of {what} could not be downloaded from {SecretRedaction.Redact(file.HttpUrl)}: {SecretRedaction.RedactText(ex.Message)}");
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    failure = new TaskFailureInfo(UserError, "BlobDownloadTimedOut", $"Resource file '{file.FilePath}' of {what} timed out downloading from {SecretRedaction.Redact(file.HttpUrl)}.");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
                {
                    failure = new TaskFailureInfo(UserError, "BlobDownloadMiscError", $"Resource file '{file.FilePath}' of {what} could not be written: {SecretRedaction.RedactText(ex.Message)}");
                }
            }

            if (failure is not null)
            {
                LocalComputeLog.ResourceFileFailed(_logger, what, failure.Code, failure.Message);
                return failure;
            }
        }

        return null;
    }

    /// <summary>Uploads the task's output files whose condition matches; returns the first failure.</summary>
    private async Task<TaskFailureInfo?> UploadOutputsAsync(TaskEntry task, bool succeeded, CancellationToken stop)
    {
        var definition = task.Definition;
        if (definition.OutputFiles.Count == 0)
        {
            return null;
        }

        string workingDirectory = Path.Combine(task.TaskDirectory!, WorkingDirectoryName);
        TaskFailureInfo? first = null;
        foreach (var output in definition.OutputFiles)
        {
            bool wanted = output.Condition switch
            {
                OutputUploadCondition.TaskSuccess => succeeded,
                OutputUploadCondition.TaskFailure => !succeeded,
                _ => true,
            };
            if (!wanted)
            {
                continue;
            }

            IReadOnlyList<OutputFileMatch> matches;
            try
            {
                matches = output.Pattern.Match(workingDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                first ??= Report(new TaskFailureInfo(UserError, "FileUploadMiscError", $"Output file pattern '{output.Pattern.Text}' of task '{definition.Id}' could not be matched: {ex.Message}"));
                continue;
            }

            foreach (var match in matches)
            {
                string blobName = output.Pattern.BlobName(match, output.Path);
                try
                {
                    await _transfer.UploadAsync(output.ContainerUrl, blobName, match.FullPath, stop).ConfigureAwait(false);
                }
                catch (UrlTransferException ex)
                {
                    string code = ex.Kind switch
                    {
                        UrlTransferErrorKind.Forbidden => "FileUploadAccessDenied",
                        UrlTransferErrorKind.NotFound => "FileUploadContainerNotFound",
                        _ => "FileUploadMiscError",
                    };
                    first ??= Report(new TaskFailureInfo(UserError, code, UploadMessage(match, blobName, output.ContainerUrl, ex.Message)));
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    first ??= Report(new TaskFailureInfo(UserError, "FileUploadMiscError", UploadMessage(match, blobName, output.ContainerUrl, "the upload timed out")));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
                {
                    first ??= Report(new TaskFailureInfo(UserError, "FileUploadMiscError", UploadMessage(match, blobName, output.ContainerUrl, ex.Message)));
                }
            }
        }

        return first;

        string UploadMessage(OutputFileMatch match, string blobName, Uri container, string reason) =>
            $"Output file '{match.RelativePath}' of task '{definition.Id}' could not be uploaded as blob '{blobName}' to {SecretRedaction.Redact(container)}: {SecretRedaction.RedactText(reason)}";

        TaskFailureInfo Report(TaskFailureInfo failure)
        {
            LocalComputeLog.OutputUploadFailed(_logger, task.Job.Id, definition.Id, failure.Code, failure.Message);
            return failure;
        }
    }

    /// <summary>
    /// The process environment: this process's (without inherited <c>AZ_BATCH_*</c> variables), then the
    /// node's and task's <c>AZ_BATCH_*</c> variables, then the spec's settings.
    /// </summary>
    private static Dictionary<string, string> BuildEnvironment(NodeEntry node, string taskDirectory, string workingDirectory, string? jobId, string? taskId, int retryCount, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var environment = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (!name.StartsWith("AZ_BATCH_", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = variable.Value as string ?? string.Empty;
            }
        }

        environment["AZ_BATCH_NODE_ID"] = node.Id;
        environment["AZ_BATCH_POOL_ID"] = node.Pool.Id;
        environment["AZ_BATCH_NODE_IS_DEDICATED"] = "true";
        environment["AZ_BATCH_NODE_ROOT_DIR"] = node.RootDirectory;
        environment["AZ_BATCH_NODE_SHARED_DIR"] = node.SharedDirectory;
        environment["AZ_BATCH_NODE_STARTUP_DIR"] = node.StartupDirectory;
        environment["AZ_BATCH_TASK_DIR"] = taskDirectory;
        environment["AZ_BATCH_TASK_WORKING_DIR"] = workingDirectory;
        environment["AZ_BATCH_TASK_RETRY_COUNT"] = retryCount.ToString(CultureInfo.InvariantCulture);
        if (jobId is not null && taskId is not null)
        {
            environment["AZ_BATCH_JOB_ID"] = jobId;
            environment["AZ_BATCH_TASK_ID"] = taskId;
        }

        if (!OperatingSystem.IsWindows())
        {
            environment["PWD"] = workingDirectory;
        }

        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    private void TryDeleteFolder(string folder)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 3)
                {
                    LocalComputeLog.CleanupFailed(_logger, folder, ex.Message);
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- snapshots and change notifications

    private BatchTaskInfo SnapshotLocked(TaskEntry task) => new()
    {
        Id = task.Definition.Id,
        State = task.State,
        StateTransitionTime = task.TransitionTime,
        ExitCode = task.ExitCode,
        Result = task.State == BatchTaskState.Completed ? task.Result : null,
        FailureInfo = task.State == BatchTaskState.Completed ? task.FailureInfo : null,
        RetryCount = task.RetryCount,
        StartTime = task.StartTime,
        EndTime = task.EndTime,
        NodeId = task.NodeId,
    };

    private ComputeNodeInfo SnapshotLocked(NodeEntry node) => new(node.Id, node.ReportedState, node.StartTask, [.. node.Errors]);

    private void SetTaskStateLocked(TaskEntry task, BatchTaskState state)
    {
        task.State = state;
        task.TransitionTime = _time.GetUtcNow();
        NotifyTaskLocked(task);
    }

    private void SetNodeStateLocked(NodeEntry node, ComputeNodeState state)
    {
        node.State = state;
        NotifyNodeLocked(node);
    }

    private void NotifyTaskLocked(TaskEntry task)
    {
        if (Changed is { } handler)
        {
            Raise(handler, new LocalTaskChange(_time.GetUtcNow(), task.Job.Id, SnapshotLocked(task)));
        }
    }

    private void NotifyNodeLocked(NodeEntry node)
    {
        if (Changed is { } handler)
        {
            Raise(handler, new LocalNodeChange(_time.GetUtcNow(), node.Pool.Id, SnapshotLocked(node)));
        }
    }

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
