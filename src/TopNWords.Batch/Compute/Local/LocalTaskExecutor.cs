using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Runs a dispatched task on its node: attempts (retried on a non-zero exit code as its constraints allow),
/// its state from <see cref="ComputeTaskState.Preparing"/> to <see cref="ComputeTaskState.Completed"/>, the upload of
/// its output files, and what happens when it is stopped (completed, queued again, or gone with its job).
/// </summary>
internal sealed class LocalTaskExecutor
{
    private readonly LocalScheduler _scheduler;
    private readonly LocalComputeState _state;
    private readonly LocalCommandRunner _commands;
    private readonly TaskFileStager _files;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LocalTaskExecutor"/> class.</summary>
    /// <param name="scheduler">Queues a stopped task again and dispatches onto the freed slot.</param>
    /// <param name="state">The model.</param>
    /// <param name="commands">Runs the attempts.</param>
    /// <param name="files">Uploads the output files.</param>
    /// <param name="logger">The logger.</param>
    public LocalTaskExecutor(LocalScheduler scheduler, LocalComputeState state, LocalCommandRunner commands, TaskFileStager files, ILogger logger)
    {
        _scheduler = scheduler;
        _state = state;
        _commands = commands;
        _files = files;
        _logger = logger;
    }

    /// <summary>Runs a task on the node it was dispatched to, until it completes or is stopped.</summary>
    /// <param name="task">The task.</param>
    /// <param name="node">The node.</param>
    /// <param name="stop">Kills the task (job terminated or deleted, node lost, compute disposed).</param>
    /// <returns>A task that completes when the task has left the node.</returns>
    public async Task RunAsync(TaskEntry task, NodeEntry node, CancellationToken stop)
    {
        Completion? completion = null;
        int? stoppedExitCode = null;
        try
        {
            while (true)
            {
                var attempt = await RunAttemptAsync(task, node, stop).ConfigureAwait(false);
                if (attempt.Kind == CommandResultKind.Stopped)
                {
                    stoppedExitCode = attempt.ExitCode;
                    break;
                }

                if (attempt is { Kind: CommandResultKind.Exited, ExitCode: int exitCode and not 0 } && TryScheduleRetry(task, node, exitCode))
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
            completion = new Completion(null, new TaskFailureInfo("ServerError", BatchErrorCodes.NodeFileSystemError, $"The folder of task '{task.Definition.Id}' on node '{node.Id}' could not be prepared: {ex.Message}"));
        }
        finally
        {
            FinishRun(task, node, completion, stoppedExitCode);
        }
    }

    private Task<CommandResult> RunAttemptAsync(TaskEntry task, NodeEntry node, CancellationToken stop)
    {
        var definition = task.Definition;
        string jobId = task.Job.Id;
        var run = new CommandRun(definition, node, node.TaskDirectory(jobId, definition.Id), jobId, definition.Id, $"task '{definition.Id}' of job '{jobId}'", definition.MaxWallClockTime,
            Prepared: () =>
            {
                lock (_state.Gate)
                {
                    return stop.IsCancellationRequested ? null : task.RetryCount;
                }
            },
            Started: (processId, retry) => OnProcessStarted(task, node, processId, retry),
            DescribeStop: () =>
            {
                StopReason? reason;
                lock (_state.Gate)
                {
                    reason = task.StopReason;
                }

                return reason switch
                {
                    StopReason.JobTerminated => "its job was terminated",
                    StopReason.JobDeleted => "its job was deleted",
                    StopReason.TaskTerminated => "it was terminated",
                    StopReason.TaskDeleted => "it was deleted",
                    StopReason.NodeLost => "its node left the pool",
                    _ => "the compute was disposed",
                };
            });
        return _commands.RunAsync(run, stop);
    }

    private bool TryScheduleRetry(TaskEntry task, NodeEntry node, int exitCode)
    {
        int retry;
        lock (_state.Gate)
        {
            int max = task.Definition.MaxTaskRetryCount;
            if (task.StopReason is not null || (max != -1 && task.RetryCount >= max))
            {
                return false;
            }

            retry = ++task.RetryCount;
            task.ExitCode = exitCode;
            _state.SetTaskStateLocked(task, ComputeTaskState.Preparing);
        }

        LocalComputeLog.TaskAttemptFailed(_logger, task.Job.Id, task.Definition.Id, node.Id, exitCode, retry);
        return true;
    }

    /// <summary>The task is <see cref="ComputeTaskState.Running"/> from the moment its process runs (and its wall clock ticks).</summary>
    private void OnProcessStarted(TaskEntry task, NodeEntry node, int processId, int retry)
    {
        lock (_state.Gate)
        {
            task.StartTime = _state.Time.GetUtcNow();
            _state.SetTaskStateLocked(task, ComputeTaskState.Running);
        }

        LocalComputeLog.TaskStarted(_logger, task.Job.Id, task.Definition.Id, node.Id, processId, retry);
    }

    private async Task<Completion> CompleteAttemptAsync(TaskEntry task, CommandResult attempt, CancellationToken stop)
    {
        if (attempt.Kind is CommandResultKind.ResourceFileFailed or CommandResultKind.LaunchFailed)
        {
            return new Completion(attempt.ExitCode, attempt.Failure);
        }

        bool succeeded = attempt is { Kind: CommandResultKind.Exited, ExitCode: 0 };
        TaskFailureInfo? failure = attempt.Kind == CommandResultKind.TimedOut
            ? new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.MaxWallClockTimeExceeded, $"The task ran longer than its maximum wall-clock time of {task.Definition.MaxWallClockTime} and was killed, with every process it started.")
            : succeeded ? null : LocalCommandRunner.FailureExitCode;
        lock (_state.Gate)
        {
            // a durable compute reopened before the completion below finishes the task from here, without running it again
            _state.JournalLocked(new JournalRecord { Kind = JournalKinds.TaskExited, JobId = task.Job.Id, TaskId = task.Definition.Id, ExitCode = attempt.ExitCode, Failure = failure, Succeeded = succeeded });
        }

        var uploadFailure = await _files.UploadOutputsAsync(task.Job.Id, task.Definition, task.TaskDirectory!, succeeded, stop).ConfigureAwait(false);
        return new Completion(attempt.ExitCode, failure ?? uploadFailure);
    }

