namespace TopNWords.Batch.Compute;

/// <summary>
/// A place that runs tasks with Azure Batch's semantics: Azure Batch itself, or local processes on this
/// machine. The shapes mirror the Batch data plane (pools of nodes with task slots and a start task,
/// jobs, tasks with resource files, output files, constraints), so the workflow is the same on both.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Failures surface as <see cref="BatchComputeException"/> with a
/// <see cref="BatchComputeErrorKind"/> and the id of the pool, job or task; they never carry keys,
/// tokens or SAS signatures.
/// </remarks>
public interface IBatchCompute
{
    /// <summary>Gets what this backend can do or needs beyond the common contract.</summary>
    ComputeCapabilities Capabilities { get; }

    /// <summary>Gets a display name for messages and logs (an account endpoint or "local"), never a secret.</summary>
    string DisplayName { get; }

    /// <summary>Creates a pool. Nodes are allocated and start tasks run in the background.</summary>
    /// <param name="pool">The pool.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the service has accepted the pool.</returns>
    /// <exception cref="BatchComputeException"><see cref="BatchComputeErrorKind.AlreadyExists"/> when a pool with this id exists.</exception>
    Task CreatePoolAsync(PoolSpec pool, CancellationToken cancellationToken = default);

    /// <summary>Gets a pool.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The pool, or <see langword="null"/> when it does not exist.</returns>
    Task<PoolInfo?> GetPoolAsync(string poolId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until the pool has all its nodes and every node is ready for tasks. Fails fast, with
    /// diagnostics, on resize errors, start-task failures and unusable nodes.
    /// </summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">Cancels the wait (the caller's timeout is applied through it).</param>
    /// <returns>The ready pool.</returns>
    /// <exception cref="PoolNotReadyException">A node or the allocation failed; the exception carries per-node diagnostics.</exception>
    Task<PoolInfo> WaitForPoolReadyAsync(string poolId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a pool and everything running on it.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the pool existed.</returns>
    Task<bool> DeletePoolAsync(string poolId, CancellationToken cancellationToken = default);

    /// <summary>Lists a pool's nodes with their states and start-task information.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The nodes.</returns>
    Task<IReadOnlyList<ComputeNodeInfo>> ListNodesAsync(string poolId, CancellationToken cancellationToken = default);

    /// <summary>Reads the end of a node's start-task <c>stdout.txt</c> or <c>stderr.txt</c>.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="stream">Which file.</param>
    /// <param name="maxBytes">How many bytes from the end, at most.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The text (invalid UTF-8 replaced), or <see langword="null"/> when the file does not exist.</returns>
    Task<string?> GetStartTaskOutputTailAsync(string poolId, string nodeId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default);

    /// <summary>Lists every pool of the account (or of the local compute), with its metadata and creation time.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The pools, in the backend's order.</returns>
    /// <exception cref="BatchComputeException">The backend refused or failed.</exception>
    IAsyncEnumerable<PoolSummary> ListPoolsAsync(CancellationToken cancellationToken = default);

    /// <summary>Lists every job of the account (or of the local compute), with its metadata and creation time.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The jobs, in the backend's order.</returns>
    /// <exception cref="BatchComputeException">The backend refused or failed.</exception>
    IAsyncEnumerable<JobSummary> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks, before anything is created, that a pool like <paramref name="pool"/> can be made: on Azure Batch, that its
    /// virtual machine size and image exist for the account and that its dedicated cores fit the account's quota. A backend
    /// that has nothing to check completes at once.
    /// </summary>
    /// <param name="pool">The pool the run would create.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>What was checked (for the log), and what could not be checked and why.</returns>
    /// <exception cref="BatchComputeException">The pool cannot be made: <see cref="BatchComputeErrorKind.QuotaExceeded"/> naming the quota and the
    /// numbers, or <see cref="BatchComputeErrorKind.InvalidRequest"/> naming the VM size or image that does not exist.</exception>
    Task<ComputePreflightResult> PreflightPoolAsync(PoolSpec pool, CancellationToken cancellationToken = default);

    /// <summary>Creates a job on a pool.</summary>
    /// <param name="job">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the job exists.</returns>
    /// <exception cref="BatchComputeException"><see cref="BatchComputeErrorKind.AlreadyExists"/> when a job with this id exists.</exception>
    Task CreateJobAsync(JobSpec job, CancellationToken cancellationToken = default);

    /// <summary>Terminates a job: running tasks are stopped, no new task starts.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the service has accepted the request.</returns>
    Task TerminateJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a job and its tasks, stopping running ones.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the job existed.</returns>
    Task<bool> DeleteJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds tasks to a job, in as many requests as the backend needs. A task whose id already exists
    /// counts as added (so a resend after a lost response never duplicates work).
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="tasks">The tasks.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were added and how many already existed.</returns>
    /// <exception cref="AddTasksException">Some tasks were refused; the exception names each with the service's message.</exception>
    Task<AddTasksResult> AddTasksAsync(string jobId, IReadOnlyList<TaskSpec> tasks, CancellationToken cancellationToken = default);

    /// <summary>Gets the job's task counts by state: one cheap call whatever the number of tasks.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The counts.</returns>
    Task<TaskCounts> GetTaskCountsAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Lists a job's tasks, optionally only those in one state or changed since a time.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="query">What to list, or <see langword="null"/> for every task.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The tasks.</returns>
    IAsyncEnumerable<BatchTaskInfo> ListTasksAsync(string jobId, TaskListQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Gets one task.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The task, or <see langword="null"/> when it does not exist.</returns>
    Task<BatchTaskInfo?> GetTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default);

    /// <summary>Reads the end of a task's <c>stdout.txt</c> or <c>stderr.txt</c>.</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="stream">Which file.</param>
    /// <param name="maxBytes">How many bytes from the end, at most.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The text (invalid UTF-8 replaced), or <see langword="null"/> when the file does not exist.</returns>
    Task<string?> GetTaskOutputTailAsync(string jobId, string taskId, TaskOutputStream stream, int maxBytes, CancellationToken cancellationToken = default);
}

/// <summary>What a compute backend can do or needs beyond the common contract.</summary>
[Flags]
public enum ComputeCapabilities
{
    /// <summary>Nothing beyond the common contract.</summary>
    None = 0,

    /// <summary>Tasks run on other machines, so resource and output URLs must be reachable from them
    /// (storage with <see cref="Storage.StorageCapabilities.RemotelyReachableUrls"/>).</summary>
    RemoteNodes = 1,

    /// <summary>Nodes run Linux, so command lines may use <c>/bin/sh</c>.</summary>
    PosixNodes = 2,

    /// <summary>The compute runs its tasks from this process (the local compute): they stop when it ends, and every task
    /// queued costs memory here. The workflow then adds a run's tasks as the queue drains, not all at once, when it
    /// monitors them.</summary>
    InProcess = 4,
}

/// <summary>The standard output files a task or start task leaves.</summary>
public enum TaskOutputStream
{
    /// <summary><c>stdout.txt</c>.</summary>
    StandardOutput = 0,

    /// <summary><c>stderr.txt</c>.</summary>
    StandardError = 1,
}
