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
}
