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
        CheckNumWords(numWords);

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

    /// <summary>The file each counting task writes its full counts into (the task runner's count file format), for the merge.</summary>
    public const string CountsFileName = "topnwords_COUNTS.tsv";

    /// <summary>The file the merge task writes the corpus top N into, downloaded into the run's download folder.</summary>
    public const string CorpusOutputFileName = "corpus_TOPWORDS.txt";

    /// <summary>
    /// Builds the run definition of a word-count job that also gives the top N words of the whole corpus, exactly: as if
    /// counting the concatenation of every input in input order. Each task also writes its full counts
    /// (<c>--counts-output</c>), and a merge task on the pool (the runner's <c>--merge</c>), which the job runs once every
    /// counting task has succeeded, reads them in input order and writes the corpus top N; the client downloads only that
    /// (<see cref="BatchRunResult.CorpusTopWords"/>). Set <see cref="BatchRunDefinition.DownloadTaskOutputs"/> to also
    /// download each file's own top N. An input whose task fails blocks the merge: the run fails naming it.
    /// </summary>
    /// <param name="filesOrFolders">Input files, and folders whose files are inputs, in input order.</param>
    /// <param name="numWords">How many top words each task, and the corpus, reports; at least 1.</param>
    /// <param name="taskRunner">The task runner application, or <see langword="null"/> for
    /// <see cref="TaskApplication.TopNWordsTaskRunner"/> from this application's folder.</param>
    /// <returns>The definition, with <see cref="BatchRunDefinition.Reduce"/> set and the tasks' own outputs not downloaded.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numWords"/> is less than 1.</exception>
    /// <exception cref="ArgumentException">An input path is neither a file nor a folder.</exception>
    public static BatchRunDefinition CreateCorpusDefinition(IEnumerable<string> filesOrFolders, int numWords, TaskApplication? taskRunner = null)
    {
        ArgumentNullException.ThrowIfNull(filesOrFolders);
        CheckNumWords(numWords);

        string n = numWords.ToString(CultureInfo.InvariantCulture);
        return new BatchRunDefinition(
            BatchInput.FromPaths(filesOrFolders),
            taskRunner ?? TaskApplication.TopNWordsTaskRunner(),
            ["--filepath", BatchRunDefinition.InputPlaceholder, "--numwords", n, "--counts-output", CountsFileName])
        {
            OutputFilePattern = "*_OUTPUT*",
            ParseTopWordsOutput = true,
            DownloadTaskOutputs = false,
            Reduce = new ReduceDefinition(
                ["--merge", "--numwords", n, "--inputs-from", ReduceDefinition.InputsListPlaceholder, "--inputs-covered", ReduceDefinition.InputCountPlaceholder, "--output", CorpusOutputFileName, "--counts-output", CountsFileName],
                CountsFileName,
                CorpusOutputFileName),
        };
    }

    /// <summary>Runs a word-count job with the corpus top N (<see cref="CreateCorpusDefinition"/>).</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="filesOrFolders">Input files, and folders whose files are inputs, in input order.</param>
    /// <param name="numWords">How many top words to report; at least 1.</param>
    /// <param name="configure">Adjusts the definition (pool, timeouts, <see cref="BatchRunDefinition.DownloadTaskOutputs"/>…) before the run, or <see langword="null"/>.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run; cleanup still runs.</param>
    /// <returns>The outcome, with <see cref="BatchRunResult.CorpusTopWords"/> when the merge succeeded.</returns>
    public static Task<BatchRunResult> RunCorpusWordCountAsync(
        this IBatchWorkflow workflow,
        IEnumerable<string> filesOrFolders,
        int numWords,
        Action<BatchRunDefinition>? configure = null,
        IProgress<BatchRunProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return RunAsync(workflow, CreateCorpusDefinition(filesOrFolders, numWords), configure, progress, cancellationToken);
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
        return RunAsync(workflow, CreateDefinition(filesOrFolders, numWords), configure, progress, cancellationToken);
    }

    private static Task<BatchRunResult> RunAsync(IBatchWorkflow workflow, BatchRunDefinition definition, Action<BatchRunDefinition>? configure, IProgress<BatchRunProgress>? progress, CancellationToken cancellationToken)
    {
        configure?.Invoke(definition);
        return workflow.RunAsync(definition, progress, cancellationToken);
    }

    private static void CheckNumWords(int numWords)
    {
        if (numWords < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numWords), numWords, "The number of top words must be at least 1.");
        }
    }
}
