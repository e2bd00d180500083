using System.Net;
using System.Text.Json.Nodes;
using Azure;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// List pools and jobs (<c>$filter</c>, <c>$select</c>, <c>$expand</c>, paging), metadata, update pool and job
/// (<c>PATCH</c>), and list pool node counts: through <see cref="BatchRestClient"/> and as raw signed requests.
/// Lists are account-wide, so each test names its pools and jobs with a prefix of its own and filters on it.
/// </summary>
[TestFixture]
public class PoolAndJobListingTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await EmulatorHarness.StartAsync();
        _poolId = "listing-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 2);
        await _harness.WaitForNodesAsync(_poolId, n => n.State == BatchNodeState.Idle, "idle");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    // ------------------------------------------------------------------ list pools

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListPools_Client_StartsWithFilterPagesAndRoundTripsMetadata(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string prefix = Prefix("lp");
        for (int i = 0; i < 3; i++)
        {
            await CreatePoolAsync(client, $"{prefix}-{i}", [new BatchNameValuePair("index", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), new BatchNameValuePair("owner", "ops")]);
        }

        var pages = new List<Page<BatchPool>>();
        await foreach (Page<BatchPool> page in client.ListPoolsAsync(filter: $"startswith(id, '{prefix}')", maxResults: 2).AsPages())
        {
            pages.Add(page);
        }

        var pools = pages.SelectMany(p => p.Values).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(pages.Select(p => p.Values.Count), Is.EqualTo(new[] { 2, 1 }), "maxresults pages the list");
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { $"{prefix}-0", $"{prefix}-1", $"{prefix}-2" }), "creation order");
            Assert.That(pools[1].Metadata!.Select(m => (m.Name, m.Value)), Is.EqualTo(new[] { ("index", "1"), ("owner", "ops") }));
            Assert.That(pools.Select(p => p.State), Is.All.EqualTo(BatchPoolState.Active));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListPools_Client_FiltersOnIdStateAndBooleans(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string prefix = Prefix("lf");
        await CreatePoolAsync(client, $"{prefix}-a");
        await CreatePoolAsync(client, $"{prefix}-b");

        var byId = await ToListAsync(client.ListPoolsAsync(filter: $"id eq '{prefix.ToUpperInvariant()}-B'"));
        var combined = await ToListAsync(client.ListPoolsAsync(filter: $"startswith(id,'{prefix}') and state eq 'active' and enableAutoScale eq false and (id eq '{prefix}-a' or id eq '{prefix}-nope')"));
        var none = await ToListAsync(client.ListPoolsAsync(filter: $"startswith(id, '{prefix}') and state eq 'deleting'"));

        Assert.Multiple(() =>
        {
            Assert.That(byId.Select(p => p.Id), Is.EqualTo(new[] { $"{prefix}-b" }), "ids compare case-insensitively");
            Assert.That(combined.Select(p => p.Id), Is.EqualTo(new[] { $"{prefix}-a" }));
            Assert.That(none, Is.Empty);
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListPools_Raw_SelectAndNextLinkPaging(string apiVersion)
    {
        string prefix = Prefix("lr");
        await CreatePoolAsync(_harness.Client, $"{prefix}-0", [new BatchNameValuePair("k", "v")]);
        await CreatePoolAsync(_harness.Client, $"{prefix}-1");

        var (status, first, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools?$filter=startswith(id,'{prefix}')&$select=id,metadata&maxresults=1", apiVersion));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        string nextLink = first!["odata.nextLink"]!.GetValue<string>();
        var (nextStatus, second, _) = await _harness.SendAsync(HttpMethod.Get, nextLink);
        Assert.Multiple(() =>
        {
            Assert.That(first["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#pools"));
            Assert.That(Members(first["value"]![0]!), Is.EquivalentTo(new[] { "id", "metadata" }), "$select");
            Assert.That(first["value"]![0]!["metadata"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("k"));
            Assert.That(nextLink, Does.Contain("api-version=" + apiVersion).And.Contain("skiptoken"));
            Assert.That(nextStatus, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(second!["value"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()), Is.EqualTo(new[] { $"{prefix}-1" }));
            Assert.That(Members(second["value"]![0]!), Is.EquivalentTo(new[] { "id" }), "the next link keeps $select; no metadata, none written");
            Assert.That(second["odata.nextLink"], Is.Null, "the last page");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListPools_Raw_ExpandStatsAddsStatsAndIsKeptByTheNextLink(string apiVersion)
    {
        string prefix = Prefix("ls");
        await CreatePoolAsync(_harness.Client, $"{prefix}-0");
        await CreatePoolAsync(_harness.Client, $"{prefix}-1");

        var (status, first, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools?$filter=startswith(id,'{prefix}')&$expand=stats&maxresults=1", apiVersion));
        var (_, second, _) = await _harness.SendAsync(HttpMethod.Get, first!["odata.nextLink"]!.GetValue<string>());
        var (_, plain, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools?$filter=startswith(id,'{prefix}')", apiVersion));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first["value"]![0]!["stats"]!["url"]!.GetValue<string>(), Does.EndWith($"/pools/{prefix}-0/stats"));
            Assert.That(first["value"]![0]!["stats"]!["usageStats"]!["dedicatedCoreTime"]!.GetValue<string>(), Is.EqualTo("PT0S"));
            Assert.That(second!["value"]![0]!["stats"], Is.Not.Null);
            Assert.That(plain!["value"]![0]!["stats"], Is.Null, "stats only when expanded");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListPools_Raw_InvalidQueries_Are400InvalidQueryParameterValue(string apiVersion)
    {
        string[] queries =
        [
            "$filter=bogus",
            "$filter=metadata eq 'x'",
            "$filter=startswith(state,'a')",
            "$filter=state eq 'sleeping'",
            "$filter=enableAutoScale eq 'yes'",
            "$expand=nodes",
            "$select=id,nothing",
            "maxresults=0",
            "maxresults=1001",
        ];

        foreach (string query in queries)
        {
            var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/pools?" + query, apiVersion));
            string name = query[..query.IndexOf('=', StringComparison.Ordinal)];
            Assert.Multiple(() =>
            {
                Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), query);
                Assert.That(body?["code"]?.GetValue<string>(), Is.EqualTo("InvalidQueryParameterValue"), query);
                Assert.That(Value(body, "QueryParameterName"), Is.EqualTo(name), query);
                Assert.That(Value(body, "Reason"), Is.Not.Empty, query);
            });
        }
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task GetPoolAndJob_Raw_ExpandStatsAndRefuseOtherExpansions(string apiVersion)
    {
        string jobId = Prefix("gs");
        await _harness.CreateJobAsync(jobId, _poolId);

        var (poolStatus, pool, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}?$expand=stats&$select=id,stats", apiVersion));
        var (jobStatus, job, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}?$expand=stats,metadata", apiVersion));
        var badPool = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}?$expand=nodes", apiVersion));
        var badJob = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}?$expand=tasks", apiVersion));

        Assert.Multiple(() =>
        {
            Assert.That(poolStatus, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Members(pool!), Is.EquivalentTo(new[] { "odata.metadata", "id", "stats" }));
            Assert.That(pool!["stats"]!["lastUpdateTime"]!.GetValue<string>(), Does.EndWith("Z"));
            Assert.That(jobStatus, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(job!["stats"]!["numSucceededTasks"]!.GetValue<int>(), Is.Zero);
            AssertError(badPool, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$expand"));
            AssertError(badJob, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$expand"));
        });
    }

    // ------------------------------------------------------------------ list jobs

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListJobs_Client_FiltersPagesSelectsAndRoundTripsMetadata(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string prefix = Prefix("lj");
        for (int i = 0; i < 3; i++)
        {
            await client.CreateJobAsync(new BatchJobCreateContent
            {
                Id = $"{prefix}-{i}",
                PoolInfo = new BatchPoolInfo { PoolId = _poolId },
                Priority = i * 10,
                Metadata = [new BatchNameValuePair("run", $"r{i}")],
            });
        }

        var pages = new List<Page<BatchJob>>();
        await foreach (Page<BatchJob> page in client.ListJobsAsync(filter: $"startswith(id, '{prefix}') and executionInfo/poolId eq '{_poolId}'", maxResults: 2).AsPages())
        {
            pages.Add(page);
        }

        var jobs = pages.SelectMany(p => p.Values).ToList();
        var selected = await ToListAsync(client.ListJobsAsync(filter: $"startswith(id, '{prefix}-1') or id eq '{prefix}-2'", select: "id,metadata"));
        BatchJob single = await client.GetJobAsync($"{prefix}-2");
        Assert.Multiple(() =>
        {
            Assert.That(pages.Select(p => p.Values.Count), Is.EqualTo(new[] { 2, 1 }));
            Assert.That(jobs.Select(j => j.Id), Is.EqualTo(new[] { $"{prefix}-0", $"{prefix}-1", $"{prefix}-2" }));
            Assert.That(jobs.Select(j => j.Metadata!.Single().Value), Is.EqualTo(new[] { "r0", "r1", "r2" }));
            Assert.That(jobs.Select(j => j.MaxParallelTasks), Is.All.EqualTo(-1));
            Assert.That(selected.Select(j => j.Id), Is.EqualTo(new[] { $"{prefix}-1", $"{prefix}-2" }));
            Assert.That(selected.Select(j => j.State), Is.All.Null, "$select leaves state out");
            Assert.That(single.Metadata!.Single().Value, Is.EqualTo("r2"), "get job returns the metadata too");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListJobs_Raw_PagesAndExpandsStats(string apiVersion)
    {
        string prefix = Prefix("jr");
        await _harness.CreateJobAsync($"{prefix}-0", _poolId);
        await _harness.CreateJobAsync($"{prefix}-1", _poolId);
        await _harness.Client.AddTaskCollectionAsync($"{prefix}-0", [new BatchTaskCreateContent { Id = "ok", CommandLine = "true" }]);
        await _harness.WaitForCompletedAsync($"{prefix}-0", 1);

        var (status, first, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs?$filter=startswith(id,'{prefix}')&$expand=stats&maxresults=1", apiVersion));
        var (_, second, _) = await _harness.SendAsync(HttpMethod.Get, first!["odata.nextLink"]!.GetValue<string>());
        var (badStatus, bad, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/jobs?$filter=id eq", apiVersion));
        var (priorityStatus, priority, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/jobs?$filter=priority ge 10", apiVersion));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(first["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#jobs"));
            Assert.That(first["value"]![0]!["id"]!.GetValue<string>(), Is.EqualTo($"{prefix}-0"));
            Assert.That(first["value"]![0]!["stats"]!["numSucceededTasks"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(first["value"]![0]!["stats"]!["numFailedTasks"]!.GetValue<int>(), Is.Zero);
            Assert.That(second!["value"]![0]!["id"]!.GetValue<string>(), Is.EqualTo($"{prefix}-1"));
            Assert.That(second["value"]![0]!["stats"]!["numSucceededTasks"]!.GetValue<int>(), Is.Zero);
            Assert.That(second["odata.nextLink"], Is.Null);
            Assert.That((badStatus, bad?["code"]?.GetValue<string>()), Is.EqualTo((HttpStatusCode.BadRequest, "InvalidQueryParameterValue")));
            Assert.That((priorityStatus, priority?["code"]?.GetValue<string>()), Is.EqualTo((HttpStatusCode.BadRequest, "InvalidQueryParameterValue")), "list jobs does not filter on priority");
        });
    }

    // ------------------------------------------------------------------ update pool

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task PatchPool_Client_ReplacesWhatIsSetAndKeepsTheRest(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string poolId = Prefix("pp");
        await CreatePoolAsync(client, poolId, [new BatchNameValuePair("a", "1"), new BatchNameValuePair("b", "2")]);
        BatchPool before = await client.GetPoolAsync(poolId);

        await client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { Metadata = [new BatchNameValuePair("c", "3")] });
        BatchPool replaced = await client.GetPoolAsync(poolId);
        await client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { StartTask = new BatchStartTask { CommandLine = "/bin/sh -c true" } }, new ETag(replaced.ETag!));
        BatchPool withStart = await client.GetPoolAsync(poolId);
        await client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { Metadata = [] });
        BatchPool cleared = await client.GetPoolAsync(poolId);

        var stale = Assert.ThrowsAsync<BatchServiceException>(() => client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { DisplayName = "late" }, new ETag(before.ETag!)));
        var missing = Assert.ThrowsAsync<BatchServiceException>(() => client.PatchPoolAsync(poolId + "-missing", new BatchPoolUpdateContent { Metadata = [] }));
        Assert.Multiple(() =>
        {
            Assert.That(replaced.Metadata!.Select(m => (m.Name, m.Value)), Is.EqualTo(new[] { ("c", "3") }), "metadata is replaced whole");
            Assert.That(replaced.ETag, Is.Not.EqualTo(before.ETag));
            Assert.That(replaced.LastModified, Is.GreaterThanOrEqualTo(before.LastModified!.Value));
            Assert.That(withStart.StartTask!.CommandLine, Is.EqualTo("/bin/sh -c true"));
            Assert.That(withStart.Metadata!.Single().Name, Is.EqualTo("c"), "metadata left out of the patch is unchanged");
            Assert.That(cleared.Metadata, Is.Null, "an empty list removes the metadata");
            Assert.That(cleared.StartTask!.CommandLine, Is.EqualTo("/bin/sh -c true"));
            Assert.That((stale!.Status, stale.ErrorCode), Is.EqualTo((412, "ConditionNotMet")));
            Assert.That((missing!.Status, missing.ErrorCode), Is.EqualTo((404, "PoolNotFound")));
            Assert.That(missing.Message, Does.Contain(poolId + "-missing"));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task PatchPool_Raw_AnswersWithHeadersAndRefusesWhatItCannotChange(string apiVersion)
    {
        string poolId = Prefix("pr");
        await CreatePoolAsync(_harness.Client, poolId);
        string path = EmulatorHarness.Versioned($"/pools/{poolId}", apiVersion);

        var (status, body, response) = await _harness.SendAsync(HttpMethod.Patch, path, """{"displayName":"renamed","metadata":[{"name":"k","value":"v"}]}""");
        var (_, pool, getResponse) = await _harness.SendAsync(HttpMethod.Get, path);
        var vmSize = await _harness.SendAsync(HttpMethod.Patch, path, """{"vmSize":"STANDARD_D4S_V3"}""");
        var unknown = await _harness.SendAsync(HttpMethod.Patch, path, """{"certificateReferences":[]}""");
        var noValue = await _harness.SendAsync(HttpMethod.Patch, path, """{"metadata":[{"name":"k"}]}""");
        var noCommand = await _harness.SendAsync(HttpMethod.Patch, path, """{"startTask":{}}""");
        var notJson = await _harness.SendAsync(HttpMethod.Patch, path, "{");
        var missing = await _harness.SendAsync(HttpMethod.Patch, EmulatorHarness.Versioned($"/pools/{poolId}-missing", apiVersion), """{"metadata":[]}""");
        var ifMatchOk = await SendWithIfMatchAsync(path, ETagOf(getResponse), """{"displayName":"again"}""");
        var ifMatchStale = await SendWithIfMatchAsync(path, ETagOf(getResponse), """{"displayName":"late"}""");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body, Is.Null, "no body");
            Assert.That(ETagOf(response), Does.StartWith("0x"));
            Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(pool!["displayName"]!.GetValue<string>(), Is.EqualTo("renamed"));
            Assert.That(pool["metadata"]![0]!["value"]!.GetValue<string>(), Is.EqualTo("v"));
            Assert.That(ETagOf(getResponse), Is.EqualTo(ETagOf(response)), "get pool answers the tag the update answered");
            AssertError(vmSize, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "vmSize"));
            AssertError(unknown, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "certificateReferences"));
            AssertError(noValue, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "metadata.value"));
            AssertError(noCommand, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "startTask.commandLine"));
            AssertError(notJson, HttpStatusCode.BadRequest, "InvalidRequestBody");
            AssertError(missing, HttpStatusCode.NotFound, "PoolNotFound");
            Assert.That(ifMatchOk.Status, Is.EqualTo(HttpStatusCode.OK));
            AssertError(ifMatchStale, HttpStatusCode.PreconditionFailed, "ConditionNotMet");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task CreatePool_Raw_MetadataWithoutName_Is400MissingRequiredProperty(string apiVersion)
    {
        string body = $$"""
            {"id":"{{Prefix("cm")}}","vmSize":"STANDARD_D2S_V3","targetDedicatedNodes":1,
             "virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},
             "metadata":[{"value":"v"}]}
            """;

        var result = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools", apiVersion), body);

        AssertError(result, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "metadata.name"));
    }

    // ------------------------------------------------------------------ update job

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task PatchJob_Client_UpdatesPriorityMetadataAndCompletionAction(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string jobId = Prefix("pj");
        await client.CreateJobAsync(new BatchJobCreateContent { Id = jobId, PoolInfo = new BatchPoolInfo { PoolId = _poolId }, Metadata = [new BatchNameValuePair("a", "1")] });
        await client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "t1", CommandLine = "true" }]);
        await _harness.WaitForCompletedAsync(jobId, 1);

        await client.PatchJobAsync(jobId, new BatchJobUpdateContent { Priority = 500, AllowTaskPreemption = true, PoolInfo = new BatchPoolInfo { PoolId = _poolId.ToUpperInvariant() } });
        BatchJob patched = await client.GetJobAsync(jobId);
        await client.PatchJobAsync(jobId, new BatchJobUpdateContent { OnAllTasksComplete = BatchOnAllTasksComplete.TerminateJob });
        BatchJob completed = await WaitForJobAsync(client, jobId, j => j.State == BatchJobState.Completed, "completed");

        // A job whose task still runs stays active after terminatejob, and cannot go back to noaction.
        string runningJobId = jobId + "-running";
        await client.CreateJobAsync(new BatchJobCreateContent { Id = runningJobId, PoolInfo = new BatchPoolInfo { PoolId = _poolId } });
        await client.AddTaskCollectionAsync(runningJobId, [new BatchTaskCreateContent { Id = "long", CommandLine = "sleep 600" }]);
        await client.PatchJobAsync(runningJobId, new BatchJobUpdateContent { OnAllTasksComplete = BatchOnAllTasksComplete.TerminateJob });
        var reverse = Assert.ThrowsAsync<BatchServiceException>(() => client.PatchJobAsync(runningJobId, new BatchJobUpdateContent { OnAllTasksComplete = BatchOnAllTasksComplete.NoAction }));
        BatchJob stillActive = await client.GetJobAsync(runningJobId);
        await client.TerminateJobAsync(runningJobId);
        var missing = Assert.ThrowsAsync<BatchServiceException>(() => client.PatchJobAsync(jobId + "-missing", new BatchJobUpdateContent { Priority = 1 }));

        Assert.Multiple(() =>
        {
            Assert.That(patched.Priority, Is.EqualTo(500));
            Assert.That(patched.AllowTaskPreemption, Is.True);
            Assert.That(patched.Metadata!.Single().Name, Is.EqualTo("a"), "metadata left out of the patch is unchanged");
            Assert.That(patched.OnAllTasksComplete, Is.EqualTo(BatchOnAllTasksComplete.NoAction));
            Assert.That((reverse!.Status, reverse.ErrorCode), Is.EqualTo((400, "InvalidPropertyValue")), "terminatejob cannot go back to noaction");
            Assert.That(reverse.Values, Does.Contain(new KeyValuePair<string, string>("PropertyName", "onAllTasksComplete")));
            Assert.That(stillActive.State, Is.EqualTo(BatchJobState.Active));
            Assert.That(stillActive.OnAllTasksComplete, Is.EqualTo(BatchOnAllTasksComplete.TerminateJob));
            Assert.That(completed.ExecutionInfo!.TerminateReason, Is.EqualTo("AllTasksComplete"), "terminatejob on a job whose tasks are complete ends it");
            Assert.That((missing!.Status, missing.ErrorCode), Is.EqualTo((404, "JobNotFound")));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task PatchJob_Raw_RefusesWhatTheEmulatorDoesNotEnforce(string apiVersion)
    {
        string jobId = Prefix("jp");
        await _harness.CreateJobAsync(jobId, _poolId);
        string path = EmulatorHarness.Versioned($"/jobs/{jobId}", apiVersion);

        var ok = await _harness.SendAsync(HttpMethod.Patch, path, """{"priority":100,"maxParallelTasks":-1,"metadata":[{"name":"k","value":"v"}]}""");
        var (_, job, _) = await _harness.SendAsync(HttpMethod.Get, path);
        var priority = await _harness.SendAsync(HttpMethod.Patch, path, """{"priority":1001}""");
        var parallel = await _harness.SendAsync(HttpMethod.Patch, path, """{"maxParallelTasks":2}""");
        var parallelZero = await _harness.SendAsync(HttpMethod.Patch, path, """{"maxParallelTasks":0}""");
        var wallClock = await _harness.SendAsync(HttpMethod.Patch, path, """{"constraints":{"maxWallClockTime":"PT1H"}}""");
        var otherPool = await _harness.SendAsync(HttpMethod.Patch, path, """{"poolInfo":{"poolId":"another-pool"}}""");
        var noPoolId = await _harness.SendAsync(HttpMethod.Patch, path, """{"poolInfo":{}}""");
        var onAll = await _harness.SendAsync(HttpMethod.Patch, path, """{"onAllTasksComplete":"sometimes"}""");
        var unknown = await _harness.SendAsync(HttpMethod.Patch, path, """{"networkConfiguration":{}}""");
        var missing = await _harness.SendAsync(HttpMethod.Patch, EmulatorHarness.Versioned($"/jobs/{jobId}-missing", apiVersion), """{"priority":1}""");
        var stale = await SendWithIfMatchAsync(path, "\"0x1\"", """{"priority":2}""");
        var star = await SendWithIfMatchAsync(path, "*", """{"priority":3}""");

        Assert.Multiple(() =>
        {
            Assert.That(ok.Status, Is.EqualTo(HttpStatusCode.OK));
            AssertError(stale, HttpStatusCode.PreconditionFailed, "ConditionNotMet");
            Assert.That(star.Status, Is.EqualTo(HttpStatusCode.OK), "If-Match: * matches any job");
            Assert.That(ETagOf(ok.Response), Does.StartWith("0x"));
            Assert.That(job!["priority"]!.GetValue<int>(), Is.EqualTo(100));
            Assert.That(job["metadata"]![0]!["name"]!.GetValue<string>(), Is.EqualTo("k"));
            AssertError(priority, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "priority"));
            AssertError(parallel, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "maxParallelTasks"));
            AssertError(parallelZero, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "maxParallelTasks"));
            AssertError(wallClock, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "constraints.maxWallClockTime"));
            AssertError(otherPool, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "poolInfo.poolId"));
            AssertError(noPoolId, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "poolInfo.poolId"));
            AssertError(onAll, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "onAllTasksComplete"));
            AssertError(unknown, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "networkConfiguration"));
            AssertError(missing, HttpStatusCode.NotFound, "JobNotFound");
        });
    }

    // ------------------------------------------------------------------ node counts

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListPoolNodeCounts_Client_CountsIdleNodesPerPool(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var counts = await ToListAsync(client.ListPoolNodeCountsAsync(filter: $"poolId eq '{_poolId}'"));
        var all = await ToListAsync(client.ListPoolNodeCountsAsync(maxResults: 1));

        BatchPoolNodeCounts only = counts.Single();
        Assert.Multiple(() =>
        {
            Assert.That(only.PoolId, Is.EqualTo(_poolId));
            Assert.That(only.Dedicated!.Idle, Is.EqualTo(2));
            Assert.That(only.Dedicated!.Total, Is.EqualTo(2));
            Assert.That(only.Dedicated!.Running + only.Dedicated!.Creating + only.Dedicated!.Unusable, Is.Zero);
            Assert.That(only.LowPriority!.Total, Is.Zero);
            Assert.That(all.Select(c => c.PoolId), Does.Contain(_poolId), "maxresults 1 pages through every pool");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListPoolNodeCounts_Raw_HasTheServiceShapeAndLimits(string apiVersion)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/nodecounts?$filter=poolId eq '{_poolId}'", apiVersion));
        var tooMany = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/nodecounts?maxresults=1001", apiVersion));
        var notEq = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/nodecounts?$filter=poolId ne '{_poolId}'", apiVersion));
        var otherProperty = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/nodecounts?$filter=state eq 'idle'", apiVersion));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        JsonNode item = body!["value"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That(body["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#poolnodecounts"));
            Assert.That(item["poolId"]!.GetValue<string>(), Is.EqualTo(_poolId));
            Assert.That(Members(item["dedicated"]!), Is.SupersetOf(new[]
            {
                "creating", "idle", "offline", "preempted", "rebooting", "reimaging", "running", "starting", "startTaskFailed",
                "leavingPool", "unknown", "unusable", "waitingForStartTask", "total",
            }));
            // upgradingOS came with 2024-02-01.19.0, deallocated and deallocating with 2024-07-01.20.0.
            string[] newer = ["deallocated", "deallocating", "upgradingOS"];
            Assert.That(Members(item["dedicated"]!), apiVersion == ApiVersions.Oldest ? (NUnit.Framework.Constraints.IResolveConstraint)Has.None.AnyOf(newer) : Is.SupersetOf(newer));
            Assert.That(item["dedicated"]!["idle"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(item["lowPriority"]!["total"]!.GetValue<int>(), Is.Zero);
            AssertError(tooMany, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "maxresults"));
            AssertError(notEq, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$filter"));
            AssertError(otherProperty, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$filter"));
        });
    }

    // ------------------------------------------------------------------ helpers

    private static string Prefix(string kind) => kind + "-" + Guid.NewGuid().ToString("N")[..8];

    private static Task CreatePoolAsync(BatchRestClient client, string poolId, IList<BatchNameValuePair>? metadata = null) =>
        client.CreatePoolAsync(new BatchPoolCreateContent
        {
            Id = poolId,
            VmSize = "STANDARD_D2S_V3",
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server" },
                NodeAgentSkuId = "batch.node.ubuntu 24.04",
            },
            TargetDedicatedNodes = 1,
            Metadata = metadata,
        });

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> pageable)
        where T : notnull
    {
        var items = new List<T>();
        await foreach (T item in pageable)
        {
            items.Add(item);
        }

        return items;
    }

    private static async Task<BatchJob> WaitForJobAsync(BatchRestClient client, string jobId, Func<BatchJob, bool> condition, string what)
    {
        BatchJob? job = null;
        await Wait.UntilAsync(async () => condition(job = await client.GetJobAsync(jobId)), () => $"job {jobId} is not {what}: state {job?.State}");
        return job!;
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendWithIfMatchAsync(string path, string eTag, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("If-Match", eTag);
        var response = await _harness.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    private static string ETagOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("ETag", out var values) ? values.Single() : string.Empty;

    private static string[] Members(JsonNode node) => [.. node.AsObject().Select(p => p.Key)];

    private static string? Value(JsonNode? error, string key) =>
        error?["values"]?.AsArray().FirstOrDefault(v => v!["key"]!.GetValue<string>() == key)?["value"]?.GetValue<string>();

    private static void AssertError((HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response) result, HttpStatusCode status, string code, params (string Key, string Value)[] values)
    {
        Assert.That(result.Status, Is.EqualTo(status), code);
        Assert.That(result.Body?["code"]?.GetValue<string>(), Is.EqualTo(code), result.Body?.ToJsonString());
        foreach ((string key, string value) in values)
        {
            Assert.That(Value(result.Body, key), Is.EqualTo(value), $"{code} {key}");
        }
    }
}
