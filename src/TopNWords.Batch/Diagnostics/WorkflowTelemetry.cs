using System.Diagnostics;
using System.Diagnostics.Metrics;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The workflow's spans and metrics (names in <see cref="TopNWordsBatchTelemetry"/>). A span is only created when a listener
/// samples it (<see cref="ActivitySource.StartActivity(string, ActivityKind, ActivityContext, IEnumerable{KeyValuePair{string, object?}}?, IEnumerable{ActivityLink}?, DateTimeOffset)"/>
/// returns <see langword="null"/> otherwise), and a measurement costs a check of the instrument while nobody listens.
/// </summary>
internal sealed class WorkflowTelemetry
{
    private static readonly string? Version = typeof(WorkflowTelemetry).Assembly.GetName().Version?.ToString();

    /// <summary>The source of every span of the workflow.</summary>
    internal static readonly ActivitySource Source = new(TopNWordsBatchTelemetry.ActivitySourceName, Version);

    private static readonly Lazy<WorkflowTelemetry> SharedInstance = new(() => new WorkflowTelemetry(new Meter(TopNWordsBatchTelemetry.MeterName, Version)));

    private static readonly string[] StageDisplayNames = [.. Enum.GetValues<BatchRunStage>().Select(s => $"{TopNWordsBatchTelemetry.StageActivityName} {s}")];

    private readonly Counter<long> _tasksCompleted;
    private readonly Histogram<double> _taskDuration;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _bytesStaged;
    private readonly Counter<long> _bytesDownloaded;

    private WorkflowTelemetry(Meter meter)
    {
        _tasksCompleted = meter.CreateCounter<long>(TopNWordsBatchTelemetry.TasksCompletedInstrument, "{task}", "Tasks seen completed, by outcome.");
        _taskDuration = meter.CreateHistogram<double>(TopNWordsBatchTelemetry.TaskDurationInstrument, "s", "How long each completed task ran on its node.");
        _requests = meter.CreateCounter<long>(TopNWordsBatchTelemetry.RequestsInstrument, "{request}", "Attempts of storage and compute calls.");
        _retries = meter.CreateCounter<long>(TopNWordsBatchTelemetry.RetriesInstrument, "{retry}", "Attempts of storage and compute calls after the first.");
        _errors = meter.CreateCounter<long>(TopNWordsBatchTelemetry.ErrorsInstrument, "{error}", "Failed attempts of storage and compute calls, by kind.");
        _bytesStaged = meter.CreateCounter<long>(TopNWordsBatchTelemetry.BytesStagedInstrument, "By", "Bytes of application files and inputs uploaded.");
        _bytesDownloaded = meter.CreateCounter<long>(TopNWordsBatchTelemetry.BytesDownloadedInstrument, "By", "Bytes of task outputs downloaded.");
    }

    /// <summary>Gets a value indicating whether anybody counts the bytes staged (so that the sizes are only read then).</summary>
    public bool CountsBytesStaged => _bytesStaged.Enabled;

    /// <summary>Gets a value indicating whether anybody counts the bytes downloaded.</summary>
    public bool CountsBytesDownloaded => _bytesDownloaded.Enabled;

    /// <summary>The telemetry of a workflow: on a meter of <paramref name="meterFactory"/>, or the process-wide meter.</summary>
    public static WorkflowTelemetry Create(IMeterFactory? meterFactory)
        => meterFactory is null
            ? SharedInstance.Value
            : new WorkflowTelemetry(meterFactory.Create(new MeterOptions(TopNWordsBatchTelemetry.MeterName) { Version = Version }));

    /// <summary>The kind of a failure, for <see cref="TopNWordsBatchTelemetry.ErrorTypeTag"/>: never its message.</summary>
    public static string ErrorType(Exception exception) => exception switch
    {
        BatchTimeoutException => "Timeout",
        BatchWorkflowException { InnerException: { } inner } => ErrorType(inner),
        BatchComputeException compute => compute.Kind.ToString(),
        BlobStorageException storage => storage.Kind.ToString(),
        OperationCanceledException => "Cancelled",
        _ => exception.GetType().FullName ?? exception.GetType().Name,
    };

    /// <summary>Starts the span of a run, a child of the caller's current span.</summary>
    public static RunTrace StartRun(string mode, string? runId)
    {
        var activity = Source.StartActivity(TopNWordsBatchTelemetry.RunActivityName, ActivityKind.Internal);
        if (activity is not null)
        {
            activity.SetTag(TopNWordsBatchTelemetry.RunModeTag, mode);
            if (runId is not null)
            {
                activity.SetTag(TopNWordsBatchTelemetry.RunIdTag, runId);
            }
        }

        return new RunTrace(activity);
    }

