using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.State;

/// <summary>A job's task tallies for its <c>stats</c> (<c>$expand=stats</c>).</summary>
/// <param name="Succeeded">Completed tasks that succeeded.</param>
/// <param name="Failed">Completed tasks that failed.</param>
/// <param name="Retries">Retries of all its tasks.</param>
internal sealed record JobTaskTally(int Succeeded, int Failed, int Retries);

/// <content>Listing and updating pools and jobs, and the node counts of pools.</content>
internal sealed partial class EmulatorState
{
    /// <summary>Every pool in the wire format, in creation order, each with its sequence number for paging.</summary>
    public IReadOnlyList<(long Sequence, BatchPool Pool)> ListPools(string baseUrl)
    {
        lock (_gate)
        {
            return [.. _pools.Values.OrderBy(p => p.Sequence).Select(p => (p.Sequence, ToWire(p, baseUrl)))];
        }
    }

    /// <summary>Every job in the wire format, in creation order, each with its sequence number and its task tallies.</summary>
    public IReadOnlyList<(long Sequence, BatchJob Job, JobTaskTally Tally)> ListJobs(string baseUrl)
    {
        lock (_gate)
        {
            return [.. _jobs.Values.OrderBy(j => j.Sequence).Select(j => (j.Sequence, ToWire(j, baseUrl), Tally(j)))];
        }
    }

    /// <summary>The task tallies of one job (for <c>$expand=stats</c> of get job).</summary>
    public JobTaskTally GetJobTally(string jobId)
    {
        lock (_gate)
        {
            return Tally(_jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound());
        }
    }

