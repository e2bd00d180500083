namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Rebuilds the model from journal records, as the owner wrote them: pools with their nodes' last states, jobs,
/// and tasks with their definitions and last states. Nothing runs: a reopened owner then recovers (see
/// <see cref="LocalScheduler.Recover"/>); a read-only compute answers queries from it.
/// </summary>
internal static class LocalJournalReplay
{
    /// <summary>Applies records to the model; called with the state's lock held.</summary>
    /// <param name="state">The model.</param>
    /// <param name="rootPath">The compute's root folder.</param>
    /// <param name="records">The records, in the order they were written.</param>
    /// <param name="lifetime">The token the pools' lifetimes are linked to.</param>
    public static void ApplyLocked(LocalComputeState state, string rootPath, IEnumerable<JournalRecord> records, CancellationToken lifetime)
    {
        foreach (var record in records)
        {
            ApplyLocked(state, rootPath, record, lifetime);
        }
    }

    private static void ApplyLocked(LocalComputeState state, string rootPath, JournalRecord record, CancellationToken lifetime)
    {
        switch (record.Kind)
        {
            case JournalKinds.Pool when record.PoolId is { } poolId:
                if (state.Pools.Remove(poolId, out var replaced))
                {
                    replaced.DisposeTokens();
                }

                var pool = new PoolEntry(poolId, Path.Combine(rootPath, "pools", poolId), record.NodeCount ?? 1, record.TaskSlotsPerNode ?? 1, record.StartTask?.ToStartTask(), lifetime)
                {
                    Metadata = record.Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal),
                    CreationTime = record.At,
                };
                state.Pools.Add(poolId, pool);
                break;
            case JournalKinds.PoolDeleted when record.PoolId is { } poolId:
                if (state.Pools.Remove(poolId, out var deleted))
                {
                    deleted.DisposeTokens();
                }

                break;
            case JournalKinds.Node when record is { PoolId: { } poolId, NodeState: { } info }:
                if (state.FindNodeLocked(poolId, info.Id) is { } node)
                {
                    node.State = info.State; // as the owner reports it (a reopened owner starts its nodes again anyway)
                    node.StartTask = info.StartTask;
                    node.Errors.Clear();
                    node.Errors.AddRange(info.Errors);
                    var owner = node.Pool;
                    owner.CurrentNodeCount = owner.Nodes.Count(n => n.State != ComputeNodeState.Creating);
                    owner.Allocation = owner.CurrentNodeCount == owner.Nodes.Count ? PoolAllocationState.Steady : PoolAllocationState.Resizing;
                }

                break;
            case JournalKinds.Job when record is { JobId: { } jobId, PoolId: { } poolId }:
                state.Jobs[jobId] = new JobEntry(jobId, poolId)
                {
                    Metadata = record.Metadata ?? new Dictionary<string, string>(StringComparer.Ordinal),
                    CreationTime = record.At,
                    UsesTaskDependencies = record.UsesTaskDependencies ?? false,
                };
                break;
            case JournalKinds.JobTerminated when record.JobId is { } jobId && state.Jobs.TryGetValue(jobId, out var job):
                job.Status = JobStatus.Terminated;
                break;
            case JournalKinds.JobDeleted when record.JobId is { } jobId:
                state.Jobs.Remove(jobId);
                break;
            case JournalKinds.TaskAdded when record is { JobId: { } jobId, Spec: { } spec } && state.Jobs.TryGetValue(jobId, out var job):
                var definition = spec.ToTask();
                if (!job.Tasks.ContainsKey(definition.Id))
                {
                    var task = new TaskEntry(job, definition, state.NextTaskSequenceLocked()) { TransitionTime = record.At };
                    job.Tasks.Add(definition.Id, task);
                    job.Order.Add(task);
                }

                break;
            case JournalKinds.Task when FindTask(state, record) is { } task && record.TaskState is { } info:
                task.State = info.State;
                task.TransitionTime = info.StateTransitionTime ?? record.At;
                task.ExitCode = info.ExitCode;
                task.Result = info.Result;
                task.FailureInfo = info.FailureInfo;
                task.RetryCount = info.RetryCount;
                task.StartTime = info.StartTime;
                task.EndTime = info.EndTime;
                task.PendingExit = null;
                if (info.NodeId is { } nodeId)
                {
                    task.NodeId = nodeId;
                    task.NodeDirectory = Path.Combine(rootPath, "pools", task.Job.PoolId, "nodes", nodeId);
                }
                else
                {
                    task.NodeId = null;
                }

                break;
            case JournalKinds.TaskExited when FindTask(state, record) is { } task:
                task.PendingExit = record;
                break;
            case JournalKinds.TaskDeleted when FindTask(state, record) is { } task:
                task.Job.Tasks.Remove(task.Definition.Id);
                task.Job.Order.Remove(task);
                break;
            default:
                break; // a record of a deleted pool or job, or of a kind this version does not know
        }
    }

    private static TaskEntry? FindTask(LocalComputeState state, JournalRecord record) =>
        record is { JobId: { } jobId, TaskId: { } taskId } && state.Jobs.TryGetValue(jobId, out var job) && job.Tasks.TryGetValue(taskId, out var task) ? task : null;
}
