using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>The service's errors: status codes, codes and messages, as <see cref="BatchRequestException"/>s.</summary>
internal static class BatchErrorResponses
{
    public static BatchRequestException PoolNotFound() => new(404, BatchErrorCodes.PoolNotFound, "The specified pool does not exist.");

    public static BatchRequestException JobNotFound() => new(404, BatchErrorCodes.JobNotFound, "The specified job does not exist.");

    public static BatchRequestException TaskNotFound() => new(404, BatchErrorCodes.TaskNotFound, "The specified task does not exist.");

    public static BatchRequestException NodeNotFound() => new(404, BatchErrorCodes.NodeNotFound, "The specified node does not exist.");

    public static BatchRequestException FileNotFound(string reason) =>
        new(404, BatchErrorCodes.FileNotFound, "The specified file does not exist.", ("Reason", reason));

    public static BatchRequestException ResourceNotFound() => new(404, BatchErrorCodes.ResourceNotFound, "The specified resource does not exist.");

    public static BatchRequestException PoolExists() => new(409, BatchErrorCodes.PoolExists, "The specified pool already exists.");

    public static BatchRequestException JobExists() => new(409, BatchErrorCodes.JobExists, "The specified job already exists.");

    public static BatchRequestException TaskExists() => new(409, BatchErrorCodes.TaskExists, "The specified task already exists.");

    public static BatchRequestException TaskCompleted() => new(409, BatchErrorCodes.TaskCompleted, "The specified task is already completed.");

    public static BatchRequestException PoolBeingDeleted() =>
        new(409, BatchErrorCodes.PoolBeingDeleted, "The specified pool has been marked for deletion and is being reclaimed.");

    public static BatchRequestException JobBeingDeleted() =>
        new(409, BatchErrorCodes.JobBeingDeleted, "The specified job has been marked for deletion and is being garbage collected.");

    public static BatchRequestException JobBeingTerminated() =>
        new(409, BatchErrorCodes.JobBeingTerminated, "The specified job is being terminated.");

    public static BatchRequestException JobCompleted() =>
        new(409, BatchErrorCodes.JobCompleted, "The specified job is already in a completed state.");

    public static BatchRequestException MissingRequiredQueryParameter(string name) =>
        new(400, BatchErrorCodes.MissingRequiredQueryParameter, "A query parameter that's mandatory for this request is not specified.", ("QueryParameterName", name));

    public static BatchRequestException InvalidQueryParameterValue(string name, string value, string reason) =>
        new(400, BatchErrorCodes.InvalidQueryParameterValue, "Value for one of the query parameters specified in the request URI is invalid.", ("QueryParameterName", name), ("QueryParameterValue", value), ("Reason", reason));

    public static BatchRequestException InvalidRequestBody(string reason) =>
        new(400, BatchErrorCodes.InvalidRequestBody, "The specified Request Body is not syntactically valid.", ("Reason", reason));

    public static BatchRequestException MissingRequiredProperty(string property) =>
        new(400, BatchErrorCodes.MissingRequiredProperty, "A required property was not specified in the request body.", ("PropertyName", property));

    public static BatchRequestException InvalidPropertyValue(string property, string? value, string reason) =>
        new(400, BatchErrorCodes.InvalidPropertyValue, "The value provided for one of the properties in the request body is invalid.", ("PropertyName", property), ("PropertyValue", value ?? string.Empty), ("Reason", reason));

    public static BatchRequestException TaskDependenciesNotSpecifiedOnJob() =>
        new(409, BatchErrorCodes.TaskDependenciesNotSpecifiedOnJob, "The task has dependencies (dependsOn), but its job does not use task dependencies (usesTaskDependencies).");

    public static BatchRequestException TaskDependencyListTooLong(int length) =>
        new(400, BatchErrorCodes.TaskDependencyListTooLong, "The task ids the task depends on are too long together; use task id ranges instead.", ("TotalLength", length.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("MaxLimit", TopNWords.Batch.Compute.TaskDependencies.MaxTaskIdsLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static BatchRequestException RequestBodyTooLarge(long limit) =>
        new(413, BatchErrorCodes.RequestBodyTooLarge, "The request body is too large and exceeds the maximum permissible limit.", ("MaxLimit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public static BatchRequestException InvalidHeaderValue(string header, string reason) =>
        new(400, BatchErrorCodes.InvalidHeaderValue, "The value for one of the HTTP headers is not in the correct format.", ("HeaderName", header), ("Reason", reason));

    public static BatchRequestException AuthenticationFailed(string detail) =>
        new(403, BatchErrorCodes.AuthenticationFailed, "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.", ("AuthenticationErrorDetail", detail));

    public static BatchRequestException MisdirectedRequest(string reason) =>
        new(421, BatchErrorCodes.MisdirectedRequest, "The request was addressed to a host this server does not answer for.", ("HeaderName", "Host"), ("Reason", reason));

    public static BatchRequestException ConditionNotMet() =>
        new(412, BatchErrorCodes.ConditionNotMet, "The condition specified using HTTP conditional header(s) is not met.");

    public static BatchRequestException ServerBusy() =>
        new(503, BatchErrorCodes.ServerBusy, "The server is currently unable to receive requests. Please retry your request.");

    public static BatchRequestException TooManyRequests(int retryAfterSeconds) =>
        new(429, BatchErrorCodes.TooManyRequests, "The server is throttling this account's requests. Please retry your request after the time in the Retry-After header.")
        {
            Headers = [("Retry-After", retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        };
}
