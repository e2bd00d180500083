using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

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
}
