using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests;

/// <summary>The account key: one of the caller's own, or the published one only with the insecure opt-in.</summary>
[TestFixture]
public class BatchEmulatorOptionsTests
{
    [Test]
    public void AccountKey_ByDefault_IsNotSet()
    {
        var options = new BatchEmulatorOptions();

        Assert.That(options.AccountKey, Is.Null);
        Assert.That(options.AllowInsecureWellKnownKey, Is.False);
    }

    [Test]
    public async Task StartAsync_WithoutKeyOrInsecureOptIn_IsRefusedSayingHowToPassAKey()
    {
        await using var emulator = new BatchEmulator();

        var ex = Assert.ThrowsAsync<ArgumentException>(() => emulator.StartAsync(new BatchEmulatorOptions { AccountName = EmulatorHarness.Account }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(nameof(BatchEmulatorOptions.AccountKey)));
            Assert.That(ex.Message, Does.Contain("no account key"));
            Assert.That(ex.Message, Does.Contain(BatchEmulatorOptions.KeyEnvironmentVariable).And.Contain("--key-file <path>").And.Contain("--key-file -"));
            Assert.That(ex.Message, Does.Contain(nameof(BatchEmulatorOptions.AllowInsecureWellKnownKey)).And.Contain("--insecure-use-well-known-key"));
            Assert.That(ex.Message, Does.Contain("does not cover the host"));
            Assert.That(() => emulator.BaseUri, Throws.InvalidOperationException, "nothing listens");
        });
    }

    [TestCase(BatchEmulatorOptions.DefaultAccountKey)]
    [TestCase("dG9wbndvcmRzLWJhdGNoLWVtdWxhdG9yLWRldi1rZXkh\n")]
    public void Validate_TheWellKnownKeySetExplicitlyWithoutOptIn_IsRefused(string key)
    {
        var options = new BatchEmulatorOptions { AccountKey = key };

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.That(ex!.Message, Does.Contain("published well-known development key").And.Contain("--insecure-use-well-known-key"));
    }

    [TestCase("AZ_BATCH_TASK_ID")]
    [TestCase("")]
    [TestCase(BatchEmulatorOptions.KeyEnvironmentVariable)]
    [TestCase("topnwords_batch_emulator_bearer_token")]
    public void Validate_InvalidPassThroughEnvironmentVariable_IsRefusedNamingTheProperty(string name)
    {
        var options = new BatchEmulatorOptions { AccountKey = EmulatorHarness.Key };
        options.PassThroughEnvironmentVariables.Add(name);

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(BatchEmulatorOptions.PassThroughEnvironmentVariables)));
    }

    [Test]
    public async Task PassThroughEnvironmentVariables_NameGiven_ReachesTasksOfTheEmulator()
    {
        string name = "TOPNWORDS_EMULATOR_TEST_PASSED_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        Environment.SetEnvironmentVariable(name, "passed-value");
        try
        {
            await using var harness = await EmulatorHarness.StartAsync(o => o.PassThroughEnvironmentVariables.Add(name));
            string poolId = "env-" + Guid.NewGuid().ToString("N")[..8];
            await harness.CreatePoolAsync(poolId);
            await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Idle, "idle");
            await harness.CreateJobAsync("env-job", poolId);
            await harness.Client.AddTaskCollectionAsync("env-job", [new BatchTaskCreateContent { Id = "env", CommandLine = "/usr/bin/env" }]);
            await harness.WaitForTaskAsync("env-job", "env", t => t.State == BatchTaskState.Completed, "completed");
            await using var stdout = await harness.Client.GetTaskFileAsync("env-job", "env", "stdout.txt");

            Assert.That(await new StreamReader(stdout.Content).ReadToEndAsync(), Does.Contain(name + "=passed-value\n"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Test]
    public void Validate_AKeyOfTheCallersOwn_IsAccepted()
    {
        var options = new BatchEmulatorOptions { AccountKey = EmulatorHarness.Key };

        Assert.DoesNotThrow(options.Validate);
    }

    [Test]
    public async Task StartAsync_WithoutKeyWithInsecureOptIn_ServesRequestsSignedWithTheWellKnownKey_AndWarns()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        await using var emulator = new BatchEmulator();
        Uri baseUri = await emulator.StartAsync(new BatchEmulatorOptions { AccountName = EmulatorHarness.Account, AllowInsecureWellKnownKey = true, LoggerFactory = factory });
        using var http = new HttpClient(new SharedKeySigner(EmulatorHarness.Account, BatchEmulatorOptions.DefaultAccountKey, TimeProvider.System)) { BaseAddress = baseUri };

        using var response = await http.GetAsync(EmulatorHarness.Versioned("/supportedimages"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(provider.Collector.GetSnapshot().Any(r => r.Level == LogLevel.Warning && r.Message.Contains("published well-known account key", StringComparison.Ordinal)), Is.True);
    }

    [Test]
    public async Task StartAsync_OwnKeyWithInsecureOptIn_UsesTheOwnKey_WithoutWarning()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider));
        await using var harness = await EmulatorHarness.StartAsync(o =>
        {
            o.AllowInsecureWellKnownKey = true;
            o.LoggerFactory = factory;
        });

        var (status, _, _) = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(provider.Collector.GetSnapshot().Any(r => r.Message.Contains("well-known", StringComparison.Ordinal)), Is.False);
    }

    [Test]
    public void Defaults_SystemClockNoLogging()
    {
        var options = new BatchEmulatorOptions();

        Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
        Assert.That(options.LoggerFactory, Is.Null);
    }

    [Test]
    public void Validate_BoundaryValues_AreAccepted()
    {
        var options = new BatchEmulatorOptions { AccountKey = EmulatorHarness.Key, Port = 65535, MaxNodesPerPool = 1, NodeStartupDelay = TimeSpan.Zero, MaxClockSkew = TimeSpan.FromTicks(1) };

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingItAndSayingWhatToSet(Action<BatchEmulatorOptions> configure, string option, string advice)
    {
        var options = new BatchEmulatorOptions { AccountKey = EmulatorHarness.Key };
        configure(options);

        var ex = Assert.Catch<ArgumentException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain(advice));
        });
    }

    [Test]
    public async Task StartAsync_InvalidOption_IsRefusedBeforeAnythingListens()
    {
        await using var emulator = new BatchEmulator();

        var ex = Assert.CatchAsync<ArgumentException>(() => emulator.StartAsync(new BatchEmulatorOptions { AccountKey = EmulatorHarness.Key, MaxNodesPerPool = 0 }));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(BatchEmulatorOptions.MaxNodesPerPool)));
        Assert.That(() => emulator.BaseUri, Throws.InvalidOperationException);
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return Case("Port_Negative", o => o.Port = -1, nameof(BatchEmulatorOptions.Port), "or 0 to pick a free one");
        yield return Case("Port_TooHigh", o => o.Port = 65536, nameof(BatchEmulatorOptions.Port), "from 1 to 65535");
        yield return Case("AccountName_WhiteSpace", o => o.AccountName = " ", nameof(BatchEmulatorOptions.AccountName), "set the Batch account name");
        yield return Case("AccountKey_NotBase64", o => o.AccountKey = "not base64!", nameof(BatchEmulatorOptions.AccountKey), "not a valid base64 string");
        yield return Case("TimeProvider_Null", o => o.TimeProvider = null!, nameof(BatchEmulatorOptions.TimeProvider), "TimeProvider.System");
        yield return Case("Faults_Null", o => o.Faults = null!, nameof(BatchEmulatorOptions.Faults), "leave the default");
        yield return Case("MaxNodesPerPool_Zero", o => o.MaxNodesPerPool = 0, nameof(BatchEmulatorOptions.MaxNodesPerPool), "at least 1");
        yield return Case("NodeStartupDelay_Negative", o => o.NodeStartupDelay = TimeSpan.FromSeconds(-1), nameof(BatchEmulatorOptions.NodeStartupDelay), "must not be negative");
        yield return Case("MaxClockSkew_Zero", o => o.MaxClockSkew = TimeSpan.Zero, nameof(BatchEmulatorOptions.MaxClockSkew), "must be positive");
        yield return Case("Faults_RateAboveOne", o => o.Faults.ServerBusyRate = 1.5, nameof(BatchEmulatorFaults.ServerBusyRate), "ServerBusyRate");
    }

    private static TestCaseData Case(string name, Action<BatchEmulatorOptions> configure, string option, string advice)
        => new TestCaseData(configure, option, advice).SetArgDisplayNames(name);
}
