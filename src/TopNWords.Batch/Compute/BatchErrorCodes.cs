namespace TopNWords.Batch.Compute;

/// <summary>
/// The error codes of Azure Batch that this library produces or acts on: the <c>code</c> of a failed request
/// (<see cref="BatchComputeException.ErrorCode"/>, <see cref="TaskAddFailure.ErrorCode"/>), of a pool's resize
/// error, and of a task's failure (<see cref="TaskFailureInfo.Code"/>). The local compute and the emulator use the
/// service's codes, so code that matches them works against every backend. Codes compare ordinally; the service
/// spells them as here.
/// </summary>
public static class BatchErrorCodes
{
    // ---- Requests: resources that do not exist ----------------------------------------------

    /// <summary>The pool does not exist (404).</summary>
    public const string PoolNotFound = "PoolNotFound";

    /// <summary>The job does not exist (404).</summary>
    public const string JobNotFound = "JobNotFound";

    /// <summary>The task does not exist (404).</summary>
    public const string TaskNotFound = "TaskNotFound";

    /// <summary>The compute node does not exist (404).</summary>
    public const string NodeNotFound = "NodeNotFound";

    /// <summary>The task or node file does not exist (404).</summary>
    public const string FileNotFound = "FileNotFound";

    /// <summary>The request names no resource the service has (404).</summary>
    public const string ResourceNotFound = "ResourceNotFound";

    // ---- Requests: resources in the way, or in the wrong state ------------------------------

    /// <summary>A pool with the id already exists (409).</summary>
    public const string PoolExists = "PoolExists";

    /// <summary>A job with the id already exists (409).</summary>
    public const string JobExists = "JobExists";

    /// <summary>A task with the id already exists in the job (409); adding a task again counts as success.</summary>
    public const string TaskExists = "TaskExists";

    /// <summary>The pool is being deleted (409).</summary>
    public const string PoolBeingDeleted = "PoolBeingDeleted";

    /// <summary>The job is being deleted (409).</summary>
    public const string JobBeingDeleted = "JobBeingDeleted";

    /// <summary>The job is being terminated (409).</summary>
    public const string JobBeingTerminated = "JobBeingTerminated";

    /// <summary>The job is completed (terminated) and accepts no change such as new tasks (409).</summary>
    public const string JobCompleted = "JobCompleted";

    /// <summary>
    /// A task with dependencies (<see cref="TaskSpec.DependsOn"/>) was added to a job without
    /// <see cref="JobSpec.UsesTaskDependencies"/> (the emulator answers 409).
    /// </summary>
    public const string TaskDependenciesNotSpecifiedOnJob = "TaskDependenciesNotSpecifiedOnJob";

    /// <summary>The task ids a task depends on hold more than 64,000 characters together (400); depend on id ranges instead.</summary>
    public const string TaskDependencyListTooLong = "TaskDependencyListTooLong";

    /// <summary>The task is completed already, so it cannot be terminated (409).</summary>
    public const string TaskCompleted = "TaskCompleted";

    // ---- Requests: malformed or refused -----------------------------------------------------

    /// <summary>A property of the request body has a value the service refuses, such as an invalid id (400).</summary>
    public const string InvalidPropertyValue = "InvalidPropertyValue";

    /// <summary>A property the request body must have is missing (400).</summary>
    public const string MissingRequiredProperty = "MissingRequiredProperty";

    /// <summary>The request body is not valid JSON of the expected shape (400).</summary>
    public const string InvalidRequestBody = "InvalidRequestBody";

    /// <summary>A query parameter the request must have is missing (400).</summary>
    public const string MissingRequiredQueryParameter = "MissingRequiredQueryParameter";

    /// <summary>A query parameter, such as <c>$filter</c> or <c>maxresults</c>, has an invalid value (400).</summary>
    public const string InvalidQueryParameterValue = "InvalidQueryParameterValue";

