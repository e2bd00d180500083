using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.State;

/// <content>Single tasks (add, delete, terminate) and single nodes.</content>
internal sealed partial class EmulatorState
{
    /// <summary>Tasks whose deletion is under way (the engine is killing them): a second delete answers <c>TaskNotFound</c>.</summary>
    private readonly HashSet<TaskRecord> _deletingTasks = [];

    /// <summary>
    /// Adds one task, as one task of an add-task-collection request is added: <c>TaskExists</c> (409) for an id the
    /// job has, the job's state errors, and the engine's refusal as <c>InvalidPropertyValue</c>. The per-task
    /// <c>servererror</c> fault of add-task-collection does not apply.
    /// </summary>
    /// <returns>The new task's entity tag and time.</returns>
    public (string ETag, DateTimeOffset LastModified) AddTask(string jobId, TaskAddItem item)
    {
        var outcome = AddTasks(jobId, [item], serverErrorFaults: false)[0];
        return outcome is { Status: BatchTaskAddStatus.Success, ETag: { } eTag, LastModified: { } lastModified }
            ? (eTag, lastModified)
            : throw outcome.Error ?? new BatchRequestException(500, BatchErrorCodes.InternalError, "Server encountered an internal error. Please try again after some time.");
    }

    /// <summary>Deletes a task: a running task is killed first; then the task and its files are gone.</summary>
    public async Task DeleteTaskAsync(string jobId, string taskId, CancellationToken cancellationToken)
    {
        TaskRecord task;
        string job;
        lock (_gate)
        {
            (var jobRecord, task) = FindTaskLocked(jobId, taskId);
            if (!_deletingTasks.Add(task))
            {
                throw BatchErrorResponses.TaskNotFound();
            }

            job = jobRecord.Id;
        }

        try
        {
            await _engine.DeleteTaskAsync(job, task.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException ex) when (ex.ErrorCode is BatchErrorCodes.TaskNotFound or BatchErrorCodes.JobNotFound)
        {
            // the engine let go of it already (its job went away meanwhile): only the record remains
        }
        catch (BatchComputeException ex) when (ex.ErrorCode == BatchErrorCodes.JobBeingDeleted)
        {
            throw BatchErrorResponses.JobBeingDeleted();
        }
        finally
        {
            lock (_gate)
            {
                _deletingTasks.Remove(task);
            }
        }

        lock (_gate)
        {
            if (_jobs.TryGetValue(job, out var current) && current.Tasks.TryGetValue(task.Id, out var same) && ReferenceEquals(same, task))
            {
                current.Tasks.Remove(task.Id);
                current.Order.Remove(task);
            }
        }
    }

    /// <summary>
    /// Terminates a task: it completes as failed (<c>TaskEnded</c>), killed first if it runs. A completed task answers
    /// <c>TaskCompleted</c> (409).
    /// </summary>
    public async Task TerminateTaskAsync(string jobId, string taskId, CancellationToken cancellationToken)
    {
        TaskRecord task;
        string job;
        lock (_gate)
        {
            (var jobRecord, task) = FindTaskLocked(jobId, taskId);
            if (task.State == ComputeTaskState.Completed)
            {
                throw BatchErrorResponses.TaskCompleted();
            }

            job = jobRecord.Id;
        }

        bool terminated;
        try
        {
            terminated = await _engine.TerminateTaskAsync(job, task.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException ex)
        {
            throw ex.ErrorCode switch
            {
                BatchErrorCodes.JobNotFound => BatchErrorResponses.JobNotFound(),
                BatchErrorCodes.JobBeingDeleted => BatchErrorResponses.JobBeingDeleted(),
                _ => BatchErrorResponses.TaskNotFound(),
            };
        }

        if (!terminated)
        {
            throw BatchErrorResponses.TaskCompleted(); // it completed on its own meanwhile
        }
    }

    /// <summary>Gets a node in the wire format, with its affinity id and entity tag.</summary>
    public (BatchNode Node, string AffinityId, string ETag, DateTimeOffset LastModified) GetNode(string poolId, string nodeId, string baseUrl)
    {
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            var node = pool.Nodes.Find(n => Same(n.Id, nodeId)) ?? throw BatchErrorResponses.NodeNotFound();
            int running = RunningTasksByNode(pool.Id).GetValueOrDefault(node.Id);
            var wire = ToWire(pool, node, running, baseUrl);
            return (wire, "TVM:" + node.Id, Responses.ETag(node.StateTransitionTime, node.Sequence + node.TotalTasksRun + running), node.StateTransitionTime);
        }
    }

    /// <summary>A job and one of its tasks; <c>JobNotFound</c>, <c>JobBeingDeleted</c> or <c>TaskNotFound</c> otherwise.</summary>
    private (JobRecord Job, TaskRecord Task) FindTaskLocked(string jobId, string taskId)
    {
        var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
        if (job.State == BatchJobState.Deleting)
        {
            throw BatchErrorResponses.JobBeingDeleted();
        }

        var task = job.Tasks.GetValueOrDefault(taskId) ?? throw BatchErrorResponses.TaskNotFound();
        return _deletingTasks.Contains(task) ? throw BatchErrorResponses.TaskNotFound() : (job, task);
    }
}