    /// <summary>Runs <paramref name="body"/> under the span of a run, and records how it ended.</summary>
    public static async Task<T> TraceRunAsync<T>(string mode, string? runId, Func<RunTrace, Task<T>> body, Func<T, BatchRunState> stateOf)
    {
        var trace = StartRun(mode, runId);
        try
        {
            var result = await body(trace).ConfigureAwait(false);
            trace.End(stateOf(result), null);
            return result;
        }
        catch (Exception ex)
        {
            // A detached attach leaves the run running; a cancellation (by this caller or another process) is no error of the run.
            var state = ex is OperationCanceledException && mode == "attach" ? BatchRunState.Running
                : ex is OperationCanceledException || ErrorType(ex) == "Cancelled" ? BatchRunState.Cancelled
                : BatchRunState.Failed;
            trace.End(state, ex);
            throw;
        }
    }

    /// <summary>Ends the span of the run's current stage and starts the next one (none for <see cref="BatchRunStage.Completed"/>), a child of the run's span.</summary>
    public static void EnterStage(RunState run, BatchRunStage stage)
    {
        if (run.StageActivity is null && (run.Activity is null || !Source.HasListeners()))
        {
            return;
        }

        // The stage spans are not Activity.Current (the stages are not one async scope): the calls name them as their parent.
        var current = Activity.Current;
        EndStage(run);
        if (stage != BatchRunStage.Completed && run.Activity is { } parent)
        {
            var activity = Source.StartActivity(TopNWordsBatchTelemetry.StageActivityName, ActivityKind.Internal, parent.Context);
            if (activity is not null)
            {
                activity.DisplayName = StageDisplayNames[(int)stage];
                activity.SetTag(TopNWordsBatchTelemetry.StageTag, stage.ToString());
                activity.SetTag(TopNWordsBatchTelemetry.RunIdTag, run.Names.RunId);
                run.StageActivity = activity;
            }
        }

        if (Activity.Current != current && current is not { IsStopped: true })
        {
            Activity.Current = current;
        }
    }

