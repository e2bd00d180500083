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
    /// <summary>Runs a workflow to the end: <see cref="SubmitAsync"/> and then <see cref="AttachAsync"/>, in one call. With the
    /// <see cref="BatchRunDefinition.RunId"/> of a run an earlier process started (and perhaps was killed in), it resumes that run.</summary>
    /// <param name="definition">What to run.</param>
    /// <param name="progress">Receives stage changes, task counts and each task's completion, in order; optional.</param>
    /// <param name="cancellationToken">Cancels the run. Cleanup still runs, bounded by <see cref="WorkflowTimeouts.Cleanup"/>.</param>
    /// <returns>The outcome of every task.</returns>
    /// <exception cref="ArgumentException">The definition is invalid; nothing was created.</exception>
    /// <exception cref="BatchTimeoutException">A named wait ran out; the message says which.</exception>
    /// <exception cref="BatchWorkflowException">Staging, the pool, the job or adding tasks failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Submits a run and returns once its tasks are added, leaving it to run without this process: its manifest (inputs with
    /// their hashes, application, arguments, pool, timeouts, cleanup policy) is in the run store of the workflow's storage, so
    /// any process with the same storage and compute can attach to it, ask its status or cancel it by its id alone. Submitting
    /// again with the same <see cref="BatchRunDefinition.RunId"/> resumes the run where an earlier process stopped.
    /// </summary>
    /// <param name="definition">What to run.</param>
    /// <param name="progress">Receives stage changes; optional.</param>
    /// <param name="cancellationToken">Cancels the submission; what it created is cleaned up by policy.</param>
    /// <returns>The run's status (<see cref="BatchRunStatus.RunId"/> is the id to attach with).</returns>
    /// <exception cref="ArgumentException">The definition is invalid, or its run id names another run (other inputs, application or pool); nothing was created.</exception>
    /// <exception cref="InvalidOperationException">Another live process is attached to the run.</exception>
    /// <exception cref="BatchWorkflowException">Staging, the pool, the job or adding tasks failed (after cleanup ran).</exception>
    Task<BatchRunStatus> SubmitAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Attaches to a run by its id and drives it to the end exactly as <see cref="RunAsync"/> does: whatever stage an earlier
    /// process reached (even if it was killed), the run continues from there; then it monitors, downloads and cleans up. A run
    /// that has ended returns its recorded result.
    /// </summary>
    /// <param name="runId">The run id.</param>
    /// <param name="progress">Receives progress; optional.</param>
    /// <param name="cancellationToken">Detaches: this process stops waiting and the run goes on (cancel it with <see cref="CancelAsync"/>).</param>
    /// <returns>The outcome of every task.</returns>
    /// <exception cref="BatchRunNotFoundException">The run store has no such run.</exception>
    /// <exception cref="InvalidOperationException">Another live process is attached to the run.</exception>
    /// <exception cref="BatchWorkflowException">The run failed or was cancelled.</exception>
    Task<BatchRunResult> AttachAsync(string runId, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a run's state, stage, task counts and the outcomes of its completed tasks so far, without downloading anything.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The status.</returns>
    /// <exception cref="BatchRunNotFoundException">The run store has no such run.</exception>
    Task<BatchRunStatus> GetStatusAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a run from any process: the process attached to it (if any) terminates its job and cleans up by the run's
    /// policy; when none is, this call does it. Returns once the run has ended, or once the attached process had the
    /// Cleanup timeout to do it (the status then says <see cref="BatchRunStatus.CancelRequested"/>).
    /// </summary>
    /// <param name="runId">The run id.</param>
    /// <param name="cancellationToken">Stops waiting; the request stands.</param>
    /// <returns>The run's status afterwards.</returns>
    /// <exception cref="BatchRunNotFoundException">The run store has no such run.</exception>
    Task<BatchRunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Lists the runs in the run store (running and ended), oldest first; <see cref="BatchRunStatus.Counts"/> are as last recorded.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The runs.</returns>
    Task<IReadOnlyList<BatchRunStatus>> ListRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes what runs left behind: for every run older than <paramref name="olderThan"/> that no live process is attached to,
    /// its job, its own pool, its containers and its record; and pools and jobs that carry this library's metadata but whose run
    /// has no record, older than the limit. Never a pool the caller owns (<see cref="PoolDefinition.ExistingPoolId"/>) and never a
    /// resource this library did not create.
    /// </summary>
    /// <param name="olderThan">How old a run (from its submission) or an orphaned pool or job must be; zero or more.</param>
    /// <param name="cancellationToken">Stops the sweep between deletions.</param>
    /// <returns>What was deleted, kept and could not be deleted.</returns>
    Task<BatchSweepResult> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken = default);
}
