using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;
using TopNWords.Batch.Compute;
using RestTaskState = TopNWords.Batch.Azure.BatchRest.Models.BatchTaskState;
using TaskState = TopNWords.Batch.Compute.BatchTaskState;

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
/// The nodes have no .NET runtime: stage the task runner as a self-contained Linux application, published with
/// <c>dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained</c> and made into a
/// <see cref="TaskApplication"/> by <see cref="AzureTaskApplications.SelfContainedTaskRunner"/>. Its entry point is
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
    /// <summary>The most tasks the service takes in one add-task-collection request.</summary>
    internal const int MaxTasksPerRequest = 100;

    /// <summary>The largest add-task-collection body sent: the service refuses 1 MB and more.</summary>
    internal const int MaxRequestBodyBytes = 1_000_000;

    /// <summary>The page size of task listings (the service's maximum).</summary>
    internal const int ListPageSize = 1000;

    /// <summary>Only what <see cref="BatchTaskInfo"/> needs, so that listing 10,000 tasks stays small.</summary>
    internal const string TaskSelect = "id,state,stateTransitionTime,executionInfo,nodeInfo";

    /// <summary>Only what <see cref="ComputeNodeInfo"/> needs.</summary>
    internal const string NodeSelect = "id,state,startTaskInfo,errors";

    /// <summary>The image filter sent to list supported images.</summary>
    internal const string ImageFilter = "osType eq 'linux'";

    /// <summary><c>{"value":[</c> and <c>]}</c>: the add-task-collection body around the tasks.</summary>
    private const int EnvelopeBytes = 12;

    private readonly BatchRestClient _client;
    private readonly AzureBatchComputeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private SelectedImage? _image;

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class with Shared Key authentication.</summary>
    /// <param name="endpoint">The account endpoint, such as <c>https://myaccount.westus.batch.azure.com</c>.</param>
    /// <param name="credential">The account name and key.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="credential"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not absolute, or an option is invalid.</exception>
    public AzureBatchCompute(Uri endpoint, BatchSharedKeyCredential credential, AzureBatchComputeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options = Validated(options);
        _client = new BatchRestClient(endpoint, credential, options.ClientOptions);
        (_options, _time, _logger) = (options, options.TimeProvider ?? options.ClientOptions.TimeProvider, options.Logger ?? NullLogger.Instance);
        DisplayName = endpoint.Host;
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class with Microsoft Entra ID authentication.</summary>
    /// <param name="endpoint">The account endpoint (HTTPS), such as <c>https://myaccount.westus.batch.azure.com</c>.</param>
    /// <param name="credential">A token credential, such as <c>DefaultAzureCredential</c>; its identity needs a Batch role on the account.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="endpoint"/> or <paramref name="credential"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="endpoint"/> is not absolute, or an option is invalid.</exception>
    public AzureBatchCompute(Uri endpoint, TokenCredential credential, AzureBatchComputeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        options = Validated(options);
        _client = new BatchRestClient(endpoint, credential, options.ClientOptions);
        (_options, _time, _logger) = (options, options.TimeProvider ?? options.ClientOptions.TimeProvider, options.Logger ?? NullLogger.Instance);
        DisplayName = endpoint.Host;
    }

    /// <summary>Initializes a new instance of the <see cref="AzureBatchCompute"/> class over an existing client (tests).</summary>
    internal AzureBatchCompute(BatchRestClient client, AzureBatchComputeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options = Validated(options);
        _client = client;
        (_options, _time, _logger) = (options, options.TimeProvider ?? options.ClientOptions.TimeProvider, options.Logger ?? NullLogger.Instance);
        DisplayName = client.Endpoint.Host;
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
        BatchStartTask? startTask = pool.StartTask is { } start ? MapStartTask(pool.Id, start) : null;
        SelectedImage image = await GetImageAsync(pool.Id, cancellationToken).ConfigureAwait(false);
        string vmSize = pool.VirtualMachineSize ?? _options.VirtualMachineSize;
        var content = new BatchPoolCreateContent
        {
            Id = pool.Id,
            VmSize = vmSize,
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = image.Publisher, Offer = image.Offer, Sku = image.Sku, Version = "latest" },
                NodeAgentSkuId = image.NodeAgentSkuId,
            },
            TargetDedicatedNodes = pool.NodeCount,
            TaskSlotsPerNode = pool.TaskSlotsPerNode,
            StartTask = startTask,
        };

        AzureBatchLog.PoolCreating(_logger, DisplayName, pool.Id, pool.NodeCount, vmSize, pool.TaskSlotsPerNode);
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

        return MapPool(poolId, pool);
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
        bool existed = await DeleteAsync(_client.DeletePoolAsync, "PoolBeingDeleted", "pool", poolId, cancellationToken).ConfigureAwait(false);
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
                nodes.Add(MapNode(node));
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
            await _client.CreateJobAsync(new BatchJobCreateContent { Id = job.Id, PoolInfo = new BatchPoolInfo { PoolId = job.PoolId } }, cancellationToken).ConfigureAwait(false);
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
        catch (BatchServiceException ex) when (ex.ErrorCode is "JobCompleted" or "JobBeingTerminated")
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
        bool existed = await DeleteAsync(_client.DeleteJobAsync, "JobBeingDeleted", "job", jobId, cancellationToken).ConfigureAwait(false);
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
    /// <para>
    /// Tasks go in add-task-collection requests of at most 100 tasks and at most 1,000,000 bytes of JSON (a new
    /// request starts before either limit would be passed), at most
    /// <see cref="AzureBatchComputeOptions.MaxParallelAddTaskRequests"/> at a time. A task whose JSON alone is too
    /// large fails the call before anything is sent.
    /// </para>
    /// <para>
    /// When the service still answers <c>RequestBodyTooLarge</c> (413, or 400 with that code), the request's tasks
    /// are sent again in two halves, down to single tasks. Tasks whose result is <c>servererror</c> (or that have no
    /// result) are sent again, only they, up to <see cref="AzureBatchComputeOptions.MaxTaskAddAttempts"/> times in all.
    /// <c>TaskExists</c> counts as already existing (success). Any other per-task client error is collected and,
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
    public async Task<AddTasksResult> AddTasksAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0)
        {
            return new AddTasksResult(0, 0, 0);
        }

        var pending = new List<PendingTask>(tasks.Count);
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // Batch ids are case-insensitive
        var tooLarge = new List<TaskAddFailure>();
        for (int i = 0; i < tasks.Count; i++)
        {
            TaskSpec task = tasks[i] ?? throw new ArgumentException($"Task {i} of {tasks.Count} is null.", nameof(tasks));
            if (!ids.Add(task.Id))
            {
                throw new ArgumentException($"Task id '{task.Id}' occurs more than once (Batch task ids are case-insensitive).", nameof(tasks));
            }

            BatchTaskCreateContent content = MapTask(task);
            int size = JsonSerializer.SerializeToUtf8Bytes(content, BatchJsonContext.Default.BatchTaskCreateContent).Length;
            if (EnvelopeBytes + size > MaxRequestBodyBytes)
            {
                tooLarge.Add(new TaskAddFailure(task.Id, "RequestBodyTooLarge", $"The task's JSON is {size} bytes; a request must stay under 1 MB. Use fewer or shorter resource files, output files and environment settings."));
            }

            pending.Add(new PendingTask(i, task.Id, content, size));
        }

        if (tooLarge.Count > 0)
        {
            throw new AddTasksException(jobId, tooLarge);
        }

        var state = new AddState();
        await Parallel.ForEachAsync(
            Chunk(pending, MaxTasksPerRequest, MaxRequestBodyBytes),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelAddTaskRequests, CancellationToken = cancellationToken },
            (chunk, token) => new ValueTask(SendChunkAsync(jobId, chunk, 1, state, token))).ConfigureAwait(false);

        AzureBatchLog.AddTasksDone(_logger, DisplayName, jobId, state.Added, state.Existing, state.Failures.Count, state.Requests);
        if (!state.Failures.IsEmpty)
        {
            throw new AddTasksException(jobId, [.. state.Failures.OrderBy(f => f.Index).Select(f => f.Failure)]);
        }

        return new AddTasksResult(state.Added, state.Existing, state.Requests);
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

        BatchTaskCounts c = counts.TaskCounts ?? new BatchTaskCounts();
        return new TaskCounts(c.Active, c.Running, c.Completed, c.Succeeded, c.Failed);
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

                yield return MapTaskInfo(tasks.Current);
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

        return MapTaskInfo(task);
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

    /// <summary>Splits tasks, in order, into requests of at most <paramref name="maxCount"/> tasks and <paramref name="maxBytes"/> bytes of JSON.</summary>
    internal static List<List<PendingTask>> Chunk(IReadOnlyList<PendingTask> tasks, int maxCount, int maxBytes)
    {
        var chunks = new List<List<PendingTask>>();
        var current = new List<PendingTask>();
        int bytes = EnvelopeBytes;
        foreach (PendingTask task in tasks)
        {
            int added = task.Size + (current.Count > 0 ? 1 : 0); // the comma between tasks
            if (current.Count > 0 && (current.Count >= maxCount || bytes + added > maxBytes))
            {
                chunks.Add(current);
                current = [];
                bytes = EnvelopeBytes;
                added = task.Size;
            }

            current.Add(task);
            bytes += added;
        }

        if (current.Count > 0)
        {
            chunks.Add(current);
        }

        return chunks;
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

    private BatchComputeException Fail(BatchServiceException exception, string action, string resourceKind, string resourceId)
    {
        AzureBatchLog.OperationFailed(_logger, DisplayName, action + " " + resourceKind, resourceId, exception.Status, exception.ErrorCode ?? "none");
        return AzureBatchErrors.Map(exception, DisplayName, action, resourceKind, resourceId);
    }

    private async Task SendChunkAsync(string jobId, List<PendingTask> chunk, int attempt, AddState state, CancellationToken cancellationToken)
    {
        state.CountRequest();
        AzureBatchLog.AddTasksRequest(_logger, DisplayName, jobId, chunk.Count, EnvelopeBytes + chunk.Sum(t => t.Size) + chunk.Count - 1);
        IReadOnlyList<BatchTaskAddResult> results;
        try
        {
            results = await _client.AddTaskCollectionAsync(jobId, chunk.Select(t => t.Content), cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.Status == 413 || ex.ErrorCode == "RequestBodyTooLarge")
        {
            if (chunk.Count == 1)
            {
                state.Fail(chunk[0], ex.ErrorCode ?? "RequestBodyTooLarge", $"The service refused the task alone as too large ({chunk[0].Size} bytes of JSON). Use fewer or shorter resource files, output files and environment settings.");
                return;
            }

            AzureBatchLog.AddTasksSplit(_logger, DisplayName, jobId, chunk.Count, ex.ErrorCode ?? "413");
            int half = chunk.Count / 2;
            await SendChunkAsync(jobId, chunk[..half], attempt, state, cancellationToken).ConfigureAwait(false);
            await SendChunkAsync(jobId, chunk[half..], attempt, state, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "add tasks to", "job", jobId);
        }

        var byId = new Dictionary<string, BatchTaskAddResult>(StringComparer.OrdinalIgnoreCase);
        foreach (BatchTaskAddResult result in results)
        {
            if (result.TaskId is not null)
            {
                byId.TryAdd(result.TaskId, result);
            }
        }

        var resend = new List<PendingTask>();
        string resendCode = "ServerError";
        foreach (PendingTask task in chunk)
        {
            if (!byId.TryGetValue(task.Id, out BatchTaskAddResult? result))
            {
                task.LastError = ("NoResult", "The service returned no result for the task.");
                resend.Add(task);
                continue;
            }

            switch (result.Status)
            {
                case BatchTaskAddStatus.Success:
                    state.CountAdded();
                    break;
                case BatchTaskAddStatus.ClientError when string.Equals(result.Error?.Code, "TaskExists", StringComparison.OrdinalIgnoreCase):
                    state.CountExisting();
                    break;
                case BatchTaskAddStatus.ServerError:
                    task.LastError = AzureBatchErrors.Describe(result.Error, "ServerError");
                    resendCode = task.LastError.Value.Code;
                    resend.Add(task);
                    break;
                default:
                    (string code, string message) = AzureBatchErrors.Describe(result.Error, result.Status == BatchTaskAddStatus.ClientError ? "ClientError" : "UnknownStatus");
                    state.Fail(task, code, message);
                    break;
            }
        }

        if (resend.Count == 0)
        {
            return;
        }

        if (attempt >= _options.MaxTaskAddAttempts)
        {
            foreach (PendingTask task in resend)
            {
                (string code, string message) = task.LastError ?? ("ServerError", "The service failed to add the task.");
                state.Fail(task, code, $"{message} (refused {attempt} time(s); try again later)");
            }

            return;
        }

        AzureBatchLog.AddTasksResend(_logger, DisplayName, jobId, resend.Count, resendCode, attempt + 1, _options.MaxTaskAddAttempts);
        await SendChunkAsync(jobId, resend, attempt + 1, state, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SelectedImage> GetImageAsync(string poolId, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _image) is { } cached)
        {
            return cached;
        }

        var candidates = new List<BatchSupportedImage>();
        try
        {
            await foreach (BatchSupportedImage image in _client.ListSupportedImagesAsync(ImageFilter, cancellationToken).ConfigureAwait(false))
            {
                candidates.Add(image);
            }
        }
        catch (BatchServiceException ex)
        {
            throw Fail(ex, "list the supported images for", "pool", poolId);
        }

        SelectedImage selected = SelectImage(candidates, _options.ImagePublisher, _options.ImageOffer, _options.ImageSkuPrefix, _time.GetUtcNow())
            ?? throw new BatchComputeException(
                BatchComputeErrorKind.InvalidRequest,
                $"Azure Batch account '{DisplayName}' supports no verified Linux image of publisher '{_options.ImagePublisher}', offer '{_options.ImageOffer}' with a SKU starting with '{_options.ImageSkuPrefix}' (or every match is past its Batch end of support), so pool '{poolId}' was not created. " +
                "Set AzureBatchComputeOptions.ImagePublisher, ImageOffer and ImageSkuPrefix to an image the account lists (az batch pool supported-images list).",
                poolId,
                "ImageNotSupported");
        AzureBatchLog.ImageSelected(_logger, DisplayName, selected.Publisher, selected.Offer, selected.Sku, selected.NodeAgentSkuId);
        Volatile.Write(ref _image, selected);
        return selected;
    }

    /// <summary>
    /// The newest verified, still supported Linux image of the publisher and offer whose SKU starts with the prefix:
    /// an exact SKU first, then the latest end of support (none announced is latest), then the highest SKU.
    /// Arm64 images are skipped unless the prefix names arm64.
    /// </summary>
    internal static SelectedImage? SelectImage(IEnumerable<BatchSupportedImage> images, string publisher, string offer, string skuPrefix, DateTimeOffset now)
    {
        bool wantArm = skuPrefix.Contains("arm64", StringComparison.OrdinalIgnoreCase);
        BatchSupportedImage? best = images
            .Where(i => i.ImageReference is { Publisher: not null, Offer: not null, Sku: not null } && !string.IsNullOrEmpty(i.NodeAgentSkuId))
            .Where(i => i.VerificationType == BatchImageVerificationType.Verified && i.OsType != BatchOSType.Windows)
            .Where(i => i.BatchSupportEndOfLife is null || i.BatchSupportEndOfLife > now)
            .Where(i => string.Equals(i.ImageReference!.Publisher, publisher, StringComparison.OrdinalIgnoreCase)
                && string.Equals(i.ImageReference.Offer, offer, StringComparison.OrdinalIgnoreCase)
                && i.ImageReference.Sku!.StartsWith(skuPrefix, StringComparison.OrdinalIgnoreCase))
            .Where(i => wantArm || !(i.ImageReference!.Sku!.Contains("arm64", StringComparison.OrdinalIgnoreCase) || i.NodeAgentSkuId!.Contains("arm64", StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(i => string.Equals(i.ImageReference!.Sku, skuPrefix, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(i => i.BatchSupportEndOfLife ?? DateTimeOffset.MaxValue)
            .ThenByDescending(i => i.ImageReference!.Sku, StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault();
        return best is null
            ? null
            : new SelectedImage(best.ImageReference!.Publisher!, best.ImageReference.Offer!, best.ImageReference.Sku!, best.NodeAgentSkuId!);
    }

    private static BatchStartTask MapStartTask(string poolId, StartTaskSpec start) => new()
    {
        CommandLine = start.CommandLine,
        ResourceFiles = MapResourceFiles("start task of pool '" + poolId + "'", start.ResourceFiles),
        EnvironmentSettings = MapEnvironment(start.EnvironmentSettings),
        UserIdentity = PoolNonAdmin(),
        WaitForSuccess = start.WaitForSuccess,
        MaxTaskRetryCount = start.MaxTaskRetryCount,
    };

    private static BatchTaskCreateContent MapTask(TaskSpec task) => new()
    {
        Id = task.Id,
        CommandLine = task.CommandLine,
        ResourceFiles = MapResourceFiles("task '" + task.Id + "'", task.ResourceFiles),
        EnvironmentSettings = MapEnvironment(task.EnvironmentSettings),
        OutputFiles = task.OutputFiles.Count == 0 ? null : [.. task.OutputFiles.Select(o => MapOutputFile(task.Id, o))],
        Constraints = task.Constraints is { } c
            ? new BatchTaskConstraints { MaxWallClockTime = c.MaxWallClockTime, MaxTaskRetryCount = c.MaxTaskRetryCount, RetentionTime = c.RetentionTime }
            : null,
        UserIdentity = PoolNonAdmin(),
    };

    /// <summary>The pool's shared non-admin auto user: the start task and every task run as the same user.</summary>
    private static BatchUserIdentity PoolNonAdmin() => new()
    {
        AutoUser = new BatchAutoUserSpecification { Scope = BatchAutoUserScope.Pool, ElevationLevel = BatchElevationLevel.NonAdmin },
    };

    private static List<BatchResourceFile>? MapResourceFiles(string owner, IList<ResourceFile> files)
    {
        if (files.Count == 0)
        {
            return null;
        }

        var mapped = new List<BatchResourceFile>(files.Count);
        foreach (ResourceFile file in files)
        {
            RequireHttp(file.HttpUrl, $"The resource file '{file.FilePath}' of {owner}");
            mapped.Add(new BatchResourceFile { HttpUrl = file.HttpUrl.AbsoluteUri, FilePath = file.FilePath });
        }

        return mapped;
    }

    private static List<BatchEnvironmentSetting>? MapEnvironment(IDictionary<string, string> settings)
        => settings.Count == 0 ? null : [.. settings.Select(s => new BatchEnvironmentSetting(s.Key, s.Value))];

    private static BatchOutputFile MapOutputFile(string taskId, OutputFileSpec output)
    {
        RequireHttp(output.ContainerUrl, $"The output container of task '{taskId}' (pattern '{output.FilePattern}')");
        return new BatchOutputFile
        {
            FilePattern = output.FilePattern,
            Destination = new BatchOutputFileDestination
            {
                Container = new BatchOutputFileBlobContainerDestination { ContainerUrl = output.ContainerUrl.AbsoluteUri, Path = output.Path },
            },
            UploadOptions = new BatchOutputFileUploadConfig
            {
                UploadCondition = output.UploadCondition switch
                {
                    OutputUploadCondition.TaskSuccess => BatchOutputFileUploadCondition.TaskSuccess,
                    OutputUploadCondition.TaskFailure => BatchOutputFileUploadCondition.TaskFailure,
                    OutputUploadCondition.TaskCompletion => BatchOutputFileUploadCondition.TaskCompletion,
                    _ => throw new ArgumentOutOfRangeException(nameof(output), output.UploadCondition, $"Task '{taskId}' has an unknown upload condition."),
                },
            },
        };
    }

    private static void RequireHttp(Uri url, string what)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            // Never echo the URL: it may carry a SAS signature.
            throw new ArgumentException($"{what} has a '{(url.IsAbsoluteUri ? url.Scheme : "relative")}' URL; Azure Batch nodes fetch only http(s) URLs, such as Azure Blob SAS URLs. Use Azure Blob storage with Azure Batch.");
        }
    }

    private static PoolInfo MapPool(string poolId, BatchPool pool)
    {
        PoolAllocationState allocation = pool.AllocationState switch
        {
            BatchAllocationState.Steady => PoolAllocationState.Steady,
            BatchAllocationState.Stopping => PoolAllocationState.Stopping,
            _ => PoolAllocationState.Resizing, // resizing, or a state this library does not know: not settled
        };
        IReadOnlyList<PoolResizeError> errors = pool.ResizeErrors is { Count: > 0 } resizeErrors
            ? [.. resizeErrors.Select(e => new PoolResizeError(e.Code ?? "ResizeError", AzureBatchErrors.Describe(e)))]
            : [];
        return new PoolInfo(
            pool.Id ?? poolId,
            allocation,
            (pool.TargetDedicatedNodes ?? 0) + (pool.TargetLowPriorityNodes ?? 0),
            (pool.CurrentDedicatedNodes ?? 0) + (pool.CurrentLowPriorityNodes ?? 0),
            pool.TaskSlotsPerNode ?? 1,
            errors,
            pool.State == BatchPoolState.Deleting);
    }

    private static ComputeNodeInfo MapNode(BatchNode node)
    {
        ComputeNodeState state = node.State switch
        {
            BatchNodeState.Idle => ComputeNodeState.Idle,
            BatchNodeState.Rebooting => ComputeNodeState.Rebooting,
            BatchNodeState.Reimaging => ComputeNodeState.Reimaging,
            BatchNodeState.Running => ComputeNodeState.Running,
            BatchNodeState.Unusable => ComputeNodeState.Unusable,
            BatchNodeState.Creating => ComputeNodeState.Creating,
            BatchNodeState.Starting => ComputeNodeState.Starting,
            BatchNodeState.WaitingForStartTask => ComputeNodeState.WaitingForStartTask,
            BatchNodeState.StartTaskFailed => ComputeNodeState.StartTaskFailed,
            BatchNodeState.LeavingPool => ComputeNodeState.LeavingPool,
            BatchNodeState.Offline or BatchNodeState.Deallocated or BatchNodeState.Deallocating => ComputeNodeState.Offline,
            BatchNodeState.Preempted => ComputeNodeState.Preempted,
            BatchNodeState.UpgradingOS => ComputeNodeState.Upgrading,
            _ => ComputeNodeState.Unknown,
        };
        StartTaskInfo? startTask = node.StartTaskInfo is { } info
            ? new StartTaskInfo(info.State == BatchStartTaskState.Completed, info.ExitCode, MapFailure(info.FailureInfo), info.RetryCount ?? 0, info.StartTime, info.EndTime)
            : null;
        IReadOnlyList<string> errors = node.Errors is { Count: > 0 } nodeErrors ? [.. nodeErrors.Select(AzureBatchErrors.Describe)] : [];
        return new ComputeNodeInfo(node.Id ?? string.Empty, state, startTask, errors);
    }

    private static TaskFailureInfo? MapFailure(BatchTaskFailureInfo? failure)
    {
        if (failure is null)
        {
            return null;
        }

        string category = failure.Category switch
        {
            BatchErrorCategory.UserError => "UserError",
            BatchErrorCategory.ServerError => "ServerError",
            _ => "Unknown",
        };
        var message = new StringBuilder(failure.Message?.Trim() ?? string.Empty);
        if (failure.Details is { Count: > 0 } details)
        {
            var extra = details.Where(d => !string.Equals(d.Value?.Trim(), failure.Message?.Trim(), StringComparison.Ordinal)).ToList();
            if (extra.Count > 0)
            {
                message.Append(message.Length > 0 ? " (" : "(").AppendJoin("; ", extra.Select(d => $"{d.Name}={d.Value}")).Append(')');
            }
        }

        return new TaskFailureInfo(category, failure.Code ?? "Unknown", SecretRedactor.Redact(AzureBatchErrors.OneLine(message.ToString())));
    }

    private static BatchTaskInfo MapTaskInfo(BatchTask task)
    {
        BatchTaskExecutionInfo? execution = task.ExecutionInfo;
        return new BatchTaskInfo
        {
            Id = task.Id ?? string.Empty,
            State = task.State switch
            {
                RestTaskState.Preparing => TaskState.Preparing,
                RestTaskState.Running => TaskState.Running,
                RestTaskState.Completed => TaskState.Completed,
                _ => TaskState.Active,
            },
            StateTransitionTime = task.StateTransitionTime,
            ExitCode = execution?.ExitCode,
            Result = execution?.Result switch
            {
                BatchExecutionResult.Success => TaskExecutionResult.Success,
                BatchExecutionResult.Failure => TaskExecutionResult.Failure,
                _ => null,
            },
            FailureInfo = MapFailure(execution?.FailureInfo),
            RetryCount = execution?.RetryCount ?? 0,
            StartTime = execution?.StartTime,
            EndTime = execution?.EndTime,
            NodeId = task.NodeInfo?.NodeId,
        };
    }

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
            BatchFileProperties properties = await getProperties(cancellationToken).ConfigureAwait(false);
            long? length = properties.ContentLength;
            if (length == 0)
            {
                return string.Empty;
            }

            HttpRange? range = length > maxBytes ? new HttpRange(length.Value - maxBytes, maxBytes) : null;
            BatchFileContent file = await getFile(range, cancellationToken).ConfigureAwait(false);
            await using (file.ConfigureAwait(false))
            {
                (byte[] tail, bool cut) = await ReadLastBytesAsync(file.Content, maxBytes, cancellationToken).ConfigureAwait(false);
                return DecodeTail(tail, cut || range is not null);
            }
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

    /// <summary>The last <paramref name="maxBytes"/> bytes of a stream (in case the service ignored the range), and whether bytes were dropped.</summary>
    private static async Task<(byte[] Tail, bool Cut)> ReadLastBytesAsync(Stream content, int maxBytes, CancellationToken cancellationToken)
    {
        byte[] window = new byte[maxBytes * 2];
        int filled = 0;
        bool cut = false;
        while (true)
        {
            if (filled == window.Length)
            {
                Buffer.BlockCopy(window, maxBytes, window, 0, maxBytes);
                filled = maxBytes;
                cut = true;
            }

            int read = await content.ReadAsync(window.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        int start = Math.Max(0, filled - maxBytes);
        return (window[start..filled], cut || start > 0);
    }

    /// <summary>UTF-8 with invalid sequences replaced; a tail that starts inside a character loses that character's remaining bytes.</summary>
    internal static string DecodeTail(byte[] bytes, bool cut)
    {
        int start = 0;
        if (cut)
        {
            while (start < bytes.Length && start < 3 && (bytes[start] & 0xC0) == 0x80)
            {
                start++;
            }
        }

        return Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
    }

    /// <summary>The image a pool is created with.</summary>
    internal sealed record SelectedImage(string Publisher, string Offer, string Sku, string NodeAgentSkuId);

    /// <summary>A task to add, with its wire form and the size of that form in bytes.</summary>
    internal sealed class PendingTask(int index, string id, BatchTaskCreateContent content, int size)
    {
        public int Index { get; } = index;

        public string Id { get; } = id;

        public BatchTaskCreateContent Content { get; } = content;

        public int Size { get; } = size;

        public (string Code, string Message)? LastError { get; set; }
    }

    /// <summary>The counters of one <see cref="AddTasksAsync"/> call, updated by its parallel requests.</summary>
    private sealed class AddState
    {
        private int _added;
        private int _existing;
        private int _requests;

        public int Added => Volatile.Read(ref _added);

        public int Existing => Volatile.Read(ref _existing);

        public int Requests => Volatile.Read(ref _requests);

        public System.Collections.Concurrent.ConcurrentBag<(int Index, TaskAddFailure Failure)> Failures { get; } = [];

        public void CountAdded() => Interlocked.Increment(ref _added);

        public void CountExisting() => Interlocked.Increment(ref _existing);

        public void CountRequest() => Interlocked.Increment(ref _requests);

        public void Fail(PendingTask task, string code, string message) => Failures.Add((task.Index, new TaskAddFailure(task.Id, code, message)));
    }
}
