using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// Adds tasks to a job with add-task-collection requests the service accepts: at most 100 tasks and under 1 MB of
/// JSON each, a bounded number in flight, halving a request the service still finds too large, resending only the
/// tasks that got a per-task <c>servererror</c>, and counting <c>TaskExists</c> as success.
/// </summary>
/// <remarks>Thread-safe: every <see cref="SendAsync"/> call keeps its own counters.</remarks>
internal sealed class AddTaskCollectionSender
{
    /// <summary>The most tasks the service takes in one add-task-collection request.</summary>
    internal const int MaxTasksPerRequest = 100;

    /// <summary>The largest add-task-collection body sent: the service refuses 1 MB and more.</summary>
    internal const int MaxRequestBodyBytes = 1_000_000;

    /// <summary><c>{"value":[</c> and <c>]}</c>: the add-task-collection body around the tasks.</summary>
    private const int EnvelopeBytes = 12;

    private readonly BatchRestClient _client;
    private readonly string _account;
    private readonly int _maxParallelRequests;
    private readonly int _maxAttempts;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="AddTaskCollectionSender"/> class.</summary>
    /// <param name="client">The Batch client.</param>
    /// <param name="account">The account's display name, for messages and logs.</param>
    /// <param name="maxParallelRequests">How many requests are in flight at once.</param>
    /// <param name="maxAttempts">How many times in all a task refused with <c>servererror</c> is sent.</param>
    /// <param name="logger">The logger.</param>
    public AddTaskCollectionSender(BatchRestClient client, string account, int maxParallelRequests, int maxAttempts, ILogger logger)
    {
        _client = client;
        _account = account;
        _maxParallelRequests = maxParallelRequests;
        _maxAttempts = maxAttempts;
        _logger = logger;
    }

    /// <summary>Adds the tasks (see <see cref="AzureBatchCompute.AddTasksAsync"/> for the rules).</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="tasks">The tasks, with unique ids.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>How many tasks were added, already existed, and how many requests were sent.</returns>
    /// <exception cref="ArgumentException">A task is null, an id occurs twice, or a URL is not http(s).</exception>
    /// <exception cref="AddTasksException">Tasks were refused; each is named with the service's code and message.</exception>
    /// <exception cref="BatchComputeException">A whole request failed.</exception>
    public async Task<AddTasksResult> SendAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken)
    {
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

            BatchTaskCreateContent content = BatchWireMapping.ToWire(task);
            int size = JsonSerializer.SerializeToUtf8Bytes(content, BatchJsonContext.Default.BatchTaskCreateContent).Length;
            if (EnvelopeBytes + size > MaxRequestBodyBytes)
            {
                tooLarge.Add(new TaskAddFailure(task.Id, BatchErrorCodes.RequestBodyTooLarge, $"The task's JSON is {size} bytes; a request must stay under 1 MB. Use fewer or shorter resource files, output files, environment settings and dependency ids (or id ranges)."));
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
            new ParallelOptions { MaxDegreeOfParallelism = _maxParallelRequests, CancellationToken = cancellationToken },
            (chunk, token) => new ValueTask(SendChunkAsync(jobId, chunk, 1, state, token))).ConfigureAwait(false);

        AzureBatchLog.AddTasksDone(_logger, _account, jobId, state.Added, state.Existing, state.Failures.Count, state.Requests);
        if (!state.Failures.IsEmpty)
        {
            // Tasks refused only with server errors, as often as allowed, may be added by trying again later: the failure is
            // transient (a resend is safe, an added task answers TaskExists). Any other refusal needs a fix first.
            var kind = state.Failures.All(f => f.Transient) ? BatchComputeErrorKind.Unavailable : BatchComputeErrorKind.InvalidRequest;
            throw new AddTasksException(jobId, [.. state.Failures.OrderBy(f => f.Index).Select(f => f.Failure)], kind);
        }

        return new AddTasksResult(state.Added, state.Existing, state.Requests);
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

    private async Task SendChunkAsync(string jobId, List<PendingTask> chunk, int attempt, AddState state, CancellationToken cancellationToken)
    {
        state.CountRequest();
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            int bytes = EnvelopeBytes + chunk.Sum(t => t.Size) + chunk.Count - 1;
            AzureBatchLog.AddTasksRequest(_logger, _account, jobId, chunk.Count, bytes);
        }

        IReadOnlyList<BatchTaskAddResult> results;
        try
        {
            results = await _client.AddTaskCollectionAsync(jobId, chunk.Select(t => t.Content), cancellationToken).ConfigureAwait(false);
        }
        catch (BatchServiceException ex) when (ex.Status == 413 || ex.ErrorCode == BatchErrorCodes.RequestBodyTooLarge)
        {
            if (chunk.Count == 1)
            {
                state.Fail(chunk[0], ex.ErrorCode ?? BatchErrorCodes.RequestBodyTooLarge, $"The service refused the task alone as too large ({chunk[0].Size} bytes of JSON). Use fewer or shorter resource files, output files, environment settings and dependency ids (or id ranges).");
                return;
            }

            AzureBatchLog.AddTasksSplit(_logger, _account, jobId, chunk.Count, ex.ErrorCode ?? "413");
            int half = chunk.Count / 2;
            await SendChunkAsync(jobId, chunk[..half], attempt, state, cancellationToken).ConfigureAwait(false);
            await SendChunkAsync(jobId, chunk[half..], attempt, state, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (BatchServiceException ex)
        {
            throw AzureBatchErrors.Fail(_logger, _account, ex, "add tasks to", "job", jobId);
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
                case BatchTaskAddStatus.ClientError when string.Equals(result.Error?.Code, BatchErrorCodes.TaskExists, StringComparison.OrdinalIgnoreCase):
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

        if (attempt >= _maxAttempts)
        {
            foreach (PendingTask task in resend)
            {
                (string code, string message) = task.LastError ?? ("ServerError", "The service failed to add the task.");
                state.Fail(task, code, $"{message} (refused {attempt} time(s); try again later)", transient: true);
            }

            return;
        }

        AzureBatchLog.AddTasksResend(_logger, _account, jobId, resend.Count, resendCode, attempt + 1, _maxAttempts);
        await SendChunkAsync(jobId, resend, attempt + 1, state, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A task to add, with its wire form and the size of that form in bytes.</summary>
    internal sealed class PendingTask(int index, string id, BatchTaskCreateContent content, int size)
    {
        public int Index { get; } = index;

        public string Id { get; } = id;

        public BatchTaskCreateContent Content { get; } = content;

        public int Size { get; } = size;

        public (string Code, string Message)? LastError { get; set; }
    }

    /// <summary>The counters of one <see cref="SendAsync"/> call, updated by its parallel requests.</summary>
    private sealed class AddState
    {
        private int _added;
        private int _existing;
        private int _requests;

        public int Added => Volatile.Read(ref _added);

        public int Existing => Volatile.Read(ref _existing);

        public int Requests => Volatile.Read(ref _requests);

        public ConcurrentBag<(int Index, TaskAddFailure Failure, bool Transient)> Failures { get; } = [];

        public void CountAdded() => Interlocked.Increment(ref _added);

        public void CountExisting() => Interlocked.Increment(ref _existing);

        public void CountRequest() => Interlocked.Increment(ref _requests);

        public void Fail(PendingTask task, string code, string message, bool transient = false) => Failures.Add((task.Index, new TaskAddFailure(task.Id, code, message), transient));
    }
}
