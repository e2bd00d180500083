using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// Runs tasks on Azure Batch: an <see cref="IBatchCompute"/> over the Batch data-plane REST API
/// (version 2025-06-01.21.0), with Shared Key or Microsoft Entra ID authentication.
/// </summary>
/// <remarks>
/// <para>
/// Pools run Linux nodes (by default Ubuntu Server 24.04 LTS, the newest image Azure Batch verified for
/// <see cref="AzureBatchComputeOptions.ImagePublisher"/>, <see cref="AzureBatchComputeOptions.ImageOffer"/> and
/// <see cref="AzureBatchComputeOptions.ImageSkuPrefix"/>). Start tasks and tasks run as the pool's non-admin auto
/// user, so files the start task stages in <c>$AZ_BATCH_NODE_SHARED_DIR</c> belong to the user that runs the tasks.
/// </para>
/// <para>
/// The nodes have no .NET runtime: stage the task runner as a Linux application, the Native AOT executable of the
/// TopNWords.Batch package (<see cref="AzureTaskApplications.LinuxTaskRunner"/>, one file) or a self-contained publish
/// folder (<see cref="AzureTaskApplications.SelfContainedTaskRunner"/>). Its entry point is
/// <c>{app}/TopNWords.TaskRunner</c>. Resource files land on Linux nodes with mode <c>0770</c> (the service's default),
/// and the workflow's start task copies them with <c>cp -R</c>, which keeps the mode (less the umask), so the
/// executable stays executable.
/// </para>
/// <para>
/// Tasks get no storage credential: only the SAS URLs in their resource and output files. Every failure is a
/// <see cref="BatchComputeException"/> naming the pool, job or task and what to do; messages and logs never hold
/// the account key, a token or a SAS signature. Transient failures (408, 429, 5xx, network) are retried by the
/// client pipeline only (see <see cref="BatchClientOptions"/>); nothing here retries them again.
/// </para>
/// <para>Thread-safe; share one instance per account.</para>
/// </remarks>
public sealed class AzureBatchCompute : IBatchCompute
{
    /// <summary>The page size of task listings (the service's maximum).</summary>
    internal const int ListPageSize = 1000;

    /// <summary>Only what <see cref="BatchTaskInfo"/> needs, so that listing 10,000 tasks stays small.</summary>
    internal const string TaskSelect = "id,state,stateTransitionTime,executionInfo,nodeInfo";

    /// <summary>Only what <see cref="ComputeNodeInfo"/> needs.</summary>
    internal const string NodeSelect = "id,state,startTaskInfo,errors";

    /// <summary>Only what <see cref="PoolSummary"/> needs.</summary>
    internal const string PoolListSelect = "id,metadata,creationTime";

    /// <summary>Only what <see cref="JobSummary"/> needs.</summary>
    internal const string JobListSelect = "id,poolInfo,metadata,creationTime,state";

    private readonly BatchRestClient _client;
    private readonly AzureBatchComputeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SupportedImageSelector _images;
    private readonly AddTaskCollectionSender _sender;
    private readonly PoolPreflight _preflight;

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class with Shared Key authentication.</summary>
    /// <param name="endpoint">The account endpoint, such as <c>https://myaccount.westus.batch.azure.com</c>.</param>
    /// <param name="credential">The account name and key.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="credential"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not absolute, or an option is invalid.</exception>
    public AzureBatchCompute(Uri endpoint, BatchSharedKeyCredential credential, AzureBatchComputeOptions? options = null)
        : this(CreateClient(endpoint, credential, ref options), options)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class with Microsoft Entra ID authentication.</summary>
    /// <param name="endpoint">The account endpoint (HTTPS), such as <c>https://myaccount.westus.batch.azure.com</c>.</param>
    /// <param name="credential">A token credential, such as <c>DefaultAzureCredential</c>; its identity needs a Batch role on the account.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="credential"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not absolute, or an option is invalid.</exception>
    public AzureBatchCompute(Uri endpoint, TokenCredential credential, AzureBatchComputeOptions? options = null)
        : this(CreateClient(endpoint, credential, ref options), options, credential)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class over an existing client (tests).</summary>
    /// <param name="client">The Batch data-plane client.</param>
    /// <param name="options">The options.</param>
    /// <param name="managementCredential">
    /// The token credential for the management plane (VM size and quota checks, with
    /// <see cref="AzureBatchComputeOptions.ManagementResourceId"/>); <see langword="null"/> with Shared Key.
    /// </param>
    internal AzureBatchCompute(BatchRestClient client, AzureBatchComputeOptions? options = null, TokenCredential? managementCredential = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options = Validated(options);
        _client = client;
        _options = options;
        _time = options.TimeProvider;
        _logger = (ILogger?)options.LoggerFactory?.CreateLogger<AzureBatchCompute>() ?? NullLogger.Instance;
        DisplayName = client.Endpoint.Host;
        _images = new SupportedImageSelector(client, options, _time, DisplayName, _logger);
        _sender = new AddTaskCollectionSender(client, DisplayName, options.MaxParallelAddTaskRequests, options.MaxTaskAddAttempts, _logger);

        BatchManagementClient? management = null;
        string? notConfigured = null;
        if (options.ManagementResourceId is null)
        {
            notConfigured = "AzureBatchComputeOptions.ManagementResourceId is not set (the Batch data plane has no VM size or quota API; set it to the Batch account's resource id to check them).";
        }
        else if (managementCredential is null)
        {
            notConfigured = "the compute uses Shared Key, and the management plane needs a Microsoft Entra ID TokenCredential (build AzureBatchCompute with one to check them).";
        }
        else
        {
            var account = BatchAccountResourceId.Parse(options.ManagementResourceId, nameof(options.ManagementResourceId));
            management = new BatchManagementClient(options.ManagementEndpoint, account, managementCredential, options.ClientOptions);
        }

        _preflight = new PoolPreflight(client, _images, management, notConfigured, options, _time, DisplayName, _logger);
    }

