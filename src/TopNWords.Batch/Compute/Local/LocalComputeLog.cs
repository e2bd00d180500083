using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Log messages of the local process compute. URLs are never logged whole: callers pass them through
/// <see cref="Internal.SecretRedaction"/> first.
/// </summary>
internal static partial class LocalComputeLog
{
    /// <summary>Event ids, 3000–3099.</summary>
    public static class Events
    {
        public const int PoolCreated = 3000;
        public const int PoolDeleted = 3001;
        public const int StartTaskSucceeded = 3002;
        public const int StartTaskFailed = 3003;
        public const int NodeUnusable = 3004;
        public const int TaskStarted = 3010;
        public const int TaskAttemptFailed = 3011;
        public const int TaskEnded = 3012;
        public const int TaskRequeued = 3013;
        public const int ProcessKilled = 3020;
        public const int ResourceFileFailed = 3021;
        public const int OutputUploadFailed = 3022;
        public const int OutputLinkSkipped = 3023;
        public const int OutputTailLinkRefused = 3024;
        public const int CleanupFailed = 3030;
        public const int BackgroundWorkFailed = 3031;
        public const int ChangeHandlerFailed = 3032;
        public const int JournalWriteFailed = 3040;
        public const int Reopened = 3041;
        public const int OpenedReadOnly = 3042;
    }

