using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Pools: image selection, create, get, wait (fail fast), nodes, start task output, delete.</summary>
[TestFixture]
public class AzureBatchComputePoolTests
{
    [Test]
    public void Constructors_DisplayNameIsTheEndpointHostAndCapabilitiesAreRemotePosix()
    {
        var keyed = new AzureBatchCompute(TestClients.Endpoint, new BatchSharedKeyCredential(TestClients.Account, TestClients.Key));
        var harness = new ComputeHarness();

        Assert.Multiple(() =>
        {
            Assert.That(keyed.DisplayName, Is.EqualTo("testaccount.westus.batch.azure.com"));
            Assert.That(harness.Compute.DisplayName, Is.EqualTo("testaccount.westus.batch.azure.com"));
            Assert.That(keyed.Capabilities, Is.EqualTo(ComputeCapabilities.RemoteNodes | ComputeCapabilities.PosixNodes));
        });
    }

    [Test]
    public void Constructor_InvalidOptions_Throw()
    {
        var credential = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { MaxParallelAddTaskRequests = 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { PoolPollInterval = TimeSpan.Zero }));
            Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ImageOffer = " " }));
            Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(new Uri("/relative", UriKind.Relative), credential));
        });
    }

    [Test]
    public async Task CreatePoolAsync_WithStartTask_ListsLinuxImagesThenSendsThePool()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, ComputeHarness.Ubuntu2404Images).Enqueue(201);
        var start = new StartTaskSpec("/bin/sh -c 'mkdir -p \"$AZ_BATCH_NODE_SHARED_DIR\"/app && cp -R . \"$AZ_BATCH_NODE_SHARED_DIR\"/app'")
        {
            WaitForSuccess = true,
            MaxTaskRetryCount = 1,
        };
        start.ResourceFiles.Add(new ResourceFile(ComputeHarness.InputUrl, "TopNWords.TaskRunner"));
        start.EnvironmentSettings["DOTNET_gcServer"] = "0";

        await harness.Compute.CreatePoolAsync(new PoolSpec("topn-pool", 3) { TaskSlotsPerNode = 2, StartTask = start });

        var requests = harness.Transport.Requests;
        Assert.That(requests, Has.Count.EqualTo(2));
        RequestAssert.IsSignedBatchRequest(requests[0], "GET", "/supportedimages", new Dictionary<string, string> { ["$filter"] = "osType eq 'linux'" });
        RequestAssert.IsSignedBatchRequest(requests[1], "POST", "/pools");
        RequestAssert.HasJsonBody(requests[1]);
        JsonAssert.AreEquivalent(
            JsonNode.Parse($$"""
            {
              "id": "topn-pool",
              "vmSize": "STANDARD_D2S_V3",
              "virtualMachineConfiguration": {
                "imageReference": { "publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest" },
                "nodeAgentSKUId": "batch.node.ubuntu 24.04"
              },
              "targetDedicatedNodes": 3,
              "taskSlotsPerNode": 2,
              "startTask": {
                "commandLine": "/bin/sh -c 'mkdir -p \"$AZ_BATCH_NODE_SHARED_DIR\"/app && cp -R . \"$AZ_BATCH_NODE_SHARED_DIR\"/app'",
                "resourceFiles": [ { "httpUrl": "{{ComputeHarness.InputUrl.AbsoluteUri}}", "filePath": "TopNWords.TaskRunner" } ],
                "environmentSettings": [ { "name": "DOTNET_gcServer", "value": "0" } ],
                "userIdentity": { "autoUser": { "scope": "pool", "elevationLevel": "nonadmin" } },
                "maxTaskRetryCount": 1,
                "waitForSuccess": true
              }
            }
            """),
            requests[1].BodyText);
    }

    [Test]
    public async Task CreatePoolAsync_VmSizeOfThePoolWins_AndImagesAreListedOncePerInstance()
    {
        var harness = new ComputeHarness(configure: o => o.VirtualMachineSize = "STANDARD_D4S_V3");
        harness.Transport.Enqueue(200, ComputeHarness.Ubuntu2404Images).Enqueue(201).Enqueue(201);

        await harness.Compute.CreatePoolAsync(new PoolSpec("p1", 1) { VirtualMachineSize = "STANDARD_F2S_V2" });
        await harness.Compute.CreatePoolAsync(new PoolSpec("p2", 1));

        var requests = harness.Transport.Requests;
        Assert.That(requests.Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[] { "/supportedimages", "/pools", "/pools" }));
        Assert.Multiple(() =>
        {
            Assert.That((string?)JsonNode.Parse(requests[1].BodyText)!["vmSize"], Is.EqualTo("STANDARD_F2S_V2"));
            Assert.That((string?)JsonNode.Parse(requests[2].BodyText)!["vmSize"], Is.EqualTo("STANDARD_D4S_V3"));
            Assert.That(JsonNode.Parse(requests[2].BodyText)!["startTask"], Is.Null);
        });
    }

    [Test]
    public void CreatePoolAsync_PoolExists_ThrowsAlreadyExistsWithoutRetrying()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, ComputeHarness.Ubuntu2404Images)
            .Enqueue(409, ComputeHarness.Error("PoolExists", "The specified pool already exists.\nRequestId:r1"), ("request-id", "r1"));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.CreatePoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.AlreadyExists));
            Assert.That(ex.ResourceId, Is.EqualTo("topn-pool"));
            Assert.That(ex.ErrorCode, Is.EqualTo("PoolExists"));
            Assert.That(ex.Message, Does.Contain("pool 'topn-pool'").And.Contain("already exists").And.Contain("RequestId: r1"));
            Assert.That(ex.InnerException, Is.TypeOf<BatchServiceException>());
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public void CreatePoolAsync_NoMatchingImage_FailsNamingPublisherOfferAndSkuWithoutCreating()
    {
        // AccountListSupportedImages.json: CentOS, Debian, Windows; no Canonical image.
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("AccountListSupportedImages.json").ToResponse(200));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.CreatePoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.ErrorCode, Is.EqualTo("ImageNotSupported"));
            Assert.That(ex.Message, Does.Contain("publisher 'canonical'").And.Contain("offer 'ubuntu-24_04-lts'").And.Contain("starting with 'server'").And.Contain("pool 'topn-pool'"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(1), "no pool is created");
        });
    }

    [Test]
    public async Task CreatePoolAsync_ExampleImages_PicksTheVerifiedSkuAndIgnoresTheUnverifiedEndOfLifeOne()
    {
        // AccountListSupportedImages.json: OpenLogic/CentOS 7.2 (verified) and 7.1 (unverified, end of life 2019).
        var harness = new ComputeHarness(configure: o => (o.ImagePublisher, o.ImageOffer, o.ImageSkuPrefix) = ("OpenLogic", "CentOS", "7"));
        harness.Transport.Enqueue(RestExample.Load("AccountListSupportedImages.json").ToResponse(200)).Enqueue(201);

        await harness.Compute.CreatePoolAsync(new PoolSpec("p", 1));

        var configuration = JsonNode.Parse(harness.Transport.Requests[1].BodyText)!["virtualMachineConfiguration"]!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)configuration["imageReference"]!["sku"], Is.EqualTo("7.2"));
            Assert.That((string?)configuration["nodeAgentSKUId"], Is.EqualTo("batch.node.centos 7"));
        });
    }

    [Test]
    public async Task GetPoolAsync_Example_MapsThePool()
    {
        // Pools_GetPool_Basic.json
        var example = RestExample.Load("Pools_GetPool_Basic.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(example.ToResponse(200));

        PoolInfo? pool = await harness.Compute.GetPoolAsync(example.Parameter("poolId"));

        RequestAssert.IsSignedBatchRequest(harness.Transport.SingleRequest, "GET", "/pools/pool");
        Assert.That(pool, Is.EqualTo(new PoolInfo("pool", PoolAllocationState.Steady, 0, 0, 1, [], false)).Using<PoolInfo>(SamePool));
    }

    [Test]
    public async Task GetPoolAsync_ResizeErrorsAndDeleting_AreMapped()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, $$"""
            {"id":"p","state":"deleting","allocationState":"RESIZING","targetDedicatedNodes":4,"currentDedicatedNodes":1,
             "targetLowPriorityNodes":1,"currentLowPriorityNodes":1,"taskSlotsPerNode":3,
             "resizeErrors":[{"code":"AccountCoreQuotaReached","message":"The specified account has reached VM core quota.",
                              "values":[{"name":"Url","value":"{{ComputeHarness.InputUrl.AbsoluteUri}}"}]}]}
            """);

        PoolInfo pool = (await harness.Compute.GetPoolAsync("p"))!;

        Assert.Multiple(() =>
        {
            Assert.That(pool.AllocationState, Is.EqualTo(PoolAllocationState.Resizing));
            Assert.That(pool.TargetNodeCount, Is.EqualTo(5));
            Assert.That(pool.CurrentNodeCount, Is.EqualTo(2));
            Assert.That(pool.TaskSlotsPerNode, Is.EqualTo(3));
            Assert.That(pool.IsBeingDeleted, Is.True);
            Assert.That(pool.ResizeErrors.Single().Code, Is.EqualTo("AccountCoreQuotaReached"));
            Assert.That(pool.ResizeErrors.Single().Message, Does.StartWith("The specified account has reached VM core quota."));
        });
        ComputeHarness.AssertNoSecret([pool.ResizeErrors.Single().Message], "resize error message");
    }

    [Test]
    public async Task GetPoolAsync_NotFound_ReturnsNull()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(404, ComputeHarness.Error("PoolNotFound", "The specified pool does not exist."));

        Assert.That(await harness.Compute.GetPoolAsync("gone"), Is.Null);
    }

    [Test]
    public async Task ListNodesAsync_Example_MapsNodesAndSelectsOnlyWhatIsNeeded()
    {
        // Nodes_ListNodes.json
        var example = RestExample.Load("Nodes_ListNodes.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(example.ToResponse(200));

        var nodes = await harness.Compute.ListNodesAsync(example.Parameter("poolId"));

        RequestAssert.IsSignedBatchRequest(harness.Transport.SingleRequest, "GET", "/pools/poolId/nodes", new Dictionary<string, string> { ["$select"] = "id,state,startTaskInfo,errors" });
        Assert.That(nodes, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(nodes.Select(n => n.State), Is.All.EqualTo(ComputeNodeState.Idle));
            Assert.That(nodes[0].Id, Is.EqualTo("tvm-1695681911_1-20161122t193202z"));
            Assert.That(nodes[0].StartTask!.IsCompleted, Is.True);
            Assert.That(nodes[0].StartTask!.ExitCode, Is.Zero);
            Assert.That(nodes[0].StartTask!.FailureInfo, Is.Null);
            Assert.That(nodes[0].StartTask!.StartTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-22T22:22:27.2236818Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(nodes[0].Errors, Is.Empty);
        });
    }

    [TestCase("idle", ComputeNodeState.Idle)]
    [TestCase("RUNNING", ComputeNodeState.Running)]
    [TestCase("creating", ComputeNodeState.Creating)]
    [TestCase("starting", ComputeNodeState.Starting)]
    [TestCase("waitingforstarttask", ComputeNodeState.WaitingForStartTask)]
    [TestCase("starttaskfailed", ComputeNodeState.StartTaskFailed)]
    [TestCase("unusable", ComputeNodeState.Unusable)]
    [TestCase("offline", ComputeNodeState.Offline)]
    [TestCase("deallocated", ComputeNodeState.Offline)]
    [TestCase("rebooting", ComputeNodeState.Rebooting)]
    [TestCase("reimaging", ComputeNodeState.Reimaging)]
    [TestCase("leavingpool", ComputeNodeState.LeavingPool)]
    [TestCase("preempted", ComputeNodeState.Preempted)]
    [TestCase("upgradingos", ComputeNodeState.Upgrading)]
    [TestCase("unknown", ComputeNodeState.Unknown)]
    [TestCase("hibernating-in-2030", ComputeNodeState.Unknown)]
    public async Task ListNodesAsync_NodeStates_MapCaseInsensitivelyAndUnknownToUnknown(string wire, ComputeNodeState expected)
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, $$"""{"value":[{"id":"n","state":"{{wire}}"}]}""");

        var nodes = await harness.Compute.ListNodesAsync("p");

        Assert.That(nodes.Single().State, Is.EqualTo(expected));
    }

    [Test]
    public async Task ListNodesAsync_FailedStartTaskAndNodeErrors_AreMappedAndRedacted()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, $$$"""
            {"value":[{"id":"tvm-2","state":"starttaskfailed",
              "startTaskInfo":{"state":"completed","exitCode":127,"retryCount":1,"result":"failure","startTime":"2025-07-01T12:01:00Z","endTime":"2025-07-01T12:01:02Z",
                "failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure",
                               "details":[{"name":"Message","value":"The task exited with an exit code representing a failure"}]}},
              "errors":[{"code":"ResourceDownloadFailed","message":"A resource file could not be downloaded",
                         "errorDetails":[{"name":"Url","value":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}"}]}]}]}
            """);

        ComputeNodeInfo node = (await harness.Compute.ListNodesAsync("p")).Single();

        Assert.Multiple(() =>
        {
            Assert.That(node.State, Is.EqualTo(ComputeNodeState.StartTaskFailed));
            Assert.That(node.StartTask, Is.EqualTo(new StartTaskInfo(
                true,
                127,
                new TaskFailureInfo("UserError", "FailureExitCode", "The task exited with an exit code representing a failure"),
                1,
                new DateTimeOffset(2025, 7, 1, 12, 1, 0, TimeSpan.Zero),
                new DateTimeOffset(2025, 7, 1, 12, 1, 2, TimeSpan.Zero))));
            Assert.That(node.Errors.Single(), Does.StartWith("ResourceDownloadFailed: A resource file could not be downloaded (Url=https://acct.blob.core.windows.net/input/taskdata0.txt?"));
        });
        ComputeHarness.AssertNoSecret(node.Errors, "node errors");
    }

    [Test]
    public async Task GetStartTaskOutputTailAsync_LongStderr_ReadsLengthThenOnlyTheTail()
    {
        var harness = new ComputeHarness();
        byte[] tail = [0x80, 0x80, .. "line 99\nchmod: cannot access 'x'\n"u8]; // starts inside a 3-byte character
        harness.Transport
            .Enqueue(200, null, ("Content-Length", "5000"), ("ocp-batch-file-isdirectory", "false"))
            .Enqueue(new FakeResponse(206).AddHeader("Content-Range", "bytes 4965-4999/5000").SetContent(tail));

        string? text = await harness.Compute.GetStartTaskOutputTailAsync("pool-1", "tvm-1", TaskOutputStream.StandardError, tail.Length);

        var requests = harness.Transport.Requests;
        RequestAssert.IsSignedBatchRequest(requests[0], "HEAD", "/pools/pool-1/nodes/tvm-1/files/startup/stderr.txt");
        RequestAssert.IsSignedBatchRequest(requests[1], "GET", "/pools/pool-1/nodes/tvm-1/files/startup/stderr.txt");
        Assert.Multiple(() =>
        {
            Assert.That(requests[1].Header("ocp-range"), Is.EqualTo("bytes=4965-4999"));
            Assert.That(text, Is.EqualTo("line 99\nchmod: cannot access 'x'\n"), "the cut character's continuation bytes are dropped");
        });
    }

    [Test]
    public async Task GetStartTaskOutputTailAsync_ShortStdout_ReadsTheWholeFile()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, null, ("Content-Length", "12")).Enqueue(FakeResponse.Create(200, "copied 3 ok\n"));

        string? text = await harness.Compute.GetStartTaskOutputTailAsync("pool-1", "tvm-1", TaskOutputStream.StandardOutput, 2048);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Transport.Requests[1].Uri.AbsolutePath, Is.EqualTo("/pools/pool-1/nodes/tvm-1/files/startup/stdout.txt"));
            Assert.That(harness.Transport.Requests[1].Header("ocp-range"), Is.Null);
            Assert.That(text, Is.EqualTo("copied 3 ok\n"));
        });
    }

    [Test]
    public async Task GetStartTaskOutputTailAsync_NoFile_ReturnsNull()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(404);

        Assert.That(await harness.Compute.GetStartTaskOutputTailAsync("pool-1", "tvm-1", TaskOutputStream.StandardError, 2048), Is.Null);
    }

    [Test]
    public void WaitForPoolReadyAsync_StartTaskFailed_FailsFastNamingTheNodeExitCodeAndStderrTail()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(200, """{"id":"topn-pool","state":"active","allocationState":"steady","targetDedicatedNodes":2,"currentDedicatedNodes":2,"taskSlotsPerNode":1}""")
            .Enqueue(200, """
                {"value":[{"id":"tvm-1","state":"idle","startTaskInfo":{"state":"completed","exitCode":0,"retryCount":0}},
                          {"id":"tvm-2","state":"starttaskfailed",
                           "startTaskInfo":{"state":"completed","exitCode":1,"retryCount":0,"result":"failure",
                             "failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure"}}}]}
                """)
            .Enqueue(200, null, ("Content-Length", "47"))
            .Enqueue(FakeResponse.Create(200, "cp: cannot create directory: Permission denied\n"));

        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => harness.Compute.WaitForPoolReadyAsync("topn-pool"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ResourceId, Is.EqualTo("topn-pool"));
            Assert.That(ex.Nodes.Single().NodeId, Is.EqualTo("tvm-2"));
            Assert.That(ex.Nodes.Single().StartTaskExitCode, Is.EqualTo(1));
            Assert.That(ex.Nodes.Single().StartTaskStderrTail, Is.EqualTo("cp: cannot create directory: Permission denied\n"));
            Assert.That(ex.Message, Does.Contain("node 'tvm-2' is StartTaskFailed").And.Contain("exit code 1").And.Contain("FailureExitCode").And.Contain("cp: cannot create directory: Permission denied"));
            Assert.That(harness.Transport.Requests[2].Uri.AbsolutePath, Is.EqualTo("/pools/topn-pool/nodes/tvm-2/files/startup/stderr.txt"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(4), "no second poll");
        });
    }

    [Test]
    public void WaitForPoolReadyAsync_ResizeError_FailsFastWithTheCode()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(200, """
                {"id":"topn-pool","state":"active","allocationState":"steady","targetDedicatedNodes":4,"currentDedicatedNodes":0,
                 "resizeErrors":[{"code":"AccountCoreQuotaReached","message":"The specified account has reached VM core quota."}]}
                """)
            .Enqueue(200, """{"value":[]}""");

        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => harness.Compute.WaitForPoolReadyAsync("topn-pool"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ErrorCode, Is.EqualTo("AccountCoreQuotaReached"));
            Assert.That(ex.ResizeErrors.Single().Code, Is.EqualTo("AccountCoreQuotaReached"));
            Assert.That(ex.Message, Does.Contain("AccountCoreQuotaReached").And.Contain("0 of 4"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(2));
        });
    }

    [Test]
    public async Task WaitForPoolReadyAsync_Resizing_PollsOnTheClockUntilEveryNodeIsReady()
    {
        var harness = new ComputeHarness(configure: o => o.PoolPollInterval = TimeSpan.FromSeconds(15));
        harness.Transport
            .Enqueue(200, """{"id":"p","allocationState":"resizing","targetDedicatedNodes":1,"currentDedicatedNodes":0}""")
            .Enqueue(200, """{"value":[]}""")
            .Enqueue(200, """{"id":"p","allocationState":"steady","targetDedicatedNodes":1,"currentDedicatedNodes":1}""")
            .Enqueue(200, """{"value":[{"id":"tvm-1","state":"waitingforstarttask"}]}""")
            .Enqueue(200, """{"id":"p","allocationState":"steady","targetDedicatedNodes":1,"currentDedicatedNodes":1}""")
            .Enqueue(200, """{"value":[{"id":"tvm-1","state":"idle"}]}""");

        Task<PoolInfo> wait = harness.Compute.WaitForPoolReadyAsync("p");
        for (int poll = 0; poll < 2; poll++)
        {
            Assert.That(await harness.Time.NextTimerAsync(), Is.EqualTo(TimeSpan.FromSeconds(15)));
            harness.Time.Advance(TimeSpan.FromSeconds(15));
        }

        PoolInfo pool = await wait;
        Assert.Multiple(() =>
        {
            Assert.That(pool.CurrentNodeCount, Is.EqualTo(1));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(6));
            Assert.That(harness.Transport.Requests[4].SentAt - harness.Transport.Requests[0].SentAt, Is.EqualTo(TimeSpan.FromSeconds(30)));
        });
    }

    [Test]
    public async Task DeletePoolAsync_AcceptedNotFoundAndBeingDeleted()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Pools_DeletePool.json").ToResponse(202))
            .Enqueue(404, ComputeHarness.Error("PoolNotFound", "The specified pool does not exist."))
            .Enqueue(409, ComputeHarness.Error("PoolBeingDeleted", "The specified pool has been marked for deletion."));

        bool accepted = await harness.Compute.DeletePoolAsync("poolId");
        bool missing = await harness.Compute.DeletePoolAsync("poolId");
        bool deleting = await harness.Compute.DeletePoolAsync("poolId");

        RequestAssert.IsSignedBatchRequest(harness.Transport.Requests[0], "DELETE", "/pools/poolId");
        Assert.Multiple(() =>
        {
            Assert.That(accepted, Is.True);
            Assert.That(missing, Is.False);
            Assert.That(deleting, Is.True);
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(3));
        });
    }

    private static bool SamePool(PoolInfo a, PoolInfo b)
        => a.Id == b.Id && a.AllocationState == b.AllocationState && a.TargetNodeCount == b.TargetNodeCount && a.CurrentNodeCount == b.CurrentNodeCount
           && a.TaskSlotsPerNode == b.TaskSlotsPerNode && a.IsBeingDeleted == b.IsBeingDeleted && a.ResizeErrors.SequenceEqual(b.ResizeErrors);
}
