using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Polly;

namespace TopNWords.Batch.Tests.DependencyInjection;

/// <summary>services.AddTopNWordsBatch(...): binding, start-up validation, the container's services, and a whole local run.</summary>
[TestFixture]
[NonParallelizable]
public class TopNWordsBatchServiceCollectionExtensionsTests
{
    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-di-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System).Token;

    private static IConfigurationSection Section(Dictionary<string, string?> settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(TopNWordsBatchOptions.DefaultSectionName);

    private Dictionary<string, string?> LocalSettings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["TopNWords:Local:RootDirectory"] = Path.Combine(_work, "root") };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static string StartupFailure(IServiceProvider provider)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate())!;
        return ex.Message;
    }

    [Test]
    public async Task AddTopNWordsBatch_LocalDefault_RunsTheTutorialThroughTheResolvedWorkflow()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings()));
        BatchRunResult result;
        await using (var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }))
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            var workflow = provider.GetRequiredService<IBatchWorkflow>();
            Assert.That(workflow, Is.InstanceOf<LocalBatchWorkflow>());
            Assert.That(provider.GetRequiredService<IBatchWorkflow>(), Is.SameAs(workflow), "one workflow per container");
            Assert.That(((LocalBatchWorkflow)workflow).RootDirectory, Is.EqualTo(Path.Combine(_work, "root")));

            var runner = provider.GetRequiredService<ITaskRunnerProvider>().GetTaskRunner();
            var definition = WordCountJob.CreateDefinition([TutorialFolder], 3, runner);
            definition.DownloadDirectory = Path.Combine(_work, "out");
            result = await workflow.RunAsync(definition, cancellationToken: Deadline());
        }

        Assert.That(result.Succeeded, Is.True, string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
        var entries = result.Tasks.SelectMany(t => t.TopWords!.Words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{t.Input.Name}: {w.Word} {w.Count}"))).ToList();
        Assert.That(entries, Is.EquivalentTo(new[]
        {
            "taskdata1.txt: to 18", "taskdata1.txt: and 17", "taskdata1.txt: you 14",
            "taskdata2.txt: Storage 11", "taskdata2.txt: for 8", "taskdata2.txt: data 7",
            "taskdata3.txt: the 10", "taskdata3.txt: of 8", "taskdata3.txt: and 6",
        }));
    }

    [Test]
    public async Task Dispose_ContainerDisposedAsynchronously_DisposesTheWorkflow()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings()));
        var provider = services.BuildServiceProvider();
        var workflow = (LocalBatchWorkflow)provider.GetRequiredService<IBatchWorkflow>();
        Assert.That(workflow.Compute.GetTaskDirectory("job", "task"), Is.Null);

        await provider.DisposeAsync();

        Assert.That(() => workflow.Compute.GetTaskDirectory("job", "task"), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task AddTopNWordsBatch_ContainerHasMetrics_TheWorkflowsMeterComesFromItsMeterFactory()
    {
        var services = new ServiceCollection();
        services.AddMetrics();
        services.AddTopNWordsBatch(Section(LocalSettings()));
        await using var provider = services.BuildServiceProvider();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var meters = new List<System.Diagnostics.Metrics.Meter>();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == TopNWordsBatchTelemetry.MeterName && !meters.Contains(instrument.Meter))
            {
                meters.Add(instrument.Meter);
            }
        };
        listener.Start();

        _ = provider.GetRequiredService<IBatchWorkflow>();
        listener.RecordObservableInstruments();

        // A meter created by the container's IMeterFactory carries the factory as its scope; the process-wide one has none.
        Assert.That(meters.Where(m => m.Scope == provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), Is.Not.Empty);
    }

    [Test]
    public void Dispose_ContainerDisposedSynchronously_DisposesTheWorkflow()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings()));
        LocalBatchWorkflow workflow;
        using (var provider = services.BuildServiceProvider())
        {
            workflow = (LocalBatchWorkflow)provider.GetRequiredService<IBatchWorkflow>();
        }

        Assert.That(() => workflow.Compute.GetTaskDirectory("job", "task"), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task AddTopNWordsBatch_ContainerServices_TheNamedPipelineTheLoggerFactoryAndTheClockServeTheRun()
    {
        var counting = new CountingStrategy();
        var clock = new CountingTimeProvider();
        var logs = new FakeLogCollector();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddLogging(logging => logging.AddProvider(new FakeLoggerProvider(logs)));
        services.AddResiliencePipeline(TopNWordsBatchOptions.ResiliencePipelineName, pipeline => pipeline.AddStrategy(_ => counting, new CountingStrategyOptions()));
        services.AddTopNWordsBatch(Section(LocalSettings()));
        await using var provider = services.BuildServiceProvider();

        var workflow = provider.GetRequiredService<IBatchWorkflow>();
        int clockCallsBefore = clock.Calls;
        var definition = WordCountJob.CreateDefinition([Path.Combine(TutorialFolder, "taskdata1.txt")], 1, provider.GetRequiredService<ITaskRunnerProvider>().GetTaskRunner());
        definition.DownloadDirectory = Path.Combine(_work, "out");
        var result = await workflow.RunAsync(definition, cancellationToken: Deadline());

        Assert.That(result.Succeeded, Is.True);
        Assert.That(counting.Calls, Is.GreaterThan(0), "the storage and compute calls went through the container's 'TopNWords.Batch' pipeline");
        Assert.That(clock.Calls, Is.GreaterThan(clockCallsBefore), "the run read the container's clock");
        Assert.That(logs.GetSnapshot().Select(r => r.Category), Has.Some.EqualTo(typeof(BatchWorkflow).FullName), "the engine logged through the container's logger factory");
    }

    [Test]
    public async Task AddTopNWordsBatch_NoPipelineRegistered_UsesTheDefaultPipeline()
    {
        var counting = new CountingStrategy();
        var services = new ServiceCollection();
        services.AddResiliencePipeline("another pipeline", pipeline => pipeline.AddStrategy(_ => counting, new CountingStrategyOptions()));
        services.AddTopNWordsBatch(Section(LocalSettings()));
        await using var provider = services.BuildServiceProvider();

        var workflow = provider.GetRequiredService<IBatchWorkflow>();
        Assert.That(await workflow.ListRunsAsync(Deadline()), Is.Empty);
        Assert.That(counting.Calls, Is.Zero, "a pipeline of another name is not the workflow's");
    }

    [Test]
    public void Bind_SettingsFromConfiguration_ReachTheOptions()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings(
            ("TopNWords:Workflow:MonitorPollInterval", "00:00:01"),
            ("TopNWords:Workflow:MaxParallelTransfers", "3"),
            ("TopNWords:Workflow:UrlExpiryMargin", "02:00:00"),
            ("TopNWords:Workflow:StderrTailLines", "7"),
            ("TopNWords:Workflow:HeartbeatInterval", "00:00:10"),
            ("TopNWords:Local:ReadOnly", "true"),
            ("TopNWords:Local:PassThroughEnvironmentVariables:0", "HTTPS_PROXY"))));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<TopNWordsBatchOptions>>().Value;
        Assert.That(options.Backend, Is.EqualTo("Local"));
        Assert.That(options.Local.RootDirectory, Is.EqualTo(Path.Combine(_work, "root")));
        Assert.That(options.Local.ReadOnly, Is.True);
        Assert.That(options.Local.PassThroughEnvironmentVariables, Is.EqualTo(new[] { "HTTPS_PROXY" }));
        var workflow = options.Workflow.ApplyTo(new BatchWorkflowOptions());
        Assert.That(workflow.MonitorPollInterval, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(workflow.MaxParallelTransfers, Is.EqualTo(3));
        Assert.That(workflow.UrlExpiryMargin, Is.EqualTo(TimeSpan.FromHours(2)));
        Assert.That(workflow.StderrTailLines, Is.EqualTo(7));
        Assert.That(workflow.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void ApplyTo_NothingSet_KeepsTheBackendsDefaults()
    {
        var local = new TopNWordsWorkflowOptions().ApplyTo(new LocalBatchWorkflowOptions().Workflow);
        var remote = new TopNWordsWorkflowOptions().ApplyTo(new BatchWorkflowOptions());

        Assert.That(local.MonitorPollInterval, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(remote.MonitorPollInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(remote.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public async Task ValidateOnStart_NonPositivePollInterval_FailsTheHostStartNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(LocalSettings(("TopNWords:Workflow:MonitorPollInterval", "00:00:00")));
        builder.Services.AddTopNWordsBatch(builder.Configuration.GetSection("TopNWords"));
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Deadline()))!;
        Assert.That(ex.Message, Does.Contain("TopNWords:Workflow:MonitorPollInterval must be positive"));
        Assert.That(Directory.Exists(Path.Combine(_work, "root")), Is.False, "nothing was created");
        await host.StopAsync(Deadline());
    }

    [TestCase("TopNWords:Workflow:MonitorPollInterval", "-00:00:01", "TopNWords:Workflow:MonitorPollInterval must be positive")]
    [TestCase("TopNWords:Workflow:MaxParallelTransfers", "0", "TopNWords:Workflow:MaxParallelTransfers must be at least 1")]
    [TestCase("TopNWords:Workflow:StderrTailLines", "0", "TopNWords:Workflow:StderrTailLines must be at least 1")]
    [TestCase("TopNWords:Workflow:HeartbeatInterval", "00:00:00", "TopNWords:Workflow:HeartbeatInterval must be positive")]
    [TestCase("TopNWords:Workflow:UrlExpiryMargin", "-01:00:00", "TopNWords:Workflow:UrlExpiryMargin must not be negative")]
    [TestCase("TopNWords:Local:RootDirectory", "   ", "TopNWords:Local:RootDirectory is empty")]
    [TestCase("TopNWords:Local:PassThroughEnvironmentVariables:0", "A=B", "TopNWords:Local:PassThroughEnvironmentVariables")]
    public void ValidateOnStart_BadSetting_NamesItsKey(string key, string value, string expected)
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings((key, value))));
        using var provider = services.BuildServiceProvider();

        Assert.That(StartupFailure(provider), Does.Contain(expected));
        Assert.That(() => provider.GetRequiredService<IBatchWorkflow>(), Throws.InstanceOf<OptionsValidationException>(), "resolving without a host validates too");
    }

    [Test]
    public void ValidateOnStart_SectionOfAnotherName_NamesItsPath()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Jobs:WordCount:Workflow:MaxParallelTransfers"] = "0" }).Build();
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(configuration.GetSection("Jobs:WordCount"));
        using var provider = services.BuildServiceProvider();

        Assert.That(StartupFailure(provider), Does.Contain("Jobs:WordCount:Workflow:MaxParallelTransfers must be at least 1"));
    }

    [Test]
    public void ValidateOnStart_OptionsInCode_NamesTheKeyTheyStandFor()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(options =>
        {
            options.Local.RootDirectory = Path.Combine(_work, "root");
            options.Workflow.MonitorPollInterval = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        Assert.That(StartupFailure(provider), Does.Contain("TopNWords:Workflow:MonitorPollInterval must be positive"));
    }

    [Test]
    public void ValidateOnStart_AzureBackendWithoutAddAzure_SaysToReferenceTheAzurePackage()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings(("TopNWords:Backend", "Azure"))));
        using var provider = services.BuildServiceProvider();

        string message = StartupFailure(provider);
        Assert.That(message, Does.Contain("TopNWords:Backend"));
        Assert.That(message, Does.Contain("TopNWords.Batch.Azure"));
        Assert.That(message, Does.Contain("AddAzure()"));
    }

    [Test]
    public void ValidateOnStart_UnknownBackend_NamesTheKnownOnes()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(Section(LocalSettings(("TopNWords:Backend", "Cloud9"))));
        using var provider = services.BuildServiceProvider();

        string message = StartupFailure(provider);
        Assert.That(message, Does.Contain("TopNWords:Backend 'Cloud9' is not a registered backend"));
        Assert.That(message, Does.Contain("'Local'"));
    }

    [Test]
    public void AddTopNWordsBatch_NoSettings_IsTheLocalBackendWithDefaults()
    {
        var services = new ServiceCollection();
        var builder = services.AddTopNWordsBatch();
        using var provider = services.BuildServiceProvider();

        Assert.That(builder.Services, Is.SameAs(services));
        Assert.That(builder.Name, Is.EqualTo(Options.DefaultName));
        Assert.That(builder.Configuration, Is.Null);
        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.That(provider.GetRequiredService<IOptions<TopNWordsBatchOptions>>().Value.Backend, Is.EqualTo(TopNWordsBatchOptions.LocalBackend));
        Assert.That(provider.GetRequiredService<ITaskRunnerProvider>().GetTaskRunner().Name, Is.EqualTo("topnwords-taskrunner"));
    }

    [Test]
    public void AddTopNWordsBatch_Section_IsTheBuildersConfiguration()
    {
        var section = Section(LocalSettings());
        var builder = new ServiceCollection().AddTopNWordsBatch(section);

        Assert.That(builder.Configuration, Is.SameAs(section));
    }

    /// <summary>A pass-through strategy that counts the calls it sees.</summary>
    private sealed class CountingStrategy : ResilienceStrategy
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
        {
            Interlocked.Increment(ref _calls);
            return callback(context, state);
        }
    }

    private sealed class CountingStrategyOptions : ResilienceStrategyOptions
    {
    }

    /// <summary>The system clock, counting the reads of the time.</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override DateTimeOffset GetUtcNow()
        {
            Interlocked.Increment(ref _calls);
            return System.GetUtcNow();
        }
    }
}