    /// <inheritdoc />
    /// <value><see cref="ComputeCapabilities.RemoteNodes"/> and <see cref="ComputeCapabilities.PosixNodes"/>.</value>
    public ComputeCapabilities Capabilities => ComputeCapabilities.RemoteNodes | ComputeCapabilities.PosixNodes;

    /// <inheritdoc />
    /// <value>The host of the account endpoint, such as <c>myaccount.westus.batch.azure.com</c>.</value>
    public string DisplayName { get; }

    /// <inheritdoc />
    /// <remarks>
    /// The pool gets <see cref="PoolSpec.NodeCount"/> dedicated nodes of <see cref="PoolSpec.VirtualMachineSize"/>
    /// (or <see cref="AzureBatchComputeOptions.VirtualMachineSize"/>) with the newest verified image that matches the
    /// options (the supported images are listed once per instance). The start task runs as the pool's non-admin
    /// auto user.
    /// </remarks>
    public async Task CreatePoolAsync(PoolSpec pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        BatchPoolCreateContent content = BatchWireMapping.ToWire(pool, _options.VirtualMachineSize);
        SupportedImageSelector.SelectedImage image = await _images.GetAsync(pool.Id, cancellationToken).ConfigureAwait(false);
        content.VirtualMachineConfiguration = image.ToConfiguration();

        AzureBatchLog.PoolCreating(_logger, DisplayName, pool.Id, pool.NodeCount, content.VmSize, pool.TaskSlotsPerNode);
        try
        {
            await _client.CreatePoolAsync(content, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "create", "pool", pool.Id);
        }
    }

