using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class LocalBatchWorkflowOptionsTests
{
    [Test]
    public void Defaults_SystemClockNoLoggingFastPollingAndValid()
    {
        var options = new LocalBatchWorkflowOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
            Assert.That(options.LoggerFactory, Is.Null);
            Assert.That(options.Workflow.MonitorPollInterval, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
            Assert.DoesNotThrow(options.Validate);
        });
    }

    [Test]
    public void Validate_WorkflowClockAndLoggerFactoryTheSameAsTheOuterOnes_DoesNotThrow()
    {
        var time = new FakeTimeProvider();
        var options = new LocalBatchWorkflowOptions { TimeProvider = time, LoggerFactory = NullLoggerFactory.Instance };
        options.Workflow.TimeProvider = time;
        options.Workflow.LoggerFactory = NullLoggerFactory.Instance;

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingItAndSayingWhatToSet(Action<LocalBatchWorkflowOptions> configure, string option, string advice)
    {
        var options = new LocalBatchWorkflowOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain(advice));
        });
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void LocalBatchWorkflowConstructor_InvalidOption_ThrowsBeforeCreatingAnyFolder(Action<LocalBatchWorkflowOptions> configure, string option, string advice)
    {
        string root = Path.Combine(Path.GetTempPath(), $"topnwords-options-{Guid.NewGuid():N}");
        var options = new LocalBatchWorkflowOptions { RootDirectory = root };
        configure(options);

        var ex = Assert.Catch<ArgumentException>(() => _ = new LocalBatchWorkflow(options));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(Directory.Exists(root), Is.False);
        });
    }

    [Test]
    public async Task LocalBatchWorkflow_TimeProvider_IsTheLocalStoragesClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        string root = Directory.CreateTempSubdirectory("topnwords-clock-").FullName;
        using var removeRoot = new TempFolder(root);
        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { TimeProvider = time, RootDirectory = root });
        string source = Path.Combine(workflow.RootDirectory, "source.txt");
        await File.WriteAllTextAsync(source, "x");

        await workflow.Storage.CreateContainerIfNotExistsAsync("clock");
        await workflow.Storage.UploadFileAsync("clock", "a.txt", source);
        var listed = new List<BlobItemInfo>();
        await foreach (var item in workflow.Storage.ListBlobsAsync("clock"))
        {
            listed.Add(item);
        }

        Assert.That(listed.Single().LastModified, Is.EqualTo(time.GetUtcNow()));
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return Case("RootDirectory_WhiteSpace", o => o.RootDirectory = "  ", nameof(LocalBatchWorkflowOptions.RootDirectory), "leave it null");
        yield return Case("TimeProvider_Null", o => o.TimeProvider = null!, nameof(LocalBatchWorkflowOptions.TimeProvider), "TimeProvider.System");
        yield return Case("Workflow_Null", o => o.Workflow = null!, nameof(LocalBatchWorkflowOptions.Workflow), "leave the default");
        yield return Case("Workflow_OwnClock", o => o.Workflow.TimeProvider = new FakeTimeProvider(), nameof(LocalBatchWorkflowOptions.Workflow), "set the clock once, on LocalBatchWorkflowOptions.TimeProvider");
        yield return Case("Workflow_OwnLoggerFactory", o => o.Workflow.LoggerFactory = NullLoggerFactory.Instance, nameof(LocalBatchWorkflowOptions.Workflow), "set it once, on LocalBatchWorkflowOptions.LoggerFactory");
        yield return Case("Workflow_InvalidPollInterval", o => o.Workflow.MonitorPollInterval = TimeSpan.Zero, nameof(BatchWorkflowOptions.MonitorPollInterval), "must be positive");
    }

    private static TestCaseData Case(string name, Action<LocalBatchWorkflowOptions> configure, string option, string advice)
        => new TestCaseData(configure, option, advice).SetArgDisplayNames(name);
}

/// <summary>Deletes a test's folder when disposed.</summary>
internal sealed class TempFolder(string path) : IDisposable
{
    public void Dispose() => Directory.Delete(path, recursive: true);
}
