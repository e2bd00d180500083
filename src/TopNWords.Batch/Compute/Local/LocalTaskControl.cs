using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Operations on one task of the local compute: terminate it (it completes as failed with <c>TaskEnded</c>) or
/// delete it (it disappears, with its folder). A running task's processes are killed first, and both operations
/// complete when the task has left its node.
/// </summary>
internal sealed class LocalTaskControl
{
    /// <summary>The failure of a task that was terminated on request.</summary>
    public static readonly TaskFailureInfo TerminatedFailure =
        new(LocalCommandRunner.UserError, BatchErrorCodes.TaskEnded, "The task was terminated by a request to terminate it.");

    private readonly LocalScheduler _scheduler;
    private readonly LocalComputeState _state;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LocalTaskControl"/> class.</summary>
    /// <param name="scheduler">Dispatches onto the slots that queued tasks leave.</param>
    /// <param name="state">The model.</param>
    /// <param name="logger">The logger.</param>
    public LocalTaskControl(LocalScheduler scheduler, LocalComputeState state, ILogger logger)
    {
        _scheduler = scheduler;
        _state = state;
        _logger = logger;
    }

    /// <summary>Terminates a task: a queued one completes at once, a running one is killed and then completes.</summary>
    /// <returns><see langword="false"/> when the task had completed already (nothing changes).</returns>
    public async Task<bool> TerminateAsync(string jobId, string taskId, CancellationToken cancellationToken)
    {
        Task? run;
        bool queued = false;
        lock (_state.Gate)
        {
            var task = GetTaskLocked(jobId, taskId);
            if (task.State == ComputeTaskState.Completed)
            {
                return false;
            }

            if (task.StopReason is StopReason.TaskTerminated)
            {
                run = task.Run; // terminated already: wait for the same run
            }
            else if (task.Run is { IsCompleted: false } current && task.Node is not null)
            {
                task.StopReason = StopReason.TaskTerminated;
                LocalScheduler.Cancel(task.Stop);
                run = current;
            }
            else
            {
                RemoveFromQueueLocked(task);
                _state.CompleteTaskLocked(task, null, TerminatedFailure);
                run = null;
                queued = true;
            }
        }

        if (run is not null)
        {
            await run.WaitAsync(cancellationToken).ConfigureAwait(false); // tracked work never throws; it logs the end
        }
        else if (queued)
        {
            LocalComputeLog.TaskEnded(_logger, jobId, taskId, null, "failure", null, BatchErrorCodes.TaskEnded);
        }

        return true;
    }

    /// <summary>Deletes a task: it leaves its job at once; a running one is killed; then its folder is removed.</summary>
    public async Task DeleteAsync(string jobId, string taskId, CancellationToken cancellationToken)
    {
        Task? run = null;
        TaskEntry task;
        lock (_state.Gate)
        {
            task = GetTaskLocked(jobId, taskId);
            task.Job.Tasks.Remove(task.Definition.Id);
            task.Job.Order.Remove(task);
            _state.JournalLocked(new JournalRecord { Kind = JournalKinds.TaskDeleted, JobId = task.Job.Id, TaskId = task.Definition.Id });
            RemoveFromQueueLocked(task);
            if (task.Run is { IsCompleted: false } current)
            {
                task.StopReason = StopReason.TaskDeleted;
                LocalScheduler.Cancel(task.Stop);
                run = current;
            }
        }

        if (run is not null)
        {
            await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        string? folder;
        lock (_state.Gate)
        {
            folder = task.TaskDirectory;
        }

        if (folder is not null)
        {
            LocalFolders.TryDelete(folder, _logger);
        }
    }

    private TaskEntry GetTaskLocked(string jobId, string taskId)
    {
        _state.ThrowIfDisposedLocked();
        var job = _state.GetJobLocked(jobId);
        if (job.Status == JobStatus.Deleting)
        {
            throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Job '{job.Id}' is being deleted, with its tasks.", job.Id, BatchErrorCodes.JobBeingDeleted);
        }

        return job.Tasks.GetValueOrDefault(taskId)
            ?? throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Task '{taskId}' does not exist in job '{job.Id}' on {_state.DisplayName}.", taskId, BatchErrorCodes.TaskNotFound);
    }

    private void RemoveFromQueueLocked(TaskEntry task)
    {
        if (task.QueueNode is { } queued)
        {
            queued.List?.Remove(queued);
            task.QueueNode = null;
            _scheduler.DispatchLocked(task.Job.PoolId);
        }
    }
}