    /// <inheritdoc />
    /// <remarks>Node counts are dedicated plus Spot/low-priority nodes, so that they compare with <see cref="ListNodesAsync"/>.</remarks>
    public async Task<PoolInfo?> GetPoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        BatchPool pool;
        try
        {
            pool = await _client.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "get", "pool", poolId);
        }

        return BatchWireMapping.ToCompute(pool) with { Id = pool.Id ?? poolId };
    }

    /// <inheritdoc />
    /// <remarks>Polls the pool and its nodes every <see cref="AzureBatchComputeOptions.PoolPollInterval"/>.</remarks>
    public Task<PoolInfo> WaitForPoolReadyAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        return this.WaitForPoolReadyAsync(poolId, _options.PoolPollInterval, _time, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The service deletes the pool in the background (202); a pool already being deleted counts as existing.</remarks>
    public async Task<bool> DeletePoolAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        bool existed = await DeleteAsync(_client.DeletePoolAsync, BatchErrorCodes.PoolBeingDeleted, "pool", poolId, cancellationToken).ConfigureAwait(false);
        AzureBatchLog.PoolDeleting(_logger, DisplayName, poolId, existed);
        return existed;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Lists only the node fields the diagnostics use. Node states map by name; <c>upgradingos</c> is
    /// <see cref="ComputeNodeState.Upgrading"/>, <c>deallocated</c> and <c>deallocating</c> are
    /// <see cref="ComputeNodeState.Offline"/>, and anything else this library does not know is
    /// <see cref="ComputeNodeState.Unknown"/>.
    /// </remarks>
    public async Task<IReadOnlyList<ComputeNodeInfo>> ListNodesAsync(string poolId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        var nodes = new List<ComputeNodeInfo>();
        try
        {
            await foreach (BatchNode node in _client.ListNodesAsync(poolId, select: NodeSelect, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                nodes.Add(BatchWireMapping.ToCompute(node));
            }
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "list the nodes of", "pool", poolId);
        }

        return nodes;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads <c>startup/stderr.txt</c> or <c>startup/stdout.txt</c> of the node: its properties first (for the
    /// length), then only the last <paramref name="maxBytes"/> bytes (an <c>ocp-range</c>; the service takes
    /// <c>bytes=start-end</c> ranges only). A cut multi-byte character at the start is dropped.
    /// </remarks>
    public Task<string?> GetStartTaskOutputTailAsync(string poolId, string nodeId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string path = "startup/" + FileName(stream);
        return ReadTailAsync(
            token => _client.GetNodeFilePropertiesAsync(poolId, nodeId, path, token),
            (range, token) => _client.GetNodeFileAsync(poolId, nodeId, path, range, token),
            maxBytes,
            "read the start task's " + path + " of",
            "node",
            poolId + "/" + nodeId,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task CreateJobAsync(JobSpec job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        try
        {
            await _client.CreateJobAsync(BatchWireMapping.ToWire(job), cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "create", "job", job.Id);
        }

        AzureBatchLog.JobCreated(_logger, DisplayName, job.Id, job.PoolId);
    }

    /// <inheritdoc />
    /// <remarks>A job that is already completed or being terminated counts as terminated.</remarks>
    public async Task TerminateJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        try
        {
            await _client.TerminateJobAsync(jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.ErrorCode is BatchErrorCodes.JobCompleted or BatchErrorCodes.JobBeingTerminated)
        {
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "terminate", "job", jobId);
        }

        AzureBatchLog.JobTerminated(_logger, DisplayName, jobId);
    }

    /// <inheritdoc />
    /// <remarks>The service deletes the job in the background (202); a job already being deleted counts as existing.</remarks>
    public async Task<bool> DeleteJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        bool existed = await DeleteAsync(_client.DeleteJobAsync, BatchErrorCodes.JobBeingDeleted, "job", jobId, cancellationToken).ConfigureAwait(false);
        AzureBatchLog.JobDeleting(_logger, DisplayName, jobId, existed);
        return existed;
    }

    /// <summary>
    /// Deletes a pool or job: true when it existed (a 202, or already being deleted), false when it was not
    /// found; any other error names the resource.
    /// </summary>
    private async Task<bool> DeleteAsync(Func<string, CancellationToken, Task> delete, string beingDeletedCode, string kind, string id, CancellationToken cancellationToken)
    {
        try
        {
            await delete(id, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BatchServiceException ex) when (ex.Status == 404)
        {
            return false;
        }
        catch (BatchServiceException ex) when (ex.ErrorCode == beingDeletedCode)
        {
            return true;
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "delete", kind, id);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request per page of up to 1000 pools (<c>GET /pools</c> with <c>$select=id,metadata,creationTime</c>,
    /// following <c>odata.nextLink</c>); the service's order.
    /// </remarks>
    public async IAsyncEnumerable<PoolSummary> ListPoolsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        AsyncPageable<BatchPool> pools = _client.ListPoolsAsync(select: PoolListSelect, maxResults: ListPageSize, cancellationToken: cancellationToken);
        await foreach (BatchPool pool in ListAsync(pools, "list the pools of", cancellationToken).ConfigureAwait(false))
        {
            yield return BatchWireMapping.ToSummary(pool);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request per page of up to 1000 jobs (<c>GET /jobs</c> with <c>$select=id,poolInfo,metadata,creationTime,state</c>,
    /// following <c>odata.nextLink</c>); the service's order. <see cref="JobSummary.IsCompleted"/> is true for the states
    /// <c>completed</c>, <c>terminating</c> and <c>deleting</c>.
    /// </remarks>
    public async IAsyncEnumerable<JobSummary> ListJobsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        AsyncPageable<BatchJob> jobs = _client.ListJobsAsync(select: JobListSelect, maxResults: ListPageSize, cancellationToken: cancellationToken);
        await foreach (BatchJob job in ListAsync(jobs, "list the jobs of", cancellationToken).ConfigureAwait(false))
        {
            yield return BatchWireMapping.ToSummary(job);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Always: the image pools are created with (<see cref="AzureBatchComputeOptions.ImagePublisher"/>,
    /// <see cref="AzureBatchComputeOptions.ImageOffer"/>, <see cref="AzureBatchComputeOptions.ImageSkuPrefix"/>) must be one the
    /// account lists in <c>GET /supportedimages</c>, verified and not past its Batch end of support; the choice is kept for
    /// <see cref="CreatePoolAsync"/>. Otherwise <see cref="BatchComputeErrorKind.InvalidRequest"/> naming the image.
    /// </para>
    /// <para>
    /// With <see cref="AzureBatchComputeOptions.ManagementResourceId"/> and a <see cref="TokenCredential"/>: the management plane
    /// (<c>Microsoft.Batch</c> API 2025-06-01 at <see cref="AzureBatchComputeOptions.ManagementEndpoint"/>) gives the account's
    /// location and dedicated-core quotas and the VM sizes Batch supports there. A VM size not listed (or past its Batch end of
    /// support) is <see cref="BatchComputeErrorKind.InvalidRequest"/> naming it and a few listed sizes. The pool's dedicated cores
    /// (nodes × vCPUs) must fit the quota less the cores of the account's other pools (the larger of their target and current
    /// dedicated nodes, from <c>GET /pools</c>): per VM family when the account enforces family quotas, and in total; otherwise
    /// <see cref="BatchComputeErrorKind.QuotaExceeded"/> naming the pool, the quota and the numbers. An account in user
    /// subscription mode reports no Batch quota: that check is skipped.
    /// </para>
    /// <para>
    /// Without the resource id, or with Shared Key, the VM size and quota checks are listed in
    /// <see cref="ComputePreflightResult.Skipped"/> with the reason. The management plane gets only a bearer token for its own
    /// scope, never the Batch credential.
    /// </para>
    /// </remarks>
    public Task<ComputePreflightResult> PreflightPoolAsync(PoolSpec pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return _preflight.RunAsync(pool, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>
    /// Tasks go in add-task-collection requests of at most 100 tasks and at most 1,000,000 bytes of JSON (a new
    /// request starts before either limit would be passed), at most
    /// <see cref="AzureBatchComputeOptions.MaxParallelAddTaskRequests"/> at a time. A task whose JSON alone is too
    /// large fails the call before anything is sent.
    /// </para>
    /// <para>
    /// When the service still answers <c>RequestBodyTooLarge</c> (413, or 400 with that code), the request's tasks
    /// are sent again in two halves, down to single tasks. Tasks whose result is <c>servererror</c> (or that have no
    /// result) are sent again, only they, up to <see cref="AzureBatchComputeOptions.MaxTaskAddAttempts"/> times in all;
    /// tasks still refused then are thrown as an <see cref="AddTasksException"/> of kind
    /// <see cref="BatchComputeErrorKind.Unavailable"/> (transient: adding them again later is safe) when no task got another
    /// error. <c>TaskExists</c> counts as already existing (success). Any other per-task client error is collected and,
    /// once every other task was sent, thrown as <see cref="AddTasksException"/> naming each task with the service's
    /// code and message. A failure of a whole request that is not transient (401, 403, 404, 409, other 400s) is
    /// never resent and fails the call as a <see cref="BatchComputeException"/>; transient ones (408, 429, 5xx,
    /// network) were already retried by the pipeline, honouring <c>Retry-After</c>.
    /// </para>
    /// <para>
    /// <see cref="AddTasksResult.Requests"/> counts add-task-collection calls: a call the pipeline transparently
    /// retried after a transient failure counts once.
    /// </para>
    /// </remarks>
    public Task<AddTasksResult> AddTasksAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(tasks);
        return _sender.SendAsync(jobId, tasks, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<TaskCounts> GetTaskCountsAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        BatchJobTaskCounts counts;
        try
        {
            counts = await _client.GetJobTaskCountsAsync(jobId, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "get the task counts of", "job", jobId);
        }

        return BatchWireMapping.ToCompute(counts);
    }

    /// <inheritdoc />
    /// <remarks>
    /// One request per page of up to 1000 tasks (<c>maxresults=1000</c>, following <c>odata.nextLink</c>), with
    /// <c>$select=id,state,stateTransitionTime,executionInfo,nodeInfo</c> and a <c>$filter</c> made of the query
    /// (<c>state eq 'completed'</c>, <c>stateTransitionTime ge datetime'…'</c>, joined with <c>and</c>).
    /// </remarks>
    public async IAsyncEnumerable<BatchTaskInfo> ListTasksAsync(string jobId, TaskListQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        IAsyncEnumerator<BatchTask> tasks = _client.ListTasksAsync(jobId, BuildTaskFilter(query), TaskSelect, ListPageSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await tasks.MoveNextAsync().ConfigureAwait(false);
                }
                catch (BatchServiceException ex)
                {
                    throw Fail(ex, "list the tasks of", "job", jobId);
                }

                if (!more)
                {
                    yield break;
                }

                yield return BatchWireMapping.ToCompute(tasks.Current);
            }
        }
        finally
        {
            await tasks.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<BatchTaskInfo?> GetTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        BatchTask task;
        try
        {
            task = await _client.GetTaskAsync(jobId, taskId, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "get", "task", jobId + "/" + taskId);
        }

        return BatchWireMapping.ToCompute(task);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads the task's <c>stdout.txt</c> or <c>stderr.txt</c>: its properties first (for the length), then only the
    /// last <paramref name="maxBytes"/> bytes. A cut multi-byte character at the start is dropped.
    /// </remarks>
    public Task<string?> GetTaskOutputTailAsync(string jobId, string taskId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        string path = FileName(stream);
        return ReadTailAsync(
            token => _client.GetTaskFilePropertiesAsync(jobId, taskId, path, token),
            (range, token) => _client.GetTaskFileAsync(jobId, taskId, path, range, token),
            maxBytes,
            "read " + path + " of",
            "task",
            jobId + "/" + taskId,
            cancellationToken);
    }

    /// <summary>The <c>$filter</c> of a task listing, or <see langword="null"/> for every task.</summary>
    internal static string? BuildTaskFilter(TaskListQuery? query)
    {
        if (query is null)
        {
            return null;
        }

        var clauses = new List<string>(2);
        if (query.State is { } state)
        {
            clauses.Add($"state eq '{state.ToString().ToLowerInvariant()}'");
        }

        if (query.StateChangedSince is { } since)
        {
            clauses.Add("stateTransitionTime ge datetime'" + since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) + "'");
        }

        return clauses.Count == 0 ? null : string.Join(" and ", clauses);
    }

    private static AzureBatchComputeOptions Validated(AzureBatchComputeOptions? options)
    {
        options ??= new AzureBatchComputeOptions();
        options.Validate();
        return options;
    }

    private static string FileName(TaskOutputStream stream) => stream switch
    {
        TaskOutputStream.StandardOutput => "stdout.txt",
        TaskOutputStream.StandardError => "stderr.txt",
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, "Unknown output stream."),
    };

    private static BatchRestClient CreateClient(Uri endpoint, BatchSharedKeyCredential credential, ref AzureBatchComputeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options = Validated(options);
        return new BatchRestClient(endpoint, credential, options.ClientOptions);
    }

    private static BatchRestClient CreateClient(Uri endpoint, TokenCredential credential, ref AzureBatchComputeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options = Validated(options);
        return new BatchRestClient(endpoint, credential, options.ClientOptions);
    }

    private BatchComputeException Fail(BatchServiceException exception, string action, string resourceKind, string resourceId)
        => AzureBatchErrors.Fail(_logger, DisplayName, exception, action, resourceKind, resourceId);

    /// <summary>The items of an account-wide listing; a failure of any page names the account and what to do.</summary>
    private async IAsyncEnumerable<T> ListAsync<T>(AsyncPageable<T> pageable, string action, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : notnull
    {
        IAsyncEnumerator<T> items = pageable.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.MoveNextAsync().ConfigureAwait(false);
                }
                catch (BatchServiceException ex)
                {
                    throw Fail(ex, action, "account", DisplayName);
                }

                if (!more)
                {
                    yield break;
                }

                yield return items.Current;
            }
        }
        finally
        {
            await items.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Reads the tail of a task or node file: <see langword="null"/> when there is no such file; other failures name the resource.</summary>
    private async Task<string?> ReadTailAsync(
        Func<CancellationToken, Task<BatchFileProperties>> getProperties,
        Func<HttpRange?, CancellationToken, Task<BatchFileContent>> getFile,
        int maxBytes,
        string action,
        string resourceKind,
        string resourceId,
        CancellationToken cancellationToken)
    {
        try
        {
            return await FileTailReader.ReadAsync(getProperties, getFile, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, action, resourceKind, resourceId);
        }
    }
}
