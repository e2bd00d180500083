using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Moq;
using Polly;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// The workflow's resilience layer: every storage and compute call goes through one Polly pipeline that retries transient
/// failures until the stage's timeout and fails fast on the others. Time is the harness's fake clock, advanced by the
/// timers the code under test starts: nothing sleeps for real and nothing is timed on the wall clock.
/// </summary>
[TestFixture]
public class WorkflowResilienceTests
{
    /// <summary>Retry delays and polls are advanced by the pump; the stage timeouts of these tests are longer.</summary>
    private static readonly TimeSpan MaxStep = TimeSpan.FromMinutes(2);

    private WorkflowHarness _h = null!;

    public enum CallSite
    {
        CreateContainer,
        Upload,
        ReadUrl,
        WriteUrl,
        CreatePool,
        WaitForPool,
        CreateJob,
        AddTasks,
        TaskCounts,
        ListTasks,
        StderrTail,
        ListBlobs,
        Download,
        DeleteJob,
        DeletePool,
        DeleteContainer,
    }

    public enum Transient
    {
        Throttled,
        ServerBusy,
        Timeout,
        NetworkTimeout,
        DroppedConnection,
        Http5xx,
    }

    [SetUp]
    public void SetUp() => _h = new WorkflowHarness();

    [TearDown]
    public void TearDown() => _h.Dispose();

    private static IEnumerable<TestCaseData> EveryCallAndTransientKind() =>
        from call in Enum.GetValues<CallSite>()
        from kind in Enum.GetValues<Transient>()
        select new TestCaseData(call, kind);

