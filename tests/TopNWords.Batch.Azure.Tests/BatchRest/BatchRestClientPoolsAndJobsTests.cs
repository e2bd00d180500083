using System.Text.Json.Nodes;
using Azure;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>List pools and jobs, update (patch) pools and jobs, list pool node counts: requests, paging and errors.</summary>
[TestFixture]
public class BatchRestClientPoolsAndJobsTests
{
    private const string Base = "https://testaccount.westus.batch.azure.com";

    [Test]
    public async Task ListPoolsAsync_SendsTheQueryAndFollowsTheNextLink()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, $$"""
            {"value":[{"id":"pool-1","state":"active","allocationState":"steady","metadata":[{"name":"run","value":"r1"}]}],
             "odata.nextLink":"{{Base}}/pools?api-version=2025-06-01.21.0&maxresults=1&$skiptoken=abc"}
            """);
        clients.Transport.Enqueue(200, """{"value":[{"id":"pool-2","state":"deleting","someFutureMember":{"x":1}}]}""");

        var pools = new List<BatchPool>();
        await foreach (BatchPool pool in clients.Client.ListPoolsAsync(filter: "startswith(id, 'pool-')", select: "id,state,metadata", expand: "stats", maxResults: 1))
        {
            pools.Add(pool);
        }

        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
        RequestAssert.IsSignedBatchRequest(
            clients.Transport.Requests[0],
            "GET",
            "/pools",
            new Dictionary<string, string> { ["$filter"] = "startswith(id, 'pool-')", ["$select"] = "id,state,metadata", ["$expand"] = "stats", ["maxresults"] = "1" });
        RequestAssert.IsSignedBatchRequest(clients.Transport.Requests[1], "GET", "/pools", new Dictionary<string, string> { ["maxresults"] = "1", ["$skiptoken"] = "abc" });
        Assert.Multiple(() =>
        {
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { "pool-1", "pool-2" }));
            Assert.That(pools[0].Metadata!.Single().Name, Is.EqualTo("run"));
            Assert.That(pools[0].Metadata!.Single().Value, Is.EqualTo("r1"));
            Assert.That(pools[1].State, Is.EqualTo(BatchPoolState.Deleting));
        });
    }

    [Test]
    public async Task ListPoolsAsync_NoOptions_SendsOnlyTheApiVersion()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[]}""");

        var pools = new List<BatchPool>();
        await foreach (BatchPool pool in clients.Client.ListPoolsAsync())
        {
            pools.Add(pool);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/pools");
        Assert.That(pools, Is.Empty);
    }

    [Test]
    public async Task ListJobsAsync_SendsTheQueryAndParsesMetadataAndConstraints()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"value":[{"id":"job-1","state":"active","priority":100,"maxParallelTasks":-1,"allowTaskPreemption":false,
                       "constraints":{"maxWallClockTime":"PT1H","maxTaskRetryCount":-1},"poolInfo":{"poolId":"pool-1"},
                       "metadata":[{"name":"owner","value":"ops"}]}]}
            """);

        var jobs = new List<BatchJob>();
        await foreach (BatchJob job in clients.Client.ListJobsAsync(filter: "state eq 'active'", select: "id,state", expand: "metadata", maxResults: 5))
        {
            jobs.Add(job);
        }

        RequestAssert.IsSignedBatchRequest(
            clients.Transport.SingleRequest,
            "GET",
            "/jobs",
            new Dictionary<string, string> { ["$filter"] = "state eq 'active'", ["$select"] = "id,state", ["$expand"] = "metadata", ["maxresults"] = "5" });
        BatchJob only = jobs.Single();
        Assert.Multiple(() =>
        {
            Assert.That(only.Priority, Is.EqualTo(100));
            Assert.That(only.MaxParallelTasks, Is.EqualTo(-1));
            Assert.That(only.AllowTaskPreemption, Is.False);
            Assert.That(only.Constraints!.MaxWallClockTime, Is.EqualTo(TimeSpan.FromHours(1)));
            Assert.That(only.Constraints!.MaxTaskRetryCount, Is.EqualTo(-1));
            Assert.That(only.Metadata!.Single().Value, Is.EqualTo("ops"));
        });
    }

    [Test]
    public async Task CreateJobAsync_WithMetadata_SendsTheMetadataArray()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(201);

        await clients.Client.CreateJobAsync(new BatchJobCreateContent
        {
            Id = "job-1",
            PoolInfo = new BatchPoolInfo { PoolId = "pool-1" },
            Metadata = [new BatchNameValuePair("run", "r1")],
        });

        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"id":"job-1","poolInfo":{"poolId":"pool-1"},"metadata":[{"name":"run","value":"r1"}]}"""),
            clients.Transport.SingleRequest.BodyText);
    }

    [Test]
    public async Task PatchJobAsync_UpdateExample_SendsOnlyTheSetProperties()
    {
        // Jobs_UpdateJob.json (2025-06-01): priority, constraints and poolInfo.
        var clients = new TestClients();
        clients.Transport.Enqueue(200);

        await clients.Client.PatchJobAsync("jobId", new BatchJobUpdateContent
        {
            Priority = 100,
            Constraints = new BatchJobConstraints { MaxWallClockTime = TimeSpan.FromHours(1), MaxTaskRetryCount = -1 },
            PoolInfo = new BatchPoolInfo { PoolId = "poolId" },
        });

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "PATCH", "/jobs/jobId");
        RequestAssert.HasJsonBody(sent);
        Assert.That(sent.Header("If-Match"), Is.Null);
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"priority":100,"constraints":{"maxWallClockTime":"PT1H","maxTaskRetryCount":-1},"poolInfo":{"poolId":"poolId"}}"""),
            sent.BodyText);
    }

    [Test]
    public async Task PatchJobAsync_EnumsMetadataAndIfMatch_AreSentInServiceForm()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200);

        await clients.Client.PatchJobAsync(
            "job-1",
            new BatchJobUpdateContent { OnAllTasksComplete = BatchOnAllTasksComplete.TerminateJob, MaxParallelTasks = -1, AllowTaskPreemption = true, Metadata = [] },
            new ETag("0x8D4100FC49F0278"));

        var sent = clients.Transport.SingleRequest;
        Assert.That(sent.Header("If-Match"), Is.EqualTo("\"0x8D4100FC49F0278\""));
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"onAllTasksComplete":"terminatejob","maxParallelTasks":-1,"allowTaskPreemption":true,"metadata":[]}"""),
            sent.BodyText);
    }

    [Test]
    public async Task PatchPoolAsync_SendsOnlyTheSetProperties()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200);

        await clients.Client.PatchPoolAsync("pool-1", new BatchPoolUpdateContent
        {
            StartTask = new BatchStartTask { CommandLine = "/bin/sh -c 'echo hi'", WaitForSuccess = true },
            Metadata = [new BatchNameValuePair("owner", "ops")],
        });

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "PATCH", "/pools/pool-1");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"startTask":{"commandLine":"/bin/sh -c 'echo hi'","waitForSuccess":true},"metadata":[{"name":"owner","value":"ops"}]}"""),
            sent.BodyText);
    }

    [Test]
    public void PatchPoolAsync_PoolNotFound_ThrowsWithTheServiceCode()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """
            {"odata.metadata":"https://x/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element","code":"PoolNotFound",
             "message":{"lang":"en-US","value":"The specified pool does not exist.\nRequestId:r\nTime:2025-01-01T00:00:00.0000000Z"}}
            """);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.PatchPoolAsync("missing", new BatchPoolUpdateContent { Metadata = [] }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(404));
            Assert.That(ex.ErrorCode, Is.EqualTo("PoolNotFound"));
            Assert.That(ex.Message, Does.Contain("missing"));
        });
    }

    [Test]
    public void PatchJobAsync_ConditionNotMet_ThrowsWith412()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(412, """{"code":"ConditionNotMet","message":{"lang":"en-US","value":"The condition specified using HTTP conditional header(s) is not met."}}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.PatchJobAsync("job-1", new BatchJobUpdateContent { Priority = 1 }, new ETag("0x1")));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(412));
            Assert.That(ex.ErrorCode, Is.EqualTo("ConditionNotMet"));
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "412 is not retried");
        });
    }

    [Test]
    public void ListJobsAsync_InvalidFilter_ThrowsInvalidQueryParameterValue()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(400, """
            {"code":"InvalidQueryParameterValue","message":{"lang":"en-US","value":"Value for one of the query parameters specified in the request URI is invalid."},
             "values":[{"key":"QueryParameterName","value":"$filter"},{"key":"QueryParameterValue","value":"bogus"}]}
            """);

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (BatchJob job in clients.Client.ListJobsAsync(filter: "bogus"))
            {
                Assert.Fail($"no job expected, got {job.Id}");
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(400));
            Assert.That(ex.ErrorCode, Is.EqualTo("InvalidQueryParameterValue"));
        });
    }

    [Test]
    public async Task ListPoolNodeCountsAsync_Example_ParsesDedicatedAndLowPriorityCounts()
    {
        // Pools_ListPoolNodeCounts.json (2025-06-01), one pool of it, then a second page.
        var clients = new TestClients();
        clients.Transport.Enqueue(200, $$$"""
            {"value":[{"poolId":"pool3",
              "dedicated":{"creating":0,"deallocated":0,"deallocating":0,"idle":5,"leavingPool":0,"offline":0,"preempted":0,"rebooting":0,"reimaging":4,
                           "running":0,"starting":0,"startTaskFailed":0,"unknown":0,"unusable":0,"waitingForStartTask":0,"upgradingOS":0,"total":9},
              "lowPriority":{"creating":7,"deallocated":0,"deallocating":0,"idle":0,"leavingPool":0,"offline":0,"preempted":0,"rebooting":0,"reimaging":0,
                             "running":4,"starting":0,"startTaskFailed":0,"unknown":0,"unusable":0,"waitingForStartTask":0,"upgradingOS":1,"total":11}}],
             "odata.nextLink":"{{{Base}}}/nodecounts?api-version=2025-06-01.21.0&$skiptoken=n2"}
            """);
        clients.Transport.Enqueue(200, """{"value":[{"poolId":"pool4","dedicated":{"idle":1,"total":1},"lowPriority":{"total":0}}]}""");

        var counts = new List<BatchPoolNodeCounts>();
        await foreach (BatchPoolNodeCounts c in clients.Client.ListPoolNodeCountsAsync(filter: "poolId eq 'pool3'", maxResults: 10))
        {
            counts.Add(c);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.Requests[0], "GET", "/nodecounts", new Dictionary<string, string> { ["$filter"] = "poolId eq 'pool3'", ["maxresults"] = "10" });
        RequestAssert.IsSignedBatchRequest(clients.Transport.Requests[1], "GET", "/nodecounts", new Dictionary<string, string> { ["$skiptoken"] = "n2" });
        Assert.Multiple(() =>
        {
            Assert.That(counts.Select(c => c.PoolId), Is.EqualTo(new[] { "pool3", "pool4" }));
            Assert.That(counts[0].Dedicated!.Idle, Is.EqualTo(5));
            Assert.That(counts[0].Dedicated!.Reimaging, Is.EqualTo(4));
            Assert.That(counts[0].Dedicated!.Total, Is.EqualTo(9));
            Assert.That(counts[0].LowPriority!.Creating, Is.EqualTo(7));
            Assert.That(counts[0].LowPriority!.Running, Is.EqualTo(4));
            Assert.That(counts[0].LowPriority!.UpgradingOS, Is.EqualTo(1));
            Assert.That(counts[0].LowPriority!.Total, Is.EqualTo(11));
            Assert.That(counts[1].Dedicated!.Idle, Is.EqualTo(1));
        });
    }

    [Test]
    public void NewOperations_NullArguments_ThrowNamingTheArgument()
    {
        var clients = new TestClients();

        Assert.Multiple(() =>
        {
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => clients.Client.PatchPoolAsync(null!, new BatchPoolUpdateContent()))!.ParamName, Is.EqualTo("poolId"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => clients.Client.PatchPoolAsync("p", null!))!.ParamName, Is.EqualTo("pool"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => clients.Client.PatchJobAsync(null!, new BatchJobUpdateContent()))!.ParamName, Is.EqualTo("jobId"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => clients.Client.PatchJobAsync("j", null!))!.ParamName, Is.EqualTo("job"));
        });
        Assert.That(clients.Transport.Requests, Is.Empty);
    }
}
