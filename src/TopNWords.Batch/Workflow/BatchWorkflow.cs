using System.Diagnostics;
using System.Globalization;
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
/// <remarks>
/// It walks a run through its stages, each done by a collaborator that takes the run's state: staging
/// (<see cref="RunStager"/>), pool and job (<see cref="PoolProvisioner"/>), tasks (<see cref="TaskMonitor"/>),
/// outputs (<see cref="OutputDownloader"/>), and cleanup (<see cref="CleanupRunner"/>), which runs whatever
/// happened before it. Every storage and compute call goes through one resilience pipeline
/// (<see cref="BatchWorkflowOptions.Resilience"/>, by default <see cref="WorkflowResilience.CreateDefaultPipeline"/>), under
/// the current stage's timeout: transient failures are retried until that timeout runs out, other failures end the run.
/// </remarks>
public sealed class BatchWorkflow : IBatchWorkflow
{
    /// <summary>The folder, in each task's working directory, that holds the task's input.</summary>
    public const string InputFolder = "input";

    /// <summary>How long the preflight of a new run may take, retries included.</summary>
    private static readonly TimeSpan PreflightTimeout = TimeSpan.FromMinutes(5);

    private readonly IBlobStorage _storage;
    private readonly IBatchCompute _compute;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly WorkflowContext _context;
    private readonly RunStager _stager;
    private readonly PoolProvisioner _provisioner;
    private readonly TaskMonitor _tasks;
    private readonly OutputDownloader _outputs;
    private readonly CleanupRunner _cleanup;
    private readonly RunStore _store;

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflow"/> class.</summary>
    /// <param name="storage">Where the application, inputs and outputs are staged.</param>
    /// <param name="compute">Where tasks run.</param>
    /// <param name="options">Options (among them the clock and the logger factory), or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> or <paramref name="compute"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="BatchWorkflowOptions.Validate"/>); the exception names it.</exception>
    public BatchWorkflow(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions? options = null)
        : this(storage, compute, options ?? new BatchWorkflowOptions(), loggerFactory: null, timeProvider: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflow"/> class with a clock and a logger factory that win over the options' own.</summary>
    internal BatchWorkflow(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(compute);
        options.Validate();
        _storage = storage;
        _compute = compute;
        _logger = (ILogger?)(loggerFactory ?? options.LoggerFactory)?.CreateLogger<BatchWorkflow>() ?? NullLogger.Instance;
        _time = timeProvider ?? options.TimeProvider;

        // One context, so that every stage logs under this class's category and waits on this clock.
        _context = new WorkflowContext(storage, compute, options, _logger, _time, options.Resilience ?? WorkflowResilience.Create(_time, _logger));
        _stager = new RunStager(_context);
        _provisioner = new PoolProvisioner(_context);
        _tasks = new TaskMonitor(_context);
        _outputs = new OutputDownloader(_context);
        _cleanup = new CleanupRunner(_context);
        _store = new RunStore(_context);
    }

    /// <inheritdoc />
    public Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => WorkflowTelemetry.TraceRunAsync("run", definition?.RunId, trace => RunCoreAsync(definition!, progress, trace, cancellationToken), ResultState);

    /// <inheritdoc />
    public Task<BatchRunStatus> SubmitAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => WorkflowTelemetry.TraceRunAsync("submit", definition?.RunId, trace => SubmitCoreAsync(definition!, progress, trace, cancellationToken), static s => s.State);

    /// <inheritdoc />
    public Task<BatchRunResult> AttachAsync(string runId, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => WorkflowTelemetry.TraceRunAsync("attach", runId, trace => AttachCoreAsync(runId, progress, trace, cancellationToken), ResultState);

    /// <inheritdoc />
    public Task<BatchRunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default)
        => WorkflowTelemetry.TraceRunAsync("cancel", runId, trace => CancelCoreAsync(runId, trace, cancellationToken), static s => s.State);

    private static BatchRunState ResultState(BatchRunResult result) => result.Succeeded ? BatchRunState.Succeeded : BatchRunState.Failed;

    private async Task<BatchRunResult> RunCoreAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress, RunTrace trace, CancellationToken cancellationToken)
    {
        var (run, _, record) = await OpenForSubmitAsync(definition, progress, trace, cancellationToken).ConfigureAwait(false);
        if (record is { State: not BatchRunState.Running })
        {
            return Recorded(run, record);
        }

        return (await DriveAsync(run, record, monitor: true, tokenCancelsRun: true, cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<BatchRunStatus> SubmitCoreAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress, RunTrace trace, CancellationToken cancellationToken)
    {
        var (run, manifest, record) = await OpenForSubmitAsync(definition, progress, trace, cancellationToken).ConfigureAwait(false);
        if (record is not { State: not BatchRunState.Running })
        {
            await DriveAsync(run, record, monitor: false, tokenCancelsRun: true, cancellationToken).ConfigureAwait(false);
        }

        return await StatusAsync(manifest, withTasks: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BatchRunResult> AttachCoreAsync(string runId, IProgress<BatchRunProgress>? progress, RunTrace trace, CancellationToken cancellationToken)
    {
        var manifest = await RequireManifestAsync(runId, cancellationToken).ConfigureAwait(false);
        var record = await _store.ReadRecordAsync(runId, cancellationToken).ConfigureAwait(false);
        var run = ResumedRun(manifest, progress);
        trace.Attach(run);
        if (record is { State: not BatchRunState.Running })
        {
            return Recorded(run, record);
        }

        return (await DriveAsync(run, record, monitor: true, tokenCancelsRun: false, cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task<BatchRunStatus> GetStatusAsync(string runId, CancellationToken cancellationToken = default)
    {
        var manifest = await RequireManifestAsync(runId, cancellationToken).ConfigureAwait(false);
        return await StatusAsync(manifest, withTasks: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BatchRunStatus> CancelCoreAsync(string runId, RunTrace trace, CancellationToken cancellationToken)
    {
        var manifest = await RequireManifestAsync(runId, cancellationToken).ConfigureAwait(false);
        var record = await _store.ReadRecordAsync(runId, cancellationToken).ConfigureAwait(false);
        if (record is { State: not BatchRunState.Running })
        {
            return await StatusAsync(manifest, withTasks: false, cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        await _store.RequestCancelAsync(runId, new RunCancelRequest(now, RunStore.Me(now).ToString()), cancellationToken).ConfigureAwait(false);
        if (RunStore.IsLive(record?.Holder, now))
        {
            // The attached process sees the request at its next heartbeat, then terminates and cleans up.
            // Waited in real time, like the heartbeat it waits for: this is about another process.
            var waited = Stopwatch.StartNew();
            var limit = manifest.Timeouts.Cleanup + (_context.Options.HeartbeatInterval * 2);
            var pause = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(1).Ticks, _context.Options.HeartbeatInterval.Ticks));
            while (waited.Elapsed < limit)
            {
                await Task.Delay(pause, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                record = await _store.ReadRecordAsync(runId, cancellationToken).ConfigureAwait(false);
                if (record is null)
                {
                    // The attached process ended the run and its cleanup deleted everything, the record included.
                    return ToStatus(manifest, new RunRecord { State = BatchRunState.Cancelled, FinishedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow() });
                }

                if (record is { State: not BatchRunState.Running } || !RunStore.IsLive(record.Holder, _time.GetUtcNow()))
                {
                    break;
                }
            }

            if (record is { State: not BatchRunState.Running } || RunStore.IsLive(record?.Holder, _time.GetUtcNow()))
            {
                return await StatusAsync(manifest, withTasks: false, cancellationToken).ConfigureAwait(false);
            }
        }

        // Nobody drives the run: this process ends it.
        var run = ResumedRun(manifest, progress: null);
        trace.Attach(run);
        await using (var attachment = await RunAttachment.AcquireAsync(_context, _store, run, record, cancellationToken).ConfigureAwait(false))
        {
            WorkflowLog.CancelRequested(_logger, runId, RunStore.Me(now).ToString(), run.Names.JobId);
            run.Containers.AddRange(manifest.Containers);
            await TerminateJobAsync(run).ConfigureAwait(false);
            var cleanupFailures = await _cleanup.CleanupAsync(run, succeeded: false).ConfigureAwait(false);
            await FinishRecordAsync(attachment, run, BatchRunState.Cancelled, $"cancelled by {RunStore.Me(now)}", cleanupFailures, succeeded: false).ConfigureAwait(false);
            return ToStatus(manifest, attachment.Record); // the record may be deleted now (a clean cleanup)
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<BatchRunStatus>> ListRunsAsync(CancellationToken cancellationToken = default)
    {
        var runs = new List<BatchRunStatus>();
        foreach (string runId in await _store.ListRunIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await _store.ReadManifestAsync(runId, cancellationToken).ConfigureAwait(false) is { } manifest)
            {
                var record = await _store.ReadRecordAsync(runId, cancellationToken).ConfigureAwait(false);
                runs.Add(ToStatus(manifest, record));
            }
        }

        return [.. runs.OrderBy(r => r.CreatedAt)];
    }

    /// <inheritdoc />
    public async Task<BatchSweepResult> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(olderThan, TimeSpan.Zero);
        var sweeper = new RunSweeper(_context, _store);
        return await sweeper.SweepAsync(_time.GetUtcNow() - olderThan, olderThan, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates a definition and finds or writes its manifest: a new run (after preflight), or the run of that id to resume.</summary>
    private async Task<(RunState Run, RunManifest Manifest, RunRecord? Record)> OpenForSubmitAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress, RunTrace trace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunDefinitionValidator.Validate(definition, _storage, _compute);
        cancellationToken.ThrowIfCancellationRequested();

        var now = _time.GetUtcNow();
        var run = new RunState(definition, new RunNames(definition.RunId ?? RunNames.NewRunId(_time)), progress, now);
        run.DownloadDirectory = Path.GetFullPath(definition.DownloadDirectory ?? Path.Combine("topnwords-output", run.Names.RunId));
        trace.Attach(run);
        WorkflowLog.RunStarting(_logger, run.Names.RunId, definition.Inputs.Count, _storage.DisplayName, _compute.DisplayName);
        if (_compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes) && definition.Application.EntryPoint is ["dotnet", ..])
        {
            WorkflowLog.FrameworkDependentOnRemoteNodes(_logger, run.Names.RunId, definition.Application.Name);
        }

        var manifest = await RunManifest.CreateAsync(run, now, cancellationToken).ConfigureAwait(false);
        RunManifest? existing;
        try
        {
            existing = definition.RunId is null ? null : await _store.ReadManifestAsync(run.Names.RunId, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                await PreflightAsync(run, cancellationToken).ConfigureAwait(false);
                existing = await _store.CreateManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
                if (existing is null)
                {
                    return (run, manifest, null);
                }
            }
        }
        catch (Exception ex) when (ex is not ArgumentException and not OperationCanceledException and not BatchWorkflowException)
        {
            // Nothing was created but (perhaps) the record container: a failure of the run's record is a failure of staging.
            var wrapped = new BatchWorkflowException(BatchRunStage.Staging, run.Names.RunId, $"Run '{run.Names.RunId}' failed while writing its record (container '{RunStore.ContainerOf(run.Names.RunId)}') in storage '{_storage.DisplayName}': {SecretRedaction.RedactText(ex.Message)}", ex);
            WorkflowLog.RunFailed(_logger, run.Names.RunId, BatchRunStage.Staging, wrapped.Message);
            throw wrapped;
        }

        if (existing.FindDifference(manifest) is { } difference)
        {
            throw new ArgumentException(
                $"Run id '{run.Names.RunId}' belongs to another run, submitted {existing.CreatedAt:u}: {difference}. Use a new run id (or none, for a generated one), or attach to that run by its id.",
                nameof(definition));
        }

        run.IsResumed = true;
        run.OwnsPool = existing.OwnsPool;
        run.OwnsJob = true;
        var record = await _store.ReadRecordAsync(run.Names.RunId, cancellationToken).ConfigureAwait(false);
        return (run, existing, record);
    }

    /// <summary>
    /// Drives a run from wherever its record says it is: stages (or only issues URLs again), makes sure of its pool and job,
    /// adds its tasks unless they are all added, and (unless <paramref name="monitor"/> is false: a submit) monitors them,
    /// downloads the outputs and cleans up. This process is attached to the run meanwhile (<see cref="RunAttachment"/>).
    /// </summary>
    private async Task<BatchRunResult?> DriveAsync(RunState run, RunRecord? record, bool monitor, bool tokenCancelsRun, CancellationToken cancellationToken)
    {
        var attachment = await RunAttachment.AcquireAsync(_context, _store, run, record, cancellationToken).ConfigureAwait(false);
        await using (attachment.ConfigureAwait(false))
        {
            record = attachment.Record;
            if (run.IsResumed)
            {
                WorkflowLog.Resuming(_logger, run.Names.RunId, record.Stage, run.StartTime, record.Staged, record.TasksAdded);
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attachment.CancelRequested);
            var token = linked.Token;
            ExceptionDispatchInfo? failure = null;
            bool cancelled = false;
            if (record is { EndState: { } endState, Outcomes: { } recorded })
            {
                // An earlier process was cleaning up when it stopped: everything before is done; clean up again (idempotent) and end.
                return await ResumeCleanupAsync(attachment, run, endState, recorded).ConfigureAwait(false);
            }

            try
            {
                await _stager.StageAsync(run, record.Staged, token).ConfigureAwait(false);
                if (!record.Staged)
                {
                    record.Staged = true;
                    await attachment.SaveAsync(token).ConfigureAwait(false);
                }

                await _provisioner.PreparePoolAsync(run, token).ConfigureAwait(false);
                await _provisioner.CreateJobAsync(run, token).ConfigureAwait(false);
                await _tasks.RunTasksAsync(
                    run,
                    addTasks: !record.TasksAdded,
                    async ct =>
                    {
                        record.TasksAdded = true;
                        await attachment.SaveAsync(ct).ConfigureAwait(false);
                    },
                    monitor,
                    token).ConfigureAwait(false);
                if (!monitor)
                {
                    WorkflowLog.Submitted(_logger, run.Names.RunId, run.Outcomes.Count, run.Names.JobId);
                    return null;
                }

                await _outputs.DownloadOutputsAsync(run, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !tokenCancelsRun && !attachment.CancelRequested.IsCancellationRequested)
            {
                // Detached: the run goes on without this process.
                WorkflowLog.Detached(_logger, run.Names.RunId, run.Stage);
                throw;
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested || attachment.CancelRequested.IsCancellationRequested)
            {
                WorkflowLog.RunCancelled(_logger, run.Names.RunId, run.Stage);
                cancelled = true;
                failure = cancellationToken.IsCancellationRequested
                    ? ExceptionDispatchInfo.Capture(ex)
                    : ExceptionDispatchInfo.Capture(new BatchWorkflowException(run.Stage, run.Names.RunId, $"Run '{run.Names.RunId}' was cancelled by {attachment.CancelRequestedBy ?? "another process"} while {Describe(run)}.", ex));
            }
            catch (Exception ex) when (ex is not ArgumentException)
            {
                var wrapped = ex as BatchWorkflowException ?? new BatchWorkflowException(run.Stage, run.Names.RunId, DescribeFailure(run, ex), ex);
                WorkflowLog.RunFailed(_logger, run.Names.RunId, run.Stage, SecretRedaction.RedactText(wrapped.Message));
                WorkflowTelemetry.FailStage(run, wrapped);
                failure = ExceptionDispatchInfo.Capture(wrapped);
            }

            if (cancelled || (failure is null && run.ReducePlan?.Tasks.Any(t => !t.Completed) == true))
            {
                // Cancelled; or the run ended with reduce tasks that can never run (blocked by a failed task), which would keep the job active.
                await TerminateJobAsync(run).ConfigureAwait(false);
            }

            bool succeeded = failure is null && run.Succeeded;
            var state = cancelled ? BatchRunState.Cancelled : succeeded ? BatchRunState.Succeeded : BatchRunState.Failed;
            string? failureMessage = failure is null ? null : SecretRedaction.RedactText(failure.SourceException.Message);
            await RecordEndAsync(attachment, run, state, failureMessage).ConfigureAwait(false);
            var cleanupFailures = await _cleanup.CleanupAsync(run, succeeded).ConfigureAwait(false);
            _context.Report(run, BatchRunStage.Completed);
            await FinishRecordAsync(attachment, run, state, failureMessage, cleanupFailures, succeeded).ConfigureAwait(false);

            if (failure is not null)
            {
                if (failure.SourceException is BatchWorkflowException workflowException)
                {
                    workflowException.CleanupFailures = cleanupFailures;
                }

                failure.Throw();
            }

            var result = new BatchRunResult(run.Names.RunId, run.PoolId, run.Names.JobId, run.Outcomes, run.StartTime, _time.GetUtcNow(), run.DownloadDirectory, cleanupFailures, run.ReduceOutcome);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                int succeededTasks = result.Tasks.Count(t => t.Succeeded);
                WorkflowLog.RunFinished(_logger, run.Names.RunId, succeededTasks, result.Tasks.Count, result.Elapsed);
            }

            return result;
        }
    }

    /// <summary>Records how the run is going to end, with its outcomes, before its cleanup starts (best effort, bounded by the Cleanup timeout).</summary>
    private async Task RecordEndAsync(RunAttachment attachment, RunState run, BatchRunState state, string? failure)
    {
        var record = attachment.Record;
        record.EndState = state;
        record.Failure = failure;
        record.Outcomes = run.Outcomes.Select(RecordedOutcome.From); // made one at a time as the record is written
        record.Reduce = RecordedReduce.From(run.ReduceOutcome);
        using var cts = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _time);
        try
        {
            await attachment.SaveAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkflowLog.HeartbeatFailed(_logger, run.Names.RunId, SecretRedaction.RedactText(ex.Message));
        }
    }

    /// <summary>Finishes a run that an earlier process stopped during its cleanup: cleans up again and ends as recorded.</summary>
    private async Task<BatchRunResult> ResumeCleanupAsync(RunAttachment attachment, RunState run, BatchRunState state, IEnumerable<RecordedOutcome> recorded)
    {
        run.ApplyRecorded(recorded);
        attachment.Record.Reduce?.ApplyTo(run.ReduceOutcome);
        run.Containers.AddRange([run.Names.ApplicationContainer, run.Names.InputContainer, run.Names.OutputContainer]);
        bool succeeded = state == BatchRunState.Succeeded;
        string? failure = attachment.Record.Failure;
        var cleanupFailures = await _cleanup.CleanupAsync(run, succeeded).ConfigureAwait(false);
        _context.Report(run, BatchRunStage.Completed);
        await FinishRecordAsync(attachment, run, state, failure, cleanupFailures, succeeded).ConfigureAwait(false);
        if (state == BatchRunState.Cancelled || failure is not null)
        {
            throw new BatchWorkflowException(BatchRunStage.CleaningUp, run.Names.RunId, $"Run '{run.Names.RunId}' {(state == BatchRunState.Cancelled ? "was cancelled" : "failed")}: {failure}") { CleanupFailures = cleanupFailures };
        }

        return new BatchRunResult(run.Names.RunId, run.PoolId, run.Names.JobId, run.Outcomes, run.StartTime, _time.GetUtcNow(), run.DownloadDirectory, cleanupFailures, run.ReduceOutcome);
    }

    /// <summary>
    /// Records how the run ended (bounded by the Cleanup timeout; a failure to write is logged, not thrown); or, when its cleanup
    /// deleted everything the run made, deletes its record too, so that a cleaned-up run leaves nothing behind.
    /// </summary>
    private async Task FinishRecordAsync(RunAttachment attachment, RunState run, BatchRunState state, string? failure, IReadOnlyList<string> cleanupFailures, bool succeeded)
    {
        var record = attachment.Record;
        record.State = state;
        record.Stage = run.Stage;
        record.Failure = failure;
        record.FinishedAt = _time.GetUtcNow();
        record.CleanupFailures = [.. cleanupFailures];
        record.Outcomes = run.Outcomes.Select(RecordedOutcome.From); // made one at a time as the record is written
        record.Reduce = RecordedReduce.From(run.ReduceOutcome);
        var policy = run.Definition.Cleanup;
        bool deletedAll = cleanupFailures.Count == 0 && (policy == CleanupPolicy.Always || (policy == CleanupPolicy.OnSuccess && succeeded));
        if (deletedAll)
        {
            using var deleteTimeout = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _time);
            if (await attachment.DeleteRecordAsync(deleteTimeout.Token).ConfigureAwait(false))
            {
                return;
            }
        }
        using var cts = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _time);
        try
        {
            await attachment.SaveAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkflowLog.HeartbeatFailed(_logger, run.Names.RunId, SecretRedaction.RedactText(ex.Message));
        }
    }

    /// <summary>Terminates the run's job so that no task of it runs any more (bounded by the Cleanup timeout; a failure is logged).</summary>
    private async Task TerminateJobAsync(RunState run)
    {
        if (!run.OwnsJob)
        {
            return;
        }

        using var cts = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _time);
        try
        {
            await _context.CallAsync(run, WorkflowOperation.TerminateJob, $"terminate job '{run.Names.JobId}'", ct => _compute.TerminateJobAsync(run.Names.JobId, ct), cts.Token).ConfigureAwait(false);
        }
        catch (BatchComputeException ex) when (ex.Kind is BatchComputeErrorKind.NotFound or BatchComputeErrorKind.Conflict)
        {
            // never created, or already ending
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkflowLog.CleanupFailed(_logger, run.Names.RunId, $"job '{run.Names.JobId}' (terminate)", SecretRedaction.RedactText(ex.Message));
        }
    }

    /// <summary>
    /// Checks before anything is created: the URLs the tasks get can live as long as the run may take, and the compute can
    /// make the pool (VM size, image, quota, on Azure Batch); logs what was checked and the pool's node-hours as a cost hint.
    /// </summary>
    private async Task PreflightAsync(RunState run, CancellationToken cancellationToken)
    {
        var definition = run.Definition;
        var t = definition.Timeouts;
        var urlLifetime = t.PoolReady + t.TasksComplete + t.Download + _context.Options.UrlExpiryMargin;
        if (_storage.MaxUrlLifetime is { } max)
        {
            if (urlLifetime > max)
            {
                throw new ArgumentException(
                    $"Run '{run.Names.RunId}': the tasks' URLs must stay valid for {urlLifetime} (WorkflowTimeouts.PoolReady + TasksComplete + Download + BatchWorkflowOptions.UrlExpiryMargin), but storage '{_storage.DisplayName}' issues URLs that live at most {max}. Shorten those timeouts, or give the storage an account key (its SAS have no such limit).");
            }

            string fits = $"URL lifetime {urlLifetime} is within storage '{_storage.DisplayName}''s limit of {max}";
            WorkflowLog.PreflightChecked(_logger, run.Names.RunId, fits);
        }

        if (definition.Pool.ExistingPoolId is not null)
        {
            return;
        }

        var spec = PoolProvisioner.PoolSpecOf(run);
        ComputePreflightResult checks;
        try
        {
            // Bounded in real time (the checks are a few quick reads), so that a throttled preflight cannot hang a submit.
            using var timeout = new CancellationTokenSource(PreflightTimeout, TimeProvider.System);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            checks = await _context.CallAsync(run, WorkflowOperation.PreflightPool, $"preflight pool '{run.PoolId}'", ct => _compute.PreflightPoolAsync(spec, ct), linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ArgumentException)
        {
            throw new BatchWorkflowException(BatchRunStage.CreatingPool, run.Names.RunId, $"Run '{run.Names.RunId}' was refused by the preflight of pool '{run.PoolId}', before anything was created: {SecretRedaction.RedactText(ex.Message)}", ex);
        }

        foreach (string line in checks.Checked)
        {
            WorkflowLog.PreflightChecked(_logger, run.Names.RunId, line);
        }

        foreach (string line in checks.Skipped)
        {
            WorkflowLog.PreflightSkipped(_logger, run.Names.RunId, line);
        }

        double hours = (t.PoolReady + t.TasksComplete).TotalHours;
        double nodeHours = spec.NodeCount * hours;
        string cores = checks.CoresPerNode is { } perNode ? string.Create(CultureInfo.InvariantCulture, $" = {nodeHours * perNode:F1} core-hours") : string.Empty;
        WorkflowLog.CostHint(_logger, run.Names.RunId, run.PoolId, spec.NodeCount, spec.VirtualMachineSize ?? "default size", hours, nodeHours, cores);
    }

    private async Task<RunManifest> RequireManifestAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (RunNames.ValidateRunId(runId) is { } error)
        {
            throw new ArgumentException(error, nameof(runId));
        }

        return await _store.ReadManifestAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new BatchRunNotFoundException(runId, _storage.DisplayName);
    }

    /// <summary>The state of a run that another process started, rebuilt from its manifest.</summary>
    private RunState ResumedRun(RunManifest manifest, IProgress<BatchRunProgress>? progress)
    {
        var run = new RunState(manifest.ToDefinition(), new RunNames(manifest.RunId), progress, _time.GetUtcNow())
        {
            DownloadDirectory = manifest.DownloadDirectory,
            IsResumed = true,
            OwnsPool = manifest.OwnsPool,
            OwnsJob = true,
        };
        return run;
    }

    /// <summary>The result a finished run recorded; a run that failed as a whole, or was cancelled, throws as it did then.</summary>
    private static BatchRunResult Recorded(RunState run, RunRecord record)
    {
        run.ApplyRecorded(record.Outcomes ?? []);
        record.Reduce?.ApplyTo(run.ReduceOutcome);
        if (record.State == BatchRunState.Cancelled || record.Failure is not null)
        {
            string how = record.State == BatchRunState.Cancelled ? "was cancelled" : "failed";
            throw new BatchWorkflowException(record.Stage, run.Names.RunId, $"Run '{run.Names.RunId}' {how} at {record.FinishedAt:u}: {record.Failure}")
            {
                CleanupFailures = record.CleanupFailures,
            };
        }

        return new BatchRunResult(run.Names.RunId, run.PoolId, run.Names.JobId, run.Outcomes, run.StartTime, record.FinishedAt ?? run.StartTime, run.DownloadDirectory, record.CleanupFailures, run.ReduceOutcome);
    }

    private BatchRunStatus ToStatus(RunManifest manifest, RunRecord? record)
    {
        var status = new BatchRunStatus(manifest.RunId, record?.State ?? BatchRunState.Running, record?.Stage ?? BatchRunStage.Staging, manifest.CreatedAt, record?.UpdatedAt ?? manifest.CreatedAt, manifest.Inputs.Count)
        {
            Counts = record?.Counts ?? default,
            Failure = record?.Failure,
            FinishedAt = record?.FinishedAt,
        };
        if (!status.IsFinished && RunStore.IsLive(record?.Holder, _time.GetUtcNow()))
        {
            status.AttachedBy = record!.Holder!.ToString();
        }

        return status;
    }

    /// <summary>A run's status: its record, and while it runs, the live counts and completed tasks of its job.</summary>
    private async Task<BatchRunStatus> StatusAsync(RunManifest manifest, bool withTasks, CancellationToken cancellationToken)
    {
        var record = await _store.ReadRecordAsync(manifest.RunId, cancellationToken).ConfigureAwait(false);
        var status = ToStatus(manifest, record);
        var run = ResumedRun(manifest, progress: null);
        if (status.IsFinished)
        {
            if (withTasks && record?.Outcomes is { } recorded)
            {
                run.ApplyRecorded(recorded);
                status.CompletedTasks = [.. run.Outcomes.Where(o => o.State == ComputeTaskState.Completed)];
            }

            return status;
        }

        status.CancelRequested = await _store.ReadCancelAsync(manifest.RunId, cancellationToken).ConfigureAwait(false) is not null;
        if (record is not { TasksAdded: true })
        {
            return status;
        }

        try
        {
            status.Counts = await _context.CallAsync(run, WorkflowOperation.GetTaskCounts, $"get the task counts of job '{run.Names.JobId}'", ct => _compute.GetTaskCountsAsync(run.Names.JobId, ct), cancellationToken).ConfigureAwait(false);
            if (withTasks)
            {
                var query = new TaskListQuery { State = ComputeTaskState.Completed };
                var completed = await _context.CallAsync(run, WorkflowOperation.ListTasks, $"list the completed tasks of job '{run.Names.JobId}'", ct => _compute.ListTasksAsync(run.Names.JobId, query, ct).ToListAsync(ct).AsTask(), cancellationToken).ConfigureAwait(false);
                foreach (var task in completed)
                {
                    if (run.OutcomesByTaskId.TryGetValue(task.Id, out var outcome))
                    {
                        TaskMonitor.Apply(outcome, task);
                    }
                }

                status.CompletedTasks = [.. run.Outcomes.Where(o => o.State == ComputeTaskState.Completed)];
            }
        }
        catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.NotFound)
        {
            // the job is gone (swept, or deleted by hand): the recorded counts stand
        }

        return status;
    }

    private static string Describe(RunState run) => run.Stage switch
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

    private static string DescribeFailure(RunState run, Exception ex)
        => $"Run '{run.Names.RunId}' failed while {Describe(run)}: {SecretRedaction.RedactText(ex.Message)}";
}
