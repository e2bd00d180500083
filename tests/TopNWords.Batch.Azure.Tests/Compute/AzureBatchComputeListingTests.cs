using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Pool and job metadata on create, and the account-wide listings of pools and jobs (issue 14).</summary>
[TestFixture]
public class AzureBatchComputeListingTests
{
    private const string Base = "https://testaccount.westus.batch.azure.com";

    [Test]
    public async Task CreatePoolAsync_WithMetadata_SendsNameValuePairs()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, ComputeHarness.Ubuntu2404Images).Enqueue(201);
        var pool = new PoolSpec("topn-pool", 1);
        pool.Metadata["topn-run"] = "run-1";
        pool.Metadata["topn-owner"] = "host-a";

        await harness.Compute.CreatePoolAsync(pool);

        var metadata = JsonNode.Parse(harness.Transport.Requests[1].BodyText)!["metadata"]!.AsArray();
        Assert.That(
            metadata.Select(m => ((string)m!["name"]!, (string)m["value"]!)),
            Is.EquivalentTo(new[] { ("topn-run", "run-1"), ("topn-owner", "host-a") }));
    }

    [Test]
    public async Task CreatePoolAsync_WithoutMetadata_SendsNoMetadataMember()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, ComputeHarness.Ubuntu2404Images).Enqueue(201);

        await harness.Compute.CreatePoolAsync(new PoolSpec("topn-pool", 1));

        Assert.That(JsonNode.Parse(harness.Transport.Requests[1].BodyText)!.AsObject().ContainsKey("metadata"), Is.False);
    }

    [Test]
    public async Task CreateJobAsync_WithMetadata_SendsNameValuePairs()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(201);
        var job = new JobSpec("topn-job", "topn-pool");
        job.Metadata["topn-run"] = "run-1";

        await harness.Compute.CreateJobAsync(job);

        var sent = harness.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs");
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"id":"topn-job","poolInfo":{"poolId":"topn-pool"},"metadata":[{"name":"topn-run","value":"run-1"}]}"""),
            sent.BodyText);
    }

    [Test]
    public async Task ListPoolsAsync_SelectsIdMetadataCreationTime_FollowsNextLink_AndMapsMetadata()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(200, $$"""
                {"value":[{"id":"topn-a","creationTime":"2026-03-01T12:00:00Z","metadata":[{"name":"topn-run","value":"run-1"}]}],
                 "odata.nextLink":"{{Base}}/pools?api-version=2025-06-01.21.0&maxresults=1000&$skiptoken=p2"}
                """)
            .Enqueue(200, """{"value":[{"id":"other"}]}""");

        var pools = new List<PoolSummary>();
        await foreach (PoolSummary pool in harness.Compute.ListPoolsAsync())
        {
            pools.Add(pool);
        }

        var requests = harness.Transport.Requests;
        Assert.That(requests, Has.Count.EqualTo(2));
        RequestAssert.IsSignedBatchRequest(requests[0], "GET", "/pools", new Dictionary<string, string> { ["$select"] = "id,metadata,creationTime", ["maxresults"] = "1000" });
        Assert.Multiple(() =>
        {
            Assert.That(requests[1].Query["$skiptoken"], Is.EqualTo("p2"));
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { "topn-a", "other" }));
            Assert.That(pools[0].Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["topn-run"] = "run-1" }));
            Assert.That(pools[0].CreationTime, Is.EqualTo(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)));
            Assert.That(pools[1].Metadata, Is.Empty);
            Assert.That(pools[1].CreationTime, Is.Null);
        });
    }

    [Test]
    public async Task ListJobsAsync_SelectsWhatTheSummaryNeeds_AndEndedStatesAreCompleted()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, """
            {"value":[
              {"id":"j-active","state":"active","poolInfo":{"poolId":"p"},"creationTime":"2026-03-01T12:00:00Z","metadata":[{"name":"topn-run","value":"r"}]},
              {"id":"j-disabled","state":"disabled","poolInfo":{"poolId":"p"}},
              {"id":"j-terminating","state":"terminating","poolInfo":{"poolId":"p"}},
              {"id":"j-completed","state":"completed","poolInfo":{"poolId":"p"}},
              {"id":"j-deleting","state":"deleting","poolInfo":{"poolId":"p"}},
              {"id":"j-autopool","state":"active","poolInfo":{}}
            ]}
            """);

        var jobs = new List<JobSummary>();
        await foreach (JobSummary job in harness.Compute.ListJobsAsync())
        {
            jobs.Add(job);
        }

        RequestAssert.IsSignedBatchRequest(harness.Transport.SingleRequest, "GET", "/jobs", new Dictionary<string, string> { ["$select"] = "id,poolInfo,metadata,creationTime,state", ["maxresults"] = "1000" });
        Assert.Multiple(() =>
        {
            Assert.That(jobs.Where(j => j.IsCompleted).Select(j => j.Id), Is.EqualTo(new[] { "j-terminating", "j-completed", "j-deleting" }));
            Assert.That(jobs[0].PoolId, Is.EqualTo("p"));
            Assert.That(jobs[0].Metadata, Is.EquivalentTo(new Dictionary<string, string> { ["topn-run"] = "r" }));
            Assert.That(jobs[0].CreationTime, Is.EqualTo(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)));
            Assert.That(jobs[^1].PoolId, Is.Empty, "a job on an auto pool names no pool");
        });
    }

    [Test]
    public void ListPoolsAsync_Forbidden_IsForbiddenNamingTheAccount()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(403, ComputeHarness.Error("AuthorizationFailure", "This request is not authorized to perform this operation."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(async () =>
        {
            await foreach (PoolSummary pool in harness.Compute.ListPoolsAsync())
            {
                _ = pool;
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Forbidden));
            Assert.That(ex.Message, Does.Contain("list the pools of account 'testaccount.westus.batch.azure.com'"));
            Assert.That(ex.ErrorCode, Is.EqualTo("AuthorizationFailure"));
        });
        ComputeHarness.AssertNoSecret([ex!.Message, .. harness.LogMessages], "messages");
    }

    [Test]
    public void ListJobsAsync_ServerErrorAfterRetries_IsUnavailable()
    {
        var harness = new ComputeHarness(maxRetries: 0);
        harness.Transport.Enqueue(500, ComputeHarness.Error("InternalError", "Server error."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(async () =>
        {
            await foreach (JobSummary job in harness.Compute.ListJobsAsync())
            {
                _ = job;
            }
        });

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
    }
}
