using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using TopNWords.Batch;
using TopNWords.Batch.Compute;

namespace TopNWords.Samples;

/// <summary>What both samples do around <see cref="IBatchWorkflow.RunAsync"/>: Ctrl+C, progress, the report and the exit code.</summary>
internal static class SampleRun
{
    /// <summary>A cancellation source that Ctrl+C cancels (once; the run then cleans up and ends).</summary>
    /// <param name="message">What is printed when Ctrl+C is pressed.</param>
    public static CancellationTokenSource CancelOnCtrlC(string message)
    {
        var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            // On a terminal, off the progress bar's line (which the bar takes up again below it).
            Console.Error.WriteLine(SampleProgress.IsInteractive(Console.IsErrorRedirected, Environment.GetEnvironmentVariable("TERM")) ? Environment.NewLine + message : message);
            cancel.Cancel();
        };
        return cancel;
    }

    /// <summary>
    /// Does what the command line asks: a verb on a run by its id (<c>status</c>, <c>cancel</c>, <c>list</c>, <c>sweep</c>), or a
    /// run: submitted and left (<c>--detach</c>: the run id is printed), attached to (<c>--run-id</c> of an existing run, without
    /// inputs), resumed (<c>--run-id</c> with its inputs) or run anew. A run shows its progress on one line (a line per task too
    /// with <c>--verbose</c>: see <see cref="SampleProgress"/>), then prints each input's top words (or its failure and
    /// stderr tail) and one summary line. Exit code: 0 when everything succeeded, 1 when a task or the run failed, 2 when the
    /// library refused the input (its message is printed, never a stack trace), 130 when cancelled (Ctrl+C cancels the run).
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="commandLine">The parsed command line.</param>
    /// <param name="createDefinition">Builds the run's definition from the command line (may throw <see cref="ArgumentException"/>).</param>
    /// <param name="keptNote">What the summary says was kept when cleanup was skipped, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static async Task<int> ExecuteAsync(IBatchWorkflow workflow, SampleCommandLine commandLine, Func<BatchRunDefinition> createDefinition, Func<BatchRunResult, string>? keptNote, CancellationToken cancellationToken)
    {
        try
        {
            switch (commandLine.Verb)
            {
                case "status":
                    PrintStatus(await workflow.GetStatusAsync(commandLine.VerbRunId!, cancellationToken).ConfigureAwait(false), withTasks: true);
                    return 0;
                case "cancel":
                    Console.Error.WriteLine($"Cancelling run '{commandLine.VerbRunId}'…");
                    PrintStatus(await workflow.CancelAsync(commandLine.VerbRunId!, cancellationToken).ConfigureAwait(false), withTasks: false);
                    return 0;
                case "list":
                    foreach (var run in await workflow.ListRunsAsync(cancellationToken).ConfigureAwait(false))
                    {
                        PrintStatus(run, withTasks: false);
                    }

                    return 0;
                case "sweep":
                    var swept = await workflow.SweepAsync(commandLine.OlderThan!.Value, cancellationToken).ConfigureAwait(false);
                    foreach (string line in swept.Deleted)
                    {
                        Console.WriteLine($"deleted {line}");
                    }

                    foreach (string line in swept.Kept)
                    {
                        Console.WriteLine($"kept {line}");
                    }

                    foreach (string line in swept.Failures)
                    {
                        Console.Error.WriteLine($"not deleted: {line}");
                    }

                    return swept.Failures.Count == 0 ? 0 : 1;
            }

            string? runId = commandLine.RunId;
            if (runId is not null && !commandLine.InputsGiven && !commandLine.Detach)
            {
                try
                {
                    Console.Error.WriteLine($"Attaching to run '{runId}'…");
                    return await RunAndReportAsync(workflow, (progress, ct) => workflow.AttachAsync(runId, progress, ct), commandLine.Verbose, keptNote, runId, cancellationToken).ConfigureAwait(false);
                }
                catch (BatchRunNotFoundException)
                {
                    Console.Error.WriteLine($"Run '{runId}' does not exist yet: starting it.");
                }
            }

            var definition = createDefinition();
            definition.RunId = runId ?? definition.RunId;
            if (commandLine.Detach)
            {
                BatchRunStatus status;
                using (var progress = SampleProgress.ForConsole(commandLine.Verbose))
                {
                    status = await workflow.SubmitAsync(definition, progress, cancellationToken).ConfigureAwait(false);
                }

                Console.WriteLine(status.RunId);
                Console.Error.WriteLine($"Submitted run '{status.RunId}' ({status.InputCount} task(s)); it goes on without this process. Attach with --run-id {status.RunId}; ask with 'status {status.RunId}'; stop with 'cancel {status.RunId}'.");
                return 0;
            }

            return await RunAndReportAsync(workflow, (progress, ct) => workflow.RunAsync(definition, progress, ct), commandLine.Verbose, keptNote, cancelOnInterrupt: null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        catch (BatchRunNotFoundException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (ArgumentException ex)
        {
            // Refused before it began (no inputs, two inputs with one name, a run id of another run...): nothing was created.
            return ArgumentError(ex);
        }
        catch (InvalidOperationException ex)
        {
            // Another live process drives the run.
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (BatchWorkflowException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            PrintCleanupFailures(ex.CleanupFailures);
            return 1;
        }
    }

    private static void PrintStatus(BatchRunStatus status, bool withTasks)
    {
        var c = status.Counts;
        string attached = status.AttachedBy is { } by ? $", attached to {by}" : status.IsFinished ? string.Empty : ", not attached";
        string cancel = status.CancelRequested ? ", cancellation requested" : string.Empty;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{status.RunId}: {status.State} at {status.Stage}, submitted {status.CreatedAt:u}, {status.InputCount} task(s): {c.Active} active, {c.Running} running, {c.Completed} completed ({c.Failed} failed){attached}{cancel}"));
        if (status.Failure is { } failure)
        {
            Console.WriteLine($"  {failure}");
        }

        if (withTasks)
        {
            foreach (var task in status.CompletedTasks)
            {
                Console.WriteLine($"  {(task.Result == TaskExecutionResult.Success ? "done" : "FAILED")}: {task.Input.Name} (task {task.TaskId}, exit code {task.ExitCode})");
            }
        }
    }

    /// <summary>
    /// Runs (or attaches to) a run, with its progress on one line (<see cref="SampleProgress"/>, ended before anything else is
    /// printed), and prints its outcome. With <paramref name="cancelOnInterrupt"/>, Ctrl+C cancels that run by its id (an
    /// attach would only detach).
    /// </summary>
    private static async Task<int> RunAndReportAsync(IBatchWorkflow workflow, Func<IProgress<BatchRunProgress>, CancellationToken, Task<BatchRunResult>> run, bool verbose, Func<BatchRunResult, string>? keptNote, string? cancelOnInterrupt, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        BatchRunResult result;
        try
        {
            using var progress = SampleProgress.ForConsole(verbose);
            result = await run(progress, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancelOnInterrupt is not null && cancellationToken.IsCancellationRequested)
        {
            await workflow.CancelAsync(cancelOnInterrupt, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return Report(result, stopwatch, keptNote);
    }

    /// <summary>
    /// Prints each input's top words (or its failure and the tail of its stderr), the corpus top words, cleanup failures and
    /// a summary line; returns the exit code. Not part of the async method above: a loop over 10,000 outcomes there would
    /// have the runtime compile that whole state machine again, optimised, part-way through the loop. The top words go to
    /// standard output through one reused buffer, 16 KB at a time, built from their parts: 10,000 outcomes are 40,000 lines,
    /// which one <see cref="Console.WriteLine(string)"/> each made 40,000 strings and 40,000 writes (the console's writer
    /// flushes every call).
    /// </summary>
    private static int Report(BatchRunResult result, Stopwatch stopwatch, Func<BatchRunResult, string>? keptNote)
    {
        var lines = new StringBuilder(FlushAt + 1024);
        foreach (var task in result.Tasks)
        {
            ReportTask(lines, task);
        }

        if (result.Reduce is { } reduce)
        {
            if (result.CorpusTopWords is { } corpus)
            {
                lines.Append(CultureInfo.InvariantCulture, $"All {corpus.InputCount ?? result.Tasks.Count} files together (task {reduce.TaskIds[^1]}, node {corpus.NodeId}):").AppendLine();
                AppendWords(lines, corpus.Words);
            }
            else
            {
                Flush(lines);
                Console.Error.WriteLine($"FAILED the top words of all {result.Tasks.Count} files together: {reduce.Error}");
            }
        }

        Flush(lines);
        PrintCleanupFailures(result.CleanupFailures);
        int failed = result.FailedTasks.Count();
        string kept = keptNote is null ? string.Empty : $"; {keptNote(result)}";
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Tasks.Count} tasks, {failed} failed, wall time {stopwatch.Elapsed.TotalSeconds:F1} s (outputs in {result.DownloadDirectory}{kept})"));
        return failed == 0 && (result.Reduce?.Succeeded ?? true) ? 0 : 1;

        // Not inlined into the loop above, which stays small: a loop that runs 10,000 times is compiled again, optimised, while it
        // runs (on-stack replacement), and that compile of the whole report raised a 10,000-input run's peak memory by 5 MB at
        // its very end (2 MB with this split).
        [MethodImpl(MethodImplOptions.NoInlining)]
        static void ReportTask(StringBuilder lines, TaskOutcome task)
        {
            if (task.Succeeded && task.TopWords is { } top)
            {
                lines.Append(task.Input.Name).Append(" (task ").Append(task.TaskId).Append(", node ").Append(task.NodeId).Append("):").AppendLine();
                AppendWords(lines, top.Words);
                return;
            }

            Flush(lines); // what went before comes first
            Console.Error.WriteLine($"FAILED {task.DescribeFailure()}");
            if (!string.IsNullOrWhiteSpace(task.StderrTail))
            {
                Console.Error.WriteLine("  stderr (last lines):");
                foreach (string line in task.StderrTail.Split('\n'))
                {
                    Console.Error.WriteLine($"    {line}");
                }
            }
        }

        static void AppendWords(StringBuilder lines, IReadOnlyList<TopWord> words)
        {
            foreach (var (word, count) in words)
            {
                lines.Append(CultureInfo.InvariantCulture, $"  {word}: {count}").AppendLine();
            }

            if (lines.Length >= FlushAt)
            {
                Flush(lines);
            }
        }

        static void Flush(StringBuilder lines)
        {
            Console.Out.Write(lines);
            lines.Clear();
        }
    }

    /// <summary>How many characters of the report are written to standard output at once.</summary>
    private const int FlushAt = 16 * 1024;

    /// <summary>
    /// Prints an <see cref="ArgumentException"/> from the library as <c>error: &lt;message&gt;</c> (without the
    /// <c>(Parameter '…')</c> suffix .NET appends, and never with a stack trace) and returns exit code 2.
    /// </summary>
    /// <param name="exception">The exception: the library's messages name the input or setting and say what to do.</param>
    public static int ArgumentError(ArgumentException exception)
    {
        string message = exception.Message;
        string suffix = $" (Parameter '{exception.ParamName}')";
        if (exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal))
        {
            message = message[..^suffix.Length];
        }

        Console.Error.WriteLine($"error: {message}");
        return 2;
    }

    private static void PrintCleanupFailures(IEnumerable<string> failures)
    {
        foreach (string failure in failures)
        {
            Console.Error.WriteLine($"cleanup: {failure}");
        }
    }
}
