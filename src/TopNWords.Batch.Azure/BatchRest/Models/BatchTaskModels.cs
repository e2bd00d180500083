namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A task to add (one item of the body of <c>POST /jobs/{jobId}/addtaskcollection</c>).</summary>
internal sealed class BatchTaskCreateContent
{
    public required string Id { get; set; }

    public string? DisplayName { get; set; }

    public required string CommandLine { get; set; }

    public IList<BatchResourceFile>? ResourceFiles { get; set; }

    public IList<BatchOutputFile>? OutputFiles { get; set; }

    public IList<BatchEnvironmentSetting>? EnvironmentSettings { get; set; }

    public BatchAffinityInfo? AffinityInfo { get; set; }

    public BatchTaskConstraints? Constraints { get; set; }

    public int? RequiredSlots { get; set; }

    public BatchUserIdentity? UserIdentity { get; set; }

    public BatchMultiInstanceSettings? MultiInstanceSettings { get; set; }
}

/// <summary>The body of add task collection.</summary>
internal sealed class BatchTaskGroup
{
    public required IList<BatchTaskCreateContent> Value { get; set; }
}

/// <summary>The response of add task collection: one result per task, in any order.</summary>
internal sealed class BatchTaskAddCollectionResult
{
    public IList<BatchTaskAddResult>? Value { get; set; }
}

/// <summary>The result of adding one task.</summary>
internal sealed class BatchTaskAddResult
{
    public BatchTaskAddStatus Status { get; set; }

    public string? TaskId { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset? LastModified { get; set; }

    public string? Location { get; set; }

    /// <summary>Why the task was not added (for example <c>TaskExists</c>), when <see cref="Status"/> is not success.</summary>
    public BatchError? Error { get; set; }
}

/// <summary>A file to upload from the node after the task ran.</summary>
internal sealed class BatchOutputFile
{
    /// <summary>Which files, relative to the task's working directory (wildcards allowed; <c>../std*.txt</c> for stdout/stderr).</summary>
    public string? FilePattern { get; set; }

    public BatchOutputFileDestination? Destination { get; set; }

    public BatchOutputFileUploadConfig? UploadOptions { get; set; }
}

/// <summary>Where an output file goes.</summary>
internal sealed class BatchOutputFileDestination
{
    public BatchOutputFileBlobContainerDestination? Container { get; set; }
}

/// <summary>A blob container destination of an output file.</summary>
internal sealed class BatchOutputFileBlobContainerDestination
{
    /// <summary>The blob (for one file) or virtual directory (for a pattern) in the container.</summary>
    public string? Path { get; set; }

    /// <summary>The container URL, with a write SAS.</summary>
    public string? ContainerUrl { get; set; }
}

/// <summary>When an output file is uploaded.</summary>
internal sealed class BatchOutputFileUploadConfig
{
    public BatchOutputFileUploadCondition? UploadCondition { get; set; }
}

/// <summary>Limits of a task.</summary>
internal sealed class BatchTaskConstraints
{
    /// <summary>The longest the task may run, from its start (sent as an ISO 8601 duration).</summary>
    public TimeSpan? MaxWallClockTime { get; set; }

    /// <summary>How long the task's directory is kept on the node after it completes.</summary>
    public TimeSpan? RetentionTime { get; set; }

    /// <summary>Retries after the first run on a non-zero exit code; -1 retries without limit.</summary>
    public int? MaxTaskRetryCount { get; set; }
}

/// <summary>A hint of the node a task prefers.</summary>
internal sealed class BatchAffinityInfo
{
    public string? AffinityId { get; set; }
}

/// <summary>Settings of a multi-instance (MPI) task.</summary>
internal sealed class BatchMultiInstanceSettings
{
    public int? NumberOfInstances { get; set; }

    public string? CoordinationCommandLine { get; set; }

    public IList<BatchResourceFile>? CommonResourceFiles { get; set; }
}

/// <summary>A task, as get task and list tasks return it.</summary>
internal sealed class BatchTask
{
    public string? Id { get; set; }

    public string? DisplayName { get; set; }

    public string? Url { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset? CreationTime { get; set; }

    public DateTimeOffset? LastModified { get; set; }

    public BatchTaskState? State { get; set; }

    public DateTimeOffset? StateTransitionTime { get; set; }

    public BatchTaskState? PreviousState { get; set; }

    public DateTimeOffset? PreviousStateTransitionTime { get; set; }

    public string? CommandLine { get; set; }

    public BatchUserIdentity? UserIdentity { get; set; }

    public BatchTaskConstraints? Constraints { get; set; }

    public int? RequiredSlots { get; set; }

    public BatchTaskExecutionInfo? ExecutionInfo { get; set; }

    public BatchNodeInfo? NodeInfo { get; set; }
}

/// <summary>How a task ran.</summary>
internal sealed class BatchTaskExecutionInfo
{
    public DateTimeOffset? StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public int? ExitCode { get; set; }

    public BatchTaskFailureInfo? FailureInfo { get; set; }

    public int RetryCount { get; set; }

    public DateTimeOffset? LastRetryTime { get; set; }

    public int RequeueCount { get; set; }

    public DateTimeOffset? LastRequeueTime { get; set; }

    public BatchExecutionResult? Result { get; set; }
}

/// <summary>The node a task ran on.</summary>
internal sealed class BatchNodeInfo
{
    public string? AffinityId { get; set; }

    public string? NodeUrl { get; set; }

    public string? PoolId { get; set; }

    public string? NodeId { get; set; }

    public string? TaskRootDirectory { get; set; }

    public string? TaskRootDirectoryUrl { get; set; }
}
