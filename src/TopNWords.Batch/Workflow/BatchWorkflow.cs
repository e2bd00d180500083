using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The workflow engine: runs a <see cref="BatchRunDefinition"/> on any <see cref="IBlobStorage"/> and
/// <see cref="IBatchCompute"/>. Thread-safe: several runs may share one instance.
/// </summary>
public sealed class BatchWorkflow : IBatchWorkflow
{
    /// <summary>The folder, in each task's working directory, that holds the task's input.</summary>
    public const string InputFolder = "input";

    private const int StderrTailBytes = 8192;
    private static readonly TimeSpan ListingLagMargin = TimeSpan.FromSeconds(10);

    private readonly IBlobStorage _storage;
    private readonly IBatchCompute _compute;
    private readonly BatchWorkflowOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflow"/> class.</summary>
    /// <param name="storage">Where the application, inputs and outputs are staged.</param>
    /// <param name="compute">Where tasks run.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <param name="logger">A logger, or <see langword="null"/> for none.</param>
    /// <param name="timeProvider">The clock for timeouts and polling, or <see langword="null"/> for the system clock.</param>
    public BatchWorkflow(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions? options = null, ILogger<BatchWorkflow>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(compute);
        options ??= new BatchWorkflowOptions();
        options.Validate();
        _storage = storage;
        _compute = compute;
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunDefinitionValidator.Validate(definition, _storage, _compute);
        cancellationToken.ThrowIfCancellationRequested();

        var run = new RunState(definition, new RunNames(definition.RunId ?? RunNames.NewRunId(_time)), progress, _time.GetUtcNow());
        run.DownloadDirectory = Path.GetFullPath(definition.DownloadDirectory ?? Path.Combine("topnwords-output", run.Names.RunId));
        WorkflowLog.RunStarting(_logger, run.Names.RunId, definition.Inputs.Count, _storage.DisplayName, _compute.DisplayName);
        if (_compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes) && definition.Application.EntryPoint is ["dotnet", ..])
        {
            WorkflowLog.FrameworkDependentOnRemoteNodes(_logger, run.Names.RunId, definition.Application.Name);
        }

        ExceptionDispatchInfo? failure = null;
        try
        {
            await StageAsync(run, cancellationToken).ConfigureAwait(false);
            await PreparePoolAsync(run, cancellationToken).ConfigureAwait(false);
            await CreateJobAsync(run, cancellationToken).ConfigureAwait(false);
            await RunTasksAsync(run, cancellationToken).ConfigureAwait(false);
            await DownloadOutputsAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            WorkflowLog.RunCancelled(_logger, run.Names.RunId, run.Stage);
            failure = ExceptionDispatchInfo.Capture(ex);
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            var wrapped = ex as BatchWorkflowException ?? new BatchWorkflowException(run.Stage, run.Names.RunId, DescribeFailure(run, ex), ex);
            WorkflowLog.RunFailed(_logger, run.Names.RunId, run.Stage, SecretRedaction.RedactText(wrapped.Message));
            failure = ExceptionDispatchInfo.Capture(wrapped);
        }

        bool succeeded = failure is null && run.Outcomes.All(o => o.Succeeded);
        var cleanupFailures = await CleanupAsync(run, succeeded).ConfigureAwait(false);
        Report(run, BatchRunStage.Completed);

        if (failure is not null)
        {
            if (failure.SourceException is BatchWorkflowException workflowException)
            {
                workflowException.CleanupFailures = cleanupFailures;
            }

            failure.Throw();
        }

