using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// The log messages of <see cref="AzureBatchCompute"/>: ids, counts, sizes and service error codes only.
/// Never keys, tokens, SAS URLs, command lines or environment values.
/// </summary>
internal static partial class AzureBatchLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Azure Batch {Account}: image {Publisher}/{Offer}/{Sku} with node agent {NodeAgentSkuId} selected")]
    public static partial void ImageSelected(ILogger logger, string account, string publisher, string offer, string sku, string nodeAgentSkuId);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Azure Batch {Account}: creating pool {PoolId} of {NodeCount} {VmSize} node(s), {TaskSlots} task slot(s) each")]
    public static partial void PoolCreating(ILogger logger, string account, string poolId, int nodeCount, string vmSize, int taskSlots);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Azure Batch {Account}: deleting pool {PoolId} (existed: {Existed})")]
    public static partial void PoolDeleting(ILogger logger, string account, string poolId, bool existed);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Azure Batch {Account}: created job {JobId} on pool {PoolId}")]
    public static partial void JobCreated(ILogger logger, string account, string jobId, string poolId);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Azure Batch {Account}: job {JobId} terminated")]
    public static partial void JobTerminated(ILogger logger, string account, string jobId);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Information, Message = "Azure Batch {Account}: deleting job {JobId} (existed: {Existed})")]
    public static partial void JobDeleting(ILogger logger, string account, string jobId, bool existed);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Debug, Message = "Azure Batch {Account}: adding {TaskCount} task(s) to job {JobId} in one request of {Bytes} bytes")]
    public static partial void AddTasksRequest(ILogger logger, string account, string jobId, int taskCount, int bytes);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Warning, Message = "Azure Batch {Account}: job {JobId}: a request of {TaskCount} task(s) was too large for the service ({ErrorCode}); sending it in two halves")]
    public static partial void AddTasksSplit(ILogger logger, string account, string jobId, int taskCount, string errorCode);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Warning, Message = "Azure Batch {Account}: job {JobId}: {TaskCount} task(s) got a server error ({ErrorCode}); resending them (attempt {Attempt} of {MaxAttempts})")]
    public static partial void AddTasksResend(ILogger logger, string account, string jobId, int taskCount, string errorCode, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Information, Message = "Azure Batch {Account}: job {JobId}: {Added} task(s) added, {Existing} already existed, {Failed} refused, in {Requests} request(s)")]
    public static partial void AddTasksDone(ILogger logger, string account, string jobId, int added, int existing, int failed, int requests);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Azure Batch {Account}: {Operation} on {ResourceId} failed with {Status} {ErrorCode}")]
    public static partial void OperationFailed(ILogger logger, string account, string operation, string resourceId, int status, string errorCode);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Azure Batch {Account}: preflight of pool {PoolId}: {Passed} check(s) passed, {Skipped} skipped")]
    public static partial void PreflightDone(ILogger logger, string account, string poolId, int passed, int skipped);
}
