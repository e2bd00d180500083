using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// The one mapping between the compute layer's specs and infos (<see cref="PoolSpec"/>, <see cref="JobSpec"/>,
/// <see cref="TaskSpec"/>, <see cref="PoolInfo"/>, <see cref="ComputeNodeInfo"/>, <see cref="BatchTaskInfo"/>,
/// <see cref="TaskCounts"/>) and the Azure Batch wire models of <see cref="BatchRest.Models"/>, both ways.
/// </summary>
/// <remarks>
/// <para>
/// A client goes spec → wire to send and wire → info to report (<see cref="AzureBatchCompute"/>); a service
/// goes wire → spec to run and info → wire to answer (the Batch emulator). The two directions agree: a spec sent and
/// read back is the spec, and an info answered and read back is the info. What one side has and the other lacks
/// (URLs, entity tags, the user a task runs as, the pool's image) is left out, or filled in by the caller.
/// </para>
/// <para>
/// Specs go out with empty lists as absent members, every task and start task as the pool's non-admin auto user,
/// and only http(s) URLs. Messages never quote a URL: it may carry a SAS signature. Failure texts read back from
/// the service are folded to one line and redacted.
/// </para>
/// </remarks>
public static class BatchWireMapping
{
    // ------------------------------------------------------------------ specs -> wire

