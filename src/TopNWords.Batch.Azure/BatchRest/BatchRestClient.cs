using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// A small client of the Azure Batch data-plane REST API (the operations the top-N-words workflow uses),
/// on Azure.Core's <see cref="HttpPipeline"/>: Shared Key or Microsoft Entra ID authentication, one retry
/// layer (<see cref="BatchRetryPolicy"/>), and every failure as a <see cref="BatchServiceException"/>.
/// </summary>
/// <remarks>
/// Thread-safe and immutable; share one instance per account. Every method is <see langword="virtual"/> and a
/// protected parameterless constructor exists, so tests can mock the client with Moq.
/// </remarks>
public class BatchRestClient
{
    /// <summary>The Microsoft Entra ID scope of the Batch data plane (the double slash is part of it).</summary>
    internal const string EntraScope = "https://batch.core.windows.net//.default";

    internal const string JsonContentType = "application/json; odata=minimalmetadata";

    private const int MaxErrorBodyBytes = 64 * 1024;

    private static readonly ResponseClassifier ExistsClassifier = new StatusCodeClassifier([200, 404]);

    private readonly HttpPipeline _pipeline = null!;
    private readonly Uri _endpoint = null!;
    private readonly string _apiVersion = null!;

    /// <summary>Initializes a new instance of the <see cref="BatchRestClient"/> class for mocking.</summary>
    protected BatchRestClient()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchRestClient"/> class with Shared Key authentication.</summary>
    /// <param name="endpoint">The account endpoint, such as <c>https://myaccount.westus.batch.azure.com</c>.</param>
    /// <param name="credential">The account name and key.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    public BatchRestClient(Uri endpoint, BatchSharedKeyCredential credential, BatchClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options ??= new BatchClientOptions();
        options.Validate();
        (_endpoint, _apiVersion, _pipeline) = Initialize(endpoint, options, new BatchSharedKeyPolicy(credential, options.TimeProvider));
    }

    /// <summary>Initializes a new instance of the <see cref="BatchRestClient"/> class with Microsoft Entra ID authentication.</summary>
    /// <param name="endpoint">The account endpoint (HTTPS: bearer tokens are never sent over plain HTTP).</param>
    /// <param name="credential">A token credential; tokens are requested for the scope <c>https://batch.core.windows.net//.default</c>.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    public BatchRestClient(Uri endpoint, TokenCredential credential, BatchClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options ??= new BatchClientOptions();
        options.Validate();
        (_endpoint, _apiVersion, _pipeline) = Initialize(endpoint, options, new BearerTokenAuthenticationPolicy(credential, EntraScope));
    }

    /// <summary>Gets the account endpoint.</summary>
    public virtual Uri Endpoint => _endpoint;

    /// <summary>
    /// Gets the HTTP pipeline the client sends with: authentication, the client's one retry layer and logging, for
    /// requests this client has no method for.
    /// </summary>
    public virtual HttpPipeline Pipeline => _pipeline;

    /// <summary>Lists the VM images the account's Batch service supports (<c>GET /supportedimages</c>).</summary>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>verificationType eq 'verified'</c>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The images, fetched page by page.</returns>
    public virtual AsyncPageable<BatchSupportedImage> ListSupportedImagesAsync(string? filter = null, CancellationToken cancellationToken = default)
        => List(
            "List supported images",
            null,
            ["supportedimages"],
            [("$filter", filter)],
            maxResults: null,
            BatchJsonContext.Default.BatchPageBatchSupportedImage,
            cancellationToken);

    /// <summary>Whether a pool exists (<c>HEAD /pools/{poolId}</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns><see langword="true"/> for 200, <see langword="false"/> for 404.</returns>
    public virtual async Task<bool> PoolExistsAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        using HttpMessage message = CreateMessage(RequestMethod.Head, ["pools", poolId], json: false);
        message.ResponseClassifier = ExistsClassifier;
        await SendAsync(message, "Check pool", poolId, cancellationToken, notFoundIsSuccess: true).ConfigureAwait(false);
        return message.Response.Status != 404;
    }

    /// <summary>Creates a pool (<c>POST /pools</c>).</summary>
    /// <param name="pool">The pool to create.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the pool (201).</returns>
    public virtual async Task CreatePoolAsync(BatchPoolCreateContent pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        using HttpMessage message = CreateMessage(RequestMethod.Post, ["pools"], json: true);
        SetJsonBody(message, pool, BatchJsonContext.Default.BatchPoolCreateContent);
        await SendAsync(message, "Create pool", pool.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a pool (<c>GET /pools/{poolId}</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pool.</returns>
    public virtual async Task<BatchPool> GetPoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        using HttpMessage message = CreateMessage(RequestMethod.Get, ["pools", poolId], json: true);
        await SendAsync(message, "Get pool", poolId, cancellationToken).ConfigureAwait(false);
        return ReadJson(message, BatchJsonContext.Default.BatchPool, "Get pool", poolId);
    }

    /// <summary>Starts deleting a pool (<c>DELETE /pools/{poolId}</c>; 202: the deletion goes on in the background).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the deletion.</returns>
    public virtual async Task DeletePoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        using HttpMessage message = CreateMessage(RequestMethod.Delete, ["pools", poolId], json: true);
        await SendAsync(message, "Delete pool", poolId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the compute nodes of a pool (<c>GET /pools/{poolId}/nodes</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>state eq 'starttaskfailed'</c>.</param>
    /// <param name="select">An OData <c>$select</c>, such as <c>id,state,startTaskInfo,errors</c>.</param>
    /// <param name="maxResults">The most nodes per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The nodes, fetched page by page.</returns>
    public virtual AsyncPageable<BatchNode> ListNodesAsync(string poolId, string? filter = null, string? select = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        return List(
            "List nodes of pool",
            poolId,
            ["pools", poolId, "nodes"],
            [("$filter", filter), ("$select", select)],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchNode,
            cancellationToken);
    }

    /// <summary>Creates a job (<c>POST /jobs</c>).</summary>
    /// <param name="job">The job to create.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service created the job (201).</returns>
    public virtual async Task CreateJobAsync(BatchJobCreateContent job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        using HttpMessage message = CreateMessage(RequestMethod.Post, ["jobs"], json: true);
        SetJsonBody(message, job, BatchJsonContext.Default.BatchJobCreateContent);
        await SendAsync(message, "Create job", job.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a job (<c>GET /jobs/{jobId}</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The job.</returns>
    public virtual async Task<BatchJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = CreateMessage(RequestMethod.Get, ["jobs", jobId], json: true);
        await SendAsync(message, "Get job", jobId, cancellationToken).ConfigureAwait(false);
        return ReadJson(message, BatchJsonContext.Default.BatchJob, "Get job", jobId);
    }

    /// <summary>Terminates a job (<c>POST /jobs/{jobId}/terminate</c>); running tasks are stopped.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="terminateReason">The reason recorded in the job's execution info; <see langword="null"/> to send no body.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the termination (202).</returns>
    public virtual async Task TerminateJobAsync(string jobId, string? terminateReason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = CreateMessage(RequestMethod.Post, ["jobs", jobId, "terminate"], json: true);
        if (terminateReason is not null)
        {
            SetJsonBody(message, new BatchJobTerminateContent { TerminateReason = terminateReason }, BatchJsonContext.Default.BatchJobTerminateContent);
        }

        await SendAsync(message, "Terminate job", jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deleting a job and its tasks (<c>DELETE /jobs/{jobId}</c>; 202).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the deletion.</returns>
    public virtual async Task DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = CreateMessage(RequestMethod.Delete, ["jobs", jobId], json: true);
        await SendAsync(message, "Delete job", jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds tasks to a job (<c>POST /jobs/{jobId}/addtaskcollection</c>). The service takes at most 100 tasks and
    /// 1 MB per request (<c>RequestBodyTooLarge</c> otherwise); chunking is the caller's job.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="tasks">The tasks to add.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>One result per task, in the service's order (not necessarily the request's): status, task id, and error.</returns>
    public virtual async Task<IReadOnlyList<BatchTaskAddResult>> AddTaskCollectionAsync(string jobId, IEnumerable<BatchTaskCreateContent> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(tasks);
        using HttpMessage message = CreateMessage(RequestMethod.Post, ["jobs", jobId, "addtaskcollection"], json: true);
        SetJsonBody(message, new BatchTaskGroup { Value = [.. tasks] }, BatchJsonContext.Default.BatchTaskGroup);
        await SendAsync(message, "Add tasks to job", jobId, cancellationToken).ConfigureAwait(false);
        BatchTaskAddCollectionResult result = ReadJson(message, BatchJsonContext.Default.BatchTaskAddCollectionResult, "Add tasks to job", jobId);
        return result.Value is null ? [] : [.. result.Value];
    }

    /// <summary>Lists the tasks of a job (<c>GET /jobs/{jobId}/tasks</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>state eq 'completed'</c>.</param>
    /// <param name="select">An OData <c>$select</c>, such as <c>id,state,executionInfo</c>.</param>
    /// <param name="maxResults">The most tasks per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The tasks, fetched page by page.</returns>
    public virtual AsyncPageable<BatchTask> ListTasksAsync(string jobId, string? filter = null, string? select = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        return List(
            "List tasks of job",
            jobId,
            ["jobs", jobId, "tasks"],
            [("$filter", filter), ("$select", select)],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchTask,
            cancellationToken);
    }

    /// <summary>Gets the task counts of a job by state (<c>GET /jobs/{jobId}/taskcounts</c>); cheap at any task count.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The task counts and task slot counts.</returns>
    public virtual async Task<BatchJobTaskCounts> GetJobTaskCountsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = CreateMessage(RequestMethod.Get, ["jobs", jobId, "taskcounts"], json: true);
        await SendAsync(message, "Get task counts of job", jobId, cancellationToken).ConfigureAwait(false);
        return ReadJson(message, BatchJsonContext.Default.BatchJobTaskCounts, "Get task counts of job", jobId);
    }

    /// <summary>Gets a task (<c>GET /jobs/{jobId}/tasks/{taskId}</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The task.</returns>
    public virtual async Task<BatchTask> GetTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        string resource = jobId + "/" + taskId;
        using HttpMessage message = CreateMessage(RequestMethod.Get, ["jobs", jobId, "tasks", taskId], json: true);
        await SendAsync(message, "Get task", resource, cancellationToken).ConfigureAwait(false);
        return ReadJson(message, BatchJsonContext.Default.BatchTask, "Get task", resource);
    }

    /// <summary>Streams a file of a task from its node (<c>GET /jobs/{jobId}/tasks/{taskId}/files/{filePath}</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="filePath">The path relative to the task directory, such as <c>stderr.txt</c> or <c>wd/out.txt</c>.</param>
    /// <param name="range">A byte range (sent as <c>ocp-range</c>), for example the tail of a log; <see langword="null"/> for the whole file.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The file's properties and its content stream; dispose it.</returns>
    public virtual Task<BatchFileContent> GetTaskFileAsync(string jobId, string taskId, string filePath, HttpRange? range = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(filePath);
        return GetFileAsync(TaskFileSegments(jobId, taskId, filePath), "Get task file", jobId + "/" + taskId + "/" + filePath, range, cancellationToken);
    }

    /// <summary>Gets the properties of a file of a task (<c>HEAD /jobs/{jobId}/tasks/{taskId}/files/{filePath}</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="filePath">The path relative to the task directory.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The file's properties (length, times, whether it is a directory).</returns>
    public virtual Task<BatchFileProperties> GetTaskFilePropertiesAsync(string jobId, string taskId, string filePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(filePath);
        return GetFilePropertiesAsync(TaskFileSegments(jobId, taskId, filePath), "Get task file properties", jobId + "/" + taskId + "/" + filePath, cancellationToken);
    }

    /// <summary>
    /// Streams a file of a compute node (<c>GET /pools/{poolId}/nodes/{nodeId}/files/{filePath}</c>), such as the
    /// start task's <c>startup/stderr.txt</c>.
    /// </summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="filePath">The path relative to the node's root directory, with <c>/</c> between folders (each part is escaped on its own).</param>
    /// <param name="range">A byte range (sent as <c>ocp-range</c>), for example the tail of a log; <see langword="null"/> for the whole file.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The file's properties and its content stream; dispose it.</returns>
    public virtual Task<BatchFileContent> GetNodeFileAsync(string poolId, string nodeId, string filePath, HttpRange? range = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(filePath);
        return GetFileAsync(NodeFileSegments(poolId, nodeId, filePath), "Get node file", poolId + "/" + nodeId + "/" + filePath, range, cancellationToken);
    }

    /// <summary>Gets the properties of a file of a compute node (<c>HEAD /pools/{poolId}/nodes/{nodeId}/files/{filePath}</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="filePath">The path relative to the node's root directory, with <c>/</c> between folders.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The file's properties (length, times, whether it is a directory, its mode).</returns>
    public virtual Task<BatchFileProperties> GetNodeFilePropertiesAsync(string poolId, string nodeId, string filePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        ArgumentNullException.ThrowIfNull(filePath);
        return GetFilePropertiesAsync(NodeFileSegments(poolId, nodeId, filePath), "Get node file properties", poolId + "/" + nodeId + "/" + filePath, cancellationToken);
    }

    /// <summary>The path of a node file: every part of <paramref name="filePath"/> escaped, the <c>/</c> between them kept.</summary>
    private static string[] NodeFileSegments(string poolId, string nodeId, string filePath)
        => ["pools", poolId, "nodes", nodeId, "files", .. filePath.Split('/')];

    private static string[] TaskFileSegments(string jobId, string taskId, string filePath)
        => ["jobs", jobId, "tasks", taskId, "files", .. filePath.Split('/')];

    /// <summary>Streams a task or node file: the response is not buffered, and its stream belongs to the caller.</summary>
    private async Task<BatchFileContent> GetFileAsync(string[] pathSegments, string operation, string resource, HttpRange? range, CancellationToken cancellationToken)
    {
        using HttpMessage message = CreateMessage(RequestMethod.Get, pathSegments, json: false);
        message.BufferResponse = false;
        if (range is HttpRange value)
        {
            message.Request.Headers.SetValue("ocp-range", value.ToString());
        }

        await SendAsync(message, operation, resource, cancellationToken).ConfigureAwait(false);
        BatchFileProperties properties = ReadFileProperties(message.Response);
        Stream content = message.ExtractResponseContent() ?? Stream.Null;
        return new BatchFileContent(properties, content);
    }

    private async Task<BatchFileProperties> GetFilePropertiesAsync(string[] pathSegments, string operation, string resource, CancellationToken cancellationToken)
    {
        using HttpMessage message = CreateMessage(RequestMethod.Head, pathSegments, json: false);
        await SendAsync(message, operation, resource, cancellationToken).ConfigureAwait(false);
        return ReadFileProperties(message.Response);
    }

    private static (Uri Endpoint, string ApiVersion, HttpPipeline Pipeline) Initialize(Uri endpoint, BatchClientOptions options, HttpPipelinePolicy authenticationPolicy)
    {
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The Batch account endpoint must be an absolute URI, such as https://myaccount.westus.batch.azure.com.", nameof(endpoint));
        }

        HttpPipeline pipeline = HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [],
            perRetryPolicies: [authenticationPolicy],
            new ResponseClassifier());
        return (endpoint, options.ApiVersion, pipeline);
    }

    private HttpMessage CreateMessage(RequestMethod method, string[] pathSegments, bool json)
    {
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        foreach (string segment in pathSegments)
        {
            if (!request.Uri.Path.EndsWith('/'))
            {
                request.Uri.AppendPath("/", escape: false);
            }

            request.Uri.AppendPath(segment, escape: true);
        }

        request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        SetCommonHeaders(request, json);
        return message;
    }

    private HttpMessage CreateNextLinkMessage(string nextLink, string operation, string? resource)
    {
        Uri target = ResolveNextLink(nextLink, operation, resource, response: null);
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = RequestMethod.Get;
        request.Uri.Reset(target);
        if (!HasQueryParameter(request.Uri.Query, "api-version"))
        {
            request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        }

        try
        {
            // What the transport will send to (the builder's URI, parsed again), checked once more.
            RequireAccountEndpoint(request.Uri.ToUri(), operation, resource, response: null);
        }
        catch
        {
            message.Dispose();
            throw;
        }

        SetCommonHeaders(request, json: true);
        return message;
    }

    /// <summary>
    /// The absolute URI of a next link, resolved against the account endpoint the way the transport will read it
    /// (a scheme-relative <c>//host/…</c>, <c>\/host/…</c>, <c>\\host\…</c>, with or without leading whitespace,
    /// names a host of its own). It must have the endpoint's scheme, host and port: the next request carries the
    /// account's Shared Key signature or bearer token, which go to the account endpoint and nowhere else.
    /// </summary>
    /// <param name="nextLink">The <c>odata.nextLink</c> (or a continuation token that is one).</param>
    /// <param name="operation">The list operation, for the error.</param>
    /// <param name="resource">The listed resource, for the error.</param>
    /// <param name="response">The response that carried the link (its status and request id go into the error), if at hand.</param>
    private Uri ResolveNextLink(string nextLink, string operation, string? resource, Response? response)
    {
        if (!Uri.TryCreate(_endpoint, nextLink, out Uri? target))
        {
            throw NextLinkError(operation, resource, response, "the service returned a next link that is not a URI.");
        }

        RequireAccountEndpoint(target, operation, resource, response);
        return target;
    }

    private void RequireAccountEndpoint(Uri target, string operation, string? resource, Response? response)
    {
        if (target.IsAbsoluteUri &&
            string.Equals(target.Scheme, _endpoint.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(target.IdnHost, _endpoint.IdnHost, StringComparison.OrdinalIgnoreCase) &&
            target.Port == _endpoint.Port)
        {
            return;
        }

        // Name the foreign host, never the link's path or query (it may carry a token) nor its user info.
        throw NextLinkError(
            operation,
            resource,
            response,
            $"the service returned a next link to another host ({Origin(target)}), not to the account endpoint ({Origin(_endpoint)}). " +
            "The link was not followed and no credentials were sent to it; check that the endpoint is the Batch account's own, and that no proxy rewrites the service's responses.");
    }

    private static BatchServiceException NextLinkError(string operation, string? resource, Response? response, string reason)
    {
        string? requestId = response is not null && response.Headers.TryGetValue("request-id", out string? id) ? id : null;
        string message = $"{operation}{(resource is null ? string.Empty : $" '{resource}'")} failed: {reason}{(requestId is null ? string.Empty : $" RequestId: {requestId}.")}";

        // The status of the response that carried the link (not 0, which means "no response" and reads as transient):
        // a link to another host is not something a retry fixes.
        return new BatchServiceException(message, response?.Status ?? 0, errorCode: null, errorMessage: null, values: null, requestId);
    }

    /// <summary><c>scheme://host[:port]</c>, without user info, path or query.</summary>
    private static string Origin(Uri uri)
        => !uri.IsAbsoluteUri
            ? "a relative link"
            : uri.Scheme + "://" + uri.Host + (uri.IsDefaultPort || uri.Port < 0 ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture));

    private static void SetCommonHeaders(Request request, bool json)
    {
        if (json)
        {
            request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        }

        request.Headers.SetValue("client-request-id", request.ClientRequestId);
    }

    private static bool HasQueryParameter(string query, string name)
    {
        foreach (KeyValuePair<string, string> parameter in BatchSharedKeyPolicy.GetCanonicalQuery(query))
        {
            if (parameter.Key == name)
            {
                return true;
            }
        }

        return false;
    }

    private static void SetJsonBody<T>(HttpMessage message, T body, JsonTypeInfo<T> typeInfo)
    {
        message.Request.Headers.SetValue(HttpHeader.Names.ContentType, JsonContentType);
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo));
    }

    private AsyncPageable<T> List<T>(
        string operation,
        string? resource,
        string[] pathSegments,
        (string Name, string? Value)[] query,
        int? maxResults,
        JsonTypeInfo<BatchPage<T>> typeInfo,
        CancellationToken cancellationToken)
        where T : notnull
        => new BatchAsyncPageable<T>(
            async (nextLink, pageSizeHint, token) =>
            {
                HttpMessage message;
                if (nextLink is null)
                {
                    message = CreateMessage(RequestMethod.Get, pathSegments, json: true);
                    foreach ((string name, string? value) in query)
                    {
                        if (value is not null)
                        {
                            message.Request.Uri.AppendQuery(name, value, escapeValue: true);
                        }
                    }

                    if ((pageSizeHint ?? maxResults) is int pageSize)
                    {
                        message.Request.Uri.AppendQuery("maxresults", pageSize.ToString(CultureInfo.InvariantCulture), escapeValue: true);
                    }
                }
                else
                {
                    message = CreateNextLinkMessage(nextLink, operation, resource);
                }

                using (message)
                {
                    await SendAsync(message, operation, resource, token).ConfigureAwait(false);
                    BatchPage<T> page = ReadJson(message, typeInfo, operation, resource);
                    string? next = string.IsNullOrEmpty(page.NextLink) ? null : page.NextLink;
                    if (next is not null)
                    {
                        // Checked as it arrives, so the error carries this response's status and request id.
                        ResolveNextLink(next, operation, resource, message.Response);
                    }

                    IReadOnlyList<T> values = page.Value is null ? [] : [.. page.Value];
                    return Page<T>.FromValues(values, next, message.Response);
                }
            },
            cancellationToken);

    private async Task SendAsync(HttpMessage message, string operation, string? resource, CancellationToken cancellationToken, bool notFoundIsSuccess = false)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BatchRetryPolicy.IsRetriableException(ex, cancellationToken))
        {
            throw BatchServiceExceptionFactory.FromTransportFailure(operation, resource, ex);
        }

        int status = message.Response.Status;
        if (status is >= 200 and < 300 || (notFoundIsSuccess && status == 404))
        {
            return;
        }

        if (!message.BufferResponse)
        {
            await BufferErrorBodyAsync(message.Response, cancellationToken).ConfigureAwait(false);
        }

        throw BatchServiceExceptionFactory.FromResponse(operation, resource, message);
    }

    private static async Task BufferErrorBodyAsync(Response response, CancellationToken cancellationToken)
    {
        Stream? stream = response.ContentStream;
        if (stream is null or MemoryStream)
        {
            return;
        }

        var buffer = new MemoryStream();
        try
        {
            byte[] chunk = new byte[8192];
            int read;
            while (buffer.Length < MaxErrorBodyBytes &&
                   (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, MaxErrorBodyBytes - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // A partial error body is still worth parsing; the status alone is reported otherwise.
        }

        await stream.DisposeAsync().ConfigureAwait(false);
        buffer.Position = 0;
        response.ContentStream = buffer;
    }

    private static T ReadJson<T>(HttpMessage message, JsonTypeInfo<T> typeInfo, string operation, string? resource)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Response.Content.ToMemory().Span, typeInfo)
                ?? throw BatchServiceExceptionFactory.FromUnreadableResponse(operation, resource, message, null);
        }
        catch (JsonException ex)
        {
            throw BatchServiceExceptionFactory.FromUnreadableResponse(operation, resource, message, ex);
        }
    }

    private static BatchFileProperties ReadFileProperties(Response response)
    {
        ResponseHeaders headers = response.Headers;
        return new BatchFileProperties
        {
            ContentLength = headers.TryGetValue("Content-Length", out string? length) && long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : null,
            ContentType = headers.TryGetValue("Content-Type", out string? contentType) ? contentType : null,
            ContentRange = headers.TryGetValue("Content-Range", out string? contentRange) ? contentRange : null,
            CreationTime = ParseHttpDate(headers, "ocp-creation-time"),
            LastModified = ParseHttpDate(headers, "Last-Modified"),
            IsDirectory = headers.TryGetValue("ocp-batch-file-isdirectory", out string? isDirectory) && bool.TryParse(isDirectory, out bool directory) && directory,
            FileUrl = headers.TryGetValue("ocp-batch-file-url", out string? url) ? url : null,
            FileMode = headers.TryGetValue("ocp-batch-file-mode", out string? mode) ? mode : null,
        };
    }

    private static DateTimeOffset? ParseHttpDate(ResponseHeaders headers, string name)
        => headers.TryGetValue(name, out string? value) &&
           DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed)
            ? parsed
            : null;
}
