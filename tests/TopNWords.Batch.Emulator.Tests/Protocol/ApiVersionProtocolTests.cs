using System.Net;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// A pool, its node, a job, a task and the job's task counts, read with the oldest and the newest api-version: each
/// answer holds only members (and node states) its version's swagger defines, and the members every version has.
/// </summary>
[TestFixture]
public class ApiVersionProtocolTests
{
    // The members of 2022-10-01.16.0 (Microsoft.Batch/stable/2022-10-01.16.0/BatchService.json, as generated into
    // @azure/batch 10.2.0's mappers), plus odata.metadata.
    private static readonly string[] Pool16 =
    [
        "odata.metadata", "id", "displayName", "url", "eTag", "lastModified", "creationTime", "state", "stateTransitionTime", "allocationState",
        "allocationStateTransitionTime", "vmSize", "cloudServiceConfiguration", "virtualMachineConfiguration", "resizeTimeout", "resizeErrors",
        "currentDedicatedNodes", "currentLowPriorityNodes", "targetDedicatedNodes", "targetLowPriorityNodes", "enableAutoScale", "autoScaleFormula",
        "autoScaleEvaluationInterval", "autoScaleRun", "enableInterNodeCommunication", "networkConfiguration", "startTask", "certificateReferences",
        "applicationPackageReferences", "applicationLicenses", "taskSlotsPerNode", "taskSchedulingPolicy", "userAccounts", "metadata", "stats",
        "mountConfiguration", "identity", "targetNodeCommunicationMode", "currentNodeCommunicationMode",
    ];

    private static readonly string[] Node16 =
    [
        "id", "url", "state", "schedulingState", "stateTransitionTime", "lastBootTime", "allocationTime", "ipAddress", "affinityId", "vmSize",
        "totalTasksRun", "runningTasksCount", "runningTaskSlotsCount", "totalTasksSucceeded", "recentTasks", "startTask", "startTaskInfo",
        "certificateReferences", "errors", "isDedicated", "endpointConfiguration", "nodeAgentInfo", "virtualMachineInfo",
    ];

    private static readonly string[] NodeStates16 =
        ["idle", "rebooting", "reimaging", "running", "unusable", "creating", "starting", "waitingforstarttask", "starttaskfailed", "unknown", "leavingpool", "offline", "preempted"];

    private static readonly string[] Job16 =
    [
        "odata.metadata", "id", "displayName", "usesTaskDependencies", "url", "eTag", "lastModified", "creationTime", "state", "stateTransitionTime",
        "previousState", "previousStateTransitionTime", "priority", "allowTaskPreemption", "maxParallelTasks", "constraints", "jobManagerTask",
        "jobPreparationTask", "jobReleaseTask", "commonEnvironmentSettings", "poolInfo", "onAllTasksComplete", "onTaskFailure", "networkConfiguration",
        "metadata", "executionInfo", "stats",
    ];

    private static readonly string[] Task16 =
    [
        "odata.metadata", "id", "displayName", "url", "eTag", "lastModified", "creationTime", "exitConditions", "state", "stateTransitionTime",
        "previousState", "previousStateTransitionTime", "commandLine", "containerSettings", "resourceFiles", "outputFiles", "environmentSettings",
        "affinityInfo", "constraints", "requiredSlots", "userIdentity", "executionInfo", "nodeInfo", "multiInstanceSettings", "stats", "dependsOn",
        "applicationPackageReferences", "authenticationTokenSettings",
    ];

    private static readonly string[] TaskCounts16 = ["odata.metadata", "taskCounts", "taskSlotCounts"];

    private static readonly string[] Image16 = ["nodeAgentSKUId", "imageReference", "osType", "capabilities", "batchSupportEndOfLife", "verificationType"];