    /// <summary>Marks the span of the stage a run failed in.</summary>
    public static void FailStage(RunState run, Exception exception)
    {
        if (run.StageActivity is { } activity)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag(TopNWordsBatchTelemetry.ErrorTypeTag, ErrorType(exception));
        }
    }

    /// <summary>Ends the span of the run's current stage, if any.</summary>
    public static void EndStage(RunState run)
    {
        if (run.StageActivity is { } activity)
        {
            run.StageActivity = null;
            var current = Activity.Current;
            activity.Dispose();
            if (Activity.Current != current && current != activity && current is not { IsStopped: true })
            {
                Activity.Current = current;
            }
        }
    }

    /// <summary>Starts the span of a storage or compute call, a child of <paramref name="parent"/> (or of the current span).</summary>
    public static Activity? StartCall(WorkflowOperation operation, string description, string runId, Activity? parent)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = parent is null
            ? Source.StartActivity(TopNWordsBatchTelemetry.CallActivityName, ActivityKind.Client)
            : Source.StartActivity(TopNWordsBatchTelemetry.CallActivityName, ActivityKind.Client, parent.Context);
        if (activity is not null)
        {
            activity.DisplayName = operation.DisplayName;
            activity.SetTag(TopNWordsBatchTelemetry.BackendTag, operation.Backend);
            activity.SetTag(TopNWordsBatchTelemetry.OperationTag, operation.Name);
            activity.SetTag(TopNWordsBatchTelemetry.OperationDescriptionTag, description);
            activity.SetTag(TopNWordsBatchTelemetry.RunIdTag, runId);
        }

        return activity;
    }

    /// <summary>Counts an attempt of a call (a request, and a retry when it is not the first).</summary>
    public void Attempt(WorkflowOperation operation, int attempt)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new(TopNWordsBatchTelemetry.BackendTag, operation.Backend), new(TopNWordsBatchTelemetry.OperationTag, operation.Name));
        }

        if (attempt > 1 && _retries.Enabled)
        {
            _retries.Add(1, new(TopNWordsBatchTelemetry.BackendTag, operation.Backend), new(TopNWordsBatchTelemetry.OperationTag, operation.Name));
        }
    }

    /// <summary>Counts a failed attempt of a call by its kind (not an attempt the caller or the stage's timeout cancelled, nor a NotFound that answers the call).</summary>
    public void AttemptFailed(WorkflowOperation operation, Exception exception, CancellationToken attemptToken)
    {
        if (!_errors.Enabled || IsAnswer(operation, exception) || (exception is OperationCanceledException && attemptToken.IsCancellationRequested))
        {
            return;
        }

        _errors.Add(
            1,
            new(TopNWordsBatchTelemetry.ErrorTypeTag, ErrorType(exception)),
            new(TopNWordsBatchTelemetry.BackendTag, operation.Backend),
            new(TopNWordsBatchTelemetry.OperationTag, operation.Name));
    }

    /// <summary>Marks the span of a failed call.</summary>
    public static void FailCall(Activity? activity, WorkflowOperation operation, Exception exception)
    {
        if (activity is null || IsAnswer(operation, exception))
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error);
        activity.SetTag(TopNWordsBatchTelemetry.ErrorTypeTag, ErrorType(exception));
    }

    /// <summary>Counts an input's task seen completed (once per task: the monitor calls this when it first collects the task).</summary>
    public void TaskCompleted(TaskOutcome outcome) => TaskCompleted(outcome.Succeeded, outcome.StartTime, outcome.EndTime);

    /// <summary>Counts a task seen completed, an input's or a reduce task (once per task: the monitor calls this when it first collects the task).</summary>
    public void TaskCompleted(bool succeeded, DateTimeOffset? startTime, DateTimeOffset? endTime)
    {
        string result = succeeded ? "succeeded" : "failed";
        if (_tasksCompleted.Enabled)
        {
            _tasksCompleted.Add(1, new KeyValuePair<string, object?>(TopNWordsBatchTelemetry.TaskOutcomeTag, result));
        }

        if (_taskDuration.Enabled && startTime is { } start && endTime is { } end && end >= start)
        {
            _taskDuration.Record((end - start).TotalSeconds, new KeyValuePair<string, object?>(TopNWordsBatchTelemetry.TaskOutcomeTag, result));
        }
    }

    /// <summary>Counts bytes uploaded while staging.</summary>
    public void Staged(long bytes) => _bytesStaged.Add(bytes);

    /// <summary>Counts bytes of outputs downloaded.</summary>
    public void Downloaded(long bytes) => _bytesDownloaded.Add(bytes);

    private static bool IsAnswer(WorkflowOperation operation, Exception exception)
        => operation.NotFoundIsAnswer && exception is BlobStorageException { Kind: BlobStorageErrorKind.NotFound };
}

/// <summary>The span of one run (a run, submit, attach or cancel call) and the run's state once it is known.</summary>
internal sealed class RunTrace
{
    public RunTrace(Activity? activity)
    {
        Activity = activity;
    }

    public Activity? Activity { get; }

    public RunState? Run { get; private set; }

    /// <summary>Ties the run's state to this span (its stages become children of it) and tags the run.</summary>
    public void Attach(RunState run)
    {
        Run = run;
        run.Activity = Activity;
        if (Activity is { } activity)
        {
            activity.SetTag(TopNWordsBatchTelemetry.RunIdTag, run.Names.RunId);
            activity.SetTag(TopNWordsBatchTelemetry.PoolIdTag, run.PoolId);
            activity.SetTag(TopNWordsBatchTelemetry.JobIdTag, run.Names.JobId);
            activity.SetTag(TopNWordsBatchTelemetry.InputCountTag, run.Outcomes.Count);
        }
    }

    /// <summary>Ends the run's current stage and the run's span: its final state and, on failure, status Error and the kind.</summary>
    public void End(BatchRunState state, Exception? failure)
    {
        if (Run is { } run)
        {
            if (failure is not null && state == BatchRunState.Failed)
            {
                WorkflowTelemetry.FailStage(run, failure);
            }

            WorkflowTelemetry.EndStage(run);
        }

        if (Activity is not { } activity)
        {
            return;
        }

        activity.SetTag(TopNWordsBatchTelemetry.RunStateTag, state.ToString());
        if (state == BatchRunState.Failed)
        {
            activity.SetStatus(ActivityStatusCode.Error);
            activity.SetTag(TopNWordsBatchTelemetry.ErrorTypeTag, failure is null ? "TaskFailed" : WorkflowTelemetry.ErrorType(failure));
        }

        activity.Dispose();
    }
}
