using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// Every Batch operation the emulator serves, as raw signed requests, in one scenario per api-version (the oldest and
/// the newest): status codes, the entity headers the service sends, key body members, and one expected error per
/// operation family. Each scenario has its own emulator, so its request counts prove every operation succeeded once.
/// </summary>
[TestFixture]
public class EveryOperationRawTests
{
    /// <summary>The operations the raw and the client scenarios cover (every <see cref="BatchOperation"/> constant but <c>Unknown</c>).</summary>
    internal static readonly string[] Covered =
    [
        BatchOperation.ListSupportedImages,
        BatchOperation.CreatePool, BatchOperation.PoolExists, BatchOperation.GetPool, BatchOperation.UpdatePool, BatchOperation.ListPools,
        BatchOperation.ListPoolNodeCounts, BatchOperation.DeletePool,
        BatchOperation.ListNodes, BatchOperation.GetNode, BatchOperation.ListNodeFiles, BatchOperation.GetNodeFile, BatchOperation.GetNodeFileProperties,
        BatchOperation.CreateJob, BatchOperation.GetJob, BatchOperation.UpdateJob, BatchOperation.ListJobs, BatchOperation.TerminateJob,
        BatchOperation.DeleteJob, BatchOperation.GetJobTaskCounts,
        BatchOperation.CreateTask, BatchOperation.CreateTaskCollection, BatchOperation.ListTasks, BatchOperation.GetTask,
        BatchOperation.TerminateTask, BatchOperation.DeleteTask,
        BatchOperation.ListTaskFiles, BatchOperation.GetTaskFile, BatchOperation.GetTaskFileProperties,
    ];

    private const string PoolBody = """
        "vmSize":"STANDARD_D2S_V3","targetDedicatedNodes":1,"taskSlotsPerNode":4,
        "virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"}
        """;

