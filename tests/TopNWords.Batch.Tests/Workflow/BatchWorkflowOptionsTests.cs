using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class BatchWorkflowOptionsTests
{
    [Test]
    public void Defaults_SystemClockNoLoggingAndValid()
    {
        var options = new BatchWorkflowOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
            Assert.That(options.LoggerFactory, Is.Null);
            Assert.That(options.MonitorPollInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.MaxParallelTransfers, Is.EqualTo(8));
            Assert.That(options.UrlExpiryMargin, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(options.StderrTailLines, Is.EqualTo(20));
            Assert.DoesNotThrow(options.Validate);
        });
    }

    [Test]
    public void Validate_SmallestValidValues_DoesNotThrow()
    {
        var options = new BatchWorkflowOptions
        {
            MonitorPollInterval = TimeSpan.FromTicks(1),
            MaxParallelTransfers = 1,
            UrlExpiryMargin = TimeSpan.Zero,
            StderrTailLines = 1,
            LoggerFactory = NullLoggerFactory.Instance,
        };

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingItAndSayingWhatToSet(Action<BatchWorkflowOptions> configure, string option)
    {
        var options = new BatchWorkflowOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain("BatchWorkflowOptions." + option));
        });
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void BatchWorkflowConstructor_InvalidOption_ThrowsNamingIt(Action<BatchWorkflowOptions> configure, string option)
    {
        var options = new BatchWorkflowOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(() => _ = new BatchWorkflow(Mock.Of<IBlobStorage>(), Mock.Of<IBatchCompute>(), options));

        Assert.That(ex!.ParamName, Is.EqualTo(option));
    }

    [Test]
    public async Task BatchWorkflow_TimeProviderSet_StampsRunIdsWithIt()
    {
        using var h = new WorkflowHarness();

        var result = await h.Workflow.RunAsync(h.Definition());

        Assert.That(result.RunId, Does.StartWith("tnw-20261129-120000-"), "the id is stamped with BatchWorkflowOptions.TimeProvider, the harness's manual clock");
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return Case("MonitorPollInterval_Zero", o => o.MonitorPollInterval = TimeSpan.Zero, nameof(BatchWorkflowOptions.MonitorPollInterval));
        yield return Case("MonitorPollInterval_Negative", o => o.MonitorPollInterval = TimeSpan.FromSeconds(-1), nameof(BatchWorkflowOptions.MonitorPollInterval));
        yield return Case("MaxParallelTransfers_Zero", o => o.MaxParallelTransfers = 0, nameof(BatchWorkflowOptions.MaxParallelTransfers));
        yield return Case("StderrTailLines_Zero", o => o.StderrTailLines = 0, nameof(BatchWorkflowOptions.StderrTailLines));
        yield return Case("UrlExpiryMargin_Negative", o => o.UrlExpiryMargin = TimeSpan.FromTicks(-1), nameof(BatchWorkflowOptions.UrlExpiryMargin));
        yield return Case("TimeProvider_Null", o => o.TimeProvider = null!, nameof(BatchWorkflowOptions.TimeProvider));
    }

    private static TestCaseData Case(string name, Action<BatchWorkflowOptions> configure, string option)
        => new TestCaseData(configure, option).SetArgDisplayNames(name);
}