        var result = new BatchRunResult(run.Names.RunId, run.PoolId, run.Names.JobId, run.Outcomes, run.StartTime, _time.GetUtcNow(), run.DownloadDirectory, cleanupFailures);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            int succeededTasks = result.Tasks.Count(t => t.Succeeded);
            WorkflowLog.RunFinished(_logger, run.Names.RunId, succeededTasks, result.Tasks.Count, result.Elapsed);
        }

        return result;
    }

    private static string DescribeFailure(RunState run, Exception ex)
    {
        string what = run.Stage switch
        {
            BatchRunStage.Staging => "staging the application and inputs in storage",
            BatchRunStage.CreatingPool => $"creating pool '{run.PoolId}'",
            BatchRunStage.WaitingForPool => $"waiting for pool '{run.PoolId}'",
            BatchRunStage.CreatingJob => $"creating job '{run.Names.JobId}'",
            BatchRunStage.AddingTasks => $"adding tasks to job '{run.Names.JobId}'",
            BatchRunStage.Monitoring => $"monitoring job '{run.Names.JobId}'",
            BatchRunStage.Downloading => "downloading outputs",
            _ => run.Stage.ToString(),
        };
        return $"Run '{run.Names.RunId}' failed while {what}: {SecretRedaction.RedactText(ex.Message)}";
    }

    private void Report(RunState run, BatchRunStage stage)
    {
        run.Stage = stage;
        WorkflowLog.StageStarted(_logger, run.Names.RunId, stage);
        run.Progress?.Report(new BatchRunProgress(stage, run.Counts));
    }

    /// <summary>Runs <paramref name="action"/> under a named timeout; when it runs out, throws <see cref="BatchTimeoutException"/> naming it.</summary>
    private async Task RunWithTimeoutAsync(RunState run, string timeoutName, TimeSpan timeout, Func<CancellationToken, Task> action, Func<string> describeWait, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        try
        {
            await action(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BatchTimeoutException(
                run.Stage,
                run.Names.RunId,
                timeoutName,
                timeout,
                $"Run '{run.Names.RunId}': the {timeoutName} timeout ({timeout}) ran out {describeWait()}. Raise WorkflowTimeouts.{timeoutName} or check the resources named here.",
                ex);
        }
    }

    private async Task StageAsync(RunState run, CancellationToken cancellationToken)
    {
        Report(run, BatchRunStage.Staging);
        var names = run.Names;
        var definition = run.Definition;
        await RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Staging),
            definition.Timeouts.Staging,
            async ct =>
            {
                foreach (string container in new[] { names.ApplicationContainer, names.InputContainer, names.OutputContainer })
                {
                    run.Containers.Add(container);
                    await _storage.CreateContainerIfNotExistsAsync(container, ct).ConfigureAwait(false);
                }

                var uploads = definition.Application.Files.Select(f => (names.ApplicationContainer, f.RelativePath, f.LocalPath))
                    .Concat(definition.Inputs.Select(i => (names.InputContainer, i.Name, i.FilePath)))
                    .ToList();
                int skipped = 0;
                var uploadOptions = new BlobUploadOptions { SkipIfContentMatches = true };
                await Parallel.ForEachAsync(
                    uploads,
                    new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelTransfers, CancellationToken = ct },
                    async (u, token) =>
                    {
                        var outcome = await _storage.UploadFileAsync(u.Item1, u.Item2, u.Item3, uploadOptions, token).ConfigureAwait(false);
                        if (outcome == BlobUploadResult.Skipped)
                        {
                            Interlocked.Increment(ref skipped);
                        }
                    }).ConfigureAwait(false);
                WorkflowLog.Staged(_logger, names.RunId, uploads.Count - skipped, skipped);

                var t = definition.Timeouts;
                var expiresOn = _time.GetUtcNow() + t.PoolReady + t.TasksComplete + t.Download + _options.UrlExpiryMargin;
                foreach (var file in definition.Application.Files)
                {
                    run.ApplicationUrls.Add((file, await _storage.GetBlobReadUrlAsync(names.ApplicationContainer, file.RelativePath, expiresOn, ct).ConfigureAwait(false)));
                }

                foreach (var input in definition.Inputs)
                {
                    run.InputUrls[input] = await _storage.GetBlobReadUrlAsync(names.InputContainer, input.Name, expiresOn, ct).ConfigureAwait(false);
                }

                run.OutputContainerUrl = await _storage.GetContainerWriteUrlAsync(names.OutputContainer, expiresOn, ct).ConfigureAwait(false);
            },
            () => $"while staging {definition.Inputs.Count} input(s) in storage '{_storage.DisplayName}'",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task PreparePoolAsync(RunState run, CancellationToken cancellationToken)
    {
        Report(run, BatchRunStage.CreatingPool);
        var pool = run.Definition.Pool;
        if (pool.ExistingPoolId is not null)
        {
            if (await _compute.GetPoolAsync(pool.ExistingPoolId, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new BatchWorkflowException(
                    BatchRunStage.CreatingPool,
                    run.Names.RunId,
                    $"Pool '{pool.ExistingPoolId}' (PoolDefinition.ExistingPoolId) does not exist on '{_compute.DisplayName}'. Create it first, or leave ExistingPoolId empty so that the run creates its own pool.");
            }
        }
        else
        {
            var spec = new PoolSpec(run.PoolId, pool.NodeCount)
            {
                TaskSlotsPerNode = pool.TaskSlotsPerNode,
                VirtualMachineSize = pool.VirtualMachineSize,
                StartTask = TaskCommands.StartTask(run.Definition.Application, run.ApplicationUrls),
            };
            run.OwnsPool = true; // named after the run: ours even if a crashed earlier attempt created it
            try
            {
                await _compute.CreatePoolAsync(spec, cancellationToken).ConfigureAwait(false);
            }
            catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.AlreadyExists && run.Definition.RunId is not null)
            {
                // Re-attaching to a run: its pool is already there.
            }
        }

        Report(run, BatchRunStage.WaitingForPool);
        await RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.PoolReady),
            run.Definition.Timeouts.PoolReady,
            ct => _compute.WaitForPoolReadyAsync(run.PoolId, ct),
            () => $"waiting for pool '{run.PoolId}' to have {(pool.ExistingPoolId is null ? pool.NodeCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : "all its")} node(s) ready",
            cancellationToken).ConfigureAwait(false);
        WorkflowLog.PoolReady(_logger, run.Names.RunId, run.PoolId);
    }

    private async Task CreateJobAsync(RunState run, CancellationToken cancellationToken)
    {
        Report(run, BatchRunStage.CreatingJob);
        run.OwnsJob = true;
        try
        {
            await _compute.CreateJobAsync(new JobSpec(run.Names.JobId, run.PoolId), cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.AlreadyExists && run.Definition.RunId is not null)
        {
            // Re-attaching to a run: its job is already there, and its tasks keep their ids.
        }
    }

    private async Task RunTasksAsync(RunState run, CancellationToken cancellationToken)
    {
        var definition = run.Definition;
        await RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.TasksComplete),
            definition.Timeouts.TasksComplete,
            async ct =>
            {
                Report(run, BatchRunStage.AddingTasks);
                var specs = run.Outcomes.Select(o => TaskCommands.Task(run, o)).ToList();
                var added = await _compute.AddTasksAsync(run.Names.JobId, specs, ct).ConfigureAwait(false);
                WorkflowLog.TasksAdded(_logger, run.Names.RunId, run.Names.JobId, added.Added, added.AlreadyExisted, added.Requests);

                Report(run, BatchRunStage.Monitoring);
                await MonitorAsync(run, ct).ConfigureAwait(false);
            },
            () => $"with {run.Outcomes.Count(o => o.State != BatchTaskState.Completed)} of {run.Outcomes.Count} task(s) of job '{run.Names.JobId}' not completed ({run.Counts.Active} active, {run.Counts.Running} running)",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls the job's task counts (one cheap call) and, only when more tasks have completed, lists the
    /// tasks completed since the last listing: the requests grow with completions, not with tasks x polls.
    /// </summary>
    private async Task MonitorAsync(RunState run, CancellationToken cancellationToken)
    {
        int total = run.Outcomes.Count;
        int collected = 0;
        DateTimeOffset? since = null;
        bool fullListing = false;
        while (true)
        {
            var counts = await _compute.GetTaskCountsAsync(run.Names.JobId, cancellationToken).ConfigureAwait(false);
            if (counts != run.Counts)
            {
                run.Counts = counts;
                WorkflowLog.Counts(_logger, run.Names.RunId, counts.Active, counts.Running, counts.Completed, counts.Failed);
                run.Progress?.Report(new BatchRunProgress(BatchRunStage.Monitoring, counts));
            }

            if (counts.Completed > collected)
            {
                var query = new TaskListQuery { State = BatchTaskState.Completed, StateChangedSince = fullListing ? null : since };
                DateTimeOffset? latest = null;
                await foreach (var task in _compute.ListTasksAsync(run.Names.JobId, query, cancellationToken).ConfigureAwait(false))
                {
                    if (task.StateTransitionTime is { } t && (latest is null || t > latest))
                    {
                        latest = t;
                    }

                    if (task.State == BatchTaskState.Completed
                        && run.OutcomesByTaskId.TryGetValue(task.Id, out var outcome)
                        && outcome.State != BatchTaskState.Completed)
                    {
                        await CompleteAsync(run, outcome, task, cancellationToken).ConfigureAwait(false);
                        collected++;
                    }
                }

                // The next listing starts a little before the latest completion seen (listings may lag);
                // tasks already collected are skipped above. When the counts report more completions than a
                // filtered listing returned, list every completed task next time.
                if (latest is { } l)
                {
                    since = l - ListingLagMargin;
                }

                fullListing = collected < counts.Completed;
            }

            if (collected >= total)
            {
                return;
            }

            await Task.Delay(_options.MonitorPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteAsync(RunState run, TaskOutcome outcome, BatchTaskInfo task, CancellationToken cancellationToken)
    {
        outcome.State = BatchTaskState.Completed;
        outcome.Result = task.Result ?? (task.ExitCode == 0 && task.FailureInfo is null ? TaskExecutionResult.Success : TaskExecutionResult.Failure);
        outcome.ExitCode = task.ExitCode;
        outcome.RetryCount = task.RetryCount;
        outcome.NodeId = task.NodeId;
        outcome.StartTime = task.StartTime;
        outcome.EndTime = task.EndTime;
        outcome.FailureInfo = task.FailureInfo;
        if (outcome.Result == TaskExecutionResult.Failure)
        {
            outcome.StderrTail = await ReadStderrTailAsync(run, outcome.TaskId, cancellationToken).ConfigureAwait(false);
            WorkflowLog.TaskFailed(_logger, run.Names.RunId, outcome.TaskId, outcome.Input.Name, outcome.DescribeFailure());
        }
        else if (_logger.IsEnabled(LogLevel.Information))
        {
            string result = outcome.Result.ToString()!;
            WorkflowLog.TaskCompleted(_logger, run.Names.RunId, outcome.TaskId, outcome.Input.Name, result, outcome.ExitCode);
        }

        run.Progress?.Report(new BatchRunProgress(BatchRunStage.Monitoring, run.Counts, outcome));
    }

    private async Task<string?> ReadStderrTailAsync(RunState run, string taskId, CancellationToken cancellationToken)
    {
        string? text;
        try
        {
            text = await _compute.GetTaskOutputTailAsync(run.Names.JobId, taskId, TaskOutputStream.StandardError, StderrTailBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException ex)
        {
            return $"(stderr could not be read: {SecretRedaction.RedactText(ex.Message)})";
        }

        if (text is null)
        {
            return null;
        }

        var lines = text.TrimEnd('\n', '\r').Split('\n');
        return string.Join('\n', lines.TakeLast(_options.StderrTailLines)).TrimEnd('\r');
    }

    private async Task DownloadOutputsAsync(RunState run, CancellationToken cancellationToken)
    {
        Report(run, BatchRunStage.Downloading);
        Directory.CreateDirectory(run.DownloadDirectory);
        var claimed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Download),
            run.Definition.Timeouts.Download,
            ct => Parallel.ForEachAsync(
                run.Outcomes.Where(o => o.Result == TaskExecutionResult.Success),
                new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelTransfers, CancellationToken = ct },
                async (outcome, token) => await DownloadOutputAsync(run, outcome, claimed, token).ConfigureAwait(false)),
            () => $"downloading outputs from container '{run.Names.OutputContainer}' into '{run.DownloadDirectory}'",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task DownloadOutputAsync(RunState run, TaskOutcome outcome, HashSet<string> claimed, CancellationToken cancellationToken)
    {
        string prefix = outcome.TaskId + "/";
        var files = new List<string>();
        try
        {
            await foreach (var blob in _storage.ListBlobsAsync(run.Names.OutputContainer, prefix, cancellationToken).ConfigureAwait(false))
            {
                string relative = OutputPaths.SafeRelativePath(blob.Name[prefix.Length..]);
                string destination = Path.GetFullPath(Path.Combine(run.DownloadDirectory, relative));
                if (!OutputPaths.IsUnder(destination, run.DownloadDirectory))
                {
                    throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Output blob '{blob.Name}' would land outside '{run.DownloadDirectory}'.", run.Names.OutputContainer, blob.Name);
                }

                lock (claimed)
                {
                    if (!claimed.Add(destination))
                    {
                        throw new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Another task of this run also produced '{relative}'; use an output file pattern whose names differ per input.", run.Names.OutputContainer, blob.Name);
                    }
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                await _storage.DownloadToFileAsync(run.Names.OutputContainer, blob.Name, destination, cancellationToken).ConfigureAwait(false);
                files.Add(destination);
            }

            outcome.OutputFiles = files;
            if (files.Count == 0)
            {
                outcome.OutputError = $"the task uploaded no file matching '{run.Definition.OutputFilePattern}'.";
            }
            else if (run.Definition.ParseTopWordsOutput)
            {
                string text = await File.ReadAllTextAsync(files[0], cancellationToken).ConfigureAwait(false);
                outcome.TopWords = TopWordsOutputParser.Parse(text, files[0]);
            }
        }
        catch (Exception ex) when (ex is BlobStorageException or FormatException or IOException)
        {
            outcome.OutputFiles = files;
            outcome.OutputError = SecretRedaction.RedactText(ex.Message);
        }

        if (outcome.OutputError is not null)
        {
            WorkflowLog.OutputMissing(_logger, run.Names.RunId, outcome.TaskId, outcome.OutputError);
        }
    }

    /// <summary>Deletes what the run created, by policy, under its own time limit: never the caller's token.</summary>
    private async Task<IReadOnlyList<string>> CleanupAsync(RunState run, bool succeeded)
    {
        Report(run, BatchRunStage.CleaningUp);
        var policy = run.Definition.Cleanup;
        var owned = new List<string>();
        if (run.OwnsJob)
        {
            owned.Add($"job '{run.Names.JobId}'");
        }

        if (run.OwnsPool)
        {
            owned.Add($"pool '{run.PoolId}'");
        }

        owned.AddRange(run.Containers.Select(c => $"container '{c}'"));
        if (owned.Count == 0)
        {
            return [];
        }

        if (policy == CleanupPolicy.Never || (policy == CleanupPolicy.OnSuccess && !succeeded))
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                string resources = string.Join(", ", owned);
                WorkflowLog.CleanupSkipped(_logger, run.Names.RunId, resources, policy);
            }

            return [];
        }

        var failures = new List<string>();
        using var cts = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _time);
        if (run.OwnsJob)
        {
            await TryDeleteAsync(run, $"job '{run.Names.JobId}'", ct => _compute.DeleteJobAsync(run.Names.JobId, ct), failures, cts.Token).ConfigureAwait(false);
        }

        if (run.OwnsPool)
        {
            await TryDeleteAsync(run, $"pool '{run.PoolId}'", ct => _compute.DeletePoolAsync(run.PoolId, ct), failures, cts.Token).ConfigureAwait(false);
        }

        foreach (string container in run.Containers)
        {
            await TryDeleteAsync(run, $"container '{container}'", ct => _storage.DeleteContainerIfExistsAsync(container, ct), failures, cts.Token).ConfigureAwait(false);
        }

        return failures;
    }

    private async Task TryDeleteAsync(RunState run, string resource, Func<CancellationToken, Task<bool>> delete, List<string> failures, CancellationToken cancellationToken)
    {
        try
        {
            await delete(cancellationToken).ConfigureAwait(false);
            WorkflowLog.Deleted(_logger, run.Names.RunId, resource);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            string reason = ex is OperationCanceledException
                ? $"the Cleanup timeout ({run.Definition.Timeouts.Cleanup}) ran out"
                : SecretRedaction.RedactText(ex.Message);
            failures.Add($"{resource}: {reason}");
            WorkflowLog.CleanupFailed(_logger, run.Names.RunId, resource, reason);
        }
    }

    /// <summary>Everything one run knows about itself.</summary>
    internal sealed class RunState
    {
        public RunState(BatchRunDefinition definition, RunNames names, IProgress<BatchRunProgress>? progress, DateTimeOffset startTime)
        {
            Definition = definition;
            Names = names;
            Progress = progress;
            StartTime = startTime;
            PoolId = definition.Pool.ExistingPoolId ?? names.PoolId;
            Outcomes = [.. definition.Inputs.Select(i => new TaskOutcome(i, RunNames.TaskId(i.Name)))];
            OutcomesByTaskId = Outcomes.ToDictionary(o => o.TaskId, StringComparer.OrdinalIgnoreCase);
        }

        public BatchRunDefinition Definition { get; }

        public RunNames Names { get; }

        public IProgress<BatchRunProgress>? Progress { get; }

        public DateTimeOffset StartTime { get; }

        public string PoolId { get; }

        public BatchRunStage Stage { get; set; }

        public TaskCounts Counts { get; set; }

        public IReadOnlyList<TaskOutcome> Outcomes { get; }

        public Dictionary<string, TaskOutcome> OutcomesByTaskId { get; }

        public List<string> Containers { get; } = [];

        public bool OwnsPool { get; set; }

        public bool OwnsJob { get; set; }

        public List<(ApplicationFile File, Uri Url)> ApplicationUrls { get; } = [];

        public Dictionary<BatchInput, Uri> InputUrls { get; } = [];

        public Uri? OutputContainerUrl { get; set; }

        public string DownloadDirectory { get; set; } = string.Empty;
    }
}
