namespace TopNWords.Batch;

/// <summary>
/// Runs the fan-out workflow of the Azure Batch "top N words" tutorial: stage the task application and
/// the inputs in storage, create (or reuse) a pool, create a job, add one task per input, monitor until
/// every task ends, download each task's output, and clean up what the run created.
/// </summary>
/// <remarks>
/// Storage and compute are pluggable (<see cref="Storage.IBlobStorage"/>, <see cref="Compute.IBatchCompute"/>):
/// Azure Blob Storage and Azure Batch, or a local folder and local processes. Task failures do not throw:
/// they come back in <see cref="BatchRunResult.Tasks"/> with exit code, failure info and the end of stderr.
/// Infrastructure failures throw <see cref="BatchWorkflowException"/> (or a subclass) after cleanup ran.
/// </remarks>
public interface IBatchWorkflow
{
    /// <summary>Runs a workflow to the end.</summary>
    /// <param name="definition">What to run.</param>
    /// <param name="progress">Receives stage changes, task counts and each task's completion, in order; optional.</param>
    /// <param name="cancellationToken">Cancels the run. Cleanup still runs, bounded by <see cref="WorkflowTimeouts.Cleanup"/>.</param>
    /// <returns>The outcome of every task.</returns>
    /// <exception cref="ArgumentException">The definition is invalid; nothing was created.</exception>
    /// <exception cref="BatchTimeoutException">A named wait ran out; the message says which.</exception>
    /// <exception cref="BatchWorkflowException">Staging, the pool, the job or adding tasks failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default);
}
