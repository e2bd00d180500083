using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Compute;
using TopNWords.Samples;

namespace TopNWords.Batch.Tests.Samples;

/// <summary>
/// The samples' progress (samples/Shared/SampleProgress.cs): one line for the whole run, whatever the number of tasks. Fed
/// <see cref="BatchRunProgress"/> values as the workflow reports them, on a fake clock, into a <see cref="StringWriter"/>.
/// </summary>
[TestFixture]
public class SampleProgressTests
{
    private static readonly BatchRunStage[] StagesBeforeMonitoring =
        [BatchRunStage.Staging, BatchRunStage.CreatingPool, BatchRunStage.WaitingForPool, BatchRunStage.CreatingJob, BatchRunStage.AddingTasks];

    private FakeTimeProvider _time = null!;
    private StringWriter _output = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        _output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
    }

    [TearDown]
    public void TearDown() => _output.Dispose();

    [Test]
    public void Redirected_TheTutorialsRun_PrintsEachStageAndTheCountsAtSteps_NoCarriageReturn_NoLinePerTask()
    {
        using (var progress = Progress(interactive: false, verbose: false))
        {
            ReportTutorialRun(progress);
        }

        Assert.That(_output.ToString(), Is.EqualTo(
            "[Staging]\n[CreatingPool]\n[WaitingForPool]\n[CreatingJob]\n[AddingTasks]\n[Monitoring]\n" +
            "  0/3 tasks completed, 0 failed (0%), 0:01 elapsed, 0.0 tasks/s\n" +
            "  1/3 tasks completed, 0 failed (33%), 0:02 elapsed, 0.5 tasks/s\n" +
            "  2/3 tasks completed, 0 failed (66%), 0:02 elapsed, 1.0 tasks/s\n" +
            "  3/3 tasks completed, 0 failed (100%), 0:03 elapsed, 1.0 tasks/s\n" +
            "[Downloading]\n[CleaningUp]\n[Completed]\n"));
    }

    [Test]
    public void Verbose_CompletionReportsWithLaggingCounts_NumberEachTaskOnce()
    {
        // The counts polled before the listing say 1 completed while the listing returns two tasks: "(1/3)" twice before the fix.
        using (var progress = Progress(interactive: false, verbose: true))
        {
            ReportTutorialRun(progress);
        }

        var perTask = Lines().Where(l => l.StartsWith("  done: ", StringComparison.Ordinal)).ToList();
        Assert.That(perTask, Is.EqualTo(new[] { "  done: taskdata1.txt (1/3)", "  done: taskdata2.txt (2/3)", "  done: taskdata3.txt (3/3)" }));
    }

    [Test]
    public void Verbose_TheSameTaskReportedTwice_IsCountedOnce_AndAFailureSaysFailed()
    {
        using (var progress = Progress(interactive: false, verbose: true))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 2, completed: 0)));
            var failed = Outcome("bad.txt", TaskExecutionResult.Failure);
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 2, completed: 0), failed));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 2, completed: 0), failed));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 2, completed: 0), Outcome("good.txt", TaskExecutionResult.Success)));
        }

        Assert.That(Lines().Where(l => l.Contains(".txt", StringComparison.Ordinal)), Is.EqualTo(new[] { "  FAILED: bad.txt (1/2)", "  done: good.txt (2/2)" }));
        Assert.That(Lines().Last(), Does.StartWith("  2/2 tasks completed, 1 failed (100%)"), "the failure counts though the polled counts lag");
    }

    [Test]
    public void Redirected_TenThousandTasks_OneLineEachTenPercent_NotOnePerTask()
    {
        const int Total = 10_000;
        using (var progress = Progress(interactive: false, verbose: false))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, default));
            for (int i = 1; i <= Total; i++)
            {
                _time.Advance(TimeSpan.FromMilliseconds(2));
                progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(Total, completed: i - 1), Outcome($"f{i}.txt", TaskExecutionResult.Success)));
            }

            progress.Report(new BatchRunProgress(BatchRunStage.Downloading, Counts(Total, completed: Total)));
        }

        Assert.That(CompletedCounts(), Is.EqualTo(new[] { 1, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000 }));
        Assert.That(_output.ToString(), Does.Not.Contain("\r").And.Not.Contain("done:"));
        Assert.That(Lines().Last(), Is.EqualTo("[Downloading]"));
    }

    [Test]
    public void Redirected_SlowProgress_ALineAtMostEveryIntervalWhileTheCountsChange_AndTheLastCounts()
    {
        using (var progress = Progress(interactive: false, verbose: false))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, default));
            for (int i = 1; i <= 30; i++)
            {
                _time.Advance(TimeSpan.FromSeconds(3));
                progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 1000, completed: i)));
            }

            // Nothing changes for a minute: nothing is printed.
            _time.Advance(TimeSpan.FromMinutes(1));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 1000, completed: 30)));
        }

        // 3 s apart: a line when 10 s have passed since the last one (every 4th report), then the last counts at the end.
        Assert.That(CompletedCounts(), Is.EqualTo(new[] { 1, 5, 9, 13, 17, 21, 25, 29, 30 }));
    }

    [Test]
    public void Redirected_NoTaskCounts_PrintsOnlyTheStages()
    {
        using (var progress = Progress(interactive: false, verbose: false))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Staging, default));
            progress.Report(new BatchRunProgress(BatchRunStage.CreatingPool, default));
            progress.Report(new BatchRunProgress(BatchRunStage.CreatingPool, default));
        }

        Assert.That(_output.ToString(), Is.EqualTo("[Staging]\n[CreatingPool]\n"));
    }

    [Test]
    public void Terminal_ManyReportsASecond_RedrawsAtMostTenTimesASecond_ThenTheFinalLine()
    {
        const int Total = 500;
        using (var progress = Progress(interactive: true, verbose: false))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(Total, completed: 0)));
            for (int i = 1; i <= Total; i++)
            {
                // 500 completions in 2 s: the timer runs as the clock moves.
                _time.Advance(TimeSpan.FromMilliseconds(4));
                progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(Total, completed: i - 1), Outcome($"f{i}.txt", TaskExecutionResult.Success)));
            }

            progress.Report(new BatchRunProgress(BatchRunStage.Completed, Counts(Total, completed: Total)));
        }

        string output = _output.ToString();
        int draws = output.Count(c => c == '\r');
        Assert.That(draws, Is.InRange(11, 21 + 1), "at most one draw per 100 ms of the 2 s (the first at once), plus the final one");
        Assert.That(output.Count(c => c == '\n'), Is.EqualTo(1), "one line for the whole run, ended once");
        string last = output[(output.LastIndexOf('\r') + 1)..].TrimEnd('\n');
        Assert.That(last, Does.StartWith("Completed  500/500, 0 failed  [################] 100%  0:02  250.0/s"));
    }

    [Test]
    public void Terminal_AReportInsideTheInterval_IsDrawnByTheTimer_AndNotBefore()
    {
        using var progress = Progress(interactive: true, verbose: false);
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 0)));
        Assert.That(Draws(), Has.Count.EqualTo(1), "the first report is drawn at once");

        _time.Advance(TimeSpan.FromMilliseconds(10));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 1)));
        Assert.That(Draws(), Has.Count.EqualTo(1), "10 ms after a draw: not yet");

        _time.Advance(TimeSpan.FromMilliseconds(90));
        Assert.That(Draws(), Has.Count.EqualTo(2), "the timer draws what was pending");
        Assert.That(Draws()[^1], Does.StartWith("Monitoring  1/3, 0 failed  [#####-----------]  33%  0:00"));
    }

    [Test]
    public void Terminal_ElapsedTimeMovesWithoutReports_OnlyWhenTheLineChanges()
    {
        using var progress = Progress(interactive: true, verbose: false);
        progress.Report(new BatchRunProgress(BatchRunStage.WaitingForPool, default));
        _time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.That(Draws(), Is.EqualTo(new[] { "WaitingForPool  0:00" }), "nothing changed on the line: no redraw");

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.That(Draws(), Is.EqualTo(new[] { "WaitingForPool  0:00", "WaitingForPool  0:01" }));
    }

    [Test]
    public void Terminal_Verbose_PrintsEachTaskAboveTheBar_RubbingOutTheBar()
    {
        using (var progress = Progress(interactive: true, verbose: true))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 0)));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 1), Outcome("a.txt", TaskExecutionResult.Success)));
        }

        string bar = "Monitoring  0/3, 0 failed  [----------------]   0%  0:00";
        string done = "  done: a.txt (1/3)";
        Assert.That(_output.ToString(), Does.StartWith($"\r{bar}\r{done}{new string(' ', bar.Length - done.Length)}\n\rMonitoring  1/3, 0 failed"));
        Assert.That(_output.ToString(), Does.EndWith("\n"));
    }

    [Test]
    public void Terminal_NarrowWindow_TheLineNeverWraps()
    {
        using (var progress = Progress(interactive: true, verbose: false, width: 50))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 12_345, completed: 0)));
            _time.Advance(TimeSpan.FromSeconds(2));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 12_345, completed: 6000)));
        }

        Assert.That(Draws(), Has.All.Length.LessThan(50));
        Assert.That(Draws()[^1], Is.EqualTo("Monitoring  6000/12345, 0 failed  48%  0:02"), "the bar goes first, then the rate");
    }

    [Test]
    public void Terminal_EightyColumns_TenThousandTasksAfterAnHour_KeepTheBarAndTheRate()
    {
        using (var progress = Progress(interactive: true, verbose: false, width: 80))
        {
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 10_000, completed: 0)));
            _time.Advance(TimeSpan.FromMinutes(62));
            progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 10_000, completed: 9_990, failed: 12)));
        }

        Assert.That(Draws()[^1], Is.EqualTo("Monitoring  9990/10000, 12 failed  [###############-]  99%  1:02:00  2.7/s"));
    }

    [Test]
    public void Dispose_WithoutAReport_WritesNothing_AndAReportAfterItIsIgnored()
    {
        var progress = Progress(interactive: true, verbose: true);
        progress.Dispose();
        progress.Report(new BatchRunProgress(BatchRunStage.Staging, default));
        progress.Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(_output.ToString(), Is.Empty);
    }

    [TestCase(false, "xterm-256color", ExpectedResult = true)]
    [TestCase(false, null, ExpectedResult = true)]
    [TestCase(true, "xterm-256color", ExpectedResult = false)]
    [TestCase(false, "dumb", ExpectedResult = false)]
    public bool IsInteractive_OnlyATerminalThatIsNotDumb(bool redirected, string? term) => SampleProgress.IsInteractive(redirected, term);

    private static TaskCounts Counts(int total, int completed, int failed = 0) => new(total - completed, 0, completed, completed - failed, failed);

    private static TaskOutcome Outcome(string name, TaskExecutionResult result) =>
        new(new BatchInput("/inputs/" + name, name), "task-" + name) { State = ComputeTaskState.Completed, Result = result };

    private SampleProgress Progress(bool interactive, bool verbose, int width = 100) => new(_output, interactive, verbose, _time, width);

    /// <summary>
    /// As the workflow reports the tutorial's run: each stage with zero counts, then in Monitoring the polled counts and each
    /// task's completion with the counts of the poll before it (two tasks listed after a poll that counted one).
    /// </summary>
    private void ReportTutorialRun(SampleProgress progress)
    {
        foreach (var stage in StagesBeforeMonitoring)
        {
            progress.Report(new BatchRunProgress(stage, default));
        }

        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, default));
        _time.Advance(TimeSpan.FromSeconds(1));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 0)));
        _time.Advance(TimeSpan.FromSeconds(1));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 1)));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 1), Outcome("taskdata1.txt", TaskExecutionResult.Success)));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 1), Outcome("taskdata2.txt", TaskExecutionResult.Success)));
        _time.Advance(TimeSpan.FromSeconds(1));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 3)));
        progress.Report(new BatchRunProgress(BatchRunStage.Monitoring, Counts(total: 3, completed: 3), Outcome("taskdata3.txt", TaskExecutionResult.Success)));
        progress.Report(new BatchRunProgress(BatchRunStage.Downloading, Counts(total: 3, completed: 3)));
        progress.Report(new BatchRunProgress(BatchRunStage.CleaningUp, Counts(total: 3, completed: 3)));
        progress.Report(new BatchRunProgress(BatchRunStage.Completed, Counts(total: 3, completed: 3)));
    }

    private List<string> Lines() => [.. _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The completed count of each plain counts line.</summary>
    private List<int> CompletedCounts() =>
        [.. Lines().Where(l => l.Contains(" tasks completed,", StringComparison.Ordinal)).Select(l => int.Parse(l.TrimStart()[..l.TrimStart().IndexOf('/', StringComparison.Ordinal)], CultureInfo.InvariantCulture))];

    /// <summary>Each bar drawn (the text after each <c>\r</c>, without the spaces that rub out a longer line).</summary>
    private List<string> Draws() =>
        [.. _output.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(d => d.TrimEnd(' ', '\n'))];
}
