namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The body of create job (<c>POST /jobs</c>).</summary>
public sealed class BatchJobCreateContent
{
    /// <summary>Gets or sets the job id: 1 to 64 letters, digits, hyphens and underscores, unique in the account (case-insensitively).</summary>
    public required string Id { get; set; }

    /// <summary>Gets or sets a display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the priority, from -1000 to 1000 (the service's default is 0).</summary>
    public int? Priority { get; set; }

    /// <summary>Gets or sets the pool the job's tasks run on.</summary>
    public required BatchPoolInfo PoolInfo { get; set; }

    /// <summary>Gets or sets what the service does when every task is complete (the service's default is <see cref="BatchOnAllTasksComplete.NoAction"/>).</summary>
    public BatchOnAllTasksComplete? OnAllTasksComplete { get; set; }

    /// <summary>Gets or sets a value indicating whether tasks may depend on each other.</summary>
    public bool? UsesTaskDependencies { get; set; }

    /// <summary>Gets or sets name/value pairs the service keeps with the job (for the user's own use).</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>A job, as get job returns it.</summary>
public sealed class BatchJob
{
    /// <summary>Gets or sets the job id.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the job's URL.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the entity tag.</summary>
    public string? ETag { get; set; }

    /// <summary>Gets or sets when the job last changed.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Gets or sets when the job was created.</summary>
    public DateTimeOffset? CreationTime { get; set; }

    /// <summary>Gets or sets the job's state.</summary>
    public BatchJobState? State { get; set; }

    /// <summary>Gets or sets when the job entered its state.</summary>
    public DateTimeOffset? StateTransitionTime { get; set; }

    /// <summary>Gets or sets the job's previous state.</summary>
    public BatchJobState? PreviousState { get; set; }

    /// <summary>Gets or sets the priority.</summary>
    public int? Priority { get; set; }

    /// <summary>Gets or sets the pool the job's tasks run on.</summary>
    public BatchPoolInfo? PoolInfo { get; set; }

    /// <summary>Gets or sets what the service does when every task is complete.</summary>
    public BatchOnAllTasksComplete? OnAllTasksComplete { get; set; }

    /// <summary>Gets or sets a value indicating whether tasks may depend on each other.</summary>
    public bool? UsesTaskDependencies { get; set; }

    /// <summary>Gets or sets how the job ran.</summary>
    public BatchJobExecutionInfo? ExecutionInfo { get; set; }

    /// <summary>Gets or sets the most tasks of the job that run at once (-1: no limit).</summary>
    public int? MaxParallelTasks { get; set; }

    /// <summary>Gets or sets a value indicating whether tasks of the job may be preempted by tasks of higher-priority jobs.</summary>
    public bool? AllowTaskPreemption { get; set; }

    /// <summary>Gets or sets the job's execution constraints.</summary>
    public BatchJobConstraints? Constraints { get; set; }

    /// <summary>Gets or sets name/value pairs the service keeps with the job.</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>
/// The body of update job (<c>PATCH /jobs/{jobId}</c>): only the properties that are set change; the others keep
/// their values. A list that is set (even empty) replaces the job's list.
/// </summary>
public sealed class BatchJobUpdateContent
{
    /// <summary>Gets or sets the priority, from -1000 to 1000.</summary>
    public int? Priority { get; set; }

    /// <summary>Gets or sets the most tasks of the job that run at once: -1 (no limit) or more than 0.</summary>
    public int? MaxParallelTasks { get; set; }

    /// <summary>Gets or sets a value indicating whether tasks of the job may be preempted by tasks of higher-priority jobs.</summary>
    public bool? AllowTaskPreemption { get; set; }

    /// <summary>
    /// Gets or sets what the service does when every task is complete. <see cref="BatchOnAllTasksComplete.TerminateJob"/>
    /// cannot be turned back to <see cref="BatchOnAllTasksComplete.NoAction"/> (the service answers <c>InvalidPropertyValue</c>).
    /// </summary>
    public BatchOnAllTasksComplete? OnAllTasksComplete { get; set; }

    /// <summary>Gets or sets the job's execution constraints; replaces the job's constraints when set.</summary>
    public BatchJobConstraints? Constraints { get; set; }

    /// <summary>Gets or sets the pool the job runs on (the service allows a change only while the job is disabled).</summary>
    public BatchPoolInfo? PoolInfo { get; set; }

    /// <summary>Gets or sets the job's metadata: replaces all of it when set; an empty list removes it.</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>The execution constraints of a job.</summary>
public sealed class BatchJobConstraints
{
    /// <summary>Gets or sets how long the job may run, from its creation, before the service terminates it.</summary>
    public TimeSpan? MaxWallClockTime { get; set; }

    /// <summary>Gets or sets how many times each task may be retried (-1: without limit).</summary>
    public int? MaxTaskRetryCount { get; set; }
}

/// <summary>The pool a job runs on.</summary>
public sealed class BatchPoolInfo
{
    /// <summary>Gets or sets the id of an existing pool.</summary>
    public string? PoolId { get; set; }
}

/// <summary>How a job ran.</summary>
public sealed class BatchJobExecutionInfo
{
    /// <summary>Gets or sets when the job started.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>Gets or sets when the job completed.</summary>
    public DateTimeOffset? EndTime { get; set; }

    /// <summary>Gets or sets the pool the job ran on.</summary>
    public string? PoolId { get; set; }

    /// <summary>Gets or sets why the job ended, such as <c>UserTerminate</c> or <c>AllTasksComplete</c>.</summary>
    public string? TerminateReason { get; set; }
}

/// <summary>The optional body of terminate job.</summary>
public sealed class BatchJobTerminateContent
{
    /// <summary>Gets or sets the reason recorded in the job's execution information.</summary>
    public string? TerminateReason { get; set; }
}

/// <summary>The task counts of a job (<c>GET /jobs/{jobId}/taskcounts</c>).</summary>
public sealed class BatchJobTaskCounts
{
    /// <summary>Gets or sets the numbers of tasks per state.</summary>
    public BatchTaskCounts? TaskCounts { get; set; }

    /// <summary>Gets or sets the numbers of task slots per state.</summary>
    public BatchTaskCounts? TaskSlotCounts { get; set; }
}

/// <summary>Numbers of tasks (or task slots) per state.</summary>
public sealed class BatchTaskCounts
{
    /// <summary>Gets or sets the number of active (queued) tasks.</summary>
    public int Active { get; set; }

    /// <summary>Gets or sets the number of running or preparing tasks.</summary>
    public int Running { get; set; }

    /// <summary>Gets or sets the number of completed tasks.</summary>
    public int Completed { get; set; }

    /// <summary>Gets or sets the number of completed tasks that succeeded.</summary>
    public int Succeeded { get; set; }

    /// <summary>Gets or sets the number of completed tasks that failed.</summary>
    public int Failed { get; set; }
}