    /// <summary>
    /// Finishes a task of a reopened durable compute whose process had exited (journaled) but whose completion was
    /// not journaled: uploads its output files from its folder, then completes it with the journaled exit code.
    /// </summary>
    /// <param name="task">The task.</param>
    /// <param name="exited">The journaled exit.</param>
    /// <param name="stop">Fires when the compute is disposed.</param>
    /// <returns>A task that completes when the task has completed.</returns>
    public async Task FinishExitedAsync(TaskEntry task, JournalRecord exited, CancellationToken stop)
    {
        TaskFailureInfo? uploadFailure;
        try
        {
            uploadFailure = task.TaskDirectory is { } folder
                ? await _files.UploadOutputsAsync(task.Job.Id, task.Definition, folder, exited.Succeeded ?? false, stop).ConfigureAwait(false)
                : null;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return; // disposed: the next owner finishes it
        }

        BatchTaskInfo? completed = null;
        lock (_state.Gate)
        {
            task.PendingExit = null;
            if (!_state.IsDisposed && task.State != ComputeTaskState.Completed && task.Job.Tasks.TryGetValue(task.Definition.Id, out var current) && ReferenceEquals(current, task) && task.Job.Status != JobStatus.Deleting)
            {
                _state.CompleteTaskLocked(task, exited.ExitCode, exited.Failure ?? uploadFailure);
                completed = LocalComputeState.SnapshotLocked(task);
            }
        }

        if (completed is not null)
        {
            LocalComputeLog.TaskEnded(_logger, task.Job.Id, completed.Id, completed.NodeId, completed.Result == TaskExecutionResult.Success ? "success" : "failure", completed.ExitCode, completed.FailureInfo?.Code);
        }
    }

    private void FinishRun(TaskEntry task, NodeEntry node, Completion? completion, int? stoppedExitCode)
    {
        CancellationTokenSource? stop;
        bool requeued = false;
        BatchTaskInfo? completed = null;
        lock (_state.Gate)
        {
            node.Running.Remove(task);
            task.Node = null;
            stop = task.Stop;
            task.Stop = null;
            if (node.Running.Count == 0)
            {
                _state.NotifyNodeLocked(node);
            }

            var job = task.Job;
            if (_state.IsDisposed || job.Status == JobStatus.Deleting || task.StopReason == StopReason.TaskDeleted)
            {
                // the task goes away (alone, or with the job or the compute)
            }
            else if (completion is not null)
            {
                _state.CompleteTaskLocked(task, completion.ExitCode, completion.Failure);
                completed = LocalComputeState.SnapshotLocked(task);
            }
            else if (task.StopReason == StopReason.NodeLost && job.Status == JobStatus.Active)
            {
                _scheduler.RequeueLocked(task);
                requeued = true;
            }
            else
            {
                _state.CompleteTaskLocked(task, stoppedExitCode, task.StopReason == StopReason.TaskTerminated ? LocalTaskControl.TerminatedFailure : new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.TaskEnded, "The task was ended because its job was terminated."));
                completed = LocalComputeState.SnapshotLocked(task);
            }

            _scheduler.DispatchLocked(job.PoolId);
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

    /// <summary>How a task completed: <see cref="Failure"/> is null on success.</summary>
    private sealed record Completion(int? ExitCode, TaskFailureInfo? Failure);
}