    /// <summary>
    /// Updates a pool: what <paramref name="update"/> sets replaces the pool's (metadata whole), the rest stays.
    /// The start task is what the pool reports from now on; nodes already in the pool keep the one they ran, as
    /// the service's nodes do until they reboot.
    /// </summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="update">The checked body.</param>
    /// <param name="ifMatch">The <c>If-Match</c> header, if any.</param>
    /// <returns>The pool's new entity tag and time.</returns>
    public (string ETag, DateTimeOffset LastModified) UpdatePool(string poolId, BatchPoolUpdateContent update, string? ifMatch)
    {
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            CheckIfMatch(ifMatch, pool.ETag);
            if (pool.State == BatchPoolState.Deleting)
            {
                throw BatchErrorResponses.PoolBeingDeleted();
            }

            if (update.DisplayName is not null)
            {
                pool.DisplayName = update.DisplayName;
            }

            if (update.StartTask is not null)
            {
                pool.StartTask = update.StartTask;
            }

            if (update.Metadata is not null)
            {
                pool.Metadata = update.Metadata.Count == 0 ? null : [.. update.Metadata];
            }

            var now = _time.GetUtcNow();
            pool.LastModified = now;
            pool.ETag = NextETag(now);
            return (pool.ETag, pool.LastModified);
        }
    }

    /// <summary>
    /// Updates a job: what <paramref name="update"/> sets replaces the job's (metadata whole), the rest stays.
    /// <c>onAllTasksComplete</c> goes from <c>noaction</c> to <c>terminatejob</c> only (the service refuses the
    /// reverse), and terminates the job at once when its tasks are already complete; <c>poolInfo</c> may name only
    /// the job's own pool (the service moves only disabled jobs, and the emulator disables none).
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="update">The checked body.</param>
    /// <param name="ifMatch">The <c>If-Match</c> header, if any.</param>
    /// <returns>The job's new entity tag and time.</returns>
    public (string ETag, DateTimeOffset LastModified) UpdateJob(string jobId, BatchJobUpdateContent update, string? ifMatch)
    {
        bool terminate;
        string id;
        (string ETag, DateTimeOffset LastModified) result;
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            CheckIfMatch(ifMatch, job.ETag);
            ThrowUnlessOpen(job);
            if (update.PoolInfo?.PoolId is { } poolId && !Same(poolId, job.PoolId))
            {
                throw BatchErrorResponses.InvalidPropertyValue(
                    "poolInfo.poolId",
                    poolId,
                    $"The service moves a job to another pool only while the job is disabled, and the emulator does not disable jobs; job '{job.Id}' stays on pool '{job.PoolId}'. Create a new job on pool '{poolId}' instead.");
            }

            if (update.OnAllTasksComplete == BatchOnAllTasksComplete.NoAction && job.OnAllTasksComplete == BatchOnAllTasksComplete.TerminateJob)
            {
                throw BatchErrorResponses.InvalidPropertyValue("onAllTasksComplete", "noaction", $"Job '{job.Id}' already terminates when its tasks complete; that cannot be turned off.");
            }

            if (update.Priority is int priority)
            {
                job.Priority = priority;
            }

            if (update.OnAllTasksComplete is { } onAll)
            {
                job.OnAllTasksComplete = onAll;
            }

            if (update.AllowTaskPreemption is bool preemption)
            {
                job.AllowTaskPreemption = preemption;
            }

            if (update.Metadata is not null)
            {
                job.Metadata = update.Metadata.Count == 0 ? null : [.. update.Metadata];
            }

            var now = _time.GetUtcNow();
            job.LastModified = now;
            job.ETag = NextETag(now);
            result = (job.ETag, job.LastModified);
            terminate = job.OnAllTasksComplete == BatchOnAllTasksComplete.TerminateJob && job.Order.All(t => t.State == ComputeTaskState.Completed);
            id = job.Id;
        }

        if (terminate)
        {
            BeginTerminate(id, "AllTasksComplete");
        }

        return result;
    }

    /// <summary>The node counts of every pool by state, dedicated and Spot/low-priority apart, in creation order.</summary>
    public IReadOnlyList<(long Sequence, BatchPoolNodeCounts Counts)> ListPoolNodeCounts()
    {
        lock (_gate)
        {
            return [.. _pools.Values.OrderBy(p => p.Sequence).Select(p => (p.Sequence, CountNodes(p)))];
        }
    }

    private static BatchPoolNodeCounts CountNodes(PoolRecord pool)
    {
        var dedicated = new BatchNodeCounts();
        var lowPriority = new BatchNodeCounts();
        foreach (var node in pool.Nodes)
        {
            var counts = node.Index < pool.TargetDedicated ? dedicated : lowPriority;
            switch (pool.State == BatchPoolState.Deleting ? ComputeNodeState.LeavingPool : node.State)
            {
                case ComputeNodeState.Creating: counts.Creating++; break;
                case ComputeNodeState.Starting: counts.Starting++; break;
                case ComputeNodeState.WaitingForStartTask: counts.WaitingForStartTask++; break;
                case ComputeNodeState.Idle: counts.Idle++; break;
                case ComputeNodeState.Running: counts.Running++; break;
                case ComputeNodeState.StartTaskFailed: counts.StartTaskFailed++; break;
                case ComputeNodeState.Unusable: counts.Unusable++; break;
                case ComputeNodeState.Offline: counts.Offline++; break;
                case ComputeNodeState.Rebooting: counts.Rebooting++; break;
                case ComputeNodeState.Reimaging: counts.Reimaging++; break;
                case ComputeNodeState.LeavingPool: counts.LeavingPool++; break;
                case ComputeNodeState.Preempted: counts.Preempted++; break;
                case ComputeNodeState.Upgrading: counts.UpgradingOS++; break;
                default: counts.Unknown++; break;
            }

            counts.Total++;
        }

        return new BatchPoolNodeCounts { PoolId = pool.Id, Dedicated = dedicated, LowPriority = lowPriority };
    }

    private static JobTaskTally Tally(JobRecord job)
    {
        int succeeded = 0, failed = 0, retries = 0;
        foreach (var task in job.Order)
        {
            retries += task.Info?.RetryCount ?? 0;
            if (task.State == ComputeTaskState.Completed)
            {
                if (task.Info?.Result == TaskExecutionResult.Success)
                {
                    succeeded++;
                }
                else
                {
                    failed++;
                }
            }
        }

        return new JobTaskTally(succeeded, failed, retries);
    }

    /// <summary><c>If-Match</c>: <c>*</c> or the entity's tag (quoted or not); anything else is 412 <c>ConditionNotMet</c>.</summary>
    private static void CheckIfMatch(string? ifMatch, string eTag)
    {
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return;
        }

        foreach (string candidate in ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string tag = candidate.StartsWith("W/", StringComparison.Ordinal) ? candidate[2..] : candidate;
            if (tag == "*" || string.Equals(tag.Trim('"'), eTag.Trim('"'), StringComparison.Ordinal))
            {
                return;
            }
        }

        throw BatchErrorResponses.ConditionNotMet();
    }
}
