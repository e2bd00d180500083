namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A compute node of a pool.</summary>
public sealed class BatchNode
{
    /// <summary>Gets or sets the node id.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the node's URL.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the node's state.</summary>
    public BatchNodeState? State { get; set; }

    /// <summary>Gets or sets when the node entered its state.</summary>
    public DateTimeOffset? StateTransitionTime { get; set; }

    /// <summary>Gets or sets when the node last started.</summary>
    public DateTimeOffset? LastBootTime { get; set; }

    /// <summary>Gets or sets when the node was allocated to the pool.</summary>
    public DateTimeOffset? AllocationTime { get; set; }

    /// <summary>Gets or sets the node's IP address in its virtual network.</summary>
    public string? IpAddress { get; set; }

    /// <summary>Gets or sets the node's VM size.</summary>
    public string? VmSize { get; set; }

    /// <summary>Gets or sets how many tasks ran on the node.</summary>
    public int? TotalTasksRun { get; set; }

    /// <summary>Gets or sets how many tasks are running on the node.</summary>
    public int? RunningTasksCount { get; set; }

    /// <summary>Gets or sets how many task slots the running tasks take.</summary>
    public int? RunningTaskSlotsCount { get; set; }

    /// <summary>Gets or sets how many tasks succeeded on the node.</summary>
    public int? TotalTasksSucceeded { get; set; }

    /// <summary>Gets or sets a value indicating whether the node is dedicated (otherwise Spot/low-priority).</summary>
    public bool? IsDedicated { get; set; }

    /// <summary>Gets or sets the pool's start task, as the node runs it.</summary>
    public BatchStartTask? StartTask { get; set; }

    /// <summary>Gets or sets how the node's start task ran.</summary>
    public BatchStartTaskInfo? StartTaskInfo { get; set; }

    /// <summary>Gets or sets why the node is unusable or failed (for example a start task resource file error).</summary>
    public IList<BatchNodeError>? Errors { get; set; }
}

/// <summary>How a node's start task ran.</summary>
public sealed class BatchStartTaskInfo
{
    /// <summary>Gets or sets whether the start task is running or completed.</summary>
    public BatchStartTaskState? State { get; set; }

    /// <summary>Gets or sets when the start task last started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Gets or sets when the start task completed.</summary>
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>Gets or sets the exit code of the start task, once it completed.</summary>
    public int? ExitCode { get; set; }

    /// <summary>Gets or sets why the start task failed, when it did.</summary>
    public BatchTaskFailureInfo? FailureInfo { get; set; }

    /// <summary>Gets or sets how many times the start task was retried.</summary>
    public int? RetryCount { get; set; }

    /// <summary>Gets or sets when the start task was last retried.</summary>
    public DateTimeOffset? LastRetryTime { get; set; }

    /// <summary>Gets or sets whether the start task succeeded, once it completed.</summary>
    public BatchExecutionResult? Result { get; set; }
}

/// <summary>An error of a node.</summary>
public sealed class BatchNodeError
{
    /// <summary>Gets or sets the error's code.</summary>
    public string? Code { get; set; }

    /// <summary>Gets or sets the error's message.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets further details of the error.</summary>
    public IList<BatchNameValuePair>? ErrorDetails { get; set; }
}
