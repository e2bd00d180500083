using Azure.Core;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Azure.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

[TestFixture]
public class AzureBlobStorageOptionsTests
{
    [Test]
    public void Defaults_AFewQuickRetriesSystemClockNoLoggingAndValid()
    {
        var options = new AzureBlobStorageOptions();

        Assert.Multiple(() =>
        {
            RetryDefaultsAssert.AreTheDefaults(options.Retry);
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
            Assert.That(options.LoggerFactory, Is.Null);
            Assert.DoesNotThrow(options.Validate);
        });
    }

    [Test]
    public void Retry_Defaults_AreTheBatchClientsDefaults()
    {
        RetryOptions blob = new AzureBlobStorageOptions().Retry;
        RetryOptions batch = new BatchClientOptions().Retry;

        Assert.Multiple(() =>
        {
            Assert.That(blob.MaxRetries, Is.EqualTo(batch.MaxRetries));
            Assert.That(blob.Mode, Is.EqualTo(batch.Mode));
            Assert.That(blob.Delay, Is.EqualTo(batch.Delay));
            Assert.That(blob.MaxDelay, Is.EqualTo(batch.MaxDelay));
            Assert.That(blob.NetworkTimeout, Is.EqualTo(batch.NetworkTimeout));
        });
    }

    [Test]
    public void Retry_EachOptionsObject_HasItsOwn()
    {
        var first = new AzureBlobStorageOptions { Retry = { MaxRetries = 9 } };

        Assert.That(new AzureBlobStorageOptions().Retry.MaxRetries, Is.EqualTo(3), $"setting {first.Retry.MaxRetries} on one leaves the others alone");
    }

    [Test]
    public void CreateClientOptions_CopiesEveryRetrySettingToTheBlobClient()
    {
        var options = new AzureBlobStorageOptions
        {
            Retry = { MaxRetries = 7, Mode = RetryMode.Fixed, Delay = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(3), NetworkTimeout = TimeSpan.FromSeconds(4) },
        };

        RetryOptions client = AzureBlobStorage.CreateClientOptions(options).Retry;

        Assert.Multiple(() =>
        {
            Assert.That(client.MaxRetries, Is.EqualTo(7));
            Assert.That(client.Mode, Is.EqualTo(RetryMode.Fixed));
            Assert.That(client.Delay, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(client.MaxDelay, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(client.NetworkTimeout, Is.EqualTo(TimeSpan.FromSeconds(4)));
        });
    }

    [Test]
    public void Validate_BoundaryValues_DoesNotThrow()
    {
        var options = new AzureBlobStorageOptions
        {
            Retry = { MaxRetries = 0, Delay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero, NetworkTimeout = Timeout.InfiniteTimeSpan },
            MaxParallelism = 1,
            TransferBlockSize = 64 * 1024,
            SasClockSkew = TimeSpan.Zero,
            UserDelegationKeyLifetime = TimeSpan.FromDays(7),
            TimeProvider = new FakeTimeProvider(),
        };

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingItAndSayingWhatToSet(Action<AzureBlobStorageOptions> configure, string option)
    {
        var options = new AzureBlobStorageOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain("AzureBlobStorageOptions." + option));
        });
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void FromAccountKey_InvalidOption_ThrowsNamingIt(Action<AzureBlobStorageOptions> configure, string option)
    {
        var options = new AzureBlobStorageOptions();
        configure(options);

        var ex = Assert.Catch<ArgumentException>(() => AzureBlobStorage.FromAccountKey("account", Convert.ToBase64String(new byte[32]), options: options));

        Assert.That(ex!.ParamName, Is.EqualTo(option));
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return Case("Retry.MaxRetries_Negative", o => o.Retry.MaxRetries = -1, "Retry.MaxRetries");
        yield return Case("Retry.Delay_Negative", o => o.Retry.Delay = TimeSpan.FromSeconds(-1), "Retry.Delay");
        yield return Case("Retry.MaxDelay_BelowDelay", o => o.Retry.MaxDelay = TimeSpan.FromSeconds(0.1), "Retry.MaxDelay");
        yield return Case("Retry.NetworkTimeout_Zero", o => o.Retry.NetworkTimeout = TimeSpan.Zero, "Retry.NetworkTimeout");
        yield return Case("Retry.Mode_Undefined", o => o.Retry.Mode = (RetryMode)42, "Retry.Mode");
        yield return Case("MaxParallelism_Zero", o => o.MaxParallelism = 0, nameof(AzureBlobStorageOptions.MaxParallelism));
        yield return Case("TransferBlockSize_BelowMinimum", o => o.TransferBlockSize = (64 * 1024) - 1, nameof(AzureBlobStorageOptions.TransferBlockSize));
        yield return Case("SasClockSkew_Negative", o => o.SasClockSkew = TimeSpan.FromSeconds(-1), nameof(AzureBlobStorageOptions.SasClockSkew));
        yield return Case("UserDelegationKeyLifetime_TooShort", o => o.UserDelegationKeyLifetime = TimeSpan.FromMinutes(9), nameof(AzureBlobStorageOptions.UserDelegationKeyLifetime));
        yield return Case("UserDelegationKeyLifetime_TooLong", o => o.UserDelegationKeyLifetime = TimeSpan.FromDays(7.5), nameof(AzureBlobStorageOptions.UserDelegationKeyLifetime));
        yield return Case("TimeProvider_Null", o => o.TimeProvider = null!, nameof(AzureBlobStorageOptions.TimeProvider));
    }

    private static TestCaseData Case(string name, Action<AzureBlobStorageOptions> configure, string option)
        => new TestCaseData(configure, option).SetArgDisplayNames(name);
}
