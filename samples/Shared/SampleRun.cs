using System.Diagnostics;
using System.Globalization;
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
            Console.Error.WriteLine(message);
            cancel.Cancel();
        };
        return cancel;
    }

    /// <summary>
    /// Runs the definition, prints each input's top words (or its failure and stderr tail) and one summary
    /// line, and returns the exit code: 0 when every task succeeded, 1 when one failed or the run did,
    /// 2 when the library refused the run's definition (its message is printed, never a stack trace), 130 when cancelled.
    /// </summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="definition">The run.</param>
    /// <param name="keptNote">What the summary says was kept when cleanup was skipped, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    public static async Task<int> RunAndReportAsync(IBatchWorkflow workflow, BatchRunDefinition definition, Func<BatchRunResult, string>? keptNote, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        BatchRunResult result;
        try
        {
            result = await workflow.RunAsync(definition, new ConsoleProgress(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled.");
            return 130;
        }
        catch (ArgumentException ex)
        {
            // The run was refused before it began (no inputs, two inputs with one name...): nothing was created.
            return ArgumentError(ex);
        }
        catch (BatchWorkflowException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            PrintCleanupFailures(ex.CleanupFailures);
            return 1;
        }

        foreach (var task in result.Tasks)
        {
            if (task.Succeeded && task.TopWords is { } top)
            {
                Console.WriteLine($"{task.Input.Name} (task {task.TaskId}, node {task.NodeId}):");
                foreach (var (word, count) in top.Words)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {word}: {count}"));
                }
            }
            else
            {
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
        }

        PrintCleanupFailures(result.CleanupFailures);
        int failed = result.FailedTasks.Count();
        string kept = keptNote is null ? string.Empty : $"; {keptNote(result)}";
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Tasks.Count} tasks, {failed} failed, wall time {stopwatch.Elapsed.TotalSeconds:F1} s (outputs in {result.DownloadDirectory}{kept})"));
        return failed == 0 ? 0 : 1;
    }

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

    /// <summary>Prints each stage once and each task's completion.</summary>
    private sealed class ConsoleProgress : IProgress<BatchRunProgress>
    {
        private BatchRunStage? _stage;

        public void Report(BatchRunProgress value)
        {
            if (value.CompletedTask is { } task)
            {
                Console.Error.WriteLine($"  {(task.Result == TaskExecutionResult.Success ? "done" : "FAILED")}: {task.Input.Name} ({value.Counts.Completed}/{value.Counts.Total})");
            }
            else if (value.Stage != _stage)
            {
                _stage = value.Stage;
                Console.Error.WriteLine($"[{value.Stage}]");
            }
        }
    }
}
