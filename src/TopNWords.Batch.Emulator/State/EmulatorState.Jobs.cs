using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.State;

/// <content>Jobs and tasks.</content>
internal sealed partial class EmulatorState
{
    /// <summary>Task constraints' defaults, as the service reports them.</summary>
    private static readonly TimeSpan Unlimited = TimeSpan.MaxValue;
    private static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    /// <summary>Creates a job on an existing pool.</summary>
    public (string ETag, DateTimeOffset LastModified) CreateJob(BatchJobCreateContent content)
    {
        string poolId = content.PoolInfo.PoolId!;
        JobRecord job;
        lock (_gate)
        {
            if (_jobs.TryGetValue(content.Id, out var existing))
            {
                throw existing.State == BatchJobState.Deleting ? BatchErrorResponses.JobBeingDeleted() : BatchErrorResponses.JobExists();
            }

            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            if (pool.State == BatchPoolState.Deleting)
            {
                throw BatchErrorResponses.PoolBeingDeleted();
            }

            var now = _time.GetUtcNow();
            job = new JobRecord(content.Id, content, pool.Id, now, ++_sequence);
            job.ETag = NextETag(now);
            _jobs.Add(job.Id, job);
        }

        try
        {
            _engine.CreateJobAsync(new JobSpec(job.Id, job.PoolId) { UsesTaskDependencies = content.UsesTaskDependencies ?? false }).GetAwaiter().GetResult(); // synchronous: it only registers the job
        }
        catch (BatchComputeException ex)
        {
            lock (_gate)
            {
                _jobs.Remove(job.Id);
            }

            throw ex.ErrorCode switch
            {
                BatchErrorCodes.JobExists => BatchErrorResponses.JobExists(),
                BatchErrorCodes.JobBeingDeleted => BatchErrorResponses.JobBeingDeleted(),
                BatchErrorCodes.PoolNotFound => BatchErrorResponses.PoolNotFound(),
                BatchErrorCodes.PoolBeingDeleted => BatchErrorResponses.PoolBeingDeleted(),
                _ => BatchErrorResponses.InvalidPropertyValue("id", content.Id, ex.Message),
            };
        }

        return (job.ETag, job.LastModified);
    }

