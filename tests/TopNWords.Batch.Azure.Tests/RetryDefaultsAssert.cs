using Azure.Core;

namespace TopNWords.Batch.Azure.Tests;

/// <summary>The retry defaults that Blob storage and the Batch client share (a few quick tries).</summary>
internal static class RetryDefaultsAssert
{
    /// <summary>Asserts each setting; call inside <see cref="Assert.Multiple(TestDelegate)"/> to see them all.</summary>
    public static void AreTheDefaults(RetryOptions retry)
    {
        Assert.That(retry.MaxRetries, Is.EqualTo(3));
        Assert.That(retry.Mode, Is.EqualTo(RetryMode.Exponential));
        Assert.That(retry.Delay, Is.EqualTo(TimeSpan.FromSeconds(0.5)));
        Assert.That(retry.MaxDelay, Is.EqualTo(TimeSpan.FromSeconds(10)));
        Assert.That(retry.NetworkTimeout, Is.EqualTo(TimeSpan.FromSeconds(60)));
    }
}
