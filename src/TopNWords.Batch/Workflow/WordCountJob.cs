using System.Globalization;

namespace TopNWords.Batch;

/// <summary>
/// The tutorial's job: one task per input file running the word-count task runner with
/// <c>--filepath &lt;file&gt; --numwords &lt;N&gt;</c>, whose <c>*_OUTPUT*</c> files come back parsed into
/// <see cref="TaskOutcome.TopWords"/>.
/// </summary>
public static class WordCountJob
{
    /// <summary>Builds the run definition of a word-count job; adjust its pool, timeouts and policies before running it.</summary>
    /// <param name="filesOrFolders">Input files, and folders whose files are inputs.</param>
    /// <param name="numWords">How many top words each task reports; at least 1.</param>
    /// <param name="taskRunner">The task runner application, or <see langword="null"/> for
    /// <see cref="TaskApplication.TopNWordsTaskRunner"/> from this application's folder.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numWords"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">An input path is neither a file nor a folder.</exception>
    public static BatchRunDefinition CreateDefinition(IEnumerable<string> filesOrFolders, int numWords, TaskApplication? taskRunner = null)
    {
        ArgumentNullException.ThrowIfNull(filesOrFolders);
        if (numWords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numWords), numWords, "The number of top words must be at least 1.");
        }

        var inputs = BatchInput.FromPaths(filesOrFolders);
        return new BatchRunDefinition(
            inputs,
            taskRunner ?? TaskApplication.TopNWordsTaskRunner(),
            ["--filepath", BatchRunDefinition.InputPlaceholder, "--numwords", numWords.ToString(CultureInfo.InvariantCulture)])
        {
            OutputFilePattern = "*_OUTPUT*",
            ParseTopWordsOutput = true,
        };
    }

    /// <summary>Runs a word-count job.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="filesOrFolders">Input files, and folders whose files are inputs.</param>
    /// <param name="numWords">How many top words each task reports; at least 1.</param>
    /// <param name="configure">Adjusts the definition (pool, timeouts, cleanup…) before the run, or <see langword="null"/>.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run; cleanup still runs.</param>
    /// <returns>The outcome, with <see cref="TaskOutcome.TopWords"/> for each successful task.</returns>
    public static Task<BatchRunResult> RunWordCountAsync(
        this IBatchWorkflow workflow,
        IEnumerable<string> filesOrFolders,
        int numWords,
        Action<BatchRunDefinition>? configure = null,
        IProgress<BatchRunProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var definition = CreateDefinition(filesOrFolders, numWords);
        configure?.Invoke(definition);
        return workflow.RunAsync(definition, progress, cancellationToken);
    }
}
