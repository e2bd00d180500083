using Microsoft.Extensions.Logging;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch;

/// <summary>
/// The <see cref="BatchRunStage.AddingTasks"/> and <see cref="BatchRunStage.Monitoring"/> stages of a run: adds one
/// task per input (ids stable per input, so adding again never duplicates work), then watches the job until every
/// task has completed, recording each task's outcome (with the tail of its stderr when it failed) as it completes.
/// </summary>
internal sealed class TaskMonitor
{
    private const int StderrTailBytes = 8192;

    /// <summary>How many tasks one call to <see cref="IBatchCompute.AddTasksAsync"/> adds (the compute splits them into requests as its service wants).</summary>
    internal const int AddTasksChunk = 1000;

    /// <summary>
    /// The fewest tasks an in-process compute is kept queued with (<see cref="QueueWindow"/>): at about 150 tasks a second on two
    /// cores, over a second of work.
    /// </summary>
    internal const int MinQueueWindow = 200;

    /// <summary>How far before the latest completion seen the next listing of completed tasks starts (a service's listings may lag).</summary>
    private static readonly TimeSpan ListingLagMargin = TimeSpan.FromSeconds(10);

    /// <summary>The margin for an in-process compute: its listings are its state and do not lag; the margin covers a step of the clock (a bigger one falls back to a full listing).</summary>
    private static readonly TimeSpan InProcessListingMargin = TimeSpan.FromSeconds(1);

    private readonly WorkflowContext _context;

