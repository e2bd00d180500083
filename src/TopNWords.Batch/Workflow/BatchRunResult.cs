using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch;

/// <summary>The outcome of a run.</summary>
public sealed class BatchRunResult
{
    internal BatchRunResult(string runId, string poolId, string jobId, IReadOnlyList<TaskOutcome> tasks, DateTimeOffset startTime, DateTimeOffset endTime, string downloadDirectory, IReadOnlyList<string> cleanupFailures, ReduceOutcome? reduce = null)
    {
        Reduce = reduce;
        RunId = runId;
        PoolId = poolId;
        JobId = jobId;
        Tasks = tasks;
        StartTime = startTime;
        EndTime = endTime;
        DownloadDirectory = downloadDirectory;
        CleanupFailures = cleanupFailures;
    }

    /// <summary>Gets the run id.</summary>
    public string RunId { get; }

    /// <summary>Gets the pool the tasks ran on.</summary>
    public string PoolId { get; }

    /// <summary>Gets the job id.</summary>
    public string JobId { get; }

    /// <summary>Gets one outcome per input, in input order.</summary>
    public IReadOnlyList<TaskOutcome> Tasks { get; }

    /// <summary>Gets what came of the reduce step, for a run with <see cref="BatchRunDefinition.Reduce"/>; otherwise <see langword="null"/>.</summary>
    public ReduceOutcome? Reduce { get; }

    /// <summary>Gets the top words of the whole corpus, for a word count with the corpus top N
    /// (<see cref="WordCountJob.CreateCorpusDefinition"/>) whose merge succeeded; otherwise <see langword="null"/>.</summary>
    public TopWordsOutput? CorpusTopWords => Reduce?.TopWords;

    /// <summary>Gets a value indicating whether every task succeeded and its output was collected (and the reduce step, when there is one).</summary>
    public bool Succeeded => Tasks.All(t => t.Succeeded) && (Reduce?.Succeeded ?? true);

    /// <summary>Gets the tasks that failed.</summary>
    public IEnumerable<TaskOutcome> FailedTasks => Tasks.Where(t => !t.Succeeded);

    /// <summary>Gets when the run started.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>Gets when the run ended (cleanup included).</summary>
    public DateTimeOffset EndTime { get; }

    /// <summary>Gets the run's duration.</summary>
    public TimeSpan Elapsed => EndTime - StartTime;

    /// <summary>Gets the folder the outputs were downloaded into.</summary>
    public string DownloadDirectory { get; }

    /// <summary>Gets what cleanup could not delete (empty when cleanup succeeded or was not asked for).</summary>
    public IReadOnlyList<string> CleanupFailures { get; }
}

/// <summary>What happened to one input's task.</summary>
public sealed class TaskOutcome
{
    // The times in 8 bytes each (UtcInstant), not 24: a run keeps an outcome per input.
    private long _startTime;
    private long _endTime;

    internal TaskOutcome(BatchInput input, string taskId)
    {
        Input = input;
        TaskId = taskId;
    }

    /// <summary>Gets the input.</summary>
    public BatchInput Input { get; }

    /// <summary>Gets the task id (stable per input name).</summary>
    public string TaskId { get; }

    /// <summary>Gets the task's final state.</summary>
    public ComputeTaskState State { get; internal set; } = ComputeTaskState.Active;

    /// <summary>Gets how the task ended, once completed.</summary>
    public TaskExecutionResult? Result { get; internal set; }

    /// <summary>Gets the exit code of the last attempt.</summary>
    public int? ExitCode { get; internal set; }

    /// <summary>Gets how many times the task was retried.</summary>
    public int RetryCount { get; internal set; }

    /// <summary>Gets the node of the last attempt.</summary>
    public string? NodeId { get; internal set; }

    /// <summary>Gets when the last attempt started (UTC).</summary>
    public DateTimeOffset? StartTime { get => UtcInstant.Unpack(_startTime); internal set => _startTime = UtcInstant.Pack(value); }

    /// <summary>Gets when the task ended (UTC).</summary>
    public DateTimeOffset? EndTime { get => UtcInstant.Unpack(_endTime); internal set => _endTime = UtcInstant.Pack(value); }

    /// <summary>Gets why the task failed, when it did.</summary>
    public TaskFailureInfo? FailureInfo { get; internal set; }