    [LoggerMessage(EventId = Events.JournalWriteFailed, EventName = nameof(Events.JournalWriteFailed), Level = LogLevel.Error,
        Message = "Could not write the journal {Path}; the compute goes on, but a new compute on this root will not see the changes from here on")]
    public static partial void JournalWriteFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = Events.Reopened, EventName = nameof(Events.Reopened), Level = LogLevel.Information,
        Message = "Durable local compute reopened {Root}: {Pools} pool(s), {Jobs} job(s), {Requeued} task(s) queued again, {Finishing} task(s) finishing without a rerun")]
    public static partial void Reopened(ILogger logger, string root, int pools, int jobs, int requeued, int finishing);

    [LoggerMessage(EventId = Events.OpenedReadOnly, EventName = nameof(Events.OpenedReadOnly), Level = LogLevel.Information,
        Message = "Durable local compute {Root} is owned by process {OwnerProcessId}: opened read-only")]
    public static partial void OpenedReadOnly(ILogger logger, string root, int? ownerProcessId);

    [LoggerMessage(EventId = Events.PoolCreated, EventName = nameof(Events.PoolCreated), Level = LogLevel.Information,
        Message = "Local pool {PoolId} created: {NodeCount} node(s) with {TaskSlots} task slot(s) each, in {Folder}")]
    public static partial void PoolCreated(ILogger logger, string poolId, int nodeCount, int taskSlots, string folder);

    [LoggerMessage(EventId = Events.PoolDeleted, EventName = nameof(Events.PoolDeleted), Level = LogLevel.Information,
        Message = "Local pool {PoolId} deleted")]
    public static partial void PoolDeleted(ILogger logger, string poolId);

    [LoggerMessage(EventId = Events.StartTaskSucceeded, EventName = nameof(Events.StartTaskSucceeded), Level = LogLevel.Debug,
        Message = "Start task of node {NodeId} in pool {PoolId} succeeded after {RetryCount} retry(ies)")]
    public static partial void StartTaskSucceeded(ILogger logger, string poolId, string nodeId, int retryCount);

    [LoggerMessage(EventId = Events.StartTaskFailed, EventName = nameof(Events.StartTaskFailed), Level = LogLevel.Warning,
        Message = "Start task of node {NodeId} in pool {PoolId} failed with exit code {ExitCode} ({FailureCode}: {FailureMessage}) after {RetryCount} retry(ies); see {StderrPath}")]
    public static partial void StartTaskFailed(ILogger logger, string poolId, string nodeId, int? exitCode, string failureCode, string failureMessage, int retryCount, string stderrPath);

    [LoggerMessage(EventId = Events.NodeUnusable, EventName = nameof(Events.NodeUnusable), Level = LogLevel.Warning,
        Message = "Node {NodeId} in pool {PoolId} is unusable: {ErrorCode}: {ErrorMessage}")]
    public static partial void NodeUnusable(ILogger logger, string poolId, string nodeId, string errorCode, string errorMessage);

    [LoggerMessage(EventId = Events.TaskStarted, EventName = nameof(Events.TaskStarted), Level = LogLevel.Debug,
        Message = "Task {TaskId} of job {JobId} started on node {NodeId} as process {ProcessId} (retry {RetryCount})")]
    public static partial void TaskStarted(ILogger logger, string jobId, string taskId, string nodeId, int processId, int retryCount);

    [LoggerMessage(EventId = Events.TaskAttemptFailed, EventName = nameof(Events.TaskAttemptFailed), Level = LogLevel.Information,
        Message = "Task {TaskId} of job {JobId} exited with code {ExitCode} on node {NodeId}; retrying it (retry {NextRetry})")]
    public static partial void TaskAttemptFailed(ILogger logger, string jobId, string taskId, string nodeId, int exitCode, int nextRetry);

    [LoggerMessage(EventId = Events.TaskEnded, EventName = nameof(Events.TaskEnded), Level = LogLevel.Information,
        Message = "Task {TaskId} of job {JobId} completed on node {NodeId}: {Result}, exit code {ExitCode}, failure {FailureCode}")]
    public static partial void TaskEnded(ILogger logger, string jobId, string taskId, string? nodeId, string result, int? exitCode, string? failureCode);

    [LoggerMessage(EventId = Events.TaskRequeued, EventName = nameof(Events.TaskRequeued), Level = LogLevel.Information,
        Message = "Task {TaskId} of job {JobId} was stopped because node {NodeId} left the pool; it is queued again")]
    public static partial void TaskRequeued(ILogger logger, string jobId, string taskId, string nodeId);

    [LoggerMessage(EventId = Events.ProcessKilled, EventName = nameof(Events.ProcessKilled), Level = LogLevel.Information,
        Message = "Killed process {ProcessId} of {What} and every process it started: {Reason}")]
    public static partial void ProcessKilled(ILogger logger, int processId, string what, string reason);

    [LoggerMessage(EventId = Events.ResourceFileFailed, EventName = nameof(Events.ResourceFileFailed), Level = LogLevel.Warning,
        Message = "Resource file of {What} failed: {FailureCode}: {FailureMessage}")]
    public static partial void ResourceFileFailed(ILogger logger, string what, string failureCode, string failureMessage);

    [LoggerMessage(EventId = Events.OutputUploadFailed, EventName = nameof(Events.OutputUploadFailed), Level = LogLevel.Warning,
        Message = "Output file upload of task {TaskId} of job {JobId} failed: {FailureCode}: {FailureMessage}")]
    public static partial void OutputUploadFailed(ILogger logger, string jobId, string taskId, string failureCode, string failureMessage);

    [LoggerMessage(EventId = Events.OutputLinkSkipped, EventName = nameof(Events.OutputLinkSkipped), Level = LogLevel.Warning,
        Message = "Output file '{Path}' of task {TaskId} of job {JobId} (pattern '{Pattern}') was not uploaded: it is a symbolic link whose target lies outside the task folder")]
    public static partial void OutputLinkSkipped(ILogger logger, string jobId, string taskId, string path, string pattern);

    [LoggerMessage(EventId = Events.OutputTailLinkRefused, EventName = nameof(Events.OutputTailLinkRefused), Level = LogLevel.Warning,
        Message = "The {File} of {What} was not read: it, or a folder on its path, is a symbolic link whose target lies outside {Folder}")]
    public static partial void OutputTailLinkRefused(ILogger logger, string file, string what, string folder);

    [LoggerMessage(EventId = Events.CleanupFailed, EventName = nameof(Events.CleanupFailed), Level = LogLevel.Warning,
        Message = "Could not remove folder {Folder}: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(EventId = Events.BackgroundWorkFailed, EventName = nameof(Events.BackgroundWorkFailed), Level = LogLevel.Error,
        Message = "Local compute background work failed unexpectedly")]
    public static partial void BackgroundWorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = Events.ChangeHandlerFailed, EventName = nameof(Events.ChangeHandlerFailed), Level = LogLevel.Warning,
        Message = "A local compute change handler threw; the change was applied anyway")]
    public static partial void ChangeHandlerFailed(ILogger logger, Exception exception);
}
