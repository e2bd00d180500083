using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Service errors as compute errors: kinds, messages that say what to do, and no secret anywhere.</summary>
[TestFixture]
public class AzureBatchComputeErrorTests
{
    [TestCase(404, "PoolNotFound", BatchComputeErrorKind.NotFound)]
    [TestCase(409, "PoolExists", BatchComputeErrorKind.AlreadyExists)]
    [TestCase(409, "TaskExists", BatchComputeErrorKind.AlreadyExists)]
    [TestCase(409, "PoolBeingDeleted", BatchComputeErrorKind.Conflict)]
    [TestCase(409, "JobCompleted", BatchComputeErrorKind.Conflict)]
    [TestCase(409, "PoolQuotaReached", BatchComputeErrorKind.QuotaExceeded)]
    [TestCase(409, "ActiveJobAndScheduleQuotaReached", BatchComputeErrorKind.QuotaExceeded)]
    [TestCase(400, "AccountCoreQuotaReached", BatchComputeErrorKind.QuotaExceeded)]
    [TestCase(400, "InvalidPropertyValue", BatchComputeErrorKind.InvalidRequest)]
    [TestCase(401, "AuthenticationFailed", BatchComputeErrorKind.Forbidden)]
    [TestCase(403, "AuthorizationFailure", BatchComputeErrorKind.Forbidden)]
    [TestCase(0, null, BatchComputeErrorKind.Unavailable)]
    [TestCase(429, "TooManyRequests", BatchComputeErrorKind.Unavailable)]
    [TestCase(500, "InternalError", BatchComputeErrorKind.Unavailable)]
    [TestCase(503, "ServerBusy", BatchComputeErrorKind.Unavailable)]
    [TestCase(418, null, BatchComputeErrorKind.Other)]
    public void Classify_MapsStatusAndCode(int status, string? code, BatchComputeErrorKind expected)
    {
        var exception = new BatchServiceException("x", status, code, null, null, null);

        Assert.That(AzureBatchErrors.Classify(exception), Is.EqualTo(expected));
    }

    [Test]
    public void GetTaskCountsAsync_503AfterTheRetries_IsUnavailableNamingTheJob()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(503, ComputeHarness.Error("ServerBusy", "The server is busy."), ("request-id", "r9"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.GetTaskCountsAsync("job-1"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
            Assert.That(ex.ResourceId, Is.EqualTo("job-1"));
            Assert.That(ex.Message, Does.Contain("could not get the task counts of job 'job-1'").And.Contain("status 503").And.Contain("RequestId: r9"));
            Assert.That(ex.InnerException, Is.TypeOf<BatchServiceException>());
        });
    }

    [Test]
    public void GetPoolAsync_NetworkFailureAfterTheRetries_IsUnavailable()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.EnqueueException(new IOException("Connection reset by peer"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.GetPoolAsync("topn-pool"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
            Assert.That(ex.Message, Does.Contain("no response").And.Contain("pool 'topn-pool'"));
        });
    }

    [Test]
    public void CreateJobAsync_PoolQuota_IsQuotaExceededWithAdvice()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(409, ComputeHarness.Error("ActiveJobAndScheduleQuotaReached", "The specified account has reached its active job and job schedule quota."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.CreateJobAsync(new JobSpec("j", "p")));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.QuotaExceeded));
            Assert.That(ex.Message, Does.Contain("quota").And.Contain("job 'j'"));
        });
    }

    [Test]
    public void ListTasksAsync_NextLinkToAnotherHost_FailsAsNotTransient_WithoutFollowingIt()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(
            200,
            """{"value":[{"id":"t1","state":"completed"}],"odata.nextLink":"//attacker.example.com/jobs/job-1/tasks?api-version=2025-06-01.21.0&$skiptoken=tok3n"}""",
            ("request-id", "r7"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(async () =>
        {
            await foreach (BatchTaskInfo unused in harness.Compute.ListTasksAsync("job-1"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(1), "requests sent");
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Other), "not Unavailable: a retry would get the same link");
            Assert.That(ex.ResourceId, Is.EqualTo("job-1"));
            Assert.That(ex.Message, Does.Contain("list the tasks of job 'job-1'").And.Contain("next link to another host (https://attacker.example.com)").And.Contain("RequestId: r7"));
            Assert.That(ex.ToString(), Does.Not.Contain("tok3n"));
        });
        ComputeHarness.AssertNoSecret([ex!.Message, ex.ToString(), .. harness.LogMessages], "foreign next link");
    }

    [Test]
    public void WrongKey_ForbiddenMessageSaysToCheckTheKey_AndNoSecretReachesMessagesOrLogs()
    {
        var harness = new ComputeHarness();
        string? sentSignature = null;
        harness.Transport.Enqueue(request =>
        {
            string authorization = request.Header("Authorization")!;
            sentSignature = authorization[(authorization.LastIndexOf(':') + 1)..];
            return FakeResponse.Create(
                403,
                ComputeHarness.Error(
                    "AuthenticationFailed",
                    "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.\nRequestId:r1\nTime:2025-07-01T12:00:00Z",
                    ("AuthenticationErrorDetail", $"The MAC signature found in the HTTP request '{sentSignature}' is not the same as any computed signature. Server used following string to sign: '{authorization}'.")),
                ("request-id", "r1"));
        });

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.DeletePoolAsync("topn-pool"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Forbidden));
            Assert.That(ex.Message, Does.Contain("check the account key").And.Contain("pool 'topn-pool'"));
            Assert.That(sentSignature, Is.Not.Null.And.Length.GreaterThan(20));
            Assert.That(ex.ToString(), Does.Not.Contain(sentSignature!));
            Assert.That(harness.LogMessages, Has.Some.Contains("AuthenticationFailed"));
        });
        ComputeHarness.AssertNoSecret([ex!.Message, ex.ToString(), .. harness.LogMessages], "forbidden");
    }
}
