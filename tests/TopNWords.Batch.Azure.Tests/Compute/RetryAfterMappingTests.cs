using Azure;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// A service's <c>Retry-After</c> travels from the response of a transient failure, after the HTTP retries gave up, to the
/// <see cref="BatchComputeException.RetryAfter"/> and <see cref="BlobStorageException.RetryAfter"/> that the workflow's
/// resilience pipeline waits for.
/// </summary>
[TestFixture]
public class RetryAfterMappingTests
{
    [TestCase("retry-after-ms", "1500", 1.5)]
    [TestCase("x-ms-retry-after-ms", "2000", 2.0)]
    [TestCase("Retry-After", "7", 7.0)]
    public void BatchCall_ThrottledAfterTheRetries_CarriesTheServersRetryAfter(string header, string value, double seconds)
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(429, ComputeHarness.Error("TooManyRequests", "Slow down."), (header, value));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.GetTaskCountsAsync("job-1"));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
        Assert.That(ex.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
        Assert.That(((BatchServiceException)ex.InnerException!).RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [Test]
    public void BatchCall_RetryAfterAsAnHttpDate_IsMeasuredFromTheResponsesDate()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(503, ComputeHarness.Error("ServerBusy", "Busy."), ("Date", "Sun, 29 Nov 2026 12:00:00 GMT"), ("Retry-After", "Sun, 29 Nov 2026 12:00:42 GMT"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.GetTaskCountsAsync("job-1"));

        Assert.That(ex!.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(42)));
    }

    [Test]
    public void BatchCall_TransientWithoutAHint_HasNoRetryAfter()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(503, ComputeHarness.Error("ServerBusy", "Busy."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.GetTaskCountsAsync("job-1"));

        Assert.That(ex!.RetryAfter, Is.Null);
    }

    [Test]
    public void BatchCall_NonTransientWithARetryAfter_HasNoRetryAfter()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(400, ComputeHarness.Error("InvalidPropertyValue", "Bad."), ("Retry-After", "5"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.CreateJobAsync(new JobSpec("j", "p")));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
        Assert.That(ex.RetryAfter, Is.Null);
    }

    [TestCase("x-ms-retry-after-ms", "2500", 2.5)]
    [TestCase("Retry-After", "9", 9.0)]
    public void BlobFailure_ThrottledWithAHint_CarriesIt(string header, string value, double seconds)
    {
        var failure = new RequestFailedException(FakeResponse.Create(503, null, ("x-ms-error-code", "ServerBusy"), (header, value)));

        var mapped = AzureBlobErrors.Map(failure, "acct", "https://acct.blob.core.windows.net", "upload blob 'b' to container 'c'", "c", "b", []);

        Assert.That(mapped.Kind, Is.EqualTo(BlobStorageErrorKind.Unavailable));
        Assert.That(mapped.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
        Assert.That(AzureBlobErrors.Map(new AggregateException(new IOException("reset"), failure), "acct", "https://acct", "upload", "c", "b", []).RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(seconds)), "the last attempt's answer tells");
    }

    [Test]
    public void BlobFailure_NonTransientOrWithoutAHint_HasNoRetryAfter()
    {
        var forbidden = new RequestFailedException(FakeResponse.Create(403, null, ("x-ms-error-code", "AuthenticationFailed"), ("Retry-After", "5")));
        var busy = new RequestFailedException(FakeResponse.Create(503, null, ("x-ms-error-code", "ServerBusy")));

        Assert.That(AzureBlobErrors.Map(forbidden, "acct", "https://acct", "upload", "c", "b", []).RetryAfter, Is.Null);
        Assert.That(AzureBlobErrors.Map(busy, "acct", "https://acct", "upload", "c", "b", []).RetryAfter, Is.Null);
        Assert.That(AzureBlobErrors.Map(new IOException("reset"), "acct", "https://acct", "upload", "c", "b", []).RetryAfter, Is.Null);
    }
}