    [OneTimeSetUp]
    public void RequireShell()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }
    }

    [Test]
    public void Covered_NamesEveryBatchOperation_ButUnknown()
    {
        var constants = typeof(BatchOperation).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(name => name != BatchOperation.Unknown && !name.StartsWith("Admin_", StringComparison.Ordinal))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(constants.Except(Covered), Is.Empty, "BatchOperation constants with no coverage in EveryOperationRawTests/EveryOperationClientTests: add them to both scenarios and to Covered");
            Assert.That(Covered, Is.Unique);
            Assert.That(Covered.Except(constants), Is.Empty, "Covered names operations that are no BatchOperation constant");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_EveryOperation_OneScenario(string apiVersion)
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string id = Guid.NewGuid().ToString("N")[..8];
        string poolId = "every-raw-pool-" + id;
        string jobId = "every-raw-job-" + id;
        string V(string path) => EmulatorHarness.Versioned(path, apiVersion);
        Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> Get(string path) => harness.SendAsync(HttpMethod.Get, V(path));

        // ------------------------------------------------ images and pools
        var images = await Get("/supportedimages");
        var createPool = await harness.SendAsync(HttpMethod.Post, V("/pools"), $$"""{"id":"{{poolId}}",{{PoolBody}}}""");
        using var exists = await harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, V($"/pools/{poolId}")));
        using var existsMissing = await harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, V("/pools/no-such-pool")));
        var pool = await Get($"/pools/{poolId}");
        string poolTag = HeaderOf(pool.Response, "ETag");
        using var patchPool = await SendWithIfMatchAsync(harness, HttpMethod.Patch, V($"/pools/{poolId}"), """{"metadata":[{"name":"scenario","value":"raw"}]}""", poolTag);
        var patchedPool = await Get($"/pools/{poolId}");
        var pools = await Get($"/pools?$filter=id eq '{poolId}'&$expand=metadata");
        var nodeCounts = await Get($"/nodecounts?$filter=poolId eq '{poolId}'");
        var noPool = await Get("/pools/no-such-pool");

        Assert.Multiple(() =>
        {
            Assert.That(images.Status, Is.EqualTo(HttpStatusCode.OK), "Pools_ListSupportedImages");
            Assert.That(images.Body?["value"]?.AsArray().Select(i => i!["nodeAgentSKUId"]?.GetValue<string>()), Does.Contain("batch.node.ubuntu 24.04"), "Pools_ListSupportedImages: nodeAgentSKUId");
            AssertCreated(createPool, $"/pools/{poolId}", "Pools_CreatePool");
            Assert.That(exists.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Pools_PoolExists");
            Assert.That(HeaderOf(exists, "ETag"), Does.StartWith("0x"), "Pools_PoolExists: ETag");
            Assert.That(existsMissing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "Pools_PoolExists of a missing pool");
            Assert.That(pool.Status, Is.EqualTo(HttpStatusCode.OK), "Pools_GetPool");
            Assert.That((pool.Body?["id"]?.GetValue<string>(), pool.Body?["eTag"]?.GetValue<string>()), Is.EqualTo(((string?)poolId, (string?)poolTag)), "Pools_GetPool: id, eTag equal to the ETag header");
            Assert.That(pool.Response.Content.Headers.LastModified, Is.Not.Null, "Pools_GetPool: Last-Modified");
            Assert.That(patchPool.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Pools_UpdatePool with If-Match");
            Assert.That(HeaderOf(patchPool, "DataServiceId"), Does.EndWith($"/pools/{poolId}"), "Pools_UpdatePool: DataServiceId");
            Assert.That(HeaderOf(patchPool, "ETag"), Is.Not.EqualTo(poolTag).And.StartWith("0x"), "Pools_UpdatePool: a new ETag");
            Assert.That(patchedPool.Body?["metadata"]?[0]?["value"]?.GetValue<string>(), Is.EqualTo("raw"), "Pools_UpdatePool: the metadata changed");
            Assert.That(pools.Status, Is.EqualTo(HttpStatusCode.OK), "Pools_ListPools");
            Assert.That(pools.Body?["value"]?.AsArray().Select(p => p!["id"]?.GetValue<string>()), Is.EqualTo(new[] { poolId }), "Pools_ListPools: $filter on the id");
            Assert.That(nodeCounts.Status, Is.EqualTo(HttpStatusCode.OK), "Pools_ListPoolNodeCounts");
            Assert.That(nodeCounts.Body?["value"]?[0]?["poolId"]?.GetValue<string>(), Is.EqualTo(poolId), "Pools_ListPoolNodeCounts: poolId");
            Assert.That(nodeCounts.Body?["value"]?[0]?["dedicated"]?["total"]?.GetValue<int>(), Is.EqualTo(1), "Pools_ListPoolNodeCounts: dedicated total");
        });
        AssertError(noPool.Status, noPool.Body, HttpStatusCode.NotFound, "PoolNotFound");

        // ------------------------------------------------ jobs and tasks
        var createJob = await harness.SendAsync(HttpMethod.Post, V("/jobs"), "{\"id\":\"" + jobId + "\",\"poolInfo\":{\"poolId\":\"" + poolId + "\"}}");
        var job = await Get($"/jobs/{jobId}");
        using var patchJob = await SendWithIfMatchAsync(harness, HttpMethod.Patch, V($"/jobs/{jobId}"), """{"priority":10}""", HeaderOf(job.Response, "ETag"));
        var jobs = await Get($"/jobs?$filter=id eq '{jobId}'");
        var noJob = await Get("/jobs/no-such-job");
        var addTask = await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/tasks"), """{"id":"single","commandLine":"/bin/sh -c 'echo single'"}""");
        var addAgain = await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/tasks"), """{"id":"SINGLE","commandLine":"true"}""");
        var addCollection = await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/addtaskcollection"), """{"value":[{"id":"c1","commandLine":"true"},{"id":"c2","commandLine":"true"}]}""");

        Assert.Multiple(() =>
        {
            AssertCreated(createJob, $"/jobs/{jobId}", "Jobs_CreateJob");
            Assert.That(job.Status, Is.EqualTo(HttpStatusCode.OK), "Jobs_GetJob");
            Assert.That((job.Body?["id"]?.GetValue<string>(), job.Body?["poolInfo"]?["poolId"]?.GetValue<string>()), Is.EqualTo(((string?)jobId, (string?)poolId)), "Jobs_GetJob: id, poolInfo");
            Assert.That(patchJob.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Jobs_UpdateJob with If-Match");
            Assert.That(HeaderOf(patchJob, "DataServiceId"), Does.EndWith($"/jobs/{jobId}"), "Jobs_UpdateJob: DataServiceId");
            Assert.That(jobs.Status, Is.EqualTo(HttpStatusCode.OK), "Jobs_ListJobs");
            Assert.That(jobs.Body?["value"]?.AsArray().Select(j => (j!["id"]?.GetValue<string>(), j["priority"]?.GetValue<int>())), Is.EqualTo(new[] { ((string?)jobId, (int?)10) }), "Jobs_ListJobs: the patched priority");
            AssertCreated(addTask, $"/jobs/{jobId}/tasks/single", "Tasks_CreateTask");
            Assert.That(addCollection.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_CreateTaskCollection");
            Assert.That(addCollection.Body?["value"]?.AsArray().Select(r => (r!["taskId"]?.GetValue<string>(), r["status"]?.GetValue<string>())), Is.EquivalentTo(new[] { ((string?)"c1", (string?)"success"), ("c2", "success") }), "Tasks_CreateTaskCollection: per-task results");
        });
        AssertError(noJob.Status, noJob.Body, HttpStatusCode.NotFound, "JobNotFound");
        AssertError(addAgain.Status, addAgain.Body, HttpStatusCode.Conflict, "TaskExists");

        await Wait.UntilAsync(
            async () => (await Get($"/jobs/{jobId}/taskcounts")).Body?["taskCounts"]?["completed"]?.GetValue<int>() == 3,
            () => $"the 3 tasks of job {jobId} did not complete");
        var counts = await Get($"/jobs/{jobId}/taskcounts");
        var tasks = await Get($"/jobs/{jobId}/tasks?$select=id,state");
        var task = await Get($"/jobs/{jobId}/tasks/single");
        var noTask = await Get($"/jobs/{jobId}/tasks/no-such-task");
        string nodeId = task.Body!["nodeInfo"]!["nodeId"]!.GetValue<string>();
        string taskRoot = task.Body["nodeInfo"]!["taskRootDirectory"]!.GetValue<string>();

        Assert.Multiple(() =>
        {
            Assert.That(counts.Status, Is.EqualTo(HttpStatusCode.OK), "Jobs_GetJobTaskCounts");
            Assert.That(counts.Body?["taskCounts"]?["succeeded"]?.GetValue<int>(), Is.EqualTo(3), "Jobs_GetJobTaskCounts: succeeded");
            Assert.That(counts.Body?["taskSlotCounts"]?["completed"]?.GetValue<int>(), Is.EqualTo(3), "Jobs_GetJobTaskCounts: taskSlotCounts");
            Assert.That(tasks.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_ListTasks");
            Assert.That(tasks.Body?["value"]?.AsArray().Select(t => t!["id"]?.GetValue<string>()), Is.EquivalentTo(new[] { "single", "c1", "c2" }), "Tasks_ListTasks: ids");
            Assert.That(task.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_GetTask");
            Assert.That(HeaderOf(task.Response, "ETag"), Is.EqualTo(task.Body?["eTag"]?.GetValue<string>()), "Tasks_GetTask: ETag header equals eTag");
            Assert.That(task.Body?["executionInfo"]?["result"]?.GetValue<string>(), Is.EqualTo("success"), "Tasks_GetTask: executionInfo.result");
        });
        AssertError(noTask.Status, noTask.Body, HttpStatusCode.NotFound, "TaskNotFound");

        // ------------------------------------------------ task files, nodes and node files
        var taskFiles = await Get($"/jobs/{jobId}/tasks/single/files");
        var taskFile = await Get($"/jobs/{jobId}/tasks/single/files/stdout.txt");
        string taskFileText = await taskFile.Response.Content.ReadAsStringAsync();
        using var taskFileHead = await harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, V($"/jobs/{jobId}/tasks/single/files/stdout.txt")));
        var noFile = await Get($"/jobs/{jobId}/tasks/single/files/no-such-file.txt");
        var nodes = await Get($"/pools/{poolId}/nodes");
        var node = await Get($"/pools/{poolId}/nodes/{nodeId}");
        var noNode = await Get($"/pools/{poolId}/nodes/tvm-no-such-node");
        var nodeFiles = await Get($"/pools/{poolId}/nodes/{nodeId}/files?recursive=false");
        var nodeFile = await Get($"/pools/{poolId}/nodes/{nodeId}/files/{taskRoot}/stdout.txt");
        using var nodeFileHead = await harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, V($"/pools/{poolId}/nodes/{nodeId}/files/{taskRoot}/stdout.txt")));

        Assert.Multiple(() =>
        {
            Assert.That(taskFiles.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_ListTaskFiles");
            Assert.That(taskFiles.Body?["value"]?.AsArray().Select(f => f!["name"]?.GetValue<string>()), Does.Contain("stdout.txt"), "Tasks_ListTaskFiles: names");
            Assert.That(taskFile.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_GetTaskFile");
            Assert.That(taskFileText, Is.EqualTo("single\n"), "Tasks_GetTaskFile: content");
            Assert.That(HeaderOf(taskFile.Response, "ocp-batch-file-isdirectory"), Is.EqualTo("false"), "Tasks_GetTaskFile: ocp-batch-file-isdirectory");
            Assert.That(taskFileHead.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Tasks_GetTaskFileProperties");
            Assert.That(taskFileHead.Content.Headers.ContentLength, Is.EqualTo(7), "Tasks_GetTaskFileProperties: Content-Length");
            Assert.That(HeaderOf(taskFileHead, "ETag"), Is.EqualTo(HeaderOf(taskFile.Response, "ETag")), "Tasks_GetTaskFileProperties: the GET's ETag");
            Assert.That(nodes.Status, Is.EqualTo(HttpStatusCode.OK), "Nodes_ListNodes");
            Assert.That(nodes.Body?["value"]?.AsArray().Select(n => n!["id"]?.GetValue<string>()), Is.EqualTo(new[] { nodeId }), "Nodes_ListNodes: ids");
            Assert.That(node.Status, Is.EqualTo(HttpStatusCode.OK), "Nodes_GetNode");
            Assert.That(node.Body?["id"]?.GetValue<string>(), Is.EqualTo(nodeId), "Nodes_GetNode: id");
            Assert.That(HeaderOf(node.Response, "ETag"), Does.StartWith("0x"), "Nodes_GetNode: ETag");
            Assert.That(nodeFiles.Status, Is.EqualTo(HttpStatusCode.OK), "Nodes_ListNodeFiles");
            Assert.That(nodeFiles.Body?["value"]?.AsArray().Select(f => f!["name"]?.GetValue<string>()), Is.SupersetOf(new[] { "shared", "startup", "workitems" }), "Nodes_ListNodeFiles: the root folders");
            Assert.That(nodeFile.Status, Is.EqualTo(HttpStatusCode.OK), "Nodes_GetNodeFile");
            Assert.That(HeaderOf(nodeFile.Response, "ETag"), Is.EqualTo(HeaderOf(taskFile.Response, "ETag")), "Nodes_GetNodeFile: the same file as the task's");
            Assert.That(nodeFileHead.StatusCode, Is.EqualTo(HttpStatusCode.OK), "Nodes_GetNodeFileProperties");
            Assert.That(HeaderOf(nodeFileHead, "ocp-batch-file-url"), Does.EndWith($"/pools/{poolId}/nodes/{nodeId}/files/{taskRoot}/stdout.txt"), "Nodes_GetNodeFileProperties: ocp-batch-file-url");
        });
        AssertError(noFile.Status, noFile.Body, HttpStatusCode.NotFound, "FileNotFound");
        AssertError(noNode.Status, noNode.Body, HttpStatusCode.NotFound, "NodeNotFound");

        // ------------------------------------------------ terminate and delete
        await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/tasks"), """{"id":"sleeper","commandLine":"/bin/sh -c 'sleep 300'"}""");
        var terminateTask = await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/tasks/sleeper/terminate"));
        var terminated = await Get($"/jobs/{jobId}/tasks/sleeper");
        var deleteTask = await harness.SendAsync(HttpMethod.Delete, V($"/jobs/{jobId}/tasks/c2"));
        var deletedTask = await Get($"/jobs/{jobId}/tasks/c2");
        var terminateJob = await harness.SendAsync(HttpMethod.Post, V($"/jobs/{jobId}/terminate"), """{"terminateReason":"EveryOperation"}""");
        await Wait.UntilAsync(async () => (await Get($"/jobs/{jobId}")).Body?["state"]?.GetValue<string>() == "completed", () => $"job {jobId} did not complete");
        var terminatedJob = await Get($"/jobs/{jobId}");
        var deleteJob = await harness.SendAsync(HttpMethod.Delete, V($"/jobs/{jobId}"));
        var deletePool = await harness.SendAsync(HttpMethod.Delete, V($"/pools/{poolId}"));

        Assert.Multiple(() =>
        {
            Assert.That(terminateTask.Status, Is.EqualTo(HttpStatusCode.NoContent), "Tasks_TerminateTask");
            Assert.That(terminated.Body?["state"]?.GetValue<string>(), Is.EqualTo("completed"), "Tasks_TerminateTask: the task completed");
            Assert.That(terminated.Body?["executionInfo"]?["failureInfo"]?["code"]?.GetValue<string>(), Is.EqualTo("TaskEnded"), "Tasks_TerminateTask: failureInfo.code");
            Assert.That(deleteTask.Status, Is.EqualTo(HttpStatusCode.OK), "Tasks_DeleteTask");
            Assert.That(deletedTask.Status, Is.EqualTo(HttpStatusCode.NotFound), "Tasks_DeleteTask: the task is gone");
            Assert.That(terminateJob.Status, Is.EqualTo(HttpStatusCode.Accepted), "Jobs_TerminateJob");
            Assert.That(terminatedJob.Body?["executionInfo"]?["terminateReason"]?.GetValue<string>(), Is.EqualTo("EveryOperation"), "Jobs_TerminateJob: executionInfo.terminateReason");
            Assert.That(deleteJob.Status, Is.EqualTo(HttpStatusCode.Accepted), "Jobs_DeleteJob");
            Assert.That(deletePool.Status, Is.EqualTo(HttpStatusCode.Accepted), "Pools_DeletePool");
        });
        await Wait.UntilAsync(async () => (await Get($"/jobs/{jobId}")).Status == HttpStatusCode.NotFound, () => $"job {jobId} is still there after Jobs_DeleteJob");
        await Wait.UntilAsync(async () => (await Get($"/pools/{poolId}")).Status == HttpStatusCode.NotFound, () => $"pool {poolId} is still there after Pools_DeletePool");

        await AssertEverySucceededAsync(harness);
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_TerminateJobAndTask_AnswerDataServiceIdETagAndLastModified(string apiVersion)
    {
        // The service answers both terminates with the entity's URL (DataServiceId), its ETag and Last-Modified.
        await using var harness = await EmulatorHarness.StartAsync();
        string id = Guid.NewGuid().ToString("N")[..8];
        string poolId = "terminate-pool-" + id;
        string jobId = "terminate-job-" + id;
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        await harness.Client.CreateTaskAsync(jobId, new Azure.BatchRest.Models.BatchTaskCreateContent { Id = "sleeper", CommandLine = "/bin/sh -c 'sleep 300'" });

        var terminateTask = await harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/sleeper/terminate", apiVersion));
        var task = await harness.Client.GetTaskAsync(jobId, "sleeper");
        var terminateJob = await harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/terminate", apiVersion), "{}");

        Assert.Multiple(() =>
        {
            Assert.That(terminateTask.Status, Is.EqualTo(HttpStatusCode.NoContent), "Tasks_TerminateTask");
            Assert.That(HeaderOf(terminateTask.Response, "DataServiceId"), Does.EndWith($"/jobs/{jobId}/tasks/sleeper"), "Tasks_TerminateTask: DataServiceId");
            Assert.That(HeaderOf(terminateTask.Response, "ETag"), Is.EqualTo(task.ETag), "Tasks_TerminateTask: the terminated task's ETag");
            Assert.That(terminateTask.Response.Content.Headers.LastModified, Is.Not.Null, "Tasks_TerminateTask: Last-Modified");
            Assert.That(terminateJob.Status, Is.EqualTo(HttpStatusCode.Accepted), "Jobs_TerminateJob");
            Assert.That(HeaderOf(terminateJob.Response, "DataServiceId"), Does.EndWith($"/jobs/{jobId}"), "Jobs_TerminateJob: DataServiceId");
            Assert.That(HeaderOf(terminateJob.Response, "ETag"), Does.StartWith("0x"), "Jobs_TerminateJob: ETag");
            Assert.That(terminateJob.Response.Content.Headers.LastModified, Is.Not.Null, "Jobs_TerminateJob: Last-Modified");
        });
    }

    /// <summary>Asserts, from the emulator's request counts, that every covered operation answered at least one request without an error.</summary>
    internal static async Task AssertEverySucceededAsync(EmulatorHarness harness)
    {
        var admin = new BatchEmulatorAdminClient(harness.BaseUri, new BatchSharedKeyCredential(EmulatorHarness.Account, EmulatorHarness.Key));
        var counts = await admin.GetRequestCountsAsync();
        var missing = Covered.Where(name => !counts.Operations.TryGetValue(name, out var c) || c.Requests - c.Errors - c.InjectedFaults < 1).ToList();
        Assert.That(missing, Is.Empty, "operations this scenario never called successfully");
    }

    internal static string HeaderOf(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : string.Empty;

    private static void AssertCreated((HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response) created, string relative, string operation)
    {
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), $"{operation}: {created.Body?.ToJsonString()}");
        Assert.That(HeaderOf(created.Response, "DataServiceId"), Does.EndWith(relative), $"{operation}: DataServiceId");
        Assert.That(created.Response.Headers.Location?.ToString(), Does.EndWith(relative), $"{operation}: Location");
        Assert.That(HeaderOf(created.Response, "ETag"), Does.StartWith("0x"), $"{operation}: ETag");
        Assert.That(created.Response.Content.Headers.LastModified, Is.Not.Null, $"{operation}: Last-Modified");
    }

    private static async Task<HttpResponseMessage> SendWithIfMatchAsync(EmulatorHarness harness, HttpMethod method, string path, string json, string ifMatch)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { Parameters = { new("odata", "minimalmetadata") } };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await harness.Http.SendAsync(request);
    }
}