    /// <summary>Gets a job in the wire format.</summary>
    public (BatchJob Job, string ETag, DateTimeOffset LastModified) GetJob(string jobId, string baseUrl)
    {
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            return (ToWire(job, baseUrl), job.ETag, job.LastModified);
        }
    }

    /// <summary>Starts deleting a job: running tasks are killed; it is <c>deleting</c> until then, then it is gone.</summary>
    public void DeleteJob(string jobId)
    {
        string id;
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            if (job.State == BatchJobState.Deleting)
            {
                throw BatchErrorResponses.JobBeingDeleted();
            }

            SetJobState(job, BatchJobState.Deleting, _time.GetUtcNow());
            id = job.Id;
        }

        DeleteInBackground($"delete job '{id}'", () => _engine.DeleteJobAsync(id), () =>
        {
            if (_jobs.TryGetValue(id, out var current) && current.State == BatchJobState.Deleting)
            {
                _jobs.Remove(id);
            }
        });
    }

    /// <summary>Starts terminating a job: running tasks are killed, active ones stay active; then it is <c>completed</c>.</summary>
    public void TerminateJob(string jobId, string? reason)
    {
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            ThrowUnlessOpen(job);
        }

        BeginTerminate(jobId, reason ?? "UserTerminate");
    }

    /// <summary>The task counts of a job.</summary>
    public BatchJobTaskCounts GetTaskCounts(string jobId)
    {
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            var counts = default(TaskCounts);
            foreach (var task in job.Order)
            {
                counts = counts.Add(task.State, task.Info?.Result);
            }

            // Every task takes one slot (requiredSlots other than 1 is refused), so slot counts equal task counts.
            var wire = BatchWireMapping.ToWire(counts);
            wire.TaskSlotCounts = BatchWireMapping.ToWire(counts).TaskCounts;
            return wire;
        }
    }

    /// <summary>
    /// Adds tasks: refused ones answer <c>clienterror</c>, an id that exists answers <c>TaskExists</c>, the others are
    /// queued on the job's pool. Results are in the request's order.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="items">The tasks.</param>
    /// <param name="serverErrorFaults">Whether the per-task <c>servererror</c> fault of add-task-collection applies (not to add task).</param>
    public IReadOnlyList<TaskAddOutcome> AddTasks(string jobId, IReadOnlyList<TaskAddItem> items, bool serverErrorFaults = true)
    {
        var outcomes = new TaskAddOutcome[items.Count];
        var specs = new List<TaskSpec>();
        var added = new List<(int Index, TaskRecord Task)>();
        string id;
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            ThrowUnlessOpen(job);

            id = job.Id;
            var now = _time.GetUtcNow();
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.Error is not null || item.Spec is null || item.Content is null)
                {
                    outcomes[i] = new TaskAddOutcome(item.Id, BatchTaskAddStatus.ClientError, null, null, item.Error);
                }
                else if (job.Tasks.ContainsKey(item.Spec.Id))
                {
                    outcomes[i] = new TaskAddOutcome(item.Id, BatchTaskAddStatus.ClientError, null, null, BatchErrorResponses.TaskExists());
                }
                else if (job.Content.UsesTaskDependencies != true && item.Content.DependsOn is { } dependsOn && ((dependsOn.TaskIds?.Count ?? 0) > 0 || (dependsOn.TaskIdRanges?.Count ?? 0) > 0))
                {
                    outcomes[i] = new TaskAddOutcome(item.Id, BatchTaskAddStatus.ClientError, null, null, BatchErrorResponses.TaskDependenciesNotSpecifiedOnJob());
                }
                else if (job.Content.UsesTaskDependencies != true && item.Content.ExitConditions?.Default?.DependencyAction is { } action)
                {
                    outcomes[i] = new TaskAddOutcome(item.Id, BatchTaskAddStatus.ClientError, null, null, BatchErrorResponses.InvalidPropertyValue("exitConditions.default.dependencyAction", action.ToString().ToLowerInvariant(), "The job does not use task dependencies (usesTaskDependencies), so a dependency action is not allowed."));
                }
                else if (serverErrorFaults && _faults.TaskAddServerError())
                {
                    outcomes[i] = new TaskAddOutcome(item.Id, BatchTaskAddStatus.ServerError, null, null, new BatchRequestException(500, BatchErrorCodes.InternalError, "Server encountered an internal error. Please try again after some time."));
                }
                else
                {
                    var task = new TaskRecord(item.Spec.Id, item.Content, now, ++_sequence) { ETag = NextETag(now) };
                    job.Tasks.Add(task.Id, task);
                    job.Order.Add(task);
                    specs.Add(item.Spec);
                    added.Add((i, task));
                    outcomes[i] = new TaskAddOutcome(task.Id, BatchTaskAddStatus.Success, task.ETag, task.LastModified, null);
                }
            }
        }

        if (specs.Count > 0)
        {
            try
            {
                _engine.AddTasksAsync(id, specs).GetAwaiter().GetResult(); // synchronous: it only queues the tasks
            }
            catch (BatchComputeException ex)
            {
                // The job changed state meanwhile (or the engine refused a task): undo, and say so per task.
                lock (_gate)
                {
                    if (_jobs.TryGetValue(id, out var job))
                    {
                        foreach ((int index, TaskRecord task) in added)
                        {
                            if (ex is AddTasksException refused && !refused.Failures.Any(f => Same(f.TaskId, task.Id)))
                            {
                                continue; // this one was added
                            }

                            job.Tasks.Remove(task.Id);
                            job.Order.Remove(task);
                            outcomes[index] = new TaskAddOutcome(task.Id, BatchTaskAddStatus.ClientError, null, null, BatchErrorResponses.InvalidPropertyValue("task", task.Id, ex.Message));
                        }
                    }
                }
            }
        }

        return outcomes;
    }

    /// <summary>
    /// A job's tasks added after the one of sequence number <paramref name="after"/> (0: from the first), in the order they were
    /// added, in the wire format, each with its sequence number for paging; only those <paramref name="mayMatch"/> lets through,
    /// judged on the record before the costly conversion (a list filter's known properties: <see cref="KnownTaskProperty"/>).
    /// </summary>
    /// <remarks>
    /// The job's absence throws <c>JobNotFound</c> at once. The tasks are read lazily, a chunk at a time under the lock, so
    /// that a page costs about what it holds (not the whole job's conversion), and a listing never holds the lock that the
    /// engine's change events wait on for long. A job deleted meanwhile ends the listing.
    /// </remarks>
    public IEnumerable<(long Sequence, BatchTask Task, TaskRecord Record)> ListTasks(string jobId, string baseUrl, long after = 0, Func<TaskRecord, bool>? mayMatch = null)
    {
        JobRecord job;
        lock (_gate)
        {
            job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
        }

        return ListTaskChunks(job, baseUrl, after, mayMatch);
    }

    /// <summary>
    /// The value a task's wire JSON has at a <c>$filter</c> path, for the paths known from the record itself (the same
    /// values <see cref="ToWire(JobRecord, TaskRecord, string)"/> writes): <c>id</c>, <c>state</c>, <c>stateTransitionTime</c>
    /// and <c>creationTime</c>. Call under the lock.
    /// </summary>
    internal static bool KnownTaskProperty(TaskRecord task, string path, out JsonNode? value)
    {
        value = path switch
        {
            "id" => JsonValue.Create(task.Id),
            "state" => JsonValue.Create(WireStateNames[(int)task.State]),
            "stateTransitionTime" => JsonValue.Create(task.StateTransitionTime),
            "creationTime" => JsonValue.Create(task.CreationTime),
            _ => null,
        };
        return value is not null;
    }

    /// <summary>The wire names of the task states (indexed by <see cref="ComputeTaskState"/>), as the task's JSON writes them.</summary>
    private static readonly string[] WireStateNames =
        [.. Enum.GetValues<ComputeTaskState>().Order().Select(s => WireJson.ToObject(new BatchTask { State = BatchWireMapping.ToWire(s) }, WireJson.Context.BatchTask)["state"]!.GetValue<string>())];

    private IEnumerable<(long Sequence, BatchTask Task, TaskRecord Record)> ListTaskChunks(JobRecord job, string baseUrl, long after, Func<TaskRecord, bool>? mayMatch)
    {
        const int MaxConverted = 100; // tasks converted per hold of the lock
        const int MaxScanned = 5000; // records looked at per hold of the lock
        long cursor = after;
        var chunk = new List<(long, BatchTask, TaskRecord)>(MaxConverted);
        while (true)
        {
            bool more;
            chunk.Clear();
            lock (_gate)
            {
                if (!_jobs.TryGetValue(job.Id, out var current) || !ReferenceEquals(current, job))
                {
                    yield break;
                }

                var order = job.Order;
                int i = FirstAfter(order, cursor);
                int scanned = 0;
                for (; i < order.Count && chunk.Count < MaxConverted && scanned < MaxScanned; i++, scanned++)
                {
                    var task = order[i];
                    cursor = task.Sequence;
                    if (mayMatch is null || mayMatch(task))
                    {
                        chunk.Add((task.Sequence, ToWire(job, task, baseUrl), task));
                    }
                }

                more = i < order.Count;
            }

            foreach (var item in chunk)
            {
                yield return item;
            }

            if (!more)
            {
                yield break;
            }
        }
    }

    /// <summary>The index of the first task whose sequence number is above <paramref name="after"/> (the tasks are in sequence order).</summary>
    private static int FirstAfter(List<TaskRecord> order, long after)
    {
        int low = 0;
        int high = order.Count;
        while (low < high)
        {
            int middle = low + ((high - low) / 2);
            if (order[middle].Sequence <= after)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>Gets a task in the wire format.</summary>
    public (BatchTask Task, TaskRecord Record) GetTask(string jobId, string taskId, string baseUrl)
    {
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            var task = job.Tasks.GetValueOrDefault(taskId) ?? throw BatchErrorResponses.TaskNotFound();
            return (ToWire(job, task, baseUrl), task);
        }
    }

    /// <summary>The folder of a task on the node it last ran on, and that node's folder (for its files).</summary>
    public (string TaskDirectory, string NodeDirectory) TaskFolders(string jobId, string taskId)
    {
        lock (_gate)
        {
            var job = _jobs.GetValueOrDefault(jobId) ?? throw BatchErrorResponses.JobNotFound();
            if (!job.Tasks.ContainsKey(taskId))
            {
                throw BatchErrorResponses.TaskNotFound();
            }
        }

        return _engine.GetTaskFolders(jobId, taskId) ?? throw BatchErrorResponses.FileNotFound("The task has not run on a node yet, so it has no files.");
    }

    private void BeginTerminate(string jobId, string reason)
    {
        string id;
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var job) || job.State != BatchJobState.Active)
            {
                return;
            }

            job.TerminateReason = reason;
            SetJobState(job, BatchJobState.Terminating, _time.GetUtcNow());
            id = job.Id;
        }

        RunInBackground($"terminate job '{id}'", async () =>
        {
            await _engine.TerminateJobAsync(id).ConfigureAwait(false);
            lock (_gate)
            {
                if (_jobs.TryGetValue(id, out var job) && job.State == BatchJobState.Terminating)
                {
                    var now = _time.GetUtcNow();
                    job.EndTime = now;
                    SetJobState(job, BatchJobState.Completed, now);
                }
            }
        });
    }

    private void SetJobState(JobRecord job, BatchJobState state, DateTimeOffset now)
    {
        job.PreviousState = job.State;
        job.PreviousStateTransitionTime = job.StateTransitionTime;
        job.State = state;
        job.StateTransitionTime = now;
        job.LastModified = now;
        job.ETag = NextETag(now);
    }

    private static BatchJob ToWire(JobRecord job, string baseUrl) => new()
    {
        Id = job.Id,
        DisplayName = job.Content.DisplayName,
        Url = $"{baseUrl}/jobs/{job.Id}",
        ETag = job.ETag,
        LastModified = job.LastModified,
        CreationTime = job.CreationTime,
        State = job.State,
        StateTransitionTime = job.StateTransitionTime,
        PreviousState = job.PreviousState,
        Priority = job.Priority,
        PoolInfo = new BatchPoolInfo { PoolId = job.PoolId },
        OnAllTasksComplete = job.OnAllTasksComplete,
        UsesTaskDependencies = job.Content.UsesTaskDependencies ?? false,
        ExecutionInfo = new BatchJobExecutionInfo
        {
            StartTime = job.CreationTime,
            EndTime = job.EndTime,
            PoolId = job.PoolId,
            TerminateReason = job.TerminateReason,
        },
        MaxParallelTasks = -1,
        AllowTaskPreemption = job.AllowTaskPreemption,
        Constraints = new BatchJobConstraints { MaxWallClockTime = Unlimited, MaxTaskRetryCount = 0 },
        Metadata = job.Metadata,
    };

    /// <summary>The task as the service reports it: the mapping of the engine's latest view, and what only the emulator knows.</summary>
    private static BatchTask ToWire(JobRecord job, TaskRecord task, string baseUrl)
    {
        var content = task.Content;
        BatchTask wire = BatchWireMapping.ToWire(task.Info is { } info ? info with { State = task.State } : new BatchTaskInfo { Id = task.Id, State = task.State });
        string? poolId = task.PoolId ?? job.PoolId;
        string taskRoot = $"workitems/{job.Id}/job-1/{task.Id}";
        wire.Id = task.Id;
        wire.DisplayName = content.DisplayName;
        wire.Url = $"{baseUrl}/jobs/{job.Id}/tasks/{task.Id}";
        wire.ETag = task.ETag;
        wire.CreationTime = task.CreationTime;
        wire.LastModified = task.LastModified;
        wire.State = BatchWireMapping.ToWire(task.State);
        wire.StateTransitionTime = task.StateTransitionTime;
        wire.PreviousState = task.PreviousState is { } previous ? BatchWireMapping.ToWire(previous) : null;
        wire.PreviousStateTransitionTime = task.PreviousStateTransitionTime;
        wire.CommandLine = content.CommandLine;
        wire.UserIdentity = content.UserIdentity ?? DefaultIdentity;
        wire.Constraints = new BatchTaskConstraints
        {
            MaxWallClockTime = content.Constraints?.MaxWallClockTime ?? Unlimited,
            RetentionTime = content.Constraints?.RetentionTime ?? DefaultRetention,
            MaxTaskRetryCount = content.Constraints?.MaxTaskRetryCount ?? 0,
        };
        wire.RequiredSlots = 1;
        wire.DependsOn = content.DependsOn;
        wire.ExitConditions = content.ExitConditions;
        BatchTaskExecutionInfo execution = wire.ExecutionInfo!;
        execution.LastRetryTime = task.LastRetryTime;
        execution.RequeueCount = task.RequeueCount;
        execution.LastRequeueTime = task.LastRequeueTime;
        if (wire.NodeInfo is { } nodeInfo)
        {
            nodeInfo.AffinityId = "TVM:" + nodeInfo.NodeId;
            nodeInfo.NodeUrl = $"{baseUrl}/pools/{poolId}/nodes/{nodeInfo.NodeId}";
            nodeInfo.PoolId = poolId;
            nodeInfo.TaskRootDirectory = taskRoot;
            nodeInfo.TaskRootDirectoryUrl = $"{baseUrl}/pools/{poolId}/nodes/{nodeInfo.NodeId}/files/{taskRoot}";
        }

        return wire;
    }

    /// <summary>A job that is being deleted or terminated, or is completed, takes no more changes: the service's error for each.</summary>
    private static void ThrowUnlessOpen(JobRecord job)
    {
        switch (job.State)
        {
            case BatchJobState.Deleting:
                throw BatchErrorResponses.JobBeingDeleted();
            case BatchJobState.Terminating:
                throw BatchErrorResponses.JobBeingTerminated();
            case BatchJobState.Completed:
                throw BatchErrorResponses.JobCompleted();
        }
    }
}