    /// <summary>Gets the last lines of the task's stderr, when it failed.</summary>
    public string? StderrTail { get; internal set; }

    /// <summary>Gets the local paths of the downloaded output files.</summary>
    public IReadOnlyList<string> OutputFiles { get; internal set; } = [];

    /// <summary>Gets why the output could not be collected, when the task succeeded but its output did not arrive.</summary>
    public string? OutputError { get; internal set; }

    /// <summary>Gets the parsed top words, for a run with <see cref="BatchRunDefinition.ParseTopWordsOutput"/>.</summary>
    public TopWordsOutput? TopWords { get; internal set; }

    /// <summary>Gets a value indicating whether the task succeeded and its output was collected.</summary>
    public bool Succeeded => Result == TaskExecutionResult.Success && OutputError is null;

    /// <summary>A one-line description of a failure, for messages: the input, task, exit code and failure info.</summary>
    /// <returns>The description.</returns>
    public string DescribeFailure()
    {
        if (Succeeded)
        {
            return $"'{Input.Name}' (task '{TaskId}') succeeded.";
        }

        if (Result == TaskExecutionResult.Success)
        {
            return $"'{Input.Name}' (task '{TaskId}') succeeded but its output could not be collected: {OutputError}";
        }

        string retries = RetryCount > 0 ? $" after {RetryCount} retr{(RetryCount == 1 ? "y" : "ies")}" : string.Empty;
        return $"'{Input.Name}' (task '{TaskId}') failed with {DescribeExitCode(ExitCode)}{retries}{DescribeFailureInfo(FailureInfo)}";
    }

    /// <summary>An attempt's exit code for messages: <c>exit code N</c>, or <c>no exit code</c>.</summary>
    internal static string DescribeExitCode(int? exitCode) => exitCode is int code ? $"exit code {code}" : "no exit code";

    /// <summary>An attempt's failure info for messages: <c>; Category Code: Message</c>, or nothing.</summary>
    internal static string DescribeFailureInfo(TaskFailureInfo? failureInfo) => failureInfo is { } f ? $"; {f.Category} {f.Code}: {f.Message}" : string.Empty;
}

/// <summary>What the task runner wrote: the top words and where it ran.</summary>
/// <param name="Words">The top words, most frequent first.</param>
/// <param name="NodeId">The node id line.</param>
/// <param name="TaskId">The task id line.</param>
/// <param name="JobId">The job id line.</param>
/// <param name="PoolId">The pool id line.</param>
public sealed record TopWordsOutput(IReadOnlyList<TopWord> Words, string NodeId, string TaskId, string JobId, string PoolId)
{
    /// <summary>Gets how many inputs the top N covers: set for a merge of count files (the runner's <c>--merge</c>, its
    /// <c>Inputs:</c> line), <see langword="null"/> for one task's output.</summary>
    public int? InputCount { get; init; }
}

/// <summary>A word and its count.</summary>
/// <param name="Word">The word.</param>
/// <param name="Count">Its count.</param>
public readonly record struct TopWord(string Word, long Count);

/// <summary>What came of a run's reduce step (<see cref="BatchRunDefinition.Reduce"/>).</summary>
public sealed class ReduceOutcome
{
    internal ReduceOutcome(IReadOnlyList<string> taskIds)
    {
        TaskIds = taskIds;
    }

    /// <summary>Gets the reduce tasks' ids: the partial reduce tasks in input order, then the final one.</summary>
    public IReadOnlyList<string> TaskIds { get; }

    /// <summary>Gets the local path of the downloaded result, once it is downloaded.</summary>
    public string? OutputFile { get; internal set; }

    /// <summary>Gets the parsed result, for a run with <see cref="BatchRunDefinition.ParseTopWordsOutput"/>: for the word count,
    /// the corpus top N words (with <see cref="TopWordsOutput.InputCount"/>).</summary>
    public TopWordsOutput? TopWords { get; internal set; }

    /// <summary>Gets why there is no result: the inputs whose tasks failed (which blocks the reduce), a reduce task that failed
    /// (its exit code and stderr), or a result that could not be collected; <see langword="null"/> on success.</summary>
    public string? Error { get; internal set; }

    /// <summary>Gets a value indicating whether the reduce ran and its result was collected.</summary>
    public bool Succeeded => Error is null && OutputFile is not null;
}
