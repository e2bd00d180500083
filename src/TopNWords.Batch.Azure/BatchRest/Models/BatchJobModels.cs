namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The body of create job (<c>POST /jobs</c>).</summary>
internal sealed class BatchJobCreateContent
{
    public required string Id { get; set; }

    public string? DisplayName { get; set; }

    public int? Priority { get; set; }

    public required BatchPoolInfo PoolInfo { get; set; }

    public BatchOnAllTasksComplete? OnAllTasksComplete { get; set; }

    public bool? UsesTaskDependencies { get; set; }
}

/// <summary>A job, as get job returns it.</summary>
internal sealed class BatchJob
{
    public string? Id { get; set; }

    public string? DisplayName { get; set; }

    public string? Url { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset? LastModified { get; set; }

    public DateTimeOffset? CreationTime { get; set; }

    public BatchJobState? State { get; set; }

    public DateTimeOffset? StateTransitionTime { get; set; }

    public BatchJobState? PreviousState { get; set; }

    public int? Priority { get; set; }

    public BatchPoolInfo? PoolInfo { get; set; }

    public BatchOnAllTasksComplete? OnAllTasksComplete { get; set; }

    public bool? UsesTaskDependencies { get; set; }

    public BatchJobExecutionInfo? ExecutionInfo { get; set; }
}

/// <summary>The pool a job runs on.</summary>
internal sealed class BatchPoolInfo
{
    public string? PoolId { get; set; }
}

/// <summary>How a job ran.</summary>
internal sealed class BatchJobExecutionInfo
{
    public DateTimeOffset? StartTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public string? PoolId { get; set; }

    public string? TerminateReason { get; set; }
}

/// <summary>The optional body of terminate job.</summary>
internal sealed class BatchJobTerminateContent
{
    public string? TerminateReason { get; set; }
}

/// <summary>The task counts of a job (<c>GET /jobs/{jobId}/taskcounts</c>).</summary>
internal sealed class BatchJobTaskCounts
{
    public BatchTaskCounts? TaskCounts { get; set; }

    public BatchTaskCounts? TaskSlotCounts { get; set; }
}

/// <summary>Numbers of tasks (or task slots) per state.</summary>
internal sealed class BatchTaskCounts
{
    public int Active { get; set; }

    public int Running { get; set; }

    public int Completed { get; set; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }
}
