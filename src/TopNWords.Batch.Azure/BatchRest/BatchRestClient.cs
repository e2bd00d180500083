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
public partial class BatchRestClient
{
    /// <summary>The Microsoft Entra ID scope of the Batch data plane (the double slash is part of it).</summary>
    internal const string EntraScope = "https://batch.core.windows.net//.default";

    private static readonly ResponseClassifier ExistsClassifier = new StatusCodeClassifier([200, 404]);

    // Null on an instance made with the protected constructor (for mocking).
    private readonly BatchRequestFactory _requests = null!;
    private readonly BatchRequestSender _sender = null!;
    private readonly BatchPager _pager = null!;

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
        _requests = Initialize(endpoint, options, new BatchSharedKeyPolicy(credential, options.TimeProvider));
        _sender = new BatchRequestSender(_requests.Pipeline);
        _pager = new BatchPager(_requests, _sender);
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
        _requests = Initialize(endpoint, options, new BearerTokenAuthenticationPolicy(credential, EntraScope));
        _sender = new BatchRequestSender(_requests.Pipeline);
        _pager = new BatchPager(_requests, _sender);
    }

    /// <summary>Gets the account endpoint.</summary>
    public virtual Uri Endpoint => _requests?.Endpoint!;

    /// <summary>
    /// Gets the HTTP pipeline the client sends with: authentication, the client's one retry layer and logging, for
    /// requests this client has no method for.
    /// </summary>
    public virtual HttpPipeline Pipeline => _requests?.Pipeline!;

    /// <summary>Lists the VM images the account's Batch service supports (<c>GET /supportedimages</c>).</summary>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>verificationType eq 'verified'</c>.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The images, fetched page by page.</returns>
    public virtual AsyncPageable<BatchSupportedImage> ListSupportedImagesAsync(string? filter = null, CancellationToken cancellationToken = default)
        => _pager.List(
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Head, ["pools", poolId], json: false);
        message.ResponseClassifier = ExistsClassifier;
        await _sender.SendAsync(message, "Check pool", poolId, cancellationToken, notFoundIsSuccess: true).ConfigureAwait(false);
        return message.Response.Status != 404;
    }

    /// <summary>Creates a pool (<c>POST /pools</c>).</summary>
    /// <param name="pool">The pool to create.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the pool (201).</returns>
    public virtual async Task CreatePoolAsync(BatchPoolCreateContent pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["pools"], json: true);
        BatchRequestFactory.SetJsonBody(message, pool, BatchJsonContext.Default.BatchPoolCreateContent);
        await _sender.SendAsync(message, "Create pool", pool.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a pool (<c>GET /pools/{poolId}</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pool.</returns>
    public virtual async Task<BatchPool> GetPoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, ["pools", poolId], json: true);
        return await _sender.SendAsync(message, BatchJsonContext.Default.BatchPool, "Get pool", poolId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deleting a pool (<c>DELETE /pools/{poolId}</c>; 202: the deletion goes on in the background).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the deletion.</returns>
    public virtual async Task DeletePoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Delete, ["pools", poolId], json: true);
        await _sender.SendAsync(message, "Delete pool", poolId, cancellationToken).ConfigureAwait(false);
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
        return _pager.List(
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["jobs"], json: true);
        BatchRequestFactory.SetJsonBody(message, job, BatchJsonContext.Default.BatchJobCreateContent);
        await _sender.SendAsync(message, "Create job", job.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets a job (<c>GET /jobs/{jobId}</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The job.</returns>
    public virtual async Task<BatchJob> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, ["jobs", jobId], json: true);
        return await _sender.SendAsync(message, BatchJsonContext.Default.BatchJob, "Get job", jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Terminates a job (<c>POST /jobs/{jobId}/terminate</c>); running tasks are stopped.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="terminateReason">The reason recorded in the job's execution info; <see langword="null"/> to send no body.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the termination (202).</returns>
    public virtual async Task TerminateJobAsync(string jobId, string? terminateReason = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["jobs", jobId, "terminate"], json: true);
        if (terminateReason is not null)
        {
            BatchRequestFactory.SetJsonBody(message, new BatchJobTerminateContent { TerminateReason = terminateReason }, BatchJsonContext.Default.BatchJobTerminateContent);
        }

        await _sender.SendAsync(message, "Terminate job", jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts deleting a job and its tasks (<c>DELETE /jobs/{jobId}</c>; 202).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service accepted the deletion.</returns>
    public virtual async Task DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Delete, ["jobs", jobId], json: true);
        await _sender.SendAsync(message, "Delete job", jobId, cancellationToken).ConfigureAwait(false);
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["jobs", jobId, "addtaskcollection"], json: true);
        BatchRequestFactory.SetJsonBody(message, new BatchTaskGroup { Value = [.. tasks] }, BatchJsonContext.Default.BatchTaskGroup);
        BatchTaskAddCollectionResult result = await _sender.SendAsync(message, BatchJsonContext.Default.BatchTaskAddCollectionResult, "Add tasks to job", jobId, cancellationToken).ConfigureAwait(false);
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
        return _pager.List(
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, ["jobs", jobId, "taskcounts"], json: true);
        return await _sender.SendAsync(message, BatchJsonContext.Default.BatchJobTaskCounts, "Get task counts of job", jobId, cancellationToken).ConfigureAwait(false);
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, ["jobs", jobId, "tasks", taskId], json: true);
        return await _sender.SendAsync(message, BatchJsonContext.Default.BatchTask, "Get task", resource, cancellationToken).ConfigureAwait(false);
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
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, pathSegments, json: false);
        message.BufferResponse = false;
        if (range is HttpRange value)
        {
            message.Request.Headers.SetValue("ocp-range", value.ToString());
        }

        await _sender.SendAsync(message, operation, resource, cancellationToken).ConfigureAwait(false);
        BatchFileProperties properties = BatchRequestSender.ReadFileProperties(message.Response);
        Stream content = message.ExtractResponseContent() ?? Stream.Null;
        return new BatchFileContent(properties, content);
    }

    private async Task<BatchFileProperties> GetFilePropertiesAsync(string[] pathSegments, string operation, string resource, CancellationToken cancellationToken)
    {
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Head, pathSegments, json: false);
        await _sender.SendAsync(message, operation, resource, cancellationToken).ConfigureAwait(false);
        return BatchRequestSender.ReadFileProperties(message.Response);
    }

    private static BatchRequestFactory Initialize(Uri endpoint, BatchClientOptions options, HttpPipelinePolicy authenticationPolicy)
    {
        if (!endpoint.IsAbsoluteUri)
        {
            throw new ArgumentException("The Batch account endpoint must be an absolute URI, such as https://myaccount.westus.batch.azure.com.", nameof(endpoint));
        }

        HttpPipeline pipeline = HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [],
            perRetryPolicies: [authenticationPolicy, RequestIdTelemetryPolicy.Instance],
            new ResponseClassifier());
        return new BatchRequestFactory(pipeline, endpoint, options.ApiVersion);
    }
}