    /// <summary>An HTTP header has an invalid value (400).</summary>
    public const string InvalidHeaderValue = "InvalidHeaderValue";

    /// <summary>The request body is too large (413); a task collection is then sent in smaller chunks.</summary>
    public const string RequestBodyTooLarge = "RequestBodyTooLarge";

    /// <summary>The requested byte range does not fit the file (416).</summary>
    public const string InvalidRange = "InvalidRange";

    /// <summary>The request could not be authenticated: wrong key or signature, expired token, skewed clock (403).</summary>
    public const string AuthenticationFailed = "AuthenticationFailed";

    /// <summary>An <c>If-Match</c> (or other conditional) header does not match the resource's entity tag (412): it changed meanwhile.</summary>
    public const string ConditionNotMet = "ConditionNotMet";

    /// <summary>The request was sent to a host name the server does not answer for (421; the emulator's loopback host check).</summary>
    public const string MisdirectedRequest = "MisdirectedRequest";

    // ---- Requests: transient ----------------------------------------------------------------

    /// <summary>The service is busy (503); retry later.</summary>
    public const string ServerBusy = "ServerBusy";

    /// <summary>The account's requests are throttled (429); retry after the <c>Retry-After</c> time.</summary>
    public const string TooManyRequests = "TooManyRequests";

    /// <summary>The service failed internally (500), for example to add one task of a collection; retry.</summary>
    public const string InternalError = "InternalError";

    // ---- Pool resize errors -----------------------------------------------------------------

    /// <summary>The pool could not get all its nodes because the account's core quota is reached.</summary>
    public const string AccountCoreQuotaReached = "AccountCoreQuotaReached";

    // ---- Task failures (TaskFailureInfo.Code) -----------------------------------------------

    /// <summary>The task's process exited with a non-zero exit code.</summary>
    public const string FailureExitCode = "FailureExitCode";

    /// <summary>The program of the task's command line was not found.</summary>
    public const string CommandProgramNotFound = "CommandProgramNotFound";

    /// <summary>The task's command line could not be launched.</summary>
    public const string CommandLaunchFailed = "CommandLaunchFailed";

    /// <summary>A resource file of the task does not exist.</summary>
    public const string BlobNotFound = "BlobNotFound";

    /// <summary>Access was denied to a resource file of the task.</summary>
    public const string BlobAccessDenied = "BlobAccessDenied";

    /// <summary>Downloading a resource file of the task timed out.</summary>
    public const string BlobDownloadTimedOut = "BlobDownloadTimedOut";

    /// <summary>A resource file of the task could not be downloaded (or was refused) for another reason.</summary>
    public const string BlobDownloadMiscError = "BlobDownloadMiscError";

    /// <summary>Access was denied to the container an output file of the task goes to.</summary>
    public const string FileUploadAccessDenied = "FileUploadAccessDenied";

    /// <summary>The container an output file of the task goes to does not exist.</summary>
    public const string FileUploadContainerNotFound = "FileUploadContainerNotFound";

    /// <summary>An output file of the task could not be uploaded for another reason.</summary>
    public const string FileUploadMiscError = "FileUploadMiscError";

    /// <summary>The task ran longer than its maximum wall-clock time and was killed (the local compute's code).</summary>
    public const string MaxWallClockTimeExceeded = "MaxWallClockTimeExceeded";

    /// <summary>The task was ended, for example because its job was terminated.</summary>
    public const string TaskEnded = "TaskEnded";

    // ---- Node errors (the local compute and the emulator) -----------------------------------

    /// <summary>
    /// The node's (or a task's) folders could not be prepared on the local file system: a node error, or a
    /// task failure of category <c>ServerError</c> (the local compute's code).
    /// </summary>
    public const string NodeFileSystemError = "NodeFileSystemError";

    /// <summary>A host (a test, the emulator's fault injection) made the node unusable on purpose (not a service code).</summary>
    public const string NodeFaultInjected = "NodeFaultInjected";
}