    /// <summary>The body of create pool for a pool, without its <see cref="BatchPoolCreateContent.VirtualMachineConfiguration"/> (the caller's image).</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="defaultVirtualMachineSize">The VM size when <see cref="PoolSpec.VirtualMachineSize"/> is not set.</param>
    /// <returns>The pool's id, VM size, dedicated node count, task slots per node, start task and metadata.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> or <paramref name="defaultVirtualMachineSize"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A resource file of the start task has no http(s) URL.</exception>
    public static BatchPoolCreateContent ToWire(PoolSpec pool, string defaultVirtualMachineSize)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(defaultVirtualMachineSize);
        return new BatchPoolCreateContent
        {
            Id = pool.Id,
            VmSize = pool.VirtualMachineSize ?? defaultVirtualMachineSize,
            TargetDedicatedNodes = pool.NodeCount,
            TaskSlotsPerNode = pool.TaskSlotsPerNode,
            StartTask = pool.StartTask is { } start ? ToWire(pool.Id, start) : null,
            Metadata = ToMetadata(pool.Metadata),
        };
    }

    /// <summary>The body of create job for a job.</summary>
    /// <param name="job">The job.</param>
    /// <returns>The job's id, pool and metadata.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    public static BatchJobCreateContent ToWire(JobSpec job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new BatchJobCreateContent
        {
            Id = job.Id,
            PoolInfo = new BatchPoolInfo { PoolId = job.PoolId },
            Metadata = ToMetadata(job.Metadata),
            UsesTaskDependencies = job.UsesTaskDependencies ? true : null,
        };
    }

    /// <summary>A task of an add-task-collection body, run as the pool's non-admin auto user.</summary>
    /// <param name="task">The task.</param>
    /// <returns>The task's id, command line, resource files, environment, output files and constraints.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A resource file or output container has no http(s) URL.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An output file has an unknown upload condition.</exception>
    public static BatchTaskCreateContent ToWire(TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new BatchTaskCreateContent
        {
            Id = task.Id,
            CommandLine = task.CommandLine,
            ResourceFiles = ToWire("task '" + task.Id + "'", task.ResourceFiles),
            EnvironmentSettings = ToWire(task.EnvironmentSettings),
            OutputFiles = task.OutputFiles.Count == 0 ? null : [.. task.OutputFiles.Select(o => ToWire(task.Id, o))],
            Constraints = task.Constraints is { } c
                ? new BatchTaskConstraints { MaxWallClockTime = c.MaxWallClockTime, MaxTaskRetryCount = c.MaxTaskRetryCount, RetentionTime = c.RetentionTime }
                : null,
            UserIdentity = PoolNonAdmin(),
            DependsOn = ToWire(task.DependsOn),
            ExitConditions = task.DependencyActionOnFailure is { } action
                ? new BatchExitConditions { Default = new BatchExitOptions { DependencyAction = action == TaskDependencyAction.Satisfy ? BatchDependencyAction.Satisfy : BatchDependencyAction.Block } }
                : null,
        };
    }

    /// <summary>The <c>dependsOn</c> of a task.</summary>
    /// <param name="dependencies">The dependencies, or <see langword="null"/>.</param>
    /// <returns>The wire form, or <see langword="null"/> when there are none (members that are empty are left out).</returns>
    public static BatchTaskDependencies? ToWire(TaskDependencies? dependencies) =>
        dependencies is null || ((dependencies.TaskIds?.Count ?? 0) == 0 && (dependencies.TaskIdRanges?.Count ?? 0) == 0)
            ? null
            : new BatchTaskDependencies
            {
                TaskIds = dependencies.TaskIds is { Count: > 0 } ids ? [.. ids] : null,
                TaskIdRanges = dependencies.TaskIdRanges is { Count: > 0 } ranges ? [.. ranges.Select(r => new BatchTaskIdRange { Start = r.Start, End = r.End })] : null,
            };

    /// <summary>The dependencies a <c>dependsOn</c> names.</summary>
    /// <param name="dependencies">The wire form, or <see langword="null"/>.</param>
    /// <returns>The dependencies, or <see langword="null"/> when there are none.</returns>
    public static TaskDependencies? ToCompute(BatchTaskDependencies? dependencies) =>
        dependencies is null || ((dependencies.TaskIds?.Count ?? 0) == 0 && (dependencies.TaskIdRanges?.Count ?? 0) == 0)
            ? null
            : new TaskDependencies
            {
                TaskIds = [.. dependencies.TaskIds ?? []],
                TaskIdRanges = [.. (dependencies.TaskIdRanges ?? []).Select(r => new TaskIdRange(r.Start, r.End))],
            };

    /// <summary>What a task's failure does to its dependents, from its <c>exitConditions.default</c>.</summary>
    private static TaskDependencyAction? ToCompute(BatchExitConditions? exitConditions) => exitConditions?.Default?.DependencyAction switch
    {
        BatchDependencyAction.Satisfy => TaskDependencyAction.Satisfy,
        BatchDependencyAction.Block => TaskDependencyAction.Block,
        _ => null,
    };

    // ------------------------------------------------------------------ wire -> specs

    /// <summary>The pool a create-pool body asks for.</summary>
    /// <param name="pool">The body; check it against the service's rules first.</param>
    /// <returns>A pool of the dedicated plus Spot/low-priority target nodes, with the body's VM size, task slots (1 when absent) and start task.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The body has no id or no node, or its start task has no command line or a resource file without an absolute http(s) URL and a path.</exception>
    public static PoolSpec ToCompute(BatchPoolCreateContent pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var spec = new PoolSpec(pool.Id, (pool.TargetDedicatedNodes ?? 0) + (pool.TargetLowPriorityNodes ?? 0))
        {
            TaskSlotsPerNode = pool.TaskSlotsPerNode ?? 1,
            StartTask = pool.StartTask is { } start ? ToCompute(start) : null,
            VirtualMachineSize = pool.VmSize,
        };
        CopyMetadata(pool.Metadata, spec.Metadata);
        return spec;
    }

    /// <summary>The job a create-job body asks for.</summary>
    /// <param name="job">The body.</param>
    /// <returns>The job's id and pool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="job"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The body names no pool.</exception>
    public static JobSpec ToCompute(BatchJobCreateContent job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var spec = new JobSpec(job.Id, job.PoolInfo?.PoolId ?? throw new ArgumentException($"Job '{job.Id}' names no pool (poolInfo.poolId).", nameof(job)))
        {
            UsesTaskDependencies = job.UsesTaskDependencies ?? false,
        };
        CopyMetadata(job.Metadata, spec.Metadata);
        return spec;
    }

    /// <summary>A pool as a listing of pools reports it: its id, metadata and creation time.</summary>
    /// <param name="pool">The listed pool (<c>$select=id,metadata,creationTime</c> is enough).</param>
    /// <returns>The summary; a pool without metadata has an empty dictionary.</returns>
    internal static PoolSummary ToSummary(BatchPool pool)
        => new(pool.Id ?? string.Empty, ToDictionary(pool.Metadata), pool.CreationTime);

    /// <summary>
    /// A job as a listing of jobs reports it: its id, pool, metadata, creation time, and whether it has ended (state
    /// <c>completed</c>, <c>terminating</c> or <c>deleting</c>: no task of it runs any more, or soon).
    /// </summary>
    /// <param name="job">The listed job (<c>$select=id,poolInfo,metadata,creationTime,state</c> is enough).</param>
    /// <returns>The summary; a job without metadata has an empty dictionary, one on an auto pool an empty pool id.</returns>
    internal static JobSummary ToSummary(BatchJob job)
        => new(
            job.Id ?? string.Empty,
            job.PoolInfo?.PoolId ?? string.Empty,
            ToDictionary(job.Metadata),
            job.CreationTime,
            job.State is BatchJobState.Completed or BatchJobState.Terminating or BatchJobState.Deleting);

    /// <summary>The task an item of an add-task-collection body asks for.</summary>
    /// <param name="task">The item; check it against the service's rules first.</param>
    /// <returns>
    /// The task's id, command line, resource files, environment (a missing value is empty), output files and
    /// constraints (no retry when absent).
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A resource file or output file lacks an absolute http(s) URL, a path, a pattern or a known upload condition.</exception>
    public static TaskSpec ToCompute(BatchTaskCreateContent task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var spec = new TaskSpec(task.Id, task.CommandLine)
        {
            DependsOn = ToCompute(task.DependsOn),
            DependencyActionOnFailure = ToCompute(task.ExitConditions),
        };
        AddResourceFiles(task.ResourceFiles, spec.ResourceFiles);
        AddEnvironment(task.EnvironmentSettings, spec.EnvironmentSettings);
        foreach (BatchOutputFile output in task.OutputFiles ?? [])
        {
            spec.OutputFiles.Add(ToCompute(output));
        }

        if (task.Constraints is { } constraints)
        {
            spec.Constraints = new TaskConstraints
            {
                MaxTaskRetryCount = constraints.MaxTaskRetryCount ?? 0,
                MaxWallClockTime = constraints.MaxWallClockTime,
                RetentionTime = constraints.RetentionTime,
            };
        }

        return spec;
    }

    // ------------------------------------------------------------------ wire -> infos

    /// <summary>A pool as the service reports it.</summary>
    /// <param name="pool">The pool.</param>
    /// <returns>
    /// The pool: node counts are dedicated plus Spot/low-priority nodes; <c>resizing</c> and states this library does
    /// not know are <see cref="PoolAllocationState.Resizing"/> (not settled); resize errors redacted.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is <see langword="null"/>.</exception>
    public static PoolInfo ToCompute(BatchPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        PoolAllocationState allocation = pool.AllocationState switch
        {
            BatchAllocationState.Steady => PoolAllocationState.Steady,
            BatchAllocationState.Stopping => PoolAllocationState.Stopping,
            _ => PoolAllocationState.Resizing, // resizing, or a state this library does not know: not settled
        };
        IReadOnlyList<PoolResizeError> errors = pool.ResizeErrors is { Count: > 0 } resizeErrors
            ? [.. resizeErrors.Select(e => new PoolResizeError(e.Code ?? "ResizeError", AzureBatchErrors.Describe(e)))]
            : [];
        return new PoolInfo(
            pool.Id ?? string.Empty,
            allocation,
            (pool.TargetDedicatedNodes ?? 0) + (pool.TargetLowPriorityNodes ?? 0),
            (pool.CurrentDedicatedNodes ?? 0) + (pool.CurrentLowPriorityNodes ?? 0),
            pool.TaskSlotsPerNode ?? 1,
            errors,
            pool.State == BatchPoolState.Deleting);
    }

    /// <summary>A compute node as the service reports it.</summary>
    /// <param name="node">The node.</param>
    /// <returns>
    /// The node: states map by name; <c>upgradingos</c> is <see cref="ComputeNodeState.Upgrading"/>, <c>deallocated</c>
    /// and <c>deallocating</c> are <see cref="ComputeNodeState.Offline"/>, anything else unknown is
    /// <see cref="ComputeNodeState.Unknown"/>. Errors read <c>code: message (name=value; …)</c>, redacted.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is <see langword="null"/>.</exception>
    public static ComputeNodeInfo ToCompute(BatchNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        StartTaskInfo? startTask = node.StartTaskInfo is { } info
            ? new StartTaskInfo(info.State == BatchStartTaskState.Completed, info.ExitCode, ToCompute(info.FailureInfo), info.RetryCount ?? 0, info.StartTime, info.EndTime)
            : null;
        IReadOnlyList<string> errors = node.Errors is { Count: > 0 } nodeErrors ? [.. nodeErrors.Select(AzureBatchErrors.Describe)] : [];
        return new ComputeNodeInfo(node.Id ?? string.Empty, ToCompute(node.State), startTask, errors);
    }

    /// <summary>A task as the service reports it.</summary>
    /// <param name="task">The task.</param>
    /// <returns>
    /// The task: state (a state this library does not know is <see cref="ComputeTaskState.Active"/>), exit code,
    /// result, failure (redacted), retries, times and node.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is <see langword="null"/>.</exception>
    public static BatchTaskInfo ToCompute(BatchTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        BatchTaskExecutionInfo? execution = task.ExecutionInfo;
        return new BatchTaskInfo
        {
            Id = task.Id ?? string.Empty,
            State = ToCompute(task.State),
            StateTransitionTime = task.StateTransitionTime,
            ExitCode = execution?.ExitCode,
            Result = execution?.Result switch
            {
                BatchExecutionResult.Success => TaskExecutionResult.Success,
                BatchExecutionResult.Failure => TaskExecutionResult.Failure,
                _ => null,
            },
            FailureInfo = ToCompute(execution?.FailureInfo),
            RetryCount = execution?.RetryCount ?? 0,
            StartTime = execution?.StartTime,
            EndTime = execution?.EndTime,
            NodeId = task.NodeInfo?.NodeId,
        };
    }

    /// <summary>A job's task counts as the service reports them.</summary>
    /// <param name="counts">The task counts (the slot counts are not read).</param>
    /// <returns>The task counts; all zero when the service sent none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="counts"/> is <see langword="null"/>.</exception>
    public static TaskCounts ToCompute(BatchJobTaskCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        BatchTaskCounts c = counts.TaskCounts ?? new BatchTaskCounts();
        return new TaskCounts(c.Active, c.Running, c.Completed, c.Succeeded, c.Failed);
    }

    /// <summary>A task state as the service reports it.</summary>
    /// <param name="state">The wire state, or <see langword="null"/>.</param>
    /// <returns>The state; <see langword="null"/> and <see cref="BatchTaskState.Unknown"/> are <see cref="ComputeTaskState.Active"/>.</returns>
    public static ComputeTaskState ToCompute(BatchTaskState? state) => state switch
    {
        BatchTaskState.Preparing => ComputeTaskState.Preparing,
        BatchTaskState.Running => ComputeTaskState.Running,
        BatchTaskState.Completed => ComputeTaskState.Completed,
        _ => ComputeTaskState.Active,
    };

    // ------------------------------------------------------------------ infos -> wire

    /// <summary>A compute node as a service reports it: id, state, start task information and errors; the caller adds the rest.</summary>
    /// <param name="node">The node.</param>
    /// <returns>
    /// The node. The start task's end time, exit code, failure and result are sent once it completed (success is exit
    /// code 0 without failure); an error <c>code: message</c> is split into both, otherwise its code is <c>NodeError</c>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is <see langword="null"/>.</exception>
    public static BatchNode ToWire(ComputeNodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new BatchNode
        {
            Id = node.Id,
            State = ToWire(node.State),
            StartTaskInfo = node.StartTask is { } start ? ToWire(start) : null,
            Errors = node.Errors.Count == 0 ? null : [.. node.Errors.Select(ToNodeError)],
        };
    }

    /// <summary>A task as a service reports it: id, state, execution information and node; the caller adds the rest.</summary>
    /// <param name="task">The task.</param>
    /// <returns>
    /// The task, always with execution information (no retry yet is 0). Its end time, failure and result are sent once
    /// it completed (a completed task without <see cref="TaskExecutionResult.Success"/> failed); the node only when it
    /// has one.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="task"/> is <see langword="null"/>.</exception>
    public static BatchTask ToWire(BatchTaskInfo task)
    {
        ArgumentNullException.ThrowIfNull(task);
        bool completed = task.State == ComputeTaskState.Completed;
        return new BatchTask
        {
            Id = task.Id,
            State = ToWire(task.State),
            StateTransitionTime = task.StateTransitionTime,
            ExecutionInfo = new BatchTaskExecutionInfo
            {
                StartTime = task.StartTime,
                EndTime = completed ? task.EndTime : null,
                ExitCode = task.ExitCode,
                FailureInfo = completed ? ToWire(task.FailureInfo) : null,
                RetryCount = task.RetryCount,
                Result = completed ? (task.Result == TaskExecutionResult.Success ? BatchExecutionResult.Success : BatchExecutionResult.Failure) : null,
            },
            NodeInfo = task.NodeId is { } nodeId ? new BatchNodeInfo { NodeId = nodeId } : null,
        };
    }

    /// <summary>A job's task counts as a service reports them.</summary>
    /// <param name="counts">The task counts.</param>
    /// <returns>The task counts; the caller adds the slot counts.</returns>
    public static BatchJobTaskCounts ToWire(TaskCounts counts) => new()
    {
        TaskCounts = new BatchTaskCounts { Active = counts.Active, Running = counts.Running, Completed = counts.Completed, Succeeded = counts.Succeeded, Failed = counts.Failed },
    };

    /// <summary>A task state as a service reports it.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The wire state; a value this library does not know is <see cref="BatchTaskState.Completed"/>.</returns>
    public static BatchTaskState ToWire(ComputeTaskState state) => state switch
    {
        ComputeTaskState.Active => BatchTaskState.Active,
        ComputeTaskState.Preparing => BatchTaskState.Preparing,
        ComputeTaskState.Running => BatchTaskState.Running,
        _ => BatchTaskState.Completed,
    };

    // ------------------------------------------------------------------ parts

    private static BatchStartTask ToWire(string poolId, StartTaskSpec start) => new()
    {
        CommandLine = start.CommandLine,
        ResourceFiles = ToWire("start task of pool '" + poolId + "'", start.ResourceFiles),
        EnvironmentSettings = ToWire(start.EnvironmentSettings),
        UserIdentity = PoolNonAdmin(),
        WaitForSuccess = start.WaitForSuccess,
        MaxTaskRetryCount = start.MaxTaskRetryCount,
    };

    private static StartTaskSpec ToCompute(BatchStartTask start)
    {
        var spec = new StartTaskSpec(start.CommandLine ?? throw new ArgumentException("The start task has no command line.", nameof(start)))
        {
            WaitForSuccess = start.WaitForSuccess ?? true,
            MaxTaskRetryCount = start.MaxTaskRetryCount ?? 0,
        };
        AddResourceFiles(start.ResourceFiles, spec.ResourceFiles);
        AddEnvironment(start.EnvironmentSettings, spec.EnvironmentSettings);
        return spec;
    }

    /// <summary>The pool's shared non-admin auto user: the start task and every task run as the same user.</summary>
    private static BatchUserIdentity PoolNonAdmin() => new()
    {
        AutoUser = new BatchAutoUserSpecification { Scope = BatchAutoUserScope.Pool, ElevationLevel = BatchElevationLevel.NonAdmin },
    };

    private static List<BatchResourceFile>? ToWire(string owner, IList<ResourceFile> files)
    {
        if (files.Count == 0)
        {
            return null;
        }

        var mapped = new List<BatchResourceFile>(files.Count);
        foreach (ResourceFile file in files)
        {
            if (file.StorageContainerUrl is { } container)
            {
                RequireHttp(container, $"The container resource file '{file.FilePath}' of {owner}");
                mapped.Add(new BatchResourceFile
                {
                    StorageContainerUrl = container.AbsoluteUri,
                    BlobPrefix = file.BlobPrefix,
                    FilePath = file.FilePath.Length == 0 ? null : file.FilePath,
                });
                continue;
            }

            var url = file.HttpUrl ?? throw new ArgumentException($"The resource file '{file.FilePath}' of {owner} has neither an HTTP URL nor a container URL.", nameof(files));
            RequireHttp(url, $"The resource file '{file.FilePath}' of {owner}");
            mapped.Add(new BatchResourceFile { HttpUrl = url.AbsoluteUri, FilePath = file.FilePath });
        }

        return mapped;
    }

    private static void AddResourceFiles(IList<BatchResourceFile>? files, IList<ResourceFile> target)
    {
        foreach (BatchResourceFile file in files ?? [])
        {
            if (file.AutoStorageContainerName is not null)
            {
                throw new ArgumentException($"The resource file from auto-storage container '{file.AutoStorageContainerName}' cannot be mapped: auto-storage is not supported; use a storageContainerUrl with a read/list SAS.", nameof(files));
            }

            if (file.StorageContainerUrl is not null)
            {
                if (file.HttpUrl is not null)
                {
                    throw new ArgumentException($"The resource file '{file.FilePath}' has both an httpUrl and a storageContainerUrl; give exactly one.", nameof(files));
                }

                target.Add(ResourceFile.FromStorageContainer(ParseHttp(file.StorageContainerUrl, $"The container resource file '{file.FilePath}'"), file.BlobPrefix, file.FilePath));
                continue;
            }

            if (string.IsNullOrEmpty(file.FilePath))
            {
                throw new ArgumentException("A resource file has no file path.", nameof(files));
            }

            target.Add(new ResourceFile(ParseHttp(file.HttpUrl, $"The resource file '{file.FilePath}'"), file.FilePath));
        }
    }

    /// <summary>Metadata as the service's name/value pairs, or <see langword="null"/> (absent) when there is none.</summary>
    private static List<BatchNameValuePair>? ToMetadata(IDictionary<string, string> metadata)
        => metadata.Count == 0 ? null : [.. metadata.Select(m => new BatchNameValuePair(m.Key, m.Value))];

    /// <summary>Copies name/value pairs into a dictionary (a later duplicate name wins; a missing value is empty).</summary>
    private static void CopyMetadata(IList<BatchNameValuePair>? metadata, IDictionary<string, string> target)
    {
        foreach (BatchNameValuePair pair in metadata ?? [])
        {
            if (!string.IsNullOrEmpty(pair.Name))
            {
                target[pair.Name] = pair.Value ?? string.Empty;
            }
        }
    }

    private static Dictionary<string, string> ToDictionary(IList<BatchNameValuePair>? metadata)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        CopyMetadata(metadata, result);
        return result;
    }

    private static List<BatchEnvironmentSetting>? ToWire(IDictionary<string, string> settings)
        => settings.Count == 0 ? null : [.. settings.Select(s => new BatchEnvironmentSetting(s.Key, s.Value))];

    /// <summary>Adds the settings in order: a name given twice keeps its last value, a missing value is empty.</summary>
    private static void AddEnvironment(IList<BatchEnvironmentSetting>? settings, IDictionary<string, string> target)
    {
        foreach (BatchEnvironmentSetting setting in settings ?? [])
        {
            if (string.IsNullOrEmpty(setting.Name))
            {
                throw new ArgumentException("An environment setting has no name.", nameof(settings));
            }

            target[setting.Name] = setting.Value ?? string.Empty;
        }
    }

    private static BatchOutputFile ToWire(string taskId, OutputFileSpec output)
    {
        RequireHttp(output.ContainerUrl, $"The output container of task '{taskId}' (pattern '{output.FilePattern}')");
        return new BatchOutputFile
        {
            FilePattern = output.FilePattern,
            Destination = new BatchOutputFileDestination
            {
                Container = new BatchOutputFileBlobContainerDestination { ContainerUrl = output.ContainerUrl.AbsoluteUri, Path = output.Path },
            },
            UploadOptions = new BatchOutputFileUploadConfig
            {
                UploadCondition = output.UploadCondition switch
                {
                    OutputUploadCondition.TaskSuccess => BatchOutputFileUploadCondition.TaskSuccess,
                    OutputUploadCondition.TaskFailure => BatchOutputFileUploadCondition.TaskFailure,
                    OutputUploadCondition.TaskCompletion => BatchOutputFileUploadCondition.TaskCompletion,
                    _ => throw new ArgumentOutOfRangeException(nameof(output), output.UploadCondition, $"Task '{taskId}' has an unknown upload condition."),
                },
            },
        };
    }

    private static OutputFileSpec ToCompute(BatchOutputFile output)
    {
        string pattern = string.IsNullOrEmpty(output.FilePattern) ? throw new ArgumentException("An output file has no file pattern.", nameof(output)) : output.FilePattern;
        BatchOutputFileBlobContainerDestination? container = output.Destination?.Container;
        OutputUploadCondition condition = output.UploadOptions?.UploadCondition switch
        {
            BatchOutputFileUploadCondition.TaskSuccess => OutputUploadCondition.TaskSuccess,
            BatchOutputFileUploadCondition.TaskFailure => OutputUploadCondition.TaskFailure,
            BatchOutputFileUploadCondition.TaskCompletion => OutputUploadCondition.TaskCompletion,
            _ => throw new ArgumentException($"The output file '{pattern}' has no known upload condition.", nameof(output)),
        };
        return new OutputFileSpec(pattern, ParseHttp(container?.ContainerUrl, $"The output container of pattern '{pattern}'"), condition) { Path = container?.Path };
    }

    private static void RequireHttp(Uri url, string what)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            // Never echo the URL: it may carry a SAS signature.
            throw new ArgumentException($"{what} has a '{(url.IsAbsoluteUri ? url.Scheme : "relative")}' URL; Azure Batch nodes fetch only http(s) URLs, such as Azure Blob SAS URLs. Use Azure Blob storage with Azure Batch.");
        }
    }

    private static Uri ParseHttp(string? url, string what)
        => Uri.TryCreate(url, UriKind.Absolute, out Uri? parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps)
            ? parsed
            : throw new ArgumentException($"{what} has no absolute http(s) URL."); // never echo the URL: it may carry a SAS signature

    private static BatchStartTaskInfo ToWire(StartTaskInfo start) => new()
    {
        State = start.IsCompleted ? BatchStartTaskState.Completed : BatchStartTaskState.Running,
        StartTime = start.StartTime,
        EndTime = start.IsCompleted ? start.EndTime : null,
        ExitCode = start.IsCompleted ? start.ExitCode : null,
        FailureInfo = start.IsCompleted ? ToWire(start.FailureInfo) : null,
        RetryCount = start.RetryCount,
        Result = start.IsCompleted ? (start.FailureInfo is null && start.ExitCode == 0 ? BatchExecutionResult.Success : BatchExecutionResult.Failure) : null,
    };

    private static ComputeNodeState ToCompute(BatchNodeState? state) => state switch
    {
        BatchNodeState.Idle => ComputeNodeState.Idle,
        BatchNodeState.Rebooting => ComputeNodeState.Rebooting,
        BatchNodeState.Reimaging => ComputeNodeState.Reimaging,
        BatchNodeState.Running => ComputeNodeState.Running,
        BatchNodeState.Unusable => ComputeNodeState.Unusable,
        BatchNodeState.Creating => ComputeNodeState.Creating,
        BatchNodeState.Starting => ComputeNodeState.Starting,
        BatchNodeState.WaitingForStartTask => ComputeNodeState.WaitingForStartTask,
        BatchNodeState.StartTaskFailed => ComputeNodeState.StartTaskFailed,
        BatchNodeState.LeavingPool => ComputeNodeState.LeavingPool,
        BatchNodeState.Offline or BatchNodeState.Deallocated or BatchNodeState.Deallocating => ComputeNodeState.Offline,
        BatchNodeState.Preempted => ComputeNodeState.Preempted,
        BatchNodeState.UpgradingOS => ComputeNodeState.Upgrading,
        _ => ComputeNodeState.Unknown,
    };

    private static BatchNodeState ToWire(ComputeNodeState state) => state switch
    {
        ComputeNodeState.Creating => BatchNodeState.Creating,
        ComputeNodeState.Starting => BatchNodeState.Starting,
        ComputeNodeState.WaitingForStartTask => BatchNodeState.WaitingForStartTask,
        ComputeNodeState.Idle => BatchNodeState.Idle,
        ComputeNodeState.Running => BatchNodeState.Running,
        ComputeNodeState.StartTaskFailed => BatchNodeState.StartTaskFailed,
        ComputeNodeState.Unusable => BatchNodeState.Unusable,
        ComputeNodeState.Offline => BatchNodeState.Offline,
        ComputeNodeState.Rebooting => BatchNodeState.Rebooting,
        ComputeNodeState.Reimaging => BatchNodeState.Reimaging,
        ComputeNodeState.LeavingPool => BatchNodeState.LeavingPool,
        ComputeNodeState.Preempted => BatchNodeState.Preempted,
        ComputeNodeState.Upgrading => BatchNodeState.UpgradingOS,
        _ => BatchNodeState.Unknown,
    };

    /// <summary>A node error <c>code: message</c> (as <see cref="ToCompute(BatchNode)"/> writes it) back into its code and message.</summary>
    private static BatchNodeError ToNodeError(string error)
    {
        int colon = error.IndexOf(": ", StringComparison.Ordinal);
        return colon < 0
            ? new BatchNodeError { Code = "NodeError", Message = error }
            : new BatchNodeError { Code = error[..colon], Message = error[(colon + 2)..] };
    }

    /// <summary>The category (<c>UserError</c>, <c>ServerError</c> or <c>Unknown</c>), code and message with its details, redacted.</summary>
    private static TaskFailureInfo? ToCompute(BatchTaskFailureInfo? failure)
    {
        if (failure is null)
        {
            return null;
        }

        string category = failure.Category switch
        {
            BatchErrorCategory.UserError => "UserError",
            BatchErrorCategory.ServerError => "ServerError",
            _ => "Unknown",
        };
        return new TaskFailureInfo(category, failure.Code ?? "Unknown", AzureBatchErrors.Describe(failure));
    }

    /// <summary>A failure of category <c>ServerError</c> (any case) is a server error; any other is a user error.</summary>
    private static BatchTaskFailureInfo? ToWire(TaskFailureInfo? failure) => failure is null ? null : new BatchTaskFailureInfo
    {
        Category = string.Equals(failure.Category, "ServerError", StringComparison.OrdinalIgnoreCase) ? BatchErrorCategory.ServerError : BatchErrorCategory.UserError,
        Code = failure.Code,
        Message = failure.Message,
    };
}