    [TestCaseSource(nameof(EveryCallAndTransientKind))]
    public async Task RunAsync_TransientFailuresOfACall_AreRetriedAndTheRunSucceeds(CallSite call, Transient kind)
    {
        const int Failures = 3;
        _h.FailingInputs.Add("input2.txt"); // so that the stderr tail is read
        int thrown = 0;
        Exception Next(bool storage)
        {
            Interlocked.Increment(ref thrown);
            return Make(kind, storage);
        }

        bool ShouldFail() => Volatile.Read(ref thrown) < Failures;
        SetUpFlaky(call, ShouldFail, Next);

        var run = _h.Workflow.RunAsync(_h.Definition(d => d.Cleanup = CleanupPolicy.Always));
        await _h.Clock.PumpTimersAsync(run, MaxStep);
        var result = await run;

        Assert.That(thrown, Is.EqualTo(Failures), "the failures were injected");
        Assert.That(result.Tasks, Has.Count.EqualTo(3));
        Assert.That(result.Tasks.Count(t => t.Succeeded), Is.EqualTo(2), "input2 fails by design; the others succeed");
        Assert.That(result.Tasks.Where(t => t.Succeeded).Select(t => t.TopWords), Has.All.Not.Null);
        Assert.That(result.Tasks.Single(t => !t.Succeeded).StderrTail, Does.Contain("stderr line 30"));
        Assert.That(result.CleanupFailures, Is.Empty);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3));
        Assert.That(_h.Tasks, Has.Count.EqualTo(3));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RunAsync_TransientFailureWithRetryAfter_WaitsExactlyThatLong(bool storage)
    {
        var retryAfter = TimeSpan.FromSeconds(47); // longer than the backoff's maximum: still honoured
        int calls = 0;
        if (storage)
        {
            _h.Storage.Setup(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                .Returns(() => Interlocked.Increment(ref calls) == 1
                    ? Task.FromException<bool>(new BlobStorageException(BlobStorageErrorKind.Unavailable, "503 ServerBusy", "c") { RetryAfter = retryAfter })
                    : Task.FromResult(true));
        }
        else
        {
            _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
                .Returns(() => Interlocked.Increment(ref calls) == 1
                    ? Task.FromException(new BatchComputeException(BatchComputeErrorKind.Unavailable, "429 TooManyRequests", "p", "TooManyRequests") { RetryAfter = retryAfter })
                    : Task.CompletedTask);
        }

        var start = _h.Clock.GetUtcNow();
        var run = _h.Workflow.RunAsync(_h.Definition());
        await _h.Clock.WaitForTimerAsync(retryAfter);
        _h.Clock.Advance(retryAfter);
        var result = await run;

        Assert.That(result.Succeeded, Is.True);
        Assert.That(_h.Clock.GetUtcNow() - start, Is.EqualTo(retryAfter), "the fake clock moved by the Retry-After, and by nothing else");
        Assert.That(calls, Is.GreaterThanOrEqualTo(2));
    }

    private static IEnumerable<TestCaseData> NonTransientFailures()
    {
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.Forbidden, "403 AuthenticationFailed", "p", "AuthenticationFailed")).SetArgDisplayNames("Forbidden");
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.NotFound, "404", "p", "PoolNotFound")).SetArgDisplayNames("NotFound");
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.InvalidRequest, "400 InvalidPropertyValue", "p", "InvalidPropertyValue")).SetArgDisplayNames("Invalid");
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.QuotaExceeded, "409 DedicatedCoreQuotaReached", "p", "DedicatedCoreQuotaReached")).SetArgDisplayNames("Quota");
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.Conflict, "409 PoolBeingDeleted", "p", "PoolBeingDeleted")).SetArgDisplayNames("Conflict");
        yield return new TestCaseData(new BatchComputeException(BatchComputeErrorKind.AlreadyExists, "409 PoolExists", "p", "PoolExists")).SetArgDisplayNames("AlreadyExists");
        yield return new TestCaseData(new HttpRequestException("unauthorized", null, HttpStatusCode.Unauthorized)).SetArgDisplayNames("Http401");
        yield return new TestCaseData(new FileNotFoundException("missing", "app.dll")).SetArgDisplayNames("FileNotFound");
        yield return new TestCaseData(new InvalidOperationException("bug")).SetArgDisplayNames("Other");
    }

    [TestCaseSource(nameof(NonTransientFailures))]
    public void RunAsync_NonTransientComputeFailure_FailsOnTheFirstAttempt(Exception failure)
    {
        _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Stage, Is.EqualTo(BatchRunStage.CreatingPool));
        Assert.That(ex.InnerException, Is.SameAs(failure));
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [TestCase(BlobStorageErrorKind.Forbidden)]
    [TestCase(BlobStorageErrorKind.NotFound)]
    [TestCase(BlobStorageErrorKind.InvalidName)]
    [TestCase(BlobStorageErrorKind.AlreadyExists)]
    [TestCase(BlobStorageErrorKind.Other)]
    public void RunAsync_NonTransientStorageFailure_FailsOnTheFirstAttempt(BlobStorageErrorKind kind)
    {
        var failure = new BlobStorageException(kind, $"{kind} failure", "c");
        _h.Storage.Setup(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Stage, Is.EqualTo(BatchRunStage.Staging));
        Assert.That(ex.InnerException, Is.SameAs(failure));
        _h.Storage.Verify(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [TestCase(nameof(WorkflowTimeouts.Staging), BatchRunStage.Staging)]
    [TestCase(nameof(WorkflowTimeouts.PoolReady), BatchRunStage.CreatingPool)]
    [TestCase(nameof(WorkflowTimeouts.PoolReady), BatchRunStage.WaitingForPool)]
    [TestCase(nameof(WorkflowTimeouts.PoolReady), BatchRunStage.CreatingJob)]
    [TestCase(nameof(WorkflowTimeouts.TasksComplete), BatchRunStage.AddingTasks)]
    [TestCase(nameof(WorkflowTimeouts.TasksComplete), BatchRunStage.Monitoring)]
    [TestCase(nameof(WorkflowTimeouts.Download), BatchRunStage.Downloading)]
    public async Task RunAsync_TransientFailuresThatLast_AreRetriedUntilTheStageTimeout(string timeoutName, BatchRunStage stage)
    {
        var timeout = TimeSpan.FromMinutes(10);
        var timeouts = new WorkflowTimeouts();
        typeof(WorkflowTimeouts).GetProperty(timeoutName)!.SetValue(timeouts, timeout);
        int attempts = 0;
        var busy = new BatchComputeException(BatchComputeErrorKind.Unavailable, "503 ServerBusy: the service is busy", "res", "ServerBusy");
        var storageBusy = new BlobStorageException(BlobStorageErrorKind.Unavailable, "503 ServerBusy: the store is busy", "c");
        switch (stage)
        {
            case BatchRunStage.Staging:
                _h.Storage.Setup(s => s.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
                    .Returns(() => Task.FromException<BlobUploadResult>(Counted(ref attempts, storageBusy)));
                break;
            case BatchRunStage.CreatingPool:
                _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).Returns(() => Task.FromException(Counted(ref attempts, busy)));
                break;
            case BatchRunStage.WaitingForPool:
                _h.Compute.Setup(c => c.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(() => Task.FromException<PoolInfo>(Counted(ref attempts, busy)));
                break;
            case BatchRunStage.CreatingJob:
                _h.Compute.Setup(c => c.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>())).Returns(() => Task.FromException(Counted(ref attempts, busy)));
                break;
            case BatchRunStage.AddingTasks:
                _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
                    .Returns(() => Task.FromException<AddTasksResult>(Counted(ref attempts, busy)));
                break;
            case BatchRunStage.Monitoring:
                _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(() => Task.FromException<TaskCounts>(Counted(ref attempts, busy)));
                break;
            case BatchRunStage.Downloading:
                _h.Storage.Setup(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(() => Task.FromException(Counted(ref attempts, storageBusy)));
                break;
        }

        var run = _h.Workflow.RunAsync(_h.Definition(d => d.Timeouts = timeouts));
        await _h.Clock.PumpTimersAsync(run, MaxStep);

        var ex = Assert.ThrowsAsync<BatchTimeoutException>(async () => await run);
        Assert.That(ex!.TimeoutName, Is.EqualTo(timeoutName));
        Assert.That(ex.Timeout, Is.EqualTo(timeout));
        Assert.That(ex.Stage, Is.EqualTo(stage));
        Assert.That(ex.Message, Does.Contain($"{timeoutName} timeout ({timeout})").And.Contain("ServerBusy"), "the timeout names the failure it retried");
        Assert.That(attempts, Is.GreaterThan(5), "retried for as long as the stage allowed, not a small fixed count");
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3), "cleanup ran");
    }

    [Test]
    public void RunAsync_CallerCancels_IsNotRetried()
    {
        using var cts = new CancellationTokenSource();
        _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
            .Returns(async (PoolSpec _, CancellationToken ct) =>
            {
                await cts.CancelAsync();
                ct.ThrowIfCancellationRequested();
            });

        var run = _h.Workflow.RunAsync(_h.Definition(), cancellationToken: cts.Token);

        Assert.CatchAsync<OperationCanceledException>(async () => await run);
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3), "cleanup ran");
    }

    [Test]
    public async Task RunAsync_ReplacedPipeline_RunsEveryCallWithTheOperationAndRunId()
    {
        var counting = new CountingStrategy();
        using var h = new WorkflowHarness(configure: o => o.Resilience = new ResiliencePipelineBuilder().AddStrategy(_ => counting, new CountingOptions()).Build());

        var result = await h.Workflow.RunAsync(h.Definition());

        Assert.That(result.Succeeded, Is.True);
        var operations = counting.Operations.ToList();
        Assert.That(operations.Select(o => o.RunId), Has.All.EqualTo(result.RunId));
        Assert.That(operations.Select(o => o.Operation), Does.Contain($"create pool '{result.PoolId}'")
            .And.Contain($"create job '{result.JobId}'")
            .And.Contain($"add 3 task(s) to job '{result.JobId}'")
            .And.Contain($"delete pool '{result.PoolId}'")
            .And.Contain($"create container '{result.RunId}-input'"));

        // 3 containers, 4 uploads, 5 URLs; pool, wait, job; add, counts, list; one listing of the outputs and 3 downloads; 5 deletions;
        // and since runs are durable (issue 14): the pool's preflight, and the run's record: create its container, write the
        // manifest, write the state when attaching, after staging, after adding the tasks and before cleanup, delete the record container.
        Assert.That(operations, Has.Count.EqualTo(3 + 4 + 5 + 3 + 3 + 1 + 3 + 5 + 1 + 7));
        Assert.That(operations.Select(o => o.Operation), Does.Contain($"preflight pool '{result.PoolId}'")
            .And.Contain($"write blob 'manifest.json' of container '{result.RunId}-run'")
            .And.Contain($"delete container '{result.RunId}-run'"));
    }

    [Test]
    public void RunAsync_EmptyPipeline_DoesNotRetry()
    {
        using var h = new WorkflowHarness(configure: o => o.Resilience = ResiliencePipeline.Empty);
        var busy = new BatchComputeException(BatchComputeErrorKind.Unavailable, "503 ServerBusy", "p", "ServerBusy");
        h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).ThrowsAsync(busy);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => h.Workflow.RunAsync(h.Definition()));

        Assert.That(ex!.InnerException, Is.SameAs(busy));
        h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task RunAsync_AddTasksResentAfterADroppedConnection_AddsEachTaskOnce()
    {
        var adds = new ConcurrentDictionary<string, int>();
        int calls = 0;
        _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                int added = 0;
                foreach (var spec in specs)
                {
                    if (_h.Tasks.TryAdd(spec.Id, spec))
                    {
                        adds.AddOrUpdate(spec.Id, 1, (_, n) => n + 1);
                        added++;
                    }
                }

                // The first request reaches the service, and its answer is lost.
                return Interlocked.Increment(ref calls) == 1
                    ? Task.FromException<AddTasksResult>(new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset)))
                    : Task.FromResult(new AddTasksResult(added, specs.Count - added, 1));
            });

        var run = _h.Workflow.RunAsync(_h.Definition());
        await _h.Clock.PumpTimersAsync(run, MaxStep);
        var result = await run;

        Assert.That(calls, Is.EqualTo(2), "resent once");
        Assert.That(result.Succeeded, Is.True);
        Assert.That(adds, Has.Count.EqualTo(3));
        Assert.That(adds.Values, Has.All.EqualTo(1), "each task was added once");
        Assert.That(result.Tasks.Select(t => t.TaskId), Is.Unique);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task RunAsync_CreateResentAfterADroppedConnection_AlreadyExistsIsTheRunsOwn(bool job)
    {
        int calls = 0;
        Task Create()
        {
            return Interlocked.Increment(ref calls) == 1
                ? Task.FromException(new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)))
                : Task.FromException(new BatchComputeException(BatchComputeErrorKind.AlreadyExists, "409 exists", "x", job ? "JobExists" : "PoolExists"));
        }

        if (job)
        {
            _h.Compute.Setup(c => c.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>())).Returns(Create);
        }
        else
        {
            _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).Returns(Create);
        }

        var run = _h.Workflow.RunAsync(_h.Definition());
        await _h.Clock.PumpTimersAsync(run, MaxStep);
        var result = await run;

        Assert.That(calls, Is.EqualTo(2));
        Assert.That(result.Succeeded, Is.True);
        _h.Compute.Verify(c => c.DeletePoolAsync(result.PoolId, It.IsAny<CancellationToken>()), Times.Once, "the pool is the run's own");
        _h.Compute.Verify(c => c.DeleteJobAsync(result.JobId, It.IsAny<CancellationToken>()), Times.Once, "the job is the run's own");
    }

    [Test]
    public void RunAsync_CreatePoolAlreadyExistsOnTheFirstAttempt_StillFails()
    {
        var exists = new BatchComputeException(BatchComputeErrorKind.AlreadyExists, "409 PoolExists", "p", "PoolExists");
        _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).ThrowsAsync(exists);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.InnerException, Is.SameAs(exists));
    }

    [Test]
    public void IsTransient_ClassifiesFailures()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Multiple(() =>
        {
            Assert.That(WorkflowResilience.IsTransient(new BatchComputeException(BatchComputeErrorKind.Unavailable, "x"), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new BlobStorageException(BlobStorageErrorKind.Unavailable, "x"), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new TimeoutException(), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new TaskCanceledException(), default), Is.True, "a timeout of the request");
            Assert.That(WorkflowResilience.IsTransient(new OperationCanceledException(cancelled.Token), cancelled.Token), Is.False, "the caller's cancellation");
            Assert.That(WorkflowResilience.IsTransient(new HttpRequestException("x", null, HttpStatusCode.ServiceUnavailable), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new HttpRequestException("x", null, HttpStatusCode.TooManyRequests), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new HttpRequestException("x", null, HttpStatusCode.Forbidden), default), Is.False);
            Assert.That(WorkflowResilience.IsTransient(new HttpRequestException("no route"), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new IOException("reset", new SocketException()), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new IOException("reset"), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new IOException("No space left on device", 28), default), Is.False);
            Assert.That(WorkflowResilience.IsTransient(new FileNotFoundException("x"), default), Is.False);
            Assert.That(WorkflowResilience.IsTransient(new DirectoryNotFoundException("x"), default), Is.False);
            Assert.That(WorkflowResilience.IsTransient(new UnauthorizedAccessException("x"), default), Is.False);
            Assert.That(WorkflowResilience.IsTransient(new AggregateException(new TimeoutException(), new SocketException()), default), Is.True);
            Assert.That(WorkflowResilience.IsTransient(new AggregateException(new TimeoutException(), new ArgumentException()), default), Is.False);
            foreach (var kind in Enum.GetValues<BatchComputeErrorKind>().Where(k => k != BatchComputeErrorKind.Unavailable))
            {
                Assert.That(WorkflowResilience.IsTransient(new BatchComputeException(kind, "x"), default), Is.False, kind.ToString());
            }

            foreach (var kind in Enum.GetValues<BlobStorageErrorKind>().Where(k => k != BlobStorageErrorKind.Unavailable))
            {
                Assert.That(WorkflowResilience.IsTransient(new BlobStorageException(kind, "x"), default), Is.False, kind.ToString());
            }
        });
    }

    [Test]
    public void GetRetryAfter_ReadsTheExceptionOrItsInnerOnes()
    {
        var hint = TimeSpan.FromSeconds(3);
        Assert.That(WorkflowResilience.GetRetryAfter(new BatchComputeException(BatchComputeErrorKind.Unavailable, "x") { RetryAfter = hint }), Is.EqualTo(hint));
        Assert.That(WorkflowResilience.GetRetryAfter(new InvalidOperationException("x", new BlobStorageException(BlobStorageErrorKind.Unavailable, "y") { RetryAfter = hint })), Is.EqualTo(hint));
        Assert.That(WorkflowResilience.GetRetryAfter(new TimeoutException()), Is.Null);
        Assert.That(WorkflowResilience.GetRetryAfter(null), Is.Null);
    }

    [Test]
    public void CreateDefaultPipeline_WithoutArguments_Builds()
    {
        Assert.That(WorkflowResilience.CreateDefaultPipeline(), Is.Not.Null);
        Assert.That(new BatchWorkflowOptions().Resilience, Is.Null, "the workflow builds the default on its own clock and logger");
    }

    private static Exception Counted(ref int attempts, Exception failure)
    {
        Interlocked.Increment(ref attempts);
        return failure;
    }

    private static Exception Make(Transient kind, bool storage) => kind switch
    {
        Transient.Throttled => storage
            ? new BlobStorageException(BlobStorageErrorKind.Unavailable, "429 TooManyRequests", "c")
            : new BatchComputeException(BatchComputeErrorKind.Unavailable, "429 TooManyRequests", "r", "TooManyRequests"),
        Transient.ServerBusy => storage
            ? new BlobStorageException(BlobStorageErrorKind.Unavailable, "503 ServerBusy", "c")
            : new BatchComputeException(BatchComputeErrorKind.Unavailable, "503 ServerBusy", "r", "ServerBusy"),
        Transient.Timeout => new TimeoutException("The operation has timed out."),
        Transient.NetworkTimeout => new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()),
        Transient.DroppedConnection => new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset)),
        Transient.Http5xx => new HttpRequestException("Response status code does not indicate success: 502 (Bad Gateway).", null, HttpStatusCode.BadGateway),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Makes <paramref name="call"/> throw while <paramref name="shouldFail"/> says so, and behave as the harness's healthy service otherwise.</summary>
    private void SetUpFlaky(CallSite call, Func<bool> shouldFail, Func<bool, Exception> failure)
    {
        var s = _h.Storage;
        var c = _h.Compute;
        switch (call)
        {
            case CallSite.CreateContainer:
                s.Setup(x => x.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException<bool>(failure(true)) : Task.FromResult(true));
                break;
            case CallSite.Upload:
                s.Setup(x => x.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException<BlobUploadResult>(failure(true)) : Task.FromResult(BlobUploadResult.Uploaded));
                break;
            case CallSite.ReadUrl:
                s.Setup(x => x.GetBlobReadUrlAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
                    .Returns((string container, string blob, DateTimeOffset _, CancellationToken _) => shouldFail()
                        ? Task.FromException<Uri>(failure(true))
                        : Task.FromResult(new Uri($"https://acct.example/{container}/{Uri.EscapeDataString(blob)}?sp=r&sig=SECRETSIG")));
                break;
            case CallSite.WriteUrl:
                s.Setup(x => x.GetContainerWriteUrlAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
                    .Returns((string container, DateTimeOffset _, CancellationToken _) => shouldFail()
                        ? Task.FromException<Uri>(failure(true))
                        : Task.FromResult(new Uri($"https://acct.example/{container}?sp=cw&sig=SECRETSIG")));
                break;
            case CallSite.CreatePool:
                c.Setup(x => x.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException(failure(false)) : Task.CompletedTask);
                break;
            case CallSite.WaitForPool:
                c.Setup(x => x.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns((string id, CancellationToken _) => shouldFail()
                        ? Task.FromException<PoolInfo>(failure(false))
                        : Task.FromResult(new PoolInfo(id, PoolAllocationState.Steady, 2, 2, 1, [])));
                break;
            case CallSite.CreateJob:
                c.Setup(x => x.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException(failure(false)) : Task.CompletedTask);
                break;
            case CallSite.AddTasks:
                c.Setup(x => x.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
                    .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
                    {
                        if (shouldFail())
                        {
                            return Task.FromException<AddTasksResult>(failure(false));
                        }

                        int added = specs.Count(spec => _h.Tasks.TryAdd(spec.Id, spec));
                        return Task.FromResult(new AddTasksResult(added, specs.Count - added, 1));
                    });
                break;
            case CallSite.TaskCounts:
                c.Setup(x => x.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail()
                        ? Task.FromException<TaskCounts>(failure(false))
                        : Task.FromResult(new TaskCounts(0, 0, _h.Tasks.Count, _h.Tasks.Count - _h.FailingCount(), _h.FailingCount())));
                break;
            case CallSite.ListTasks:
                c.Setup(x => x.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Throwing<BatchTaskInfo>(failure(false)) : _h.ListCompleted(_h.Tasks.Keys.ToList()));
                break;
            case CallSite.StderrTail:
                c.Setup(x => x.GetTaskOutputTailAsync(It.IsAny<string>(), It.IsAny<string>(), TaskOutputStream.StandardError, It.IsAny<int>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail()
                        ? Task.FromException<string?>(failure(false))
                        : Task.FromResult<string?>(string.Join('\n', Enumerable.Range(1, 30).Select(i => $"stderr line {i}")) + "\n"));
                break;
            case CallSite.ListBlobs:
                s.Setup(x => x.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
                    .Returns((string _, string? prefix, CancellationToken _) => shouldFail() ? Throwing<BlobItemInfo>(failure(true)) : ListOutputs(prefix));
                break;
            case CallSite.Download:
                s.Setup(x => x.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns((string _, string blob, string destination, CancellationToken _) =>
                    {
                        if (shouldFail())
                        {
                            return Task.FromException(failure(true));
                        }

                        File.WriteAllText(destination, WorkflowHarness.OutputText(Path.GetFileName(blob).Split('_')[0]));
                        return Task.CompletedTask;
                    });
                break;
            case CallSite.DeleteJob:
                c.Setup(x => x.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException<bool>(failure(false)) : Task.FromResult(true));
                break;
            case CallSite.DeletePool:
                c.Setup(x => x.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(() => shouldFail() ? Task.FromException<bool>(failure(false)) : Task.FromResult(true));
                break;
            case CallSite.DeleteContainer:
                s.Setup(x => x.DeleteContainerIfExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns((string container, CancellationToken _) =>
                    {
                        if (shouldFail())
                        {
                            return Task.FromException<bool>(failure(true));
                        }

                        return Task.FromResult(_h.RecordDeletion(container));
                    });
                break;
        }
    }

    private async IAsyncEnumerable<BlobItemInfo> ListOutputs(string? prefix)
    {
        await Task.Yield();
        // One task's outputs (a listing by its prefix), or every task's (a listing of the whole container), in name order.
        foreach (var task in _h.Tasks.Values.Where(t => prefix is null || prefix == t.Id + "/").OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            string input = task.ResourceFiles[0].FilePath.Split('/')[^1];
            yield return new BlobItemInfo($"{task.Id}/{Path.GetFileNameWithoutExtension(input)}_OUTPUT.txt", 100, null);
        }
    }

    /// <summary>A listing whose first page fails.</summary>
    private static async IAsyncEnumerable<T> Throwing<T>(Exception failure)
    {
        await Task.Yield();
        if (failure is not null)
        {
            throw failure;
        }

        yield break;
    }

    private sealed class CountingOptions : ResilienceStrategyOptions
    {
    }

    /// <summary>A strategy that records each call it runs (its operation and run id) and runs it once.</summary>
    private sealed class CountingStrategy : ResilienceStrategy
    {
        public ConcurrentQueue<(string? Operation, string? RunId)> Operations { get; } = new();

        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
        {
            Operations.Enqueue((context.OperationKey, context.Properties.GetValue(WorkflowResilience.RunIdKey, null!)));
            return callback(context, state);
        }
    }
}
