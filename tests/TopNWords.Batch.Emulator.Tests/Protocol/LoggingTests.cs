using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>What the emulator logs: requests, refusals and faults, never a key or a signature.</summary>
[TestFixture]
public class LoggingTests
{
    [Test]
    public async Task Logs_RecordRefusalsAndFaults_WithoutKeysOrSignatures()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        string wrongKey = Convert.ToBase64String("a-key-that-must-never-be-logged!"u8.ToArray());
        await using var harness = await EmulatorHarness.StartAsync(o =>
        {
            o.LoggerFactory = factory;
            o.Faults = new BatchEmulatorFaults { ServerBusyRate = 1, FaultOperations = ["Pools_GetPool"] };
        });

        Assert.CatchAsync<BatchServiceException>(() => harness.NewClient(wrongKey).GetJobAsync("job"));
        Assert.CatchAsync<BatchServiceException>(() => harness.NewClient(EmulatorHarness.Key, EmulatorHarness.NewClientOptions(maxRetries: 0)).GetPoolAsync("pool"));
        await harness.CreatePoolAsync("logged-pool", startTask: new BatchStartTask { CommandLine = "true" });
        await harness.WaitForNodesAsync("logged-pool", n => n.State == BatchNodeState.Idle, "idle");

        var records = provider.Collector.GetSnapshot();
        string all = string.Join("\n", records.Select(r => r.Message));
        Assert.Multiple(() =>
        {
            Assert.That(records.Any(r => r.Level == LogLevel.Warning && r.Message.Contains("MAC signature", StringComparison.Ordinal)), Is.True, all);
            Assert.That(records.Any(r => r.Message.Contains("Injected 503 ServerBusy into Pools_GetPool", StringComparison.Ordinal)), Is.True, all);
            Assert.That(all, Does.Not.Contain(wrongKey).And.Not.Contain(EmulatorHarness.Key).And.Not.Contain("SharedKey "));
        });
    }
}
