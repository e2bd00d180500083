using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Moq;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class WorkflowLoggingTests
{
    [Test]
    public async Task RunAsync_Logs_NameTheRunAndTasksAndNeverASignature()
    {
        using var h = new WorkflowHarness();
        h.FailingInputs.Add("input3.txt");
        var collector = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(collector)]);
        var workflow = new BatchWorkflow(h.Storage.Object, h.Compute.Object, new BatchWorkflowOptions { MonitorPollInterval = WorkflowHarness.PollInterval, TimeProvider = h.Clock, LoggerFactory = loggerFactory });

        var result = await workflow.RunAsync(h.Definition());

        var records = collector.GetSnapshot();
        Assert.That(records.Select(r => r.Category).Distinct(), Is.EqualTo(new[] { typeof(BatchWorkflow).FullName }), "the workflow logs under its own category");
        Assert.That(records.Select(r => r.Message), Has.Some.Contains($"Run {result.RunId} starting: 3 input(s)"));
        var failed = records.Single(r => r.Id.Id == 1007);
        Assert.That(failed.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(failed.Message, Does.Contain("input3.txt").And.Contain("exit code 1"));
        Assert.That(records[^1].Message, Does.Contain("2 of 3 task(s) succeeded"));
        Assert.That(records.Select(r => r.Message), Has.None.Contains("SECRETSIG"));
        Assert.That(records.SelectMany(r => r.StructuredState ?? []).Select(kv => kv.Value), Has.None.Contains("SECRETSIG"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RunAsync_TransientFailure_LogsEachRetryWithTheOperationAndKindButNoMessage(bool publicFactory)
    {
        using var h = new WorkflowHarness();
        var collector = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(collector)]);
        var options = new BatchWorkflowOptions { MonitorPollInterval = WorkflowHarness.PollInterval, TimeProvider = h.Clock, LoggerFactory = loggerFactory };
        if (publicFactory)
        {
            options.Resilience = WorkflowResilience.CreateDefaultPipeline(h.Clock, loggerFactory);
        }

        var workflow = new BatchWorkflow(h.Storage.Object, h.Compute.Object, options);
        int calls = 0;
        h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
            .Returns(() => Interlocked.Increment(ref calls) == 1
                ? Task.FromException(new BatchComputeException(BatchComputeErrorKind.Unavailable, "503 ServerBusy for https://acct.example/c?sig=SECRETSIG", "p", "ServerBusy") { RetryAfter = TimeSpan.FromSeconds(4) })
                : Task.CompletedTask);

        var run = workflow.RunAsync(h.Definition());
        await h.Clock.WaitForTimerAsync(TimeSpan.FromSeconds(4));
        h.Clock.Advance(TimeSpan.FromSeconds(4));
        var result = await run;

        var retry = collector.GetSnapshot().Single(r => r.Id.Id == 1016);
        Assert.That(retry.Level, Is.EqualTo(LogLevel.Warning));
        Assert.That(retry.Category, Is.EqualTo(typeof(BatchWorkflow).FullName));
        Assert.That(retry.Message, Does.Contain(result.RunId).And.Contain($"create pool '{result.PoolId}'").And.Contain("Unavailable (ServerBusy)").And.Contain("attempt 1").And.Contain("00:00:04"));
        Assert.That(collector.GetSnapshot().Select(r => r.Message), Has.None.Contains("SECRETSIG"));
    }
}
