namespace TopNWords.Batch.Azure;

/// <summary>
/// An Azure Batch data-plane request failed: the service answered with an error, or no answer came after
/// the retries (then <see cref="Status"/> is 0 and the network error is the inner exception).
/// </summary>
/// <remarks>
/// The message names the operation and the resource, the HTTP status, the service's error code and message,
/// the error's detail values and the <c>request-id</c> to quote to Azure support. It never contains the
/// account key, an <c>Authorization</c> header, a bearer token or a SAS signature (<c>sig=</c> values are redacted).
/// </remarks>
public class BatchServiceException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BatchServiceException"/> class.</summary>
    public BatchServiceException()
        : this("An Azure Batch request failed.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchServiceException"/> class with a message.</summary>
    /// <param name="message">The message that describes the error.</param>
    public BatchServiceException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchServiceException"/> class with a message and an inner exception.</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public BatchServiceException(string message, Exception? innerException)
        : this(message, status: 0, errorCode: null, errorMessage: null, values: null, requestId: null, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchServiceException"/> class with every detail (for tests and mocks).</summary>
    /// <param name="message">The message that describes the error.</param>
    /// <param name="status">The HTTP status code, or 0 when no response was received.</param>
    /// <param name="errorCode">The service's error code (for example <c>PoolExists</c>), if any.</param>
    /// <param name="errorMessage">The service's error message, if any.</param>
    /// <param name="values">The service's error detail values, if any.</param>
    /// <param name="requestId">The service's <c>request-id</c> response header, if any.</param>
    /// <param name="innerException">The exception that caused this one, or <see langword="null"/>.</param>
    public BatchServiceException(
        string message,
        int status,
        string? errorCode,
        string? errorMessage,
        IReadOnlyList<KeyValuePair<string, string>>? values,
        string? requestId,
        Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
        ErrorMessage = errorMessage;
        Values = values ?? [];
        RequestId = requestId;
    }

    /// <summary>Gets the HTTP status code of the response, or 0 when no response was received.</summary>
    public int Status { get; }

    /// <summary>Gets the service's error code (for example <c>PoolExists</c>, <c>JobNotFound</c>), if the response had one.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets the service's error message (with SAS signatures redacted), if the response had one.</summary>
    public string? ErrorMessage { get; }

    /// <summary>Gets the key/value details of the service's error (with SAS signatures redacted); empty when there are none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Values { get; }

    /// <summary>Gets the service's <c>request-id</c> response header, to quote when asking Azure support.</summary>
    public string? RequestId { get; }

    /// <summary>
    /// Gets how long the service asked the caller to wait before trying again (its <c>retry-after-ms</c>,
    /// <c>x-ms-retry-after-ms</c> or <c>Retry-After</c> response header), when the response had one.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no hint.</value>
    public TimeSpan? RetryAfter { get; init; }
}
