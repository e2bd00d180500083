using System.Net;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>The service's status codes and error codes for missing, existing, being-deleted and malformed resources.</summary>
[TestFixture]
public class ResourceErrorTests
{
    private EmulatorHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await EmulatorHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [TestCase("GET", "/pools/nope", "PoolNotFound")]
    [TestCase("DELETE", "/pools/nope", "PoolNotFound")]
    [TestCase("GET", "/pools/nope/nodes", "PoolNotFound")]
    [TestCase("GET", "/pools/nope/nodes/tvm-local-1/files/startup/stderr.txt", "PoolNotFound")]
    [TestCase("GET", "/jobs/nope", "JobNotFound")]
    [TestCase("DELETE", "/jobs/nope", "JobNotFound")]
    [TestCase("POST", "/jobs/nope/terminate", "JobNotFound")]
    [TestCase("GET", "/jobs/nope/taskcounts", "JobNotFound")]
    [TestCase("GET", "/jobs/nope/tasks", "JobNotFound")]
    [TestCase("GET", "/jobs/nope/tasks/t1", "JobNotFound")]
    [TestCase("GET", "/jobs/nope/tasks/t1/files/stdout.txt", "JobNotFound")]
    public async Task MissingResource_Is404WithTheServiceCode(string method, string path, string code)
    {
        var (status, body, _) = await _harness.SendAsync(new HttpMethod(method), EmulatorHarness.Versioned(path));

        AssertError(status, body, HttpStatusCode.NotFound, code);
    }

