namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>A compute node of a pool.</summary>
internal sealed class BatchNode
{
    public string? Id { get; set; }

    public string? Url { get; set; }

    public BatchNodeState? State { get; set; }

    public DateTimeOffset? StateTransitionTime { get; set; }

    public DateTimeOffset? LastBootTime { get; set; }

    public DateTimeOffset? AllocationTime { get; set; }

    public string? IpAddress { get; set; }

    public string? VmSize { get; set; }

    public int? TotalTasksRun { get; set; }

    public int? RunningTasksCount { get; set; }

    public int? RunningTaskSlotsCount { get; set; }

    public int? TotalTasksSucceeded { get; set; }

    public bool? IsDedicated { get; set; }

    public BatchStartTask? StartTask { get; set; }

    public BatchStartTaskInfo? StartTaskInfo { get; set; }

    /// <summary>Why the node is unusable or failed (for example a start task resource file error).</summary>
    public IList<BatchNodeError>? Errors { get; set; }
}

/// <summary>How a node's start task ran.</summary>
internal sealed class BatchStartTaskInfo
{
    public BatchStartTaskState? State { get; set; }

    public DateTimeOffset? StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public int? ExitCode { get; set; }

    public BatchTaskFailureInfo? FailureInfo { get; set; }

    public int? RetryCount { get; set; }

    public DateTimeOffset? LastRetryTime { get; set; }

    public BatchExecutionResult? Result { get; set; }
}

/// <summary>An error of a node.</summary>
internal sealed class BatchNodeError
{
    public string? Code { get; set; }

    public string? Message { get; set; }

    public IList<BatchNameValuePair>? ErrorDetails { get; set; }
}