    private EmulatorHarness _harness = null!;
    private string _poolId = null!;
    private string _jobId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await EmulatorHarness.StartAsync();
        _poolId = "versions-" + Guid.NewGuid().ToString("N")[..8];
        _jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 1, slots: 2);
        await _harness.CreateJobAsync(_jobId, _poolId);
        await _harness.Client.AddTaskCollectionAsync(_jobId, [new BatchTaskCreateContent { Id = "t1", CommandLine = "/bin/sh -c 'echo hi'", RequiredSlots = 1 }]);
        await _harness.WaitForCompletedAsync(_jobId, 1);
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Pool_HasTheMembersOfTheVersion(string version)
    {
        var pool = await GetAsync($"/pools/{_poolId}", version);

        Assert.Multiple(() =>
        {
            Assert.That(pool["taskSlotsPerNode"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(pool["virtualMachineConfiguration"]!["nodeAgentSKUId"]!.GetValue<string>(), Is.EqualTo("batch.node.ubuntu 24.04"));
            Assert.That(pool["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#pools/@Element"));
            AssertMembersOf(version, pool, Pool16, "pool");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Nodes_HaveTheMembersAndStatesOfTheVersion(string version)
    {
        var list = await GetAsync($"/pools/{_poolId}/nodes", version);
        var node = list["value"]!.AsArray().Single()!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(node.ContainsKey("runningTaskSlotsCount"), Is.True);
            Assert.That(node["totalTasksRun"]!.GetValue<int>(), Is.EqualTo(1));
            AssertMembersOf(version, node, Node16, "node");
            if (version == ApiVersions.Oldest)
            {
                Assert.That(NodeStates16, Does.Contain(node["state"]!.GetValue<string>()));
            }
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Job_HasTheMembersOfTheVersion(string version)
    {
        var job = await GetAsync($"/jobs/{_jobId}", version);

        Assert.Multiple(() =>
        {
            Assert.That(job["poolInfo"]!["poolId"]!.GetValue<string>(), Is.EqualTo(_poolId));
            AssertMembersOf(version, job, Job16, "job");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Task_HasTheMembersOfTheVersion(string version)
    {
        var task = await GetAsync($"/jobs/{_jobId}/tasks/t1", version);

        Assert.Multiple(() =>
        {
            Assert.That(task["requiredSlots"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(task["state"]!.GetValue<string>(), Is.EqualTo("completed"));
            AssertMembersOf(version, task, Task16, "task");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task TaskCounts_HaveTaskAndSlotCountsInEveryVersion(string version)
    {
        var counts = await GetAsync($"/jobs/{_jobId}/taskcounts", version);

        Assert.Multiple(() =>
        {
            Assert.That(counts["taskCounts"]!["completed"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(counts["taskSlotCounts"]!["completed"]!.GetValue<int>(), Is.EqualTo(1));
            AssertMembersOf(version, counts, TaskCounts16, "task counts");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task SupportedImages_HaveTheirEndOfLifeInEveryVersion(string version)
    {
        var images = await GetAsync("/supportedimages", version);
        var all = images["value"]!.AsArray().Select(i => i!.AsObject()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(all.Any(i => i.ContainsKey("batchSupportEndOfLife")), Is.True);
            foreach (JsonObject image in all)
            {
                AssertMembersOf(version, image, Image16, "image");
            }
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task ListPages_KeepTheApiVersionInTheirNextLink(string version)
    {
        var page = await GetAsync("/supportedimages?maxresults=1", version);
        var next = new Uri(page["odata.nextLink"]!.GetValue<string>());
        var (status, second, _) = await _harness.SendAsync(HttpMethod.Get, next.PathAndQuery);

        Assert.Multiple(() =>
        {
            Assert.That(next.Query, Does.Contain("api-version=" + version));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK), second?.ToJsonString());
            Assert.That(second!["value"]!.AsArray(), Has.Count.EqualTo(1));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task CreatePool_WithAMemberTheVersionDoesNotHave_IsRefusedOnlyByThatVersion(string version)
    {
        string poolId = "tags-" + Guid.NewGuid().ToString("N")[..8];
        string json = "{\"id\":\"" + poolId + "\",\"vmSize\":\"STANDARD_D2S_V3\",\"virtualMachineConfiguration\":{\"imageReference\":{\"publisher\":\"canonical\",\"offer\":\"ubuntu-24_04-lts\",\"sku\":\"server\"},\"nodeAgentSKUId\":\"batch.node.ubuntu 24.04\"},\"targetDedicatedNodes\":1,\"resourceTags\":{\"team\":\"words\"}}";

        var (status, body, _) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools", version), json);

        if (version == ApiVersions.Oldest)
        {
            AuthAndVersionTests.AssertError(status, body, HttpStatusCode.BadRequest, "InvalidRequestBody");
            Assert.That(body!["values"]![0]!["value"]!.GetValue<string>(), Does.Contain("resourceTags"));
        }
        else
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), body?.ToJsonString());
            await _harness.Client.DeletePoolAsync(poolId);
        }
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task RestClient_OfTheVersion_ReadsPoolNodesJobTaskAndCounts(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var pool = await client.GetPoolAsync(_poolId);
        var job = await client.GetJobAsync(_jobId);
        var task = await client.GetTaskAsync(_jobId, "t1");
        var counts = await client.GetJobTaskCountsAsync(_jobId);
        var nodes = new List<BatchNode>();
        await foreach (var node in client.ListNodesAsync(_poolId))
        {
            nodes.Add(node);
        }

        Assert.Multiple(() =>
        {
            Assert.That(pool.TaskSlotsPerNode, Is.EqualTo(2));
            Assert.That(job.PoolInfo!.PoolId, Is.EqualTo(_poolId));
            Assert.That(task.RequiredSlots, Is.EqualTo(1));
            Assert.That(counts.TaskSlotCounts!.Completed, Is.EqualTo(1));
            Assert.That(nodes.Single().RunningTaskSlotsCount, Is.Not.Null);
        });
    }

    /// <summary>Under the oldest version, every member is one its swagger defines.</summary>
    private static void AssertMembersOf(string version, JsonObject resource, string[] oldestMembers, string what)
    {
        if (version == ApiVersions.Oldest)
        {
            Assert.That(resource.Select(p => p.Key), Is.SubsetOf(oldestMembers), $"the {what} members under {version}");
        }
    }

    private async Task<JsonObject> GetAsync(string path, string version)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned(path, version));
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
        return body!.AsObject();
    }
}
