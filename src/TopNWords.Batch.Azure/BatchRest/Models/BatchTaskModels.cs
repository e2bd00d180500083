namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A task to add (one item of the body of <c>POST /jobs/{jobId}/addtaskcollection</c>).</summary>
public sealed class BatchTaskCreateContent
{
    /// <summary>Gets or sets the task id: 1 to 64 letters, digits, hyphens and underscores, unique in the job (case-insensitively).</summary>
    public required string Id { get; set; }

    /// <summary>Gets or sets a display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the command line, run without a shell unless it invokes one.</summary>
    public required string CommandLine { get; set; }

    /// <summary>Gets or sets the files downloaded to the task's working directory before it runs.</summary>
    public IList<BatchResourceFile>? ResourceFiles { get; set; }

    /// <summary>Gets or sets the files uploaded from the node after the task ran.</summary>
    public IList<BatchOutputFile>? OutputFiles { get; set; }

    /// <summary>Gets or sets the task's environment variables.</summary>
    public IList<BatchEnvironmentSetting>? EnvironmentSettings { get; set; }

    /// <summary>Gets or sets a hint of the node the task prefers.</summary>
    public BatchAffinityInfo? AffinityInfo { get; set; }

    /// <summary>Gets or sets the task's limits.</summary>
    public BatchTaskConstraints? Constraints { get; set; }

    /// <summary>Gets or sets how many task slots the task takes (the service's default is 1).</summary>
    public int? RequiredSlots { get; set; }

    /// <summary>Gets or sets the user the task runs as.</summary>
    public BatchUserIdentity? UserIdentity { get; set; }

    /// <summary>Gets or sets the settings of a multi-instance (MPI) task.</summary>
    public BatchMultiInstanceSettings? MultiInstanceSettings { get; set; }

    /// <summary>Gets or sets the tasks this task depends on (the job must have <c>usesTaskDependencies</c>).</summary>
    public BatchTaskDependencies? DependsOn { get; set; }

    /// <summary>Gets or sets what the service does when the task completes (here: what its failure does to its dependents).</summary>
    public BatchExitConditions? ExitConditions { get; set; }
}

/// <summary>The tasks a task depends on (<c>dependsOn</c>): ids, and ranges of integer ids.</summary>
public sealed class BatchTaskDependencies
{
    /// <summary>Gets or sets the ids of the tasks depended on; at most 64,000 characters together.</summary>
    public IList<string>? TaskIds { get; set; }

    /// <summary>Gets or sets the ranges of integer task ids depended on.</summary>
    public IList<BatchTaskIdRange>? TaskIdRanges { get; set; }
}

/// <summary>A range of integer task ids, both ends included.</summary>
public sealed class BatchTaskIdRange
{
    /// <summary>Gets or sets the first id.</summary>
    public int Start { get; set; }

    /// <summary>Gets or sets the last id.</summary>
    public int End { get; set; }
}

/// <summary>How the service responds when a task completes (<c>exitConditions</c>).</summary>
public sealed class BatchExitConditions
{
    /// <summary>Gets or sets the response to any exit not covered by the other members (the only one this library sends).</summary>
    public BatchExitOptions? Default { get; set; }
}

/// <summary>What the service does for one exit condition.</summary>
public sealed class BatchExitOptions
{
    /// <summary>Gets or sets what the exit does to the tasks that depend on this one.</summary>
    public BatchDependencyAction? DependencyAction { get; set; }
}

/// <summary>The body of add task collection.</summary>
public sealed class BatchTaskGroup
{
    /// <summary>Gets or sets the tasks to add: at most 100, under 1 MB of JSON in all.</summary>
    public required IList<BatchTaskCreateContent> Value { get; set; }
}

/// <summary>The response of add task collection: one result per task, in any order.</summary>
public sealed class BatchTaskAddCollectionResult
{
    /// <summary>Gets or sets the results.</summary>
    public IList<BatchTaskAddResult>? Value { get; set; }
}

/// <summary>The result of adding one task.</summary>
public sealed class BatchTaskAddResult
{
    /// <summary>Gets or sets whether the task was added.</summary>
    public BatchTaskAddStatus Status { get; set; }

    /// <summary>Gets or sets the task id.</summary>
    public string? TaskId { get; set; }

    /// <summary>Gets or sets the entity tag of the added task.</summary>
    public string? ETag { get; set; }

    /// <summary>Gets or sets when the added task last changed.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Gets or sets the URL of the added task.</summary>
    public string? Location { get; set; }

    /// <summary>Gets or sets why the task was not added (for example <c>TaskExists</c>), when <see cref="Status"/> is not success.</summary>
    public BatchError? Error { get; set; }
}

/// <summary>A file to upload from the node after the task ran.</summary>
public sealed class BatchOutputFile
{
    /// <summary>Gets or sets which files, relative to the task's working directory (wildcards allowed; <c>../std*.txt</c> for stdout/stderr).</summary>
    public string? FilePattern { get; set; }

    /// <summary>Gets or sets where the files go.</summary>
    public BatchOutputFileDestination? Destination { get; set; }

    /// <summary>Gets or sets when the files are uploaded.</summary>
    public BatchOutputFileUploadConfig? UploadOptions { get; set; }
}

/// <summary>Where an output file goes.</summary>
public sealed class BatchOutputFileDestination
{
    /// <summary>Gets or sets the blob container the files go to.</summary>
    public BatchOutputFileBlobContainerDestination? Container { get; set; }
}

