using Microsoft.Extensions.Logging;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// What every stage of <see cref="BatchWorkflow"/> works with: the backends, the options, the clock and the
/// workflow's one logger (so that every stage logs under the <see cref="BatchWorkflow"/> category); and the two
/// things every stage does: enter a stage, and wait under a named timeout.
/// </summary>
internal sealed class WorkflowContext
{
    public WorkflowContext(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions options, ILogger logger, TimeProvider time)
    {
        Storage = storage;
        Compute = compute;
        Options = options;
        Logger = logger;
        Time = time;
    }

    public IBlobStorage Storage { get; }

    public IBatchCompute Compute { get; }

    public BatchWorkflowOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    /// <summary>Enters <paramref name="stage"/>: records it on the run, logs it and reports it with the run's counts.</summary>
    public void Report(RunState run, BatchRunStage stage)
    {
        run.Stage = stage;
        WorkflowLog.StageStarted(Logger, run.Names.RunId, stage);
        run.Progress?.Report(new BatchRunProgress(stage, run.Counts));
    }

    /// <summary>Runs <paramref name="action"/> under a named timeout; when it runs out, throws <see cref="BatchTimeoutException"/> naming it.</summary>
    public async Task RunWithTimeoutAsync(RunState run, string timeoutName, TimeSpan timeout, Func<CancellationToken, Task> action, Func<string> describeWait, CancellationToken cancellationToken)
    {
        using var timeoutCts = new CancellationTokenSource(timeout, Time);
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
}
