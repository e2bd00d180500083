using TopNWords.Batch;
using TopNWords.Batch.Compute;

namespace TopNWords.Samples.Service;

/// <summary>The JSON body of <c>POST /runs</c>.</summary>
/// <param name="Inputs">Files or folders, relative to the service's data folder.</param>
/// <param name="NumWords">How many top words each input reports (default 3).</param>
/// <param name="RunId">The run id to use (3 to 40 lower-case letters, digits and single hyphens); by default a new one.</param>
public sealed record SubmitRunRequest(IReadOnlyList<string>? Inputs, int? NumWords = null, string? RunId = null);

/// <summary>The answer to <c>POST /runs</c>.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="State">The run's state.</param>
/// <param name="Location">Where its status is: <c>/runs/{id}</c>.</param>
public sealed record RunAccepted(string RunId, BatchRunState State, string Location);

/// <summary>A run's task counts.</summary>
/// <param name="Active">Waiting to run.</param>
/// <param name="Running">Running.</param>
/// <param name="Completed">Completed (succeeded or failed).</param>
/// <param name="Succeeded">Completed with success.</param>
/// <param name="Failed">Completed with a failure.</param>
public sealed record RunCounts(int Active, int Running, int Completed, int Succeeded, int Failed)
{
    internal static RunCounts From(TaskCounts c) => new(c.Active, c.Running, c.Completed, c.Succeeded, c.Failed);
}

/// <summary>A word and how often it occurs.</summary>
/// <param name="Word">The word.</param>
/// <param name="Count">Its count.</param>
public sealed record WordCount(string Word, long Count);

/// <summary>One input's task.</summary>
/// <param name="Name">The input's name.</param>
/// <param name="TaskId">Its task id.</param>
/// <param name="Succeeded">Whether it succeeded and its output was collected.</param>
/// <param name="ExitCode">The exit code of its last attempt.</param>
/// <param name="TopWords">Its top words, most frequent first, once the run has ended.</param>
/// <param name="Failure">Why it failed, when it did.</param>
public sealed record InputOutcome(string Name, string TaskId, bool Succeeded, int? ExitCode, IReadOnlyList<WordCount>? TopWords, string? Failure);

/// <summary>A run as <c>GET /runs/{id}</c> shows it.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="State">Running, Succeeded, Failed or Cancelled.</param>
/// <param name="Stage">The last stage it entered (Completed once it has ended).</param>
/// <param name="CreatedAt">When the service accepted it.</param>
/// <param name="FinishedAt">When it ended, when it has.</param>
/// <param name="InputCount">How many inputs (and tasks) it has.</param>
/// <param name="Counts">Its task counts.</param>
/// <param name="CancelRequested">Whether a cancellation was asked for and is not done yet.</param>
/// <param name="Failure">Why the run failed, when it did.</param>
/// <param name="Inputs">Each completed input's outcome; with its top words once the run has ended.</param>
public sealed record RunView(
    string RunId,
    BatchRunState State,
    BatchRunStage Stage,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int InputCount,
    RunCounts Counts,
    bool CancelRequested,
    string? Failure,
    IReadOnlyList<InputOutcome> Inputs);

/// <summary>A run as <c>GET /runs</c> lists it.</summary>
/// <param name="RunId">The run id.</param>
/// <param name="State">Running, Succeeded, Failed or Cancelled.</param>
/// <param name="Stage">The last stage it entered.</param>
/// <param name="CreatedAt">When the service accepted it.</param>
/// <param name="FinishedAt">When it ended, when it has.</param>
/// <param name="InputCount">How many inputs it has.</param>
/// <param name="Counts">Its task counts (as last recorded).</param>
/// <param name="Location">Where its status is.</param>
public sealed record RunSummary(string RunId, BatchRunState State, BatchRunStage Stage, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, int InputCount, RunCounts Counts, string Location);

/// <summary>Builds the views from what the workflow says.</summary>
internal static class Views
{
    public static string LocationOf(string runId) => $"/runs/{runId}";

    public static RunView FromResult(RunTicket ticket, BatchRunResult result) => new(
        result.RunId,
        result.Succeeded ? BatchRunState.Succeeded : BatchRunState.Failed,
        BatchRunStage.Completed,
        ticket.CreatedAt,
        result.EndTime,
        result.Tasks.Count,
        new RunCounts(
            0,
            0,
            result.Tasks.Count(t => t.Result is not null),
            result.Tasks.Count(t => t.Succeeded),
            result.Tasks.Count(t => t.Result is not null && !t.Succeeded)),
        CancelRequested: false,
        result.Succeeded ? null : $"{result.FailedTasks.Count()} of {result.Tasks.Count} task(s) failed.",
        [.. result.Tasks.Select(Outcome)]);

    /// <summary>A run the workflow has a record of; <paramref name="live"/> is what the service's attachment saw last (fresher than the record).</summary>
    public static RunView FromStatus(RunTicket ticket, BatchRunStatus status, BatchRunProgress? live = null) => new(
        status.RunId,
        status.State,
        status.IsFinished ? BatchRunStage.Completed : live?.Stage ?? status.Stage,
        ticket.CreatedAt,
        status.FinishedAt,
        status.InputCount,
        RunCounts.From(status.Counts),
        status.CancelRequested,
        status.Failure,
        [.. status.CompletedTasks.Select(Outcome)]);

    /// <summary>A run the workflow has no record of (yet, or any more): what the service itself knows.</summary>
    public static RunView FromTicket(RunTicket ticket, BatchRunState state, BatchRunStage stage, TaskCounts counts, string? failure, DateTimeOffset? finishedAt) => new(
        ticket.RunId,
        state,
        stage,
        ticket.CreatedAt,
        finishedAt,
        ticket.Inputs.Count,
        RunCounts.From(counts),
        CancelRequested: false,
        failure,
        []);

    public static RunSummary Summary(RunView view) =>
        new(view.RunId, view.State, view.Stage, view.CreatedAt, view.FinishedAt, view.InputCount, view.Counts, LocationOf(view.RunId));

    private static InputOutcome Outcome(TaskOutcome task) => new(
        task.Input.Name,
        task.TaskId,
        task.Succeeded,
        task.ExitCode,
        task.TopWords is { } top ? [.. top.Words.Select(w => new WordCount(w.Word, w.Count))] : null,
        task.Succeeded ? null : task.Result is null ? null : task.DescribeFailure());
}
