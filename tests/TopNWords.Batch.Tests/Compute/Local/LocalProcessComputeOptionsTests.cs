using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

[TestFixture]
public class LocalProcessComputeOptionsTests
{
    [Test]
    public void Validate_Defaults_DoesNotThrow()
    {
        var options = new LocalProcessComputeOptions();

        Assert.Multiple(() =>
        {
            Assert.DoesNotThrow(options.Validate);
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
            Assert.That(options.LoggerFactory, Is.Null);
        });
    }

    [Test]
    public void Validate_ZeroDelaysAndAValidPassThroughName_DoesNotThrow()
    {
        var options = new LocalProcessComputeOptions { NodeStartupDelay = TimeSpan.Zero, OutputDrainTimeout = TimeSpan.Zero, PollInterval = TimeSpan.FromTicks(1) };
        options.PassThroughEnvironmentVariables.Add("MY_SETTING");

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingIt(Action<LocalProcessComputeOptions> configure, string option)
    {
        var options = new LocalProcessComputeOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(options.Validate);

        Assert.That(ex!.ParamName, Is.EqualTo(option));
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Constructor_InvalidOption_ThrowsNamingIt(Action<LocalProcessComputeOptions> configure, string option)
    {
        string root = Path.Combine(Path.GetTempPath(), $"topnwords-options-{Guid.NewGuid():N}");
        var options = new LocalProcessComputeOptions { RootPath = root };
        configure(options);

        var ex = Assert.Catch<ArgumentException>(() => _ = new LocalProcessCompute(options));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(Directory.Exists(root), Is.False, "nothing is created before the options are checked");
        });
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return Case("TimeProvider_Null", o => o.TimeProvider = null!, nameof(LocalProcessComputeOptions.TimeProvider));
        yield return Case("PollInterval_Zero", o => o.PollInterval = TimeSpan.Zero, nameof(LocalProcessComputeOptions.PollInterval));
        yield return Case("PollInterval_Negative", o => o.PollInterval = TimeSpan.FromSeconds(-1), nameof(LocalProcessComputeOptions.PollInterval));
        yield return Case("NodeStartupDelay_Negative", o => o.NodeStartupDelay = TimeSpan.FromMilliseconds(-1), nameof(LocalProcessComputeOptions.NodeStartupDelay));
        yield return Case("OutputDrainTimeout_Negative", o => o.OutputDrainTimeout = TimeSpan.FromMilliseconds(-1), nameof(LocalProcessComputeOptions.OutputDrainTimeout));
        yield return Case("PassThroughEnvironmentVariables_Empty", o => o.PassThroughEnvironmentVariables.Add(" "), nameof(LocalProcessComputeOptions.PassThroughEnvironmentVariables));
        yield return Case("PassThroughEnvironmentVariables_WithEquals", o => o.PassThroughEnvironmentVariables.Add("A=B"), nameof(LocalProcessComputeOptions.PassThroughEnvironmentVariables));
        yield return Case("PassThroughEnvironmentVariables_WithNul", o => o.PassThroughEnvironmentVariables.Add("A\0B"), nameof(LocalProcessComputeOptions.PassThroughEnvironmentVariables));
        yield return Case("PassThroughEnvironmentVariables_AzBatch", o => o.PassThroughEnvironmentVariables.Add("az_batch_node_id"), nameof(LocalProcessComputeOptions.PassThroughEnvironmentVariables));
    }

    private static TestCaseData Case(string name, Action<LocalProcessComputeOptions> configure, string option)
        => new TestCaseData(configure, option).SetArgDisplayNames(name);
}
