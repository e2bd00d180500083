using System.Reflection;
using Azure;
using Moq;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// Every Batch operation the emulator serves, through every public operation method of <see cref="BatchRestClient"/>,
/// in one scenario per service version (the oldest and the newest), with one expected error per operation family.
/// The client is a call-through Moq proxy, so the scenario proves which methods it called.
/// </summary>
[TestFixture]
public class EveryOperationClientTests
{
    [OneTimeSetUp]
    public void RequireShell()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }
    }

    [Test]
    public void OperationMethods_AreFound_AndVirtual_SoTheScenarioSeesEveryCall()
    {
        // The scenario fails for any operation method it did not call; it can only see calls to virtual methods.
        var methods = OperationMethods().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(methods.Select(m => m.Name).Distinct().Count(), Is.GreaterThanOrEqualTo(29), "BatchRestClient's public operation methods: " + string.Join(", ", methods.Select(m => m.Name)));
            Assert.That(methods.Where(m => !m.IsVirtual || m.IsFinal).Select(m => m.Name), Is.Empty, "operation methods the call-through proxy cannot record (make them virtual)");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task Client_EveryOperation_OneScenario(BatchClientOptions.ServiceVersion version)
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var proxy = new Mock<BatchRestClient>(harness.BaseUri, new BatchSharedKeyCredential(EmulatorHarness.Account, EmulatorHarness.Key), EmulatorHarness.NewClientOptions(harness.Options.TimeProvider, version: version)) { CallBase = true };
        BatchRestClient client = proxy.Object;
        string id = Guid.NewGuid().ToString("N")[..8];
        string poolId = "every-client-pool-" + id;
        string jobId = "every-client-job-" + id;

        // ------------------------------------------------ images and pools
        var images = await ToListAsync(client.ListSupportedImagesAsync());
        await client.CreatePoolAsync(new BatchPoolCreateContent
        {
            Id = poolId,
            VmSize = "STANDARD_D2S_V3",
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server" },
                NodeAgentSkuId = "batch.node.ubuntu 24.04",
            },
            TargetDedicatedNodes = 1,
            TaskSlotsPerNode = 4,
        });
        bool exists = await client.PoolExistsAsync(poolId);
        bool existsMissing = await client.PoolExistsAsync("no-such-pool");
        var pool = await client.GetPoolAsync(poolId);
        await client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { Metadata = [new BatchNameValuePair("scenario", "client")] }, new ETag(pool.ETag!));
        var patchedPool = await client.GetPoolAsync(poolId);
        var stalePatch = Assert.ThrowsAsync<BatchServiceException>(() => client.PatchPoolAsync(poolId, new BatchPoolUpdateContent { Metadata = [] }, new ETag(pool.ETag!)));
        var pools = await ToListAsync(client.ListPoolsAsync(filter: $"id eq '{poolId}'", expand: "metadata"));
        var nodeCounts = await ToListAsync(client.ListPoolNodeCountsAsync(filter: $"poolId eq '{poolId}'"));
        var noPool = Assert.ThrowsAsync<BatchServiceException>(() => client.GetPoolAsync("no-such-pool"));

        Assert.Multiple(() =>
        {
            Assert.That(images.Select(i => i.NodeAgentSkuId), Does.Contain("batch.node.ubuntu 24.04"), "ListSupportedImagesAsync");
            Assert.That((exists, existsMissing), Is.EqualTo((true, false)), "PoolExistsAsync of the pool and of a missing one");
            Assert.That((pool.Id, pool.VmSize, pool.TaskSlotsPerNode), Is.EqualTo(((string?)poolId, (string?)"STANDARD_D2S_V3", (int?)4)), "CreatePoolAsync, GetPoolAsync");
            Assert.That(patchedPool.Metadata?.Select(m => (m.Name, m.Value)), Is.EqualTo(new[] { ((string?)"scenario", (string?)"client") }), "PatchPoolAsync: the metadata changed");
            Assert.That(patchedPool.ETag, Is.Not.EqualTo(pool.ETag), "PatchPoolAsync: a new ETag");
            Assert.That((stalePatch!.Status, stalePatch.ErrorCode), Is.EqualTo((412, "ConditionNotMet")), "PatchPoolAsync with a stale If-Match");
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { poolId }), "ListPoolsAsync with $filter");
            Assert.That(nodeCounts.Select(c => (c.PoolId, c.Dedicated?.Total)), Is.EqualTo(new[] { ((string?)poolId, (int?)1) }), "ListPoolNodeCountsAsync");
            Assert.That((noPool!.Status, noPool.ErrorCode), Is.EqualTo((404, "PoolNotFound")), "GetPoolAsync of a missing pool");
        });

        // ------------------------------------------------ jobs and tasks
        await client.CreateJobAsync(new BatchJobCreateContent { Id = jobId, PoolInfo = new BatchPoolInfo { PoolId = poolId } });
        var job = await client.GetJobAsync(jobId);
        await client.PatchJobAsync(jobId, new BatchJobUpdateContent { Priority = 10 }, new ETag(job.ETag!));
        var jobs = await ToListAsync(client.ListJobsAsync(filter: $"id eq '{jobId}'"));
        var noJob = Assert.ThrowsAsync<BatchServiceException>(() => client.GetJobAsync("no-such-job"));
        await client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "single", CommandLine = "/bin/sh -c 'echo single'" });
        var taskExists = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "SINGLE", CommandLine = "true" }));
        var added = await client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "c1", CommandLine = "true" }, new BatchTaskCreateContent { Id = "c2", CommandLine = "true" }]);

        Assert.Multiple(() =>
        {
            Assert.That((job.Id, job.PoolInfo?.PoolId, job.State), Is.EqualTo(((string?)jobId, (string?)poolId, (BatchJobState?)BatchJobState.Active)), "CreateJobAsync, GetJobAsync");
            Assert.That(jobs.Select(j => (j.Id, j.Priority)), Is.EqualTo(new[] { ((string?)jobId, (int?)10) }), "PatchJobAsync, ListJobsAsync with $filter");
            Assert.That((noJob!.Status, noJob.ErrorCode), Is.EqualTo((404, "JobNotFound")), "GetJobAsync of a missing job");
            Assert.That((taskExists!.Status, taskExists.ErrorCode), Is.EqualTo((409, "TaskExists")), "CreateTaskAsync of an id the job has");
            Assert.That(added.Select(r => (r.TaskId, r.Status)), Is.EquivalentTo(new[] { ((string?)"c1", BatchTaskAddStatus.Success), ("c2", BatchTaskAddStatus.Success) }), "AddTaskCollectionAsync");
        });

        await harness.WaitForCompletedAsync(jobId, 3);
        var counts = await client.GetJobTaskCountsAsync(jobId);
        var tasks = await ToListAsync(client.ListTasksAsync(jobId, select: "id,state"));
        var task = await client.GetTaskAsync(jobId, "single");
        var noTask = Assert.ThrowsAsync<BatchServiceException>(() => client.GetTaskAsync(jobId, "no-such-task"));
        string nodeId = task.NodeInfo!.NodeId!;
        string taskRoot = task.NodeInfo.TaskRootDirectory!;

        Assert.Multiple(() =>
        {
            Assert.That((counts.TaskCounts?.Completed, counts.TaskCounts?.Succeeded, counts.TaskSlotCounts?.Completed), Is.EqualTo(((int?)3, (int?)3, (int?)3)), "GetJobTaskCountsAsync");
            Assert.That(tasks.Select(t => t.Id), Is.EquivalentTo(new[] { "single", "c1", "c2" }), "ListTasksAsync");
            Assert.That((task.State, task.ExecutionInfo?.Result), Is.EqualTo(((BatchTaskState?)BatchTaskState.Completed, (BatchExecutionResult?)BatchExecutionResult.Success)), "GetTaskAsync");
            Assert.That((noTask!.Status, noTask.ErrorCode), Is.EqualTo((404, "TaskNotFound")), "GetTaskAsync of a missing task");
        });

        // ------------------------------------------------ task files, nodes and node files
        var taskFiles = await ToListAsync(client.ListTaskFilesAsync(jobId, "single"));
        string taskFileText;
        BatchFileProperties taskFileProperties;
        await using (var taskFile = await client.GetTaskFileAsync(jobId, "single", "stdout.txt"))
        {
            using var reader = new StreamReader(taskFile.Content);
            taskFileText = await reader.ReadToEndAsync();
            taskFileProperties = taskFile.Properties;
        }

        var taskFileHead = await client.GetTaskFilePropertiesAsync(jobId, "single", "stdout.txt");
        var noFile = Assert.ThrowsAsync<BatchServiceException>(() => client.GetTaskFileAsync(jobId, "single", "no-such-file.txt"));
        var noFileHead = Assert.ThrowsAsync<BatchServiceException>(() => client.GetTaskFilePropertiesAsync(jobId, "single", "no-such-file.txt"));
        var nodes = await ToListAsync(client.ListNodesAsync(poolId));
        var node = await client.GetNodeAsync(poolId, nodeId);
        var noNode = Assert.ThrowsAsync<BatchServiceException>(() => client.GetNodeAsync(poolId, "tvm-no-such-node"));
        var nodeFiles = await ToListAsync(client.ListNodeFilesAsync(poolId, nodeId, recursive: false));
        string nodeFileText;
        await using (var nodeFile = await client.GetNodeFileAsync(poolId, nodeId, $"{taskRoot}/stdout.txt", new HttpRange(0, 3)))
        {
            using var reader = new StreamReader(nodeFile.Content);
            nodeFileText = await reader.ReadToEndAsync();
        }

        var nodeFileHead = await client.GetNodeFilePropertiesAsync(poolId, nodeId, $"{taskRoot}/stdout.txt");

        Assert.Multiple(() =>
        {
            Assert.That(taskFiles.Select(f => f.Name), Does.Contain("stdout.txt"), "ListTaskFilesAsync");
            Assert.That(taskFileText, Is.EqualTo("single\n"), "GetTaskFileAsync: content");
            Assert.That((taskFileProperties.ContentLength, taskFileProperties.IsDirectory), Is.EqualTo(((long?)7, false)), "GetTaskFileAsync: properties");
            Assert.That((taskFileHead.ContentLength, taskFileHead.LastModified), Is.EqualTo((taskFileProperties.ContentLength, taskFileProperties.LastModified)), "GetTaskFilePropertiesAsync");
            Assert.That((noFile!.Status, noFile.ErrorCode), Is.EqualTo((404, "FileNotFound")), "GetTaskFileAsync of a missing file");
            Assert.That(noFileHead!.Status, Is.EqualTo(404), "GetTaskFilePropertiesAsync of a missing file (HEAD: no body, so no code)");
            Assert.That(nodes.Select(n => n.Id), Is.EqualTo(new[] { nodeId }), "ListNodesAsync");
            Assert.That((node.Id, node.State), Is.EqualTo(((string?)nodeId, (BatchNodeState?)BatchNodeState.Idle)), "GetNodeAsync");
            Assert.That((noNode!.Status, noNode.ErrorCode), Is.EqualTo((404, "NodeNotFound")), "GetNodeAsync of a missing node");
            Assert.That(nodeFiles.Select(f => f.Name), Is.SupersetOf(new[] { "shared", "startup", "workitems" }), "ListNodeFilesAsync");
            Assert.That(nodeFileText, Is.EqualTo("sin"), "GetNodeFileAsync with a byte range (offset 0, length 3)");
            Assert.That(nodeFileHead.FileUrl, Does.EndWith($"/pools/{poolId}/nodes/{nodeId}/files/{taskRoot}/stdout.txt"), "GetNodeFilePropertiesAsync");
        });

        // ------------------------------------------------ terminate and delete
        await client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "sleeper", CommandLine = "/bin/sh -c 'sleep 300'" });
        await client.TerminateTaskAsync(jobId, "sleeper");
        var terminated = await client.GetTaskAsync(jobId, "sleeper");
        await client.DeleteTaskAsync(jobId, "c2");
        var deletedTask = Assert.ThrowsAsync<BatchServiceException>(() => client.GetTaskAsync(jobId, "c2"));
        await client.TerminateJobAsync(jobId, "EveryOperation");
        BatchJob? terminatedJob = null;
        await Wait.UntilAsync(async () => (terminatedJob = await client.GetJobAsync(jobId)).State == BatchJobState.Completed, () => $"job {jobId} is {terminatedJob?.State}, not completed");
        await client.DeleteJobAsync(jobId);
        await client.DeletePoolAsync(poolId);

        Assert.Multiple(() =>
        {
            Assert.That((terminated.State, terminated.ExecutionInfo?.FailureInfo?.Code), Is.EqualTo(((BatchTaskState?)BatchTaskState.Completed, (string?)"TaskEnded")), "TerminateTaskAsync");
            Assert.That(deletedTask!.Status, Is.EqualTo(404), "DeleteTaskAsync: the task is gone");
            Assert.That(terminatedJob!.ExecutionInfo?.TerminateReason, Is.EqualTo("EveryOperation"), "TerminateJobAsync: the reason");
        });
        await Wait.UntilAsync(async () => !await PoolOrJobExistsAsync(client, poolId, jobId), () => $"pool {poolId} or job {jobId} is still there after DeletePoolAsync/DeleteJobAsync");

        var called = proxy.Invocations.Select(i => i.Method.Name).ToHashSet(StringComparer.Ordinal);
        Assert.That(OperationMethods().Select(m => m.Name).Distinct().Where(m => !called.Contains(m)), Is.Empty, "BatchRestClient operation methods this scenario never called");
        await EveryOperationRawTests.AssertEverySucceededAsync(harness);
    }

    /// <summary>The client's public operation methods: its public instance methods that return a task or a pageable.</summary>
    private static IEnumerable<MethodInfo> OperationMethods() =>
        typeof(BatchRestClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.Name.EndsWith("Async", StringComparison.Ordinal));

    private static async Task<bool> PoolOrJobExistsAsync(BatchRestClient client, string poolId, string jobId)
    {
        if (await client.PoolExistsAsync(poolId))
        {
            return true;
        }

        try
        {
            await client.GetJobAsync(jobId);
            return true;
        }
        catch (BatchServiceException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> pageable)
        where T : notnull
    {
        var list = new List<T>();
        await foreach (T item in pageable)
        {
            list.Add(item);
        }

        return list;
    }
}