    [Test]
    public async Task PoolExists_IsTrueOrFalse_AndHeadHasNoBody()
    {
        string poolId = "exists-" + Guid.NewGuid().ToString("N")[..8];
        Assert.That(await _harness.Client.PoolExistsAsync(poolId), Is.False);
        await _harness.CreatePoolAsync(poolId);

        var (status, _, response) = await _harness.SendAsync(HttpMethod.Head, EmulatorHarness.Versioned("/pools/" + poolId));

        Assert.That(await _harness.Client.PoolExistsAsync(poolId), Is.True);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.GetValues("ETag").Single(), Does.StartWith("0x"), "the service's unquoted entity tag");
        await _harness.Client.DeletePoolAsync(poolId);
    }

    [Test]
    public async Task UnknownNodeTaskAndFile_Are404WithTheirCodes()
    {
        string poolId = "p-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "j-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(poolId);
        await _harness.CreateJobAsync(jobId, poolId);
        await _harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Idle, "idle");

        var node = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{poolId}/nodes/tvm-nope/files/startup/stdout.txt"));
        var task = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/nope"));
        var file = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{poolId}/nodes/tvm-local-1/files/no/such/file.txt"));
        var escape = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{poolId}/nodes/tvm-local-1/files/startup/..%2F..%2F..%2Fetc%2Fpasswd"));

        AssertError(node.Status, node.Body, HttpStatusCode.NotFound, "NodeNotFound");
        AssertError(task.Status, task.Body, HttpStatusCode.NotFound, "TaskNotFound");
        AssertError(file.Status, file.Body, HttpStatusCode.NotFound, "FileNotFound");
        AssertError(escape.Status, escape.Body, HttpStatusCode.NotFound, "FileNotFound");
        await _harness.Client.DeleteJobAsync(jobId);
        await _harness.Client.DeletePoolAsync(poolId);
    }

    [Test]
    public async Task DuplicatePoolAndJob_Are409Exists()
    {
        string poolId = "dup-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "dupjob-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(poolId);
        await _harness.CreateJobAsync(jobId, poolId);

        var pool = Assert.ThrowsAsync<BatchServiceException>(() => _harness.CreatePoolAsync(poolId.ToUpperInvariant()));
        var job = Assert.ThrowsAsync<BatchServiceException>(() => _harness.CreateJobAsync(jobId, poolId));

        Assert.That((pool!.Status, pool.ErrorCode), Is.EqualTo((409, "PoolExists")), "ids are case-insensitive");
        Assert.That((job!.Status, job.ErrorCode), Is.EqualTo((409, "JobExists")));
        await _harness.Client.DeleteJobAsync(jobId);
        await _harness.Client.DeletePoolAsync(poolId);
    }

    [Test]
    public async Task JobOnMissingPool_Is404PoolNotFound()
    {
        var ex = Assert.ThrowsAsync<BatchServiceException>(() => _harness.CreateJobAsync("orphan-" + Guid.NewGuid().ToString("N")[..8], "no-such-pool"));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((404, "PoolNotFound")));
    }

    [Test]
    public async Task DeletingPool_Is409PoolBeingDeleted_ThenGone()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var slow = await EmulatorHarness.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.Faults = new BatchEmulatorFaults { DeletionDelaySeconds = 120 };
        });
        string poolId = "doomed-" + Guid.NewGuid().ToString("N")[..8];
        await slow.CreatePoolAsync(poolId);
        await slow.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Idle, "idle");

        await slow.Client.DeletePoolAsync(poolId);
        var pool = await slow.Client.GetPoolAsync(poolId);
        var again = Assert.ThrowsAsync<BatchServiceException>(() => slow.Client.DeletePoolAsync(poolId));
        var recreate = Assert.ThrowsAsync<BatchServiceException>(() => slow.CreatePoolAsync(poolId));
        var job = Assert.ThrowsAsync<BatchServiceException>(() => slow.CreateJobAsync("on-deleting", poolId));

        Assert.Multiple(() =>
        {
            Assert.That(pool.State, Is.EqualTo(BatchPoolState.Deleting));
            Assert.That((again!.Status, again.ErrorCode), Is.EqualTo((409, "PoolBeingDeleted")));
            Assert.That((recreate!.Status, recreate.ErrorCode), Is.EqualTo((409, "PoolBeingDeleted")));
            Assert.That((job!.Status, job.ErrorCode), Is.EqualTo((409, "PoolBeingDeleted")));
        });
        await Wait.UntilAsync(
            async () =>
            {
                clock.Advance(TimeSpan.FromSeconds(30));
                return !await slow.Client.PoolExistsAsync(poolId);
            },
            () => $"pool {poolId} still exists");
    }

    [Test]
    public async Task DeletingJob_Is409JobBeingDeleted_ThenGone()
    {
        string poolId = "p-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "j-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(poolId);
        await _harness.CreateJobAsync(jobId, poolId);
        await _harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Idle, "idle");
        await _harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "sleeper", CommandLine = "sleep 600" }]);
        await _harness.WaitForTaskAsync(jobId, "sleeper", t => t.State == BatchTaskState.Running, "running");

        await _harness.Client.DeleteJobAsync(jobId);
        BatchServiceException? again = null;
        try
        {
            await _harness.Client.DeleteJobAsync(jobId);
        }
        catch (BatchServiceException ex)
        {
            again = ex;
        }

        Assert.That(again?.ErrorCode, Is.AnyOf("JobBeingDeleted", "JobNotFound"));
        await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    await _harness.Client.GetJobAsync(jobId);
                    return false;
                }
                catch (BatchServiceException ex) when (ex.Status == 404)
                {
                    return true;
                }
            },
            () => $"job {jobId} still exists");
        await _harness.Client.DeletePoolAsync(poolId);
    }

    [Test]
    public async Task TerminatedJob_RefusesTasksAndASecondTerminate()
    {
        string poolId = "p-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "j-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(poolId);
        await _harness.CreateJobAsync(jobId, poolId);

        await _harness.Client.TerminateJobAsync(jobId, "enough");
        await Wait.UntilAsync(async () => (await _harness.Client.GetJobAsync(jobId)).State == BatchJobState.Completed, () => "the job is not completed");
        var job = await _harness.Client.GetJobAsync(jobId);
        var add = Assert.ThrowsAsync<BatchServiceException>(() => _harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "late", CommandLine = "true" }]));
        var terminate = Assert.ThrowsAsync<BatchServiceException>(() => _harness.Client.TerminateJobAsync(jobId));

        Assert.Multiple(() =>
        {
            Assert.That(job.ExecutionInfo?.TerminateReason, Is.EqualTo("enough"));
            Assert.That(job.ExecutionInfo?.EndTime, Is.Not.Null);
            Assert.That((add!.Status, add.ErrorCode), Is.EqualTo((409, "JobCompleted")));
            Assert.That((terminate!.Status, terminate.ErrorCode), Is.EqualTo((409, "JobCompleted")));
        });
        await _harness.Client.DeleteJobAsync(jobId);
        await _harness.Client.DeletePoolAsync(poolId);
    }

    [TestCase("{not json", "InvalidRequestBody")]
    [TestCase("[1,2]", "InvalidRequestBody")]
    [TestCase("""{"vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1}""", "MissingRequiredProperty")]
    [TestCase("""{"id":"bad id!","vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1}""", "InvalidPropertyValue")]
    [TestCase("""{"id":"p1","vmSize":"a","targetDedicatedNodes":1}""", "MissingRequiredProperty")]
    [TestCase("""{"id":"p1","vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"x","offer":"y","sku":"z"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1}""", "InvalidPropertyValue")]
    [TestCase("""{"id":"p1","vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":"many"}""", "InvalidRequestBody")]
    [TestCase("""{"id":"p1","vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1,"taskSlotsPerNode":0}""", "InvalidPropertyValue")]
    [TestCase("""{"id":"p1","vmSize":"a","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1,"startTask":{"waitForSuccess":true}}""", "MissingRequiredProperty")]
    public async Task MalformedCreatePool_Is400WithTheServiceCode(string json, string code)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools"), json);

        AssertError(status, body, HttpStatusCode.BadRequest, code);
    }

    [TestCase("""{"poolInfo":{"poolId":"p"}}""", "MissingRequiredProperty", "id")]
    [TestCase("""{"id":"j"}""", "MissingRequiredProperty", "poolInfo")]
    [TestCase("""{"id":"j","poolInfo":{}}""", "MissingRequiredProperty", "poolInfo.poolId")]
    [TestCase("""{"id":"j","poolInfo":{"poolId":"p"},"priority":5000}""", "InvalidPropertyValue", "priority")]
    public async Task MalformedCreateJob_Is400NamingTheProperty(string json, string code, string property)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/jobs"), json);

        AssertError(status, body, HttpStatusCode.BadRequest, code, ("PropertyName", property));
    }

    [Test]
    public async Task CreatedPool_ReadsBackInTheServiceShape()
    {
        string poolId = "shape-" + Guid.NewGuid().ToString("N")[..8];
        var (status, _, response) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools"), $$"""
            {"id":"{{poolId}}","vmSize":"standard_a1","virtualMachineConfiguration":{"imageReference":{"publisher":"Canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},
             "resizeTimeout":"PT15M","targetDedicatedNodes":2,"taskSlotsPerNode":3,"metadata":[{"name":"myproperty","value":"myvalue"}]}
            """);
        Assert.That(status, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(response.Headers.Location?.ToString(), Does.EndWith("/pools/" + poolId));
        Assert.That(response.Headers.GetValues("ETag").Single(), Does.StartWith("0x"), "the service's unquoted entity tag");

        var (_, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/pools/" + poolId));

        Assert.Multiple(() =>
        {
            Assert.That(body!["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#pools/@Element"));
            Assert.That(body["id"]!.GetValue<string>(), Is.EqualTo(poolId));
            Assert.That(body["url"]!.GetValue<string>(), Does.EndWith("/pools/" + poolId));
            Assert.That(body["eTag"]!.GetValue<string>(), Does.StartWith("0x"));
            Assert.That(body["state"]!.GetValue<string>(), Is.EqualTo("active"));
            Assert.That(body["allocationState"]!.GetValue<string>(), Is.AnyOf("resizing", "steady"));
            Assert.That(body["creationTime"]!.GetValue<string>(), Does.EndWith("Z"));
            Assert.That(body["resizeTimeout"]!.GetValue<string>(), Is.EqualTo("PT15M"));
            Assert.That(body["targetDedicatedNodes"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(body["taskSlotsPerNode"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(body["virtualMachineConfiguration"]!["nodeAgentSKUId"]!.GetValue<string>(), Is.EqualTo("batch.node.ubuntu 24.04"));
            Assert.That(body["taskSchedulingPolicy"]!["nodeFillType"]!.GetValue<string>(), Is.EqualTo("spread"));
            Assert.That(body["metadata"]![0]!["value"]!.GetValue<string>(), Is.EqualTo("myvalue"));
        });
        await _harness.Client.DeletePoolAsync(poolId);
    }
}
