using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Azure.Tests.Compute.Simulation;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// 10,000 tasks through the real <see cref="BatchWorkflow"/>, the Azure Batch backend, the real REST client and
/// pipeline, against a simulated account: how many requests adding and monitoring cost.
/// </summary>
[TestFixture]
[NonParallelizable]
public class AzureBatchComputeMonitoringScaleTests
{
    private const int TaskCount = 10_000;
    private const int CompletionsPerStep = 250;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "topnwords-azbatch-scale-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Run_10000Tasks_CompletingOnEveryPoll_RequestsGrowWithCompletionsNotPollsTimesTasks()
    {
        Tally tally = await RunAsync(pollsPerStep: 1);

        // 40 polls, each completing 250 tasks. Each listing asks for the tasks completed since one minute before
        // the last one seen (the workflow's margin for listing lag): at most 14 polls x 250 = 3,500 tasks, 4 pages.
        Assert.Multiple(() =>
        {
            Assert.That(tally.Add, Is.EqualTo(TaskCount / 100), "add: requests of 100 tasks");
            Assert.That(tally.Counts, Is.EqualTo(TaskCount / CompletionsPerStep), "one task-counts request per poll");
            Assert.That(tally.Listings, Has.Count.EqualTo(TaskCount / CompletionsPerStep), "one listing per poll that saw completions");
            Assert.That(tally.Listings.Max(), Is.LessThanOrEqualTo(14 * CompletionsPerStep), "a listing holds recent completions only");
            Assert.That(tally.List, Is.EqualTo(tally.Listings.Sum(Pages)), "pages of 1000");
            Assert.That(tally.List, Is.LessThan(tally.Counts * (TaskCount / 1000) / 2), "far below listing every task on every poll");
        });
        TestContext.Progress.WriteLine($"10,000 tasks, 250 complete per 5 s poll: {tally}");
    }

    [Test]
    public async Task Run_10000Tasks_WithIdlePollsBetweenCompletions_IdlePollsCostOneRequestEach()
    {
        Tally busy = await RunAsync(pollsPerStep: 1);
        Tally idle = await RunAsync(pollsPerStep: 4);

        // Four times the polls for the same completions: only the cheap task-counts requests grow.
        Assert.Multiple(() =>
        {
            Assert.That(idle.Counts, Is.EqualTo(4 * busy.Counts));
            Assert.That(idle.Listings, Has.Count.EqualTo(busy.Listings.Count), "a poll without new completions lists nothing");
            Assert.That(idle.List, Is.LessThanOrEqualTo(busy.List));
            Assert.That(idle.Add, Is.EqualTo(busy.Add));
        });
        TestContext.Progress.WriteLine($"10,000 tasks, 250 complete every 4th 5 s poll: {idle}");
    }

    private static int Pages(int tasks) => Math.Max(1, (tasks + 999) / 1000);

    private async Task<Tally> RunAsync(int pollsPerStep)
    {
        string input = Path.Combine(_directory, "input.txt");
        string runner = Path.Combine(_directory, "TopNWords.TaskRunner");
        await File.WriteAllTextAsync(input, "the quick brown fox");
        await File.WriteAllBytesAsync(runner, [0x7F, (byte)'E', (byte)'L', (byte)'F']);
        var application = new TaskApplication("topnwords-taskrunner", [new ApplicationFile(runner, "TopNWords.TaskRunner")], ["{app}/TopNWords.TaskRunner"]);
        var definition = new BatchRunDefinition(
            Enumerable.Range(0, TaskCount).Select(i => new BatchInput(input, $"doc{i:D5}.txt")),
            application,
            ["--filepath", BatchRunDefinition.InputPlaceholder, "--numwords", "3"])
        {
            DownloadDirectory = Path.Combine(_directory, "out-" + pollsPerStep),
        };

        var clock = new FastForwardTimeProvider(RecordingTimeProvider.VectorTime);
        var service = new SimulatedBatchService(clock, CompletionsPerStep, pollsPerStep, failing: [4242]);
        var harness = new ComputeHarness();
        harness.Transport.Fallback = service.Respond;
        var workflowLogs = new FakeLogCollector();
        using var workflowLoggerFactory = new LoggerFactory([new FakeLoggerProvider(workflowLogs)]);
        var workflow = new BatchWorkflow(new StubBlobStorage(), harness.Compute, new BatchWorkflowOptions { MonitorPollInterval = PollInterval, TimeProvider = clock, LoggerFactory = workflowLoggerFactory });

        BatchRunResult result = await workflow.RunAsync(definition);

        var failed = result.Tasks.Where(t => t.Result == TaskExecutionResult.Failure).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Tasks.Count(t => t.State == ComputeTaskState.Completed), Is.EqualTo(TaskCount));
            Assert.That(failed, Has.Count.EqualTo(1));
            Assert.That(failed[0].ExitCode, Is.EqualTo(3));
            Assert.That(failed[0].FailureInfo!.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(failed[0].StderrTail, Is.EqualTo("error: input is empty."));
            Assert.That(result.CleanupFailures, Is.Empty);
        });
        ComputeHarness.AssertNoSecret([.. harness.LogMessages, .. workflowLogs.GetSnapshot().Select(r => r.Message)], "logs of a 10,000-task run");

        var requests = harness.Transport.Requests;
        return new Tally(
            Add: requests.Count(r => r.Method == "POST" && r.Uri.AbsolutePath.EndsWith("/addtaskcollection", StringComparison.Ordinal)),
            Counts: requests.Count(r => r.Uri.AbsolutePath.EndsWith("/taskcounts", StringComparison.Ordinal)),
            List: requests.Count(r => r.Method == "GET" && r.Uri.AbsolutePath.EndsWith("/tasks", StringComparison.Ordinal)),
            Files: requests.Count(r => r.Uri.AbsolutePath.Contains("/files/", StringComparison.Ordinal)),
            Total: requests.Count,
            Listings: service.ListingSizes);
    }

    private sealed record Tally(int Add, int Counts, int List, int Files, int Total, IReadOnlyList<int> Listings)
    {
        public override string ToString()
            => $"add {Add} request(s); monitor {Counts + List} ({Counts} task counts + {List} list pages over {Listings.Count} listings of at most {Listings.Max()} tasks); {Files} stderr request(s); {Total} in all";
    }
}
