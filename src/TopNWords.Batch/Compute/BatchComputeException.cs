namespace TopNWords.Batch.Compute;

/// <summary>What kind of compute failure happened.</summary>
public enum BatchComputeErrorKind
{
    /// <summary>Anything else.</summary>
    Other = 0,

    /// <summary>The pool, job or task does not exist.</summary>
    NotFound = 1,

    /// <summary>A pool, job or task with this id exists.</summary>
    AlreadyExists = 2,

    /// <summary>The resource is in a state that forbids the operation (for example being deleted).</summary>
    Conflict = 3,

    /// <summary>The credentials do not allow the operation (wrong key, expired token).</summary>
    Forbidden = 4,

    /// <summary>The request was refused as invalid.</summary>
    InvalidRequest = 5,

    /// <summary>The service cannot be reached or keeps failing.</summary>
    Unavailable = 6,

    /// <summary>An account quota stops the operation.</summary>
    QuotaExceeded = 7,
}

/// <summary>
/// A compute operation failed. The message names the pool, job or task and what to do; it never holds a
/// key, a token or a SAS signature.
/// </summary>
public class BatchComputeException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BatchComputeException"/> class.</summary>
    public BatchComputeException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchComputeException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BatchComputeException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchComputeException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchComputeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchComputeException"/> class.</summary>
    /// <param name="kind">What kind of failure.</param>
    /// <param name="message">The message, naming the resource and what to do.</param>
    /// <param name="resourceId">The pool, job or task id.</param>
    /// <param name="errorCode">The service's error code, when there is one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public BatchComputeException(BatchComputeErrorKind kind, string message, string? resourceId = null, string? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ResourceId = resourceId;
        ErrorCode = errorCode;
    }

    /// <summary>Gets what kind of failure happened.</summary>
    public BatchComputeErrorKind Kind { get; }

    /// <summary>Gets the pool, job or task id involved, if any.</summary>
    public string? ResourceId { get; }

    /// <summary>Gets the service's error code (e.g. <c>PoolExists</c>), if any.</summary>
    public string? ErrorCode { get; }

    /// <summary>
    /// Gets or sets how long the service asked the caller to wait before trying again (its <c>Retry-After</c>,
    /// <c>retry-after-ms</c> or <c>x-ms-retry-after-ms</c> header), when the failure is transient and the response said so.
    /// The workflow's default resilience pipeline waits exactly this long before its next attempt.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the service gave no hint.</value>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>Diagnostics of one node that kept a pool from becoming ready.</summary>
/// <param name="NodeId">The node id.</param>
/// <param name="State">Its state.</param>
/// <param name="StartTaskExitCode">The start task's exit code, when it ran.</param>
/// <param name="FailureInfo">The start task's failure information, when it failed.</param>
/// <param name="StartTaskStderrTail">The end of the start task's <c>stderr.txt</c>, when it could be read.</param>
/// <param name="Errors">Node errors the service reports.</param>
public sealed record NodeDiagnostics(string NodeId, ComputeNodeState State, int? StartTaskExitCode, TaskFailureInfo? FailureInfo, string? StartTaskStderrTail, IReadOnlyList<string> Errors);

/// <summary>A pool cannot become ready: allocation failed, or a node's start task failed, or a node is unusable.</summary>
public class PoolNotReadyException : BatchComputeException
{
    /// <summary>Initializes a new instance of the <see cref="PoolNotReadyException"/> class.</summary>
    public PoolNotReadyException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PoolNotReadyException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PoolNotReadyException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PoolNotReadyException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PoolNotReadyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PoolNotReadyException"/> class.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="message">The message, naming the pool, the failing nodes and what to do.</param>
    /// <param name="resizeErrors">The pool's resize errors.</param>
    /// <param name="nodes">The failing nodes.</param>
    public PoolNotReadyException(string poolId, string message, IReadOnlyList<PoolResizeError> resizeErrors, IReadOnlyList<NodeDiagnostics> nodes)
        : base(BatchComputeErrorKind.Other, message, poolId, resizeErrors.Count > 0 ? resizeErrors[0].Code : null)
    {
        ResizeErrors = resizeErrors;
        Nodes = nodes;
    }

    /// <summary>Gets the pool's resize errors.</summary>
    public IReadOnlyList<PoolResizeError> ResizeErrors { get; } = [];

    /// <summary>Gets the nodes that failed, with their start-task diagnostics.</summary>
    public IReadOnlyList<NodeDiagnostics> Nodes { get; } = [];
}

/// <summary>One task the service refused to add.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="ErrorCode">The service's error code.</param>
/// <param name="Message">The service's message.</param>
public sealed record TaskAddFailure(string TaskId, string ErrorCode, string Message);

/// <summary>Some tasks could not be added to a job.</summary>
public class AddTasksException : BatchComputeException
{
    /// <summary>Initializes a new instance of the <see cref="AddTasksException"/> class.</summary>
    public AddTasksException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AddTasksException"/> class.</summary>
    /// <param name="message">The message.</param>
    public AddTasksException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AddTasksException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public AddTasksException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AddTasksException"/> class.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="failures">The refused tasks.</param>
    public AddTasksException(string jobId, IReadOnlyList<TaskAddFailure> failures)
        : this(jobId, failures, BatchComputeErrorKind.InvalidRequest)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AddTasksException"/> class.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="failures">The refused tasks.</param>
    /// <param name="kind">
    /// <see cref="BatchComputeErrorKind.Unavailable"/> when the service only answered server errors (the tasks were sent
    /// as often as allowed; sending them again later may add them), otherwise the kind of the refusal (usually
    /// <see cref="BatchComputeErrorKind.InvalidRequest"/>).
    /// </param>
    public AddTasksException(string jobId, IReadOnlyList<TaskAddFailure> failures, BatchComputeErrorKind kind)
        : base(kind, BuildMessage(jobId, failures, kind), jobId, failures.Count > 0 ? failures[0].ErrorCode : null)
    {
        Failures = failures;
    }

    /// <summary>Gets the refused tasks.</summary>
    public IReadOnlyList<TaskAddFailure> Failures { get; } = [];

    private static string BuildMessage(string jobId, IReadOnlyList<TaskAddFailure> failures, BatchComputeErrorKind kind)
    {
        var first = failures.Take(3).Select(f => $"task '{f.TaskId}': {f.ErrorCode}: {f.Message}");
        string more = failures.Count > 3 ? $" (and {failures.Count - 3} more)" : string.Empty;
        string advice = kind == BatchComputeErrorKind.Unavailable
            ? "The service kept answering server errors: add them again later (a task already added answers TaskExists); tasks already added are kept."
            : "Fix the task definitions and run again; tasks already added are kept.";
        return $"{failures.Count} task(s) could not be added to job '{jobId}': {string.Join("; ", first)}{more}. {advice}";
    }
}
