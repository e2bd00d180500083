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

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "Run {RunId}: application {Application} starts with 'dotnet', but the compute runs tasks on remote nodes, which may not have the .NET runtime; stage a self-contained build instead (AzureTaskApplications.SelfContainedTaskRunner)")]
    public static partial void FrameworkDependentOnRemoteNodes(ILogger logger, string runId, string application);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Run {RunId}: {Operation} failed transiently ({ErrorKind}); attempt {Attempt} is retried in {Delay}")]
    public static partial void Retrying(ILogger logger, string runId, string operation, int attempt, TimeSpan delay, string errorKind);
}