    public TaskMonitor(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>Adds the run's tasks and monitors them until all have completed, under the <see cref="WorkflowTimeouts.TasksComplete"/> timeout.</summary>
    /// <param name="run">The run.</param>
    /// <param name="addTasks">Whether to add the tasks (<see langword="false"/> when an earlier process of the run added them all).</param>
    /// <param name="onTasksAdded">Called once the tasks are added (to record it durably).</param>
    /// <param name="monitor">Whether to monitor the tasks until they complete (<see langword="false"/> to return once they are added: a submit).</param>
    /// <param name="cancellationToken">Cancels the stage.</param>
    public async Task RunTasksAsync(RunState run, bool addTasks, Func<CancellationToken, Task> onTasksAdded, bool monitor, CancellationToken cancellationToken)
    {
        var definition = run.Definition;
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.TasksComplete),
            definition.Timeouts.TasksComplete,
            async ct =>
            {
                TaskAdder? adder = null;
                if (addTasks)
                {
                    _context.Report(run, BatchRunStage.AddingTasks);
                    adder = new TaskAdder(_context, run);
                    // A compute that runs the tasks from this process stops them when the process ends, so nothing is gained by
                    // queuing them all at once, and each queued task costs memory here: while monitoring, the rest are added
                    // as its queue drains (see QueueWindow). Every other compute (Batch) gets them all now: they run on if this process dies.
                    bool asQueueDrains = monitor && _context.Compute.Capabilities.HasFlag(ComputeCapabilities.InProcess);
                    while (!adder.Done)
                    {
                        await adder.AddNextAsync(asQueueDrains ? MinQueueWindow : AddTasksChunk, ct).ConfigureAwait(false);
                        if (asQueueDrains)
                        {
                            break;
                        }
                    }

                    if (adder.Done)
                    {
                        await onTasksAdded(ct).ConfigureAwait(false);
                        adder = null;
                    }
                }

                if (!monitor)
                {
                    return;
                }

                _context.Report(run, BatchRunStage.Monitoring);
                await MonitorAsync(run, adder, onTasksAdded, ct).ConfigureAwait(false);
            },
            () => $"with {run.Outcomes.Count(o => o.State != ComputeTaskState.Completed)} of {run.Outcomes.Count} task(s) of job '{run.Names.JobId}' not completed ({run.Counts.Active} active, {run.Counts.Running} running)",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// How many tasks an in-process compute is kept queued with, from how many completed since the previous poll: twice that
    /// (so that the queue outlasts the next poll), at least <see cref="MinQueueWindow"/>, at most <see cref="AddTasksChunk"/>.
    /// Whenever fewer are queued, as many more are added. The window is kept small because a queued task's definition (its
    /// command line, input URL, resource and output specs: about a KB) that waits longer than a couple of collections is
    /// promoted to the oldest generation and stays there, dead, until a full collection once its task has run: with a
    /// thousand queued (7 to 13 s of waiting at 150 tasks a second), a 10,000-input run's peak memory was 7 MB higher.
    /// </summary>
    /// <param name="completedSincePreviousPoll">The tasks completed since the previous poll.</param>
    /// <returns>The window.</returns>
    internal static int QueueWindow(int completedSincePreviousPoll) => (int)Math.Clamp(2L * Math.Max(completedSincePreviousPoll, 0), MinQueueWindow, AddTasksChunk);

    /// <summary>
    /// Adds the run's tasks, <see cref="AddTasksChunk"/> at a time (a <see cref="QueueWindow"/> at a time as an in-process
    /// compute's queue drains), in input order, the reduce tasks last (after every chunk of map tasks, so that the tasks they
    /// depend on are in the job before them). The specs of a chunk (the command line, the input's read URL, issued here, and
    /// the output specs: most of a KB each) are garbage once it is added, so that 10,000 of them never live long enough to
    /// reach the oldest generation, where they would stay, dead, until a full collection.
    /// </summary>
    private sealed class TaskAdder(WorkflowContext context, RunState run)
    {
        private int _nextMap;
        private int _nextReduce;
        private int _added;
        private int _existed;
        private int _requests;

        /// <summary>Gets how many of the run's tasks are not added yet.</summary>
        public int Remaining => run.Outcomes.Count - _nextMap + (run.ReducePlan?.Tasks.Count ?? 0) - _nextReduce;

        /// <summary>Gets a value indicating whether every task is added.</summary>
        public bool Done => Remaining == 0;

        /// <summary>Adds the next chunk of tasks, at most <paramref name="count"/>.</summary>
        public async Task AddNextAsync(int count, CancellationToken ct)
        {
            TaskSpec[] chunk;
            if (_nextMap < run.Outcomes.Count)
            {
                chunk = new TaskSpec[Math.Min(count, run.Outcomes.Count - _nextMap)];
                for (int i = 0; i < chunk.Length; i++)
                {
                    var outcome = run.Outcomes[_nextMap + i];
                    chunk[i] = TaskCommands.Task(run, outcome, await RunStager.IssueInputUrlAsync(context, run, outcome.Input, ct).ConfigureAwait(false));
                }
            }
            else
            {
                var reduce = run.ReducePlan!.Tasks;
                chunk = [.. reduce.Skip(_nextReduce).Take(count).Select(r => TaskCommands.ReduceTask(run, r))];
            }

            // Safe to resend after a dropped connection, or by a resumed run: a task that was added answers TaskExists and counts as added.
            var result = await context.CallAsync(run, WorkflowOperation.AddTasks, $"add {chunk.Length} task(s) to job '{run.Names.JobId}'", t => context.Compute.AddTasksAsync(run.Names.JobId, chunk, t), ct).ConfigureAwait(false);
            if (_nextMap < run.Outcomes.Count)
            {
                _nextMap += chunk.Length;
            }
            else
            {
                _nextReduce += chunk.Length;
            }

            _added += result.Added;
            _existed += result.AlreadyExisted;
            _requests += result.Requests;
            if (Done)
            {
                WorkflowLog.TasksAdded(context.Logger, run.Names.RunId, run.Names.JobId, _added, _existed, _requests);
            }
        }
    }

    /// <summary>
    /// Polls the job's task counts (one cheap call) and, only when more tasks have completed, lists the
    /// tasks completed since the last listing: the requests grow with completions, not with tasks x polls.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="adder">Adds the tasks not added yet, a <see cref="QueueWindow"/> of them whenever fewer are queued; or <see langword="null"/>.</param>
    /// <param name="onTasksAdded">Called once the last of them is added.</param>
    /// <param name="cancellationToken">Cancels the monitoring.</param>
    private async Task MonitorAsync(RunState run, TaskAdder? adder, Func<CancellationToken, Task> onTasksAdded, CancellationToken cancellationToken)
    {
        var compute = _context.Compute;
        int total = run.TaskCount;
        int collected = 0;
        int mapCollected = 0;
        DateTimeOffset? since = null;
        bool fullListing = false;
        int completedAtPreviousPoll = 0;
        var listingMargin = compute.Capabilities.HasFlag(ComputeCapabilities.InProcess) ? InProcessListingMargin : ListingLagMargin;
        while (true)
        {
            var counts = await _context.CallAsync(run, WorkflowOperation.GetTaskCounts, $"get the task counts of job '{run.Names.JobId}'", ct => compute.GetTaskCountsAsync(run.Names.JobId, ct), cancellationToken).ConfigureAwait(false);
            if (adder is not null)
            {
                // The tasks not added yet wait as the queued ones do: the run reports them as active (its total stays the run's).
                int notAdded = adder.Remaining;
                int window = QueueWindow(counts.Completed - completedAtPreviousPoll);
                if (counts.Active < window)
                {
                    await adder.AddNextAsync(window, cancellationToken).ConfigureAwait(false);
                    if (adder.Done)
                    {
                        await onTasksAdded(cancellationToken).ConfigureAwait(false);
                        adder = null;
                    }
                }

                counts = counts with { Active = counts.Active + notAdded };
            }

            completedAtPreviousPoll = counts.Completed;
            if (counts != run.Counts)
            {
                run.Counts = counts;
                WorkflowLog.Counts(_context.Logger, run.Names.RunId, counts.Active, counts.Running, counts.Completed, counts.Failed);
                run.Progress?.Report(new BatchRunProgress(BatchRunStage.Monitoring, counts));
            }

            if (counts.Completed > collected)
            {
                var query = new TaskListQuery { State = ComputeTaskState.Completed, StateChangedSince = fullListing ? null : since };
                DateTimeOffset? latest = null;
                // Listed whole, so that a listing that fails part-way is retried from its start.
                var listed = await _context.CallAsync(run, WorkflowOperation.ListTasks, $"list the completed tasks of job '{run.Names.JobId}'", ct => compute.ListTasksAsync(run.Names.JobId, query, ct).ToListAsync(ct).AsTask(), cancellationToken).ConfigureAwait(false);
                foreach (var task in listed)
                {
                    if (task.StateTransitionTime is { } t && (latest is null || t > latest))
                    {
                        latest = t;
                    }

                    if (task.State != ComputeTaskState.Completed)
                    {
                        continue;
                    }

                    if (run.OutcomesByTaskId.TryGetValue(task.Id, out var outcome) && outcome.State != ComputeTaskState.Completed)
                    {
                        await CompleteAsync(run, outcome, task, cancellationToken).ConfigureAwait(false);
                        collected++;
                        mapCollected++;
                    }
                    else if (run.ReducePlan?.TasksById.GetValueOrDefault(task.Id) is { Completed: false } reduce)
                    {
                        await CompleteReduceAsync(run, reduce, task, cancellationToken).ConfigureAwait(false);
                        collected++;
                    }
                }

                // The next listing starts a little before the latest completion seen (listings may lag; an in-process
                // compute's listings do not, and its completed tasks are listed again for one second, not ten);
                // tasks already collected are skipped above. When the counts report more completions than a
                // filtered listing returned, list every completed task next time.
                if (latest is { } l)
                {
                    since = l - listingMargin;
                }

                fullListing = collected < counts.Completed;
            }

            if (collected >= total)
            {
                return;
            }

            if (mapCollected == run.Outcomes.Count && run.ReducePlan is { } plan && IsBlocked(run, plan.Final))
            {
                // A task the reduce depends on failed: the job keeps the reduce tasks waiting for ever (the service's Block).
                WorkflowLog.ReduceBlocked(_context.Logger, run.Names.RunId, plan.Final.Id, run.ReduceOutcome!.Error ?? string.Empty);
                return;
            }

            await Task.Delay(_context.Options.MonitorPollInterval, _context.Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records a completed task's result, exit code, retries, node, times and failure on its outcome.</summary>
    public static void Apply(TaskOutcome outcome, BatchTaskInfo task)
    {
        outcome.State = ComputeTaskState.Completed;
        outcome.Result = ResultOf(task);
        outcome.ExitCode = task.ExitCode;
        outcome.RetryCount = task.RetryCount;
        outcome.NodeId = task.NodeId;
        outcome.StartTime = task.StartTime;
        outcome.EndTime = task.EndTime;
        outcome.FailureInfo = task.FailureInfo;
    }

    private async Task CompleteAsync(RunState run, TaskOutcome outcome, BatchTaskInfo task, CancellationToken cancellationToken)
    {
        Apply(outcome, task);
        _context.Telemetry.TaskCompleted(outcome);
        if (outcome.Result == TaskExecutionResult.Failure)
        {
            outcome.StderrTail = await ReadStderrTailAsync(run, outcome.TaskId, cancellationToken).ConfigureAwait(false);
            WorkflowLog.TaskFailed(_context.Logger, run.Names.RunId, outcome.TaskId, outcome.Input.Name, outcome.DescribeFailure());
        }
        else if (_context.Logger.IsEnabled(LogLevel.Information))
        {
            string result = outcome.Result.ToString()!;
            WorkflowLog.TaskCompleted(_context.Logger, run.Names.RunId, outcome.TaskId, outcome.Input.Name, result, outcome.ExitCode);
        }

        run.Progress?.Report(new BatchRunProgress(BatchRunStage.Monitoring, run.Counts, outcome));
    }

    /// <summary>
    /// Whether a reduce task can never run: a task it depends on failed, or is itself blocked. Sets the reduce outcome's error,
    /// naming the inputs whose tasks failed (the first 10) or the reduce task that failed.
    /// </summary>
    private static bool IsBlocked(RunState run, ReduceTask reduce)
    {
        var plan = run.ReducePlan!;
        var failedInputs = new List<TaskOutcome>();
        var failedReduces = new List<ReduceTask>();
        Collect(reduce);
        if (failedInputs.Count == 0 && failedReduces.Count == 0)
        {
            return false;
        }

        run.ReduceOutcome!.Error = failedInputs.Count > 0
            ? $"The merge (task '{reduce.Id}') did not run: {failedInputs.Count} input(s) failed, and a reduce reads every input. "
                + string.Join(" ", failedInputs.Take(10).Select(o => o.DescribeFailure()))
                + (failedInputs.Count > 10 ? $" (and {failedInputs.Count - 10} more)" : string.Empty)
            : string.Join(" ", failedReduces.Select(r => r.Failure));
        return true;

        void Collect(ReduceTask task)
        {
            foreach (string id in task.Inputs)
            {
                if (run.OutcomesByTaskId.TryGetValue(id, out var input))
                {
                    if (input.State == ComputeTaskState.Completed && input.Result != TaskExecutionResult.Success)
                    {
                        failedInputs.Add(input);
                    }
                }
                else if (plan.TasksById.TryGetValue(id, out var part))
                {
                    if (part is { Completed: true, Result: not TaskExecutionResult.Success })
                    {
                        failedReduces.Add(part);
                    }
                    else if (!part.Completed)
                    {
                        Collect(part);
                    }
                }
            }
        }
    }

    /// <summary>How a completed task ended: as the service says, or else by its exit code and failure info.</summary>
    private static TaskExecutionResult ResultOf(BatchTaskInfo task) =>
        task.Result ?? (task.ExitCode == 0 && task.FailureInfo is null ? TaskExecutionResult.Success : TaskExecutionResult.Failure);

    private async Task CompleteReduceAsync(RunState run, ReduceTask reduce, BatchTaskInfo task, CancellationToken cancellationToken)
    {
        reduce.Completed = true;
        reduce.Result = ResultOf(task);
        _context.Telemetry.TaskCompleted(reduce.Result == TaskExecutionResult.Success, task.StartTime, task.EndTime);
        if (reduce.Result != TaskExecutionResult.Success)
        {
            string? stderr = await ReadStderrTailAsync(run, reduce.Id, cancellationToken).ConfigureAwait(false);
            reduce.Failure = $"The merge task '{reduce.Id}' failed with {TaskOutcome.DescribeExitCode(task.ExitCode)}{TaskOutcome.DescribeFailureInfo(task.FailureInfo)}" + (string.IsNullOrEmpty(stderr) ? "." : $"; its stderr ends: {stderr}");
            if (reduce.IsFinal || run.ReduceOutcome!.Error is null)
            {
                run.ReduceOutcome!.Error = reduce.Failure;
            }

            WorkflowLog.TaskFailed(_context.Logger, run.Names.RunId, reduce.Id, "(reduce)", reduce.Failure);
        }
        else if (_context.Logger.IsEnabled(LogLevel.Information))
        {
            string result = reduce.Result.ToString()!;
            WorkflowLog.TaskCompleted(_context.Logger, run.Names.RunId, reduce.Id, "(reduce)", result, task.ExitCode);
        }

        run.Progress?.Report(new BatchRunProgress(BatchRunStage.Monitoring, run.Counts));
    }

    private async Task<string?> ReadStderrTailAsync(RunState run, string taskId, CancellationToken cancellationToken)
    {
        string? text;
        try
        {
            text = await _context.CallAsync(run, WorkflowOperation.GetTaskOutputTail, $"read the stderr of task '{taskId}'", ct => _context.Compute.GetTaskOutputTailAsync(run.Names.JobId, taskId, TaskOutputStream.StandardError, StderrTailBytes, ct), cancellationToken).ConfigureAwait(false);
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
        return string.Join('\n', lines.TakeLast(_context.Options.StderrTailLines)).TrimEnd('\r');
    }
}