/// <summary>A blob container destination of an output file.</summary>
public sealed class BatchOutputFileBlobContainerDestination
{
    /// <summary>Gets or sets the blob (for one file) or virtual directory (for a pattern) in the container.</summary>
    public string? Path { get; set; }

    /// <summary>Gets or sets the container URL, with a write SAS.</summary>
    public string? ContainerUrl { get; set; }
}

/// <summary>When an output file is uploaded.</summary>
public sealed class BatchOutputFileUploadConfig
{
    /// <summary>Gets or sets when the files are uploaded.</summary>
    public BatchOutputFileUploadCondition? UploadCondition { get; set; }
}

/// <summary>Limits of a task.</summary>
public sealed class BatchTaskConstraints
{
    /// <summary>Gets or sets the longest the task may run, from its start (sent as an ISO 8601 duration).</summary>
    public TimeSpan? MaxWallClockTime { get; set; }

    /// <summary>Gets or sets how long the task's directory is kept on the node after it completes.</summary>
    public TimeSpan? RetentionTime { get; set; }

    /// <summary>Gets or sets the retries after the first run on a non-zero exit code; -1 retries without limit.</summary>
    public int? MaxTaskRetryCount { get; set; }
}

/// <summary>A hint of the node a task prefers.</summary>
public sealed class BatchAffinityInfo
{
    /// <summary>Gets or sets the affinity id of a node (or of a task that ran on it).</summary>
    public string? AffinityId { get; set; }
}

/// <summary>Settings of a multi-instance (MPI) task.</summary>
public sealed class BatchMultiInstanceSettings
{
    /// <summary>Gets or sets how many nodes the task needs.</summary>
    public int? NumberOfInstances { get; set; }

    /// <summary>Gets or sets the command line run on every node before the primary command.</summary>
    public string? CoordinationCommandLine { get; set; }

    /// <summary>Gets or sets the files every instance downloads.</summary>
    public IList<BatchResourceFile>? CommonResourceFiles { get; set; }
}

/// <summary>A task, as get task and list tasks return it.</summary>
public sealed class BatchTask
{
    /// <summary>Gets or sets the task id.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the task's URL.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the entity tag.</summary>
    public string? ETag { get; set; }

    /// <summary>Gets or sets when the task was created.</summary>
    public DateTimeOffset? CreationTime { get; set; }

    /// <summary>Gets or sets when the task last changed.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Gets or sets the task's state.</summary>
    public BatchTaskState? State { get; set; }

    /// <summary>Gets or sets when the task entered its state.</summary>
    public DateTimeOffset? StateTransitionTime { get; set; }

    /// <summary>Gets or sets the task's previous state.</summary>
    public BatchTaskState? PreviousState { get; set; }

    /// <summary>Gets or sets when the task entered its previous state.</summary>
    public DateTimeOffset? PreviousStateTransitionTime { get; set; }

    /// <summary>Gets or sets the command line.</summary>
    public string? CommandLine { get; set; }

    /// <summary>Gets or sets the user the task runs as.</summary>
    public BatchUserIdentity? UserIdentity { get; set; }

    /// <summary>Gets or sets the task's limits.</summary>
    public BatchTaskConstraints? Constraints { get; set; }

    /// <summary>Gets or sets how many task slots the task takes.</summary>
    public int? RequiredSlots { get; set; }

    /// <summary>Gets or sets how the task ran.</summary>
    public BatchTaskExecutionInfo? ExecutionInfo { get; set; }

    /// <summary>Gets or sets the node the task ran on.</summary>
    public BatchNodeInfo? NodeInfo { get; set; }

    /// <summary>Gets or sets the tasks this task depends on.</summary>
    public BatchTaskDependencies? DependsOn { get; set; }

    /// <summary>Gets or sets how the service responds when the task completes.</summary>
    public BatchExitConditions? ExitConditions { get; set; }
}

/// <summary>How a task ran.</summary>
public sealed class BatchTaskExecutionInfo
{
    /// <summary>Gets or sets when the last attempt started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Gets or sets when the task completed.</summary>
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>Gets or sets the exit code of the last attempt.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Gets or sets why the task failed, when it did.</summary>
    public BatchTaskFailureInfo? FailureInfo { get; set; }

    /// <summary>Gets or sets how many times the task was retried.</summary>
    public int RetryCount { get; set; }

    /// <summary>Gets or sets when the task was last retried.</summary>
    public DateTimeOffset? LastRetryTime { get; set; }

    /// <summary>Gets or sets how many times the service requeued the task (for example after its node was preempted).</summary>
    public int RequeueCount { get; set; }

    /// <summary>Gets or sets when the task was last requeued.</summary>
    public DateTimeOffset? LastRequeueTime { get; set; }

    /// <summary>Gets or sets whether the task succeeded, once it completed.</summary>
    public BatchExecutionResult? Result { get; set; }
}

/// <summary>The node a task ran on.</summary>
public sealed class BatchNodeInfo
{
    /// <summary>Gets or sets the node's affinity id.</summary>
    public string? AffinityId { get; set; }

    /// <summary>Gets or sets the node's URL.</summary>
    public string? NodeUrl { get; set; }

    /// <summary>Gets or sets the pool of the node.</summary>
    public string? PoolId { get; set; }

    /// <summary>Gets or sets the node id.</summary>
    public string? NodeId { get; set; }

    /// <summary>Gets or sets the task's root directory on the node.</summary>
    public string? TaskRootDirectory { get; set; }

    /// <summary>Gets or sets the URL of the task's root directory on the node.</summary>
    public string? TaskRootDirectoryUrl { get; set; }
}
