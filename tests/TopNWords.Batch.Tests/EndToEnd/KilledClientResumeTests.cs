using System.Diagnostics;
using System.Globalization;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Tests.EndToEnd;

/// <summary>
/// Issue 14 on the local default: the local sample (a real client process) is killed with SIGKILL at each stage of a run,
/// then run again with the same run id: the run resumes and gives exactly the results of an uninterrupted run, with one task
/// per input on the compute side (the durable local compute's journal, read by a compute opened on the same root), no task
/// process left running, and a sweep that removes what the run kept and nothing else.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class KilledClientResumeTests
{
    private const string SampleDll = "TopNWords.Samples.Local.dll";
    private const int InputCount = 12;
    private string _work = null!;
    private string _inputs = null!;

    [SetUp]
    public void SetUp()
    {
        _work = Directory.CreateTempSubdirectory("topnwords-kill-").FullName;
        _inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        var random = new Random(14);
        string[] vocabulary = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
        for (int i = 0; i < InputCount; i++)
        {
            var words = Enumerable.Range(0, 400).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
            File.WriteAllText(Path.Combine(_inputs, string.Create(CultureInfo.InvariantCulture, $"part{i:D2}.txt")), string.Join(' ', words));
        }
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    [TestCase("Staging")]
    [TestCase("CreatingPool")]
    [TestCase("WaitingForPool")]
    [TestCase("AddingTasks")]
    [TestCase("Monitoring")]
    [TestCase("Downloading")]
    [TestCase("CleaningUp")]
    public async Task KilledAtStage_RunAgainWithItsId_ResumesToTheExactResults_OneTaskPerInput_AndSweepLeavesNothing(string stage)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4), TimeProvider.System);
        string root = Path.Combine(_work, "root");
        string runId = "kill-" + stage.ToLowerInvariant();

        // The expected answer: an uninterrupted run in its own root.
        var reference = await SampleProcess.RunAsync(SampleDll, _work, [_inputs, "--root", Path.Combine(_work, "reference-root"), "--nodes", "1"], cancellationToken: deadline.Token);
        Assert.That(reference.ExitCode, Is.EqualTo(0), reference.Stderr);
        var expected = TopWords(reference.Stdout);
        Assert.That(expected, Has.Count.EqualTo(InputCount));

        string[] args = [_inputs, "--root", root, "--run-id", runId, "--nodes", "1", "--keep"];
        var (killedAt, _) = await RunUntilStageThenKillAsync(args, stage, deadline.Token);
        TestContext.Progress.WriteLine($"killed at [{killedAt}]");
        await AssertNoTaskProcessOfAsync(root);

        var resumed = await SampleProcess.RunAsync(SampleDll, _work, args, cancellationToken: deadline.Token);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.Stderr);
        Assert.That(TopWords(resumed.Stdout), Is.EqualTo(expected), "the resumed run's results are those of an uninterrupted run");

        // Counted on the compute side: the job kept (--keep) has exactly one task per input, all succeeded.
        await using (var compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = Path.Combine(root, "compute"), Durable = true, DeleteRootOnDispose = false }))
        {
            var tasks = new List<BatchTaskInfo>();
            await foreach (var task in compute.ListTasksAsync(runId + "-job", cancellationToken: deadline.Token))
            {
                tasks.Add(task);
            }

            Assert.That(tasks.Select(t => t.Id).Distinct(StringComparer.OrdinalIgnoreCase).Count(), Is.EqualTo(InputCount), "one task per input ever exists");
            Assert.That(tasks, Has.Count.EqualTo(InputCount));
            Assert.That(tasks.Select(t => t.Result), Has.All.EqualTo(TaskExecutionResult.Success));
        }

        // A sweep removes what the kept run left (its pool, job, containers and record), and nothing else.
        string callerContainer = Path.Combine(root, "storage", "callers-own");
        Directory.CreateDirectory(callerContainer);
        var sweep = await SampleProcess.RunAsync(SampleDll, _work, ["sweep", "--older-than", "0s", "--root", root], cancellationToken: deadline.Token);
        Assert.That(sweep.ExitCode, Is.EqualTo(0), sweep.Stderr + sweep.Stdout);
        Assert.That(sweep.Stdout, Does.Contain($"pool '{runId}-pool'").And.Contain($"job '{runId}-job'"));
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")).Select(Path.GetFileName), Is.EqualTo(new[] { "callers-own" }), "the run's containers and record are gone; another container is not touched");
        await using (var compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = Path.Combine(root, "compute"), Durable = true, DeleteRootOnDispose = false }))
        {
            Assert.That(await compute.GetPoolAsync(runId + "-pool", deadline.Token), Is.Null);
            Assert.That(await CountAsync(compute.ListJobsAsync(deadline.Token)), Is.Zero);
        }

    }

    [Test]
    public async Task CancelFromASecondProcess_EndsADetachedRun_AndDeletesWhatItMade()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4), TimeProvider.System);
        string root = Path.Combine(_work, "root");

        // Slow tasks (one node, one slot) so that the run is still going when it is cancelled.
        var submitted = await SampleProcess.RunAsync(SampleDll, _work, [_inputs, "--root", root, "--detach", "--nodes", "1"], cancellationToken: deadline.Token);
        Assert.That(submitted.ExitCode, Is.EqualTo(0), submitted.Stderr);
        string runId = submitted.Stdout.Trim();
        Assert.That(runId, Does.StartWith("tnw-"));

        var status = await SampleProcess.RunAsync(SampleDll, _work, ["status", runId, "--root", root], cancellationToken: deadline.Token);
        Assert.That(status.ExitCode, Is.EqualTo(0), status.Stderr);
        Assert.That(status.Stdout, Does.Contain($"{runId}: Running"));

        var cancel = await SampleProcess.RunAsync(SampleDll, _work, ["cancel", runId, "--root", root], cancellationToken: deadline.Token);
        Assert.That(cancel.ExitCode, Is.EqualTo(0), cancel.Stderr);
        Assert.That(cancel.Stdout, Does.Contain($"{runId}: Cancelled"));

        var after = await SampleProcess.RunAsync(SampleDll, _work, ["status", runId, "--root", root], cancellationToken: deadline.Token);
        Assert.That(after.ExitCode, Is.EqualTo(2), "a cancelled run cleaned up by policy leaves no record: " + after.Stdout);
        Assert.That(after.Stderr, Does.Contain($"Run '{runId}' has no record"));
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "its containers and record are deleted");
        await using var compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = Path.Combine(root, "compute"), Durable = true, DeleteRootOnDispose = false });
        Assert.That(await compute.GetPoolAsync(runId + "-pool", deadline.Token), Is.Null);
        Assert.That(await CountAsync(compute.ListJobsAsync(deadline.Token)), Is.Zero);
    }

    /// <summary>Starts the sample and SIGKILLs it (only it) when it prints the marker of <paramref name="stage"/> (or a later one).</summary>
    private async Task<(string KilledAt, int Lines)> RunUntilStageThenKillAsync(string[] args, string stage, CancellationToken cancellationToken)
    {
        string[] order = ["Staging", "CreatingPool", "WaitingForPool", "CreatingJob", "AddingTasks", "Monitoring", "Downloading", "CleaningUp", "Completed"];
        int wanted = Array.IndexOf(order, stage);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _work, RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, SampleDll));
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment.Remove(SampleProcess.StorageConnectionStringVariable);
        using var process = Process.Start(psi)!;
        int lines = 0;
        try
        {
            _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
            while (await process.StandardError.ReadLineAsync(cancellationToken) is { } line)
            {
                lines++;
                if (line.StartsWith('[') && line.EndsWith(']') && Array.IndexOf(order, line[1..^1]) is int at && at >= wanted)
                {
                    process.Kill(entireProcessTree: false); // SIGKILL, the client only: its task processes must die on their own
                    await process.WaitForExitAsync(cancellationToken);
                    return (line[1..^1], lines);
                }
            }

            await process.WaitForExitAsync(cancellationToken);
            Assert.Fail($"The sample ended (exit code {process.ExitCode}) before stage {stage}.");
            return (string.Empty, lines);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>No process runs a task of this root: the killed client's tasks died with it (bounded wait, not a timing assertion).</summary>
    private static async Task AssertNoTaskProcessOfAsync(string root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        List<int> left;
        do
        {
            left = [.. Directory.GetDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0).Where(pid => pid > 0 && RunsUnder(pid, root))];
            if (left.Count == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(30));

        Assert.Fail($"Task processes outlived the killed client: {string.Join(", ", left)}");
    }

    private static bool RunsUnder(int pid, string root)
    {
        try
        {
            string cwd = new FileInfo($"/proc/{pid}/cwd").LinkTarget ?? string.Empty;
            return cwd.StartsWith(root + "/", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The sample's output as "input: word count, ..." lines, sorted; node and task ids left out.</summary>
    private static List<string> TopWords(string stdout)
    {
        var result = new List<string>();
        string? current = null;
        var words = new List<string>();
        foreach (string line in stdout.Split('\n'))
        {
            if (line.Length > 0 && !line.StartsWith(' ') && line.Contains(" (task ", StringComparison.Ordinal))
            {
                Flush();
                current = line[..line.IndexOf(" (task ", StringComparison.Ordinal)];
            }
            else if (line.StartsWith("  ", StringComparison.Ordinal) && current is not null)
            {
                words.Add(line.Trim());
            }
        }

        Flush();
        result.Sort(StringComparer.Ordinal);
        return result;

        void Flush()
        {
            if (current is not null)
            {
                result.Add($"{current}: {string.Join(", ", words)}");
            }

            words.Clear();
            current = null;
        }
    }

    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> items)
    {
        int n = 0;
        await foreach (var _ in items)
        {
            n++;
        }

        return n;
    }
}
