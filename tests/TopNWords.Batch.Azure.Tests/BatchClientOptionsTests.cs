using Azure.Core;

namespace TopNWords.Batch.Azure.Tests;

[TestFixture]
public class BatchClientOptionsTests
{
    [Test]
    public void Defaults_LatestVersionSystemClock()
    {
        var options = new BatchClientOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.Version, Is.EqualTo(BatchClientOptions.ServiceVersion.V2025_06_01_21_0));
            Assert.That(options.ApiVersion, Is.EqualTo("2025-06-01.21.0"));
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
        });
    }

    [Test]
    public void Retry_Defaults_AFewQuickTries()
    {
        var options = new BatchClientOptions();

        Assert.Multiple(() =>
        {
            RetryDefaultsAssert.AreTheDefaults(options.Retry);
            Assert.DoesNotThrow(options.Validate);
        });
    }

    [TestCaseSource(nameof(InvalidRetries))]
    public void Validate_InvalidRetrySetting_ThrowsNamingIt(Action<RetryOptions> configure, string option)
    {
        var options = new BatchClientOptions();
        configure(options.Retry);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain("BatchClientOptions." + option));
        });
    }

    [Test]
    public void Validate_NoRetriesAndNoNetworkTimeout_DoesNotThrow()
    {
        var options = new BatchClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = Timeout.InfiniteTimeSpan;

        Assert.DoesNotThrow(options.Validate);
    }

    [Test]
    public void Constructor_UnknownVersion_Throws()
        => Assert.Throws<NotSupportedException>(() => _ = new BatchClientOptions((BatchClientOptions.ServiceVersion)99));

    [Test]
    public void TimeProvider_Null_Throws()
        => Assert.Throws<ArgumentNullException>(() => new BatchClientOptions().TimeProvider = null!);

    [Test]
    public void Diagnostics_LogBatchHeadersButNeverAuthorizationOrSasSignatures()
    {
        var options = new BatchClientOptions();

        Assert.Multiple(() =>
        {
            foreach (string header in new[] { "ocp-date", "request-id", "client-request-id", "retry-after-ms", "ocp-batch-file-isdirectory" })
            {
                Assert.That(options.Diagnostics.LoggedHeaderNames, Has.Some.EqualTo(header).IgnoreCase);
            }

            Assert.That(options.Diagnostics.LoggedHeaderNames, Is.Unique.IgnoreCase, "no duplicates added");
            Assert.That(options.Diagnostics.LoggedHeaderNames, Has.None.EqualTo("Authorization").IgnoreCase);
            Assert.That(options.Diagnostics.LoggedQueryParameters, Does.Contain("api-version").And.Contain("$filter"));
            Assert.That(options.Diagnostics.LoggedQueryParameters, Has.None.EqualTo("sig").IgnoreCase);
            Assert.That(options.Diagnostics.IsLoggingContentEnabled, Is.False);
        });
    }

    private static IEnumerable<TestCaseData> InvalidRetries()
    {
        yield return new TestCaseData((Action<RetryOptions>)(r => r.MaxRetries = -1), "Retry.MaxRetries").SetArgDisplayNames("MaxRetries_Negative");
        yield return new TestCaseData((Action<RetryOptions>)(r => r.Delay = TimeSpan.FromSeconds(-1)), "Retry.Delay").SetArgDisplayNames("Delay_Negative");
        yield return new TestCaseData((Action<RetryOptions>)(r => r.MaxDelay = TimeSpan.FromSeconds(0.1)), "Retry.MaxDelay").SetArgDisplayNames("MaxDelay_BelowDelay");
        yield return new TestCaseData((Action<RetryOptions>)(r => r.NetworkTimeout = TimeSpan.FromSeconds(-5)), "Retry.NetworkTimeout").SetArgDisplayNames("NetworkTimeout_Negative");
        yield return new TestCaseData((Action<RetryOptions>)(r => r.Mode = (RetryMode)42), "Retry.Mode").SetArgDisplayNames("Mode_Undefined");
    }
}
