using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Polly;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// What every stage of <see cref="BatchWorkflow"/> works with: the backends, the options, the clock and the
/// workflow's one logger (so that every stage logs under the <see cref="BatchWorkflow"/> category), the resilience
/// pipeline; and the three things every stage does: enter a stage, wait under a named timeout, and call storage or
/// compute through the pipeline (<see cref="CallAsync{T}(RunState, WorkflowOperation, string, Func{CancellationToken, Task{T}}, CancellationToken)"/>), under that timeout's token.
/// </summary>
internal sealed class WorkflowContext
{
    public WorkflowContext(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions options, ILogger logger, TimeProvider time, ResiliencePipeline resilience)
    {
        Resilience = resilience;
        Storage = storage;
        Compute = compute;
        Options = options;
        Logger = logger;
        Time = time;
        Telemetry = WorkflowTelemetry.Create(options.MeterFactory);
    }

    public IBlobStorage Storage { get; }

    public IBatchCompute Compute { get; }

    public BatchWorkflowOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    /// <summary>Gets the pipeline every storage and compute call goes through.</summary>
    public ResiliencePipeline Resilience { get; }

    /// <summary>Gets the workflow's metrics (and its spans' helpers).</summary>
    public WorkflowTelemetry Telemetry { get; }

    /// <summary>Enters <paramref name="stage"/>: records it on the run, logs it, starts its span and reports it with the run's counts.</summary>
    public void Report(RunState run, BatchRunStage stage)
    {
        run.Stage = stage;
        WorkflowTelemetry.EnterStage(run, stage);
        WorkflowLog.StageStarted(Logger, run.Names.RunId, stage);
        run.Progress?.Report(new BatchRunProgress(stage, run.Counts));
    }

    /// <summary>Runs <paramref name="action"/> under a named timeout; when it runs out, throws <see cref="BatchTimeoutException"/> naming it.</summary>
    public async Task RunWithTimeoutAsync(RunState run, string timeoutName, TimeSpan timeout, Func<CancellationToken, Task> action, Func<string> describeWait, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        run.LastTransientFailure = null;
        try
        {
            await action(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            string retried = run.LastTransientFailure is { } last ? $" The last transient failure, retried until then, was: {last}" : string.Empty;
            throw new BatchTimeoutException(
                run.Stage,
                run.Names.RunId,
                timeoutName,
                timeout,
                $"Run '{run.Names.RunId}': the {timeoutName} timeout ({timeout}) ran out {describeWait()}. Raise WorkflowTimeouts.{timeoutName} or check the resources named here.{retried}",
                ex);
        }
    }

    /// <summary>
    /// Calls storage or compute through the resilience pipeline. <paramref name="cancellationToken"/> is the stage's
    /// deadline (the token of <see cref="RunWithTimeoutAsync"/>): when it is cancelled the retries stop and the call throws
    /// <see cref="OperationCanceledException"/>, even if the pipeline returned the last transient failure instead.
    /// The call has a span, a child of the run's current stage, and its attempts are counted (see <see cref="TopNWordsBatchTelemetry"/>).
    /// </summary>
    /// <param name="run">The run (its id goes into the pipeline's context; a retried failure is recorded on it).</param>
    /// <param name="kind">The kind of call, for the span's name and the metrics' tags.</param>
    /// <param name="operation">What is being done, naming the resource, e.g. "create pool 'p'" (the pipeline's operation key).</param>
    /// <param name="call">The call; it gets the token of each attempt.</param>
    /// <param name="cancellationToken">The stage's deadline.</param>
    public Task<T> CallAsync<T>(RunState run, WorkflowOperation kind, string operation, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        => CallAsync(run.Names.RunId, kind, operation, call, failure => run.LastTransientFailure = failure, run.StageActivity ?? run.Activity, cancellationToken);

    /// <summary>Calls storage or compute through the resilience pipeline for a run that is not being driven here (status, cancel, sweep).</summary>
    /// <param name="runId">The run id, for the pipeline's context.</param>
    /// <param name="kind">The kind of call, for the span's name and the metrics' tags.</param>
    /// <param name="operation">What is being done, naming the resource.</param>
    /// <param name="call">The call; it gets the token of each attempt.</param>
    /// <param name="recordTransient">Receives each retried failure (redacted), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">The deadline.</param>
    public Task<T> CallAsync<T>(string runId, WorkflowOperation kind, string operation, Func<CancellationToken, Task<T>> call, Action<string>? recordTransient, CancellationToken cancellationToken)
        => CallAsync(runId, kind, operation, call, recordTransient, parent: null, cancellationToken);

    private async Task<T> CallAsync<T>(string runId, WorkflowOperation kind, string operation, Func<CancellationToken, Task<T>> call, Action<string>? recordTransient, Activity? parent, CancellationToken cancellationToken)
    {
        var telemetry = Telemetry;
        using var activity = WorkflowTelemetry.StartCall(kind, operation, runId, parent);
        var attempts = new StrongBox<int>();
        try
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Nothing to retry once the deadline has passed: the backend gets the cancelled token and decides, as before.
                return await Attempt(call, telemetry, kind, attempts, recordTransient, operation, cancellationToken).ConfigureAwait(false);
            }

            var context = ResilienceContextPool.Shared.Get(operation, continueOnCapturedContext: false, cancellationToken);
            context.Properties.Set(WorkflowResilience.RunIdKey, runId);
            try
            {
                return await Resilience.ExecuteAsync(
                    static (ctx, state) => new ValueTask<T>(Attempt(state.call, state.telemetry, state.kind, state.attempts, state.recordTransient, state.operation, ctx.CancellationToken)),
                    context,
                    (recordTransient, operation, call, telemetry, kind, attempts)).ConfigureAwait(false);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException && WorkflowResilience.IsTransient(ex, CancellationToken.None))
            {
                // The pipeline gave up because the deadline passed: a timeout (or the caller's cancellation), not this failure.
                throw new OperationCanceledException($"{operation} was retried until the stage's time ran out; the last failure is the inner exception.", ex, cancellationToken);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
        catch (Exception ex)
        {
            WorkflowTelemetry.FailCall(activity, kind, ex);
            throw;
        }
        finally
        {
            activity?.SetTag(TopNWordsBatchTelemetry.AttemptsTag, attempts.Value);
        }
    }

    /// <summary>
    /// One attempt of a call: counted as a request (and as a retry after the first: counted here, so that any pipeline's
    /// retries are), and as an error when it fails; a transient failure is recorded for the message of a timeout.
    /// </summary>
    private static async Task<T> Attempt<T>(Func<CancellationToken, Task<T>> call, WorkflowTelemetry telemetry, WorkflowOperation kind, StrongBox<int> attempts, Action<string>? recordTransient, string operation, CancellationToken cancellationToken)
    {
        telemetry.Attempt(kind, Interlocked.Increment(ref attempts.Value));
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            telemetry.AttemptFailed(kind, ex, cancellationToken);
            if (WorkflowResilience.IsTransient(ex, cancellationToken))
            {
                recordTransient?.Invoke($"{operation}: {SecretRedaction.RedactText(ex.Message)}");
            }

            throw;
        }
    }

    /// <summary>Calls storage or compute through the resilience pipeline (see <see cref="CallAsync{T}(RunState, WorkflowOperation, string, Func{CancellationToken, Task{T}}, CancellationToken)"/>).</summary>
    public Task CallAsync(RunState run, WorkflowOperation kind, string operation, Func<CancellationToken, Task> call, CancellationToken cancellationToken)
        => CallAsync(
            run,
            kind,
            operation,
            async ct =>
            {
                await call(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
}
