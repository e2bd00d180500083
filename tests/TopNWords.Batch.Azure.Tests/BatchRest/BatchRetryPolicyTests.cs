using System.Globalization;
using Azure;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>
/// The one retry layer, through the real client and pipeline. Waits are observed on the fake clock: the test
/// reads the due time of the timer the policy creates, then advances the clock by exactly that much.
/// </summary>
[TestFixture]
public class BatchRetryPolicyTests
{
    private static readonly BatchPoolCreateContent Pool = new() { Id = "pool-1", VmSize = "STANDARD_D2S_V3", TargetDedicatedNodes = 1 };

    [Test]
    public void Options_RetryPolicy_IsTheBatchRetryPolicy()
    {
        var options = new BatchClientOptions();

        Assert.That(options.RetryPolicy, Is.InstanceOf<BatchRetryPolicy>());
    }

    [Test]
    public async Task Retry_429WithRetryAfterSeconds_WaitsExactlyThatLongAndResignsTheResend()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(429, null, ("Retry-After", "7")).Enqueue(201);

        Task create = clients.Client.CreatePoolAsync(Pool);
        TimeSpan wait = await clients.Time.NextTimerAsync();

        Assert.That(wait, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "nothing is resent before the wait ends");
        clients.Time.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromTicks(1));
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "nothing is resent a tick before the wait ends");
        clients.Time.Advance(TimeSpan.FromTicks(1));
        await create.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);

        IReadOnlyList<RecordedRequest> sent = clients.Transport.Requests;
        Assert.That(sent, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(sent[1].SentAt - sent[0].SentAt, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(sent[0].Header("ocp-date"), Is.EqualTo("Tue, 01 Jul 2025 12:00:00 GMT"));
            Assert.That(sent[1].Header("ocp-date"), Is.EqualTo("Tue, 01 Jul 2025 12:00:07 GMT"));
            Assert.That(sent[1].Header("Authorization"), Is.Not.EqualTo(sent[0].Header("Authorization")));
            Assert.That(sent[1].BodyText, Is.EqualTo(sent[0].BodyText), "the same body is resent");
        });
        RequestAssert.IsSignedBatchRequest(sent[0], "POST", "/pools");
        RequestAssert.IsSignedBatchRequest(sent[1], "POST", "/pools");
    }

    [Test]
    public async Task Retry_RetryAfterHttpDate_WaitsUntilThatDate()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(503, null, ("Retry-After", "Tue, 01 Jul 2025 12:00:30 GMT")).Enqueue(201);

        Task create = clients.Client.CreatePoolAsync(Pool);

        Assert.That(await clients.Time.NextTimerAsync(), Is.EqualTo(TimeSpan.FromSeconds(30)));
        clients.Time.Advance(TimeSpan.FromSeconds(30));
        await create.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Retry_RetryAfterMs_TakesPrecedenceOverRetryAfter()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(429, null, ("retry-after-ms", "1500"), ("Retry-After", "60")).Enqueue(201);

        Task create = clients.Client.CreatePoolAsync(Pool);

        Assert.That(await clients.Time.NextTimerAsync(), Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
        clients.Time.Advance(TimeSpan.FromMilliseconds(1500));
        await create.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Retry_503ThenSuccess_BacksOffExponentiallyWithJitterAndReturnsTheResult()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(503).Enqueue(500).Enqueue(502).Enqueue(200, """{"id":"pool-1","state":"active"}""");

        Task<BatchPool> get = clients.Client.GetPoolAsync("pool-1");
        var waits = new List<TimeSpan>();
        for (int i = 0; i < 3; i++)
        {
            TimeSpan wait = await clients.Time.NextTimerAsync();
            waits.Add(wait);
            clients.Time.Advance(wait);
        }

        BatchPool pool = await get.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);

        Assert.That(pool.Id, Is.EqualTo("pool-1"));
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(4));
        // Delay 1 s (TestClients), doubled per retry, times a jitter in [0.8, 1.2).
        Assert.Multiple(() =>
        {
            Assert.That(waits[0], Is.InRange(TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2)));
            Assert.That(waits[1], Is.InRange(TimeSpan.FromSeconds(1.6), TimeSpan.FromSeconds(2.4)));
            Assert.That(waits[2], Is.InRange(TimeSpan.FromSeconds(3.2), TimeSpan.FromSeconds(4.8)));
        });
        foreach (RecordedRequest request in clients.Transport.Requests)
        {
            RequestAssert.IsSignedBatchRequest(request, "GET", "/pools/pool-1");
        }
    }

    [Test]
    public void GetBackoff_IsCappedByMaxDelay()
    {
        var options = new BatchClientOptions();
        options.Retry.Delay = TimeSpan.FromSeconds(10);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(25);
        var policy = new BatchRetryPolicy(options.Retry, TimeProvider.System) { Jitter = static () => 1.0 };

        Assert.Multiple(() =>
        {
            Assert.That(policy.GetBackoff(1), Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(policy.GetBackoff(2), Is.EqualTo(TimeSpan.FromSeconds(20)));
            Assert.That(policy.GetBackoff(3), Is.EqualTo(TimeSpan.FromSeconds(25)));
        });
    }

    private static IEnumerable<TestCaseData> NetworkFailures()
    {
        yield return new TestCaseData(new IOException("Unable to read data from the transport connection: Connection reset by peer.")).SetName("Retry_DroppedConnection_IOException_ThenSuccess");
        yield return new TestCaseData(new RequestFailedException(0, "An error occurred while sending the request.", new HttpRequestException("Connection reset"))).SetName("Retry_DroppedConnection_RequestFailedStatus0_ThenSuccess");
        yield return new TestCaseData(new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout")).SetName("Retry_NetworkTimeout_ThenSuccess");
    }

    [TestCaseSource(nameof(NetworkFailures))]
    public async Task Retry_NetworkFailure_ThenSuccess_ResendsFreshlySigned(Exception failure)
    {
        var clients = new TestClients();
        clients.Transport.EnqueueException(failure).Enqueue(202);

        Task delete = clients.Client.DeletePoolAsync("pool-1");
        TimeSpan wait = await clients.Time.NextTimerAsync();
        clients.Time.Advance(wait);
        await delete.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);

        IReadOnlyList<RecordedRequest> sent = clients.Transport.Requests;
        Assert.That(sent, Has.Count.EqualTo(2));
        Assert.That(sent[1].SentAt - sent[0].SentAt, Is.EqualTo(wait));
        foreach (RecordedRequest request in sent)
        {
            RequestAssert.IsSignedBatchRequest(request, "DELETE", "/pools/pool-1");
            RequestAssert.HasEmptyBody(request);
        }
    }

    [Test]
    public async Task Retry_AddTaskCollectionPost_IsRetriedOnServerError()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(500).Enqueue(200, """{"value":[{"status":"clienterror","taskId":"t1","error":{"code":"TaskExists"}}]}""");

        Task<IReadOnlyList<BatchTaskAddResult>> add = clients.Client.AddTaskCollectionAsync("job-1", [new BatchTaskCreateContent { Id = "t1", CommandLine = "x" }]);
        clients.Time.Advance(await clients.Time.NextTimerAsync());
        IReadOnlyList<BatchTaskAddResult> results = await add.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);

        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
        Assert.That(clients.Transport.Requests[1].BodyText, Is.EqualTo(clients.Transport.Requests[0].BodyText));
        Assert.That(results[0].Error!.Code, Is.EqualTo("TaskExists"));
    }

    [TestCase(400, "InvalidPropertyValue")]
    [TestCase(401, "AuthenticationFailed")]
    [TestCase(403, "AuthenticationFailed")]
    [TestCase(404, "PoolNotFound")]
    [TestCase(409, "PoolExists")]
    [TestCase(412, "ConditionNotMet")]
    [TestCase(413, "RequestBodyTooLarge")]
    public void NoRetry_OtherClientErrors_SendExactlyOneRequest(int status, string code)
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(status, "{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\"x\"}}").Enqueue(201);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.CreatePoolAsync(Pool));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(status));
            Assert.That(ex.ErrorCode, Is.EqualTo(code));
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1));
            Assert.That(clients.Time.HasPendingTimer, Is.False, "no wait was started");
        });
    }

    [Test]
    public async Task RetryLimit_AlwaysBusy_SendsMaxRetriesPlusOneThenThrows()
    {
        var clients = new TestClients(maxRetries: 2);
        for (int i = 0; i < 5; i++)
        {
            clients.Transport.Enqueue(503, """{"code":"ServerBusy","message":{"lang":"en-US","value":"The server is busy."}}""", ("request-id", $"r{i}"));
        }

        Task<BatchPool> get = clients.Client.GetPoolAsync("pool-1");
        clients.Time.Advance(await clients.Time.NextTimerAsync());
        clients.Time.Advance(await clients.Time.NextTimerAsync());

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => get.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        Assert.Multiple(() =>
        {
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(3), "one retry layer: 1 + MaxRetries attempts");
            Assert.That(clients.Time.HasPendingTimer, Is.False);
            Assert.That(ex!.Status, Is.EqualTo(503));
            Assert.That(ex.ErrorCode, Is.EqualTo("ServerBusy"));
            Assert.That(ex.RequestId, Is.EqualTo("r2"), "the last attempt's request id");
            Assert.That(ex.Message, Does.Contain("retries were used up"));
        });
    }

    [Test]
    public async Task RetryLimit_NetworkDown_ThrowsBatchServiceExceptionWithStatusZero()
    {
        var clients = new TestClients(maxRetries: 1);
        var lastFailure = new IOException("Connection refused");
        clients.Transport.EnqueueException(new IOException("Connection reset")).EnqueueException(lastFailure);

        Task<bool> exists = clients.Client.PoolExistsAsync("pool-1");
        clients.Time.Advance(await clients.Time.NextTimerAsync());

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => exists.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System));
        Assert.Multiple(() =>
        {
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
            Assert.That(ex!.Status, Is.Zero);
            Assert.That(ex.InnerException, Is.SameAs(lastFailure));
            Assert.That(ex.Message, Does.StartWith("Check pool 'pool-1' failed: no response from the service (IOException: Connection refused)."));
        });
    }

    [Test]
    public async Task Retry_CancelledDuringTheWait_StopsWithoutResending()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(503).Enqueue(200, "{}");
        using var cts = new CancellationTokenSource();

        Task<BatchPool> get = clients.Client.GetPoolAsync("pool-1", cts.Token);
        await clients.Time.NextTimerAsync();
        await cts.CancelAsync();

        Assert.That(async () => await get.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void Retry_AnotherTimeProviderSetAfterConstruction_ReplacesTheDefaultPolicy()
    {
        var options = new BatchClientOptions();
        HttpPipelinePolicy? before = options.RetryPolicy;

        options.TimeProvider = new RecordingTimeProvider();

        Assert.That(options.RetryPolicy, Is.InstanceOf<BatchRetryPolicy>().And.Not.SameAs(before));
    }

    [TestCase("5", 5000)]
    [TestCase(" 0 ", 0)]
    [TestCase("Tue, 01 Jul 2025 11:59:00 GMT", 0)]
    [TestCase("Tue, 01 Jul 2025 12:01:00 GMT", 60000)]
    public void GetServerDelay_RetryAfter_SecondsOrHttpDate(string header, int expectedMs)
    {
        var response = FakeResponse.Create(503, null, ("Retry-After", header));

        TimeSpan? delay = BatchRetryPolicy.GetServerDelay(response, RecordingTimeProvider.VectorTime);

        Assert.That(delay, Is.EqualTo(TimeSpan.FromMilliseconds(expectedMs)));
    }

    [Test]
    public void GetServerDelay_NoOrInvalidHeader_IsNull()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BatchRetryPolicy.GetServerDelay(FakeResponse.Create(503), RecordingTimeProvider.VectorTime), Is.Null);
            Assert.That(BatchRetryPolicy.GetServerDelay(FakeResponse.Create(503, null, ("Retry-After", "soon")), RecordingTimeProvider.VectorTime), Is.Null);
            Assert.That(BatchRetryPolicy.GetServerDelay(FakeResponse.Create(503, null, ("retry-after-ms", "-1")), RecordingTimeProvider.VectorTime), Is.Null);
        });
    }

    [TestCase(408, true)]
    [TestCase(429, true)]
    [TestCase(500, true)]
    [TestCase(502, true)]
    [TestCase(503, true)]
    [TestCase(504, true)]
    [TestCase(400, false)]
    [TestCase(403, false)]
    [TestCase(404, false)]
    [TestCase(409, false)]
    [TestCase(501, false)]
    public void IsRetriableStatus_IsTheDesignList(int status, bool expected)
        => Assert.That(BatchRetryPolicy.IsRetriableStatus(status), Is.EqualTo(expected), status.ToString(CultureInfo.InvariantCulture));
}
