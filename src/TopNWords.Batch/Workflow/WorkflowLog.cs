using Microsoft.Extensions.Logging;

namespace TopNWords.Batch;

/// <summary>The workflow's log messages. Never logs keys, SAS URLs or file contents.</summary>
internal static partial class WorkflowLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Run {RunId} starting: {InputCount} input(s) on {Storage} storage and {Compute} compute")]
    public static partial void RunStarting(ILogger logger, string runId, int inputCount, string storage, string compute);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Run {RunId} stage {Stage}")]
    public static partial void StageStarted(ILogger logger, string runId, BatchRunStage stage);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Run {RunId} staged {Uploaded} file(s), skipped {Skipped} unchanged")]
    public static partial void Staged(ILogger logger, string runId, int uploaded, int skipped);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Run {RunId} pool {PoolId} is ready")]
    public static partial void PoolReady(ILogger logger, string runId, string poolId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Run {RunId} added {Added} task(s) to job {JobId} ({Existing} already existed, {Requests} request(s))")]
    public static partial void TasksAdded(ILogger logger, string runId, string jobId, int added, int existing, int requests);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Debug, Message = "Run {RunId} tasks: {Active} active, {Running} running, {Completed} completed ({Failed} failed)")]
    public static partial void Counts(ILogger logger, string runId, int active, int running, int completed, int failed);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Run {RunId} task {TaskId} for {InputName} completed: {Result}, exit code {ExitCode}")]
    public static partial void TaskCompleted(ILogger logger, string runId, string taskId, string inputName, string result, int? exitCode);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Run {RunId} task {TaskId} for {InputName} failed: {Failure}")]
    public static partial void TaskFailed(ILogger logger, string runId, string taskId, string inputName, string failure);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Run {RunId} could not collect the output of task {TaskId}: {Reason}")]
    public static partial void OutputMissing(ILogger logger, string runId, string taskId, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "Run {RunId} cleanup deleted {Resource}")]
    public static partial void Deleted(ILogger logger, string runId, string resource);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Run {RunId} cleanup could not delete {Resource}: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string runId, string resource, string reason);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Run {RunId} keeps {Resources} (cleanup policy {Policy})")]
    public static partial void CleanupSkipped(ILogger logger, string runId, string resources, CleanupPolicy policy);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Error, Message = "Run {RunId} failed in stage {Stage}: {Reason}")]
    public static partial void RunFailed(ILogger logger, string runId, BatchRunStage stage, string reason);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "Run {RunId} was cancelled in stage {Stage}")]
    public static partial void RunCancelled(ILogger logger, string runId, BatchRunStage stage);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Information, Message = "Run {RunId} finished: {Succeeded} of {Total} task(s) succeeded in {Elapsed}")]
    public static partial void RunFinished(ILogger logger, string runId, int succeeded, int total, TimeSpan elapsed);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "Run {RunId}: application {Application} starts with 'dotnet', but the compute runs tasks on remote nodes, which may not have the .NET runtime; stage the native Linux runner instead (AzureTaskApplications.LinuxTaskRunner, from the TopNWords.Batch package)")]
    public static partial void FrameworkDependentOnRemoteNodes(ILogger logger, string runId, string application);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Run {RunId}: {Operation} failed transiently ({ErrorKind}); attempt {Attempt} is retried in {Delay}")]
    public static partial void Retrying(ILogger logger, string runId, string operation, int attempt, TimeSpan delay, string errorKind);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Information, Message = "Run {RunId}: resuming at stage {Stage} (submitted {CreatedAt:u}; staged: {Staged}, tasks added: {TasksAdded})")]
    public static partial void Resuming(ILogger logger, string runId, BatchRunStage stage, DateTimeOffset createdAt, bool staged, bool tasksAdded);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Information, Message = "Run {RunId}: submitted; {Tasks} task(s) added to job {JobId}. Attach to it by its id")]
    public static partial void Submitted(ILogger logger, string runId, int tasks, string jobId);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Warning, Message = "Run {RunId}: cancellation requested by {RequestedBy}; terminating job {JobId} and cleaning up by policy")]
    public static partial void CancelRequested(ILogger logger, string runId, string requestedBy, string jobId);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Information, Message = "Run {RunId}: preflight: {Check}")]
    public static partial void PreflightChecked(ILogger logger, string runId, string check);

    [LoggerMessage(EventId = 1021, Level = LogLevel.Warning, Message = "Run {RunId}: preflight could not check: {Check}")]
    public static partial void PreflightSkipped(ILogger logger, string runId, string check);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Information, Message = "Run {RunId}: cost hint: pool {PoolId} of {Nodes} node(s) ({VmSize}) for at most {Hours:F1} h (PoolReady + TasksComplete) = {NodeHours:F1} node-hours{Cores}")]
    public static partial void CostHint(ILogger logger, string runId, string poolId, int nodes, string vmSize, double hours, double nodeHours, string cores);

    [LoggerMessage(EventId = 1023, Level = LogLevel.Information, Message = "Sweep: deleted {Resource}")]
    public static partial void Swept(ILogger logger, string resource);

    [LoggerMessage(EventId = 1024, Level = LogLevel.Warning, Message = "Run {RunId}: the heartbeat could not be written ({Reason}); retrying at the next beat")]
    public static partial void HeartbeatFailed(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 1025, Level = LogLevel.Information, Message = "Run {RunId}: detached at stage {Stage}; the run goes on without this process")]
    public static partial void Detached(ILogger logger, string runId, BatchRunStage stage);

    [LoggerMessage(EventId = 1026, Level = LogLevel.Warning, Message = "Run {RunId}: the reduce task {TaskId} cannot run: {Reason}")]
    public static partial void ReduceBlocked(ILogger logger, string runId, string taskId, string reason);

    [LoggerMessage(EventId = 1027, Level = LogLevel.Warning, Message = "Run {RunId}: the reduce result could not be collected: {Reason}")]
    public static partial void ReduceOutputMissing(ILogger logger, string runId, string reason);
}
