using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Pool operations and supported images against the official examples.</summary>
[TestFixture]
public class BatchRestClientPoolTests
{
    [Test]
    public async Task CreatePoolAsync_VirtualMachineConfigurationExample_SendsTheExampleBody()
    {
        // Pools_CreatePool_VirtualMachineConfiguration.json
        var example = RestExample.Load("Pools_CreatePool_VirtualMachineConfiguration.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(201));
        var pool = new BatchPoolCreateContent
        {
            Id = "pool2",
            VmSize = "standard_a1",
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = "Canonical", Offer = "0001-com-ubuntu-server-focal", Sku = "20_04-lts" },
                NodeAgentSkuId = "batch.node.ubuntu 20.04",
            },
            ResizeTimeout = TimeSpan.FromMinutes(15),
            TargetDedicatedNodes = 5,
            TargetLowPriorityNodes = 0,
            TaskSlotsPerNode = 3,
            TaskSchedulingPolicy = new BatchTaskSchedulingPolicy { NodeFillType = BatchNodeFillType.Spread },
            EnableAutoScale = false,
            EnableInterNodeCommunication = true,
            Metadata = [new BatchNameValuePair("myproperty", "myvalue")],
        };

        await clients.Client.CreatePoolAsync(pool);

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/pools");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(example.Body("pool"), sent.BodyText, example.FileName);
    }

    [Test]
    public async Task CreatePoolAsync_StartTaskWithResourceFiles_SerializesTheWorkflowFields()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(201);
        var pool = new BatchPoolCreateContent
        {
            Id = "topn-pool",
            VmSize = "STANDARD_D2S_V3",
            TargetDedicatedNodes = 2,
            StartTask = new BatchStartTask
            {
                CommandLine = "/bin/bash -c 'cp -r $AZ_BATCH_TASK_WORKING_DIR/app $AZ_BATCH_NODE_SHARED_DIR'",
                ResourceFiles = [new BatchResourceFile { StorageContainerUrl = "https://acct.blob.core.windows.net/app?sv=1&sig=x", FilePath = "app" }],
                EnvironmentSettings = [new BatchEnvironmentSetting("DOTNET_CLI_TELEMETRY_OPTOUT", "1")],
                UserIdentity = new BatchUserIdentity { AutoUser = new BatchAutoUserSpecification { Scope = BatchAutoUserScope.Pool, ElevationLevel = BatchElevationLevel.Admin } },
                MaxTaskRetryCount = 1,
                WaitForSuccess = true,
            },
        };

        await clients.Client.CreatePoolAsync(pool);

        JsonAssert.AreEquivalent(
            System.Text.Json.Nodes.JsonNode.Parse("""
            {
              "id": "topn-pool", "vmSize": "STANDARD_D2S_V3", "targetDedicatedNodes": 2,
              "startTask": {
                "commandLine": "/bin/bash -c 'cp -r $AZ_BATCH_TASK_WORKING_DIR/app $AZ_BATCH_NODE_SHARED_DIR'",
                "resourceFiles": [ { "storageContainerUrl": "https://acct.blob.core.windows.net/app?sv=1&sig=x", "filePath": "app" } ],
                "environmentSettings": [ { "name": "DOTNET_CLI_TELEMETRY_OPTOUT", "value": "1" } ],
                "userIdentity": { "autoUser": { "scope": "pool", "elevationLevel": "admin" } },
                "maxTaskRetryCount": 1,
                "waitForSuccess": true
              }
            }
            """),
            clients.Transport.SingleRequest.BodyText);
    }

    [Test]
    public async Task GetPoolAsync_BasicExample_ParsesThePool()
    {
        // Pools_GetPool_Basic.json
        var example = RestExample.Load("Pools_GetPool_Basic.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        BatchPool pool = await clients.Client.GetPoolAsync(example.Parameter("poolId"));

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/pools/pool");
        Assert.Multiple(() =>
        {
            Assert.That(pool.Id, Is.EqualTo("pool"));
            Assert.That(pool.State, Is.EqualTo(BatchPoolState.Active));
            Assert.That(pool.AllocationState, Is.EqualTo(BatchAllocationState.Steady));
            Assert.That(pool.AllocationStateTransitionTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-22T18:55:24.8154041Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(pool.VmSize, Is.EqualTo("standard_a1"));
            Assert.That(pool.ResizeTimeout, Is.EqualTo(TimeSpan.FromMinutes(15)));
            Assert.That(pool.ResizeErrors, Is.Null);
            Assert.That(pool.CurrentDedicatedNodes, Is.Zero);
            Assert.That(pool.TargetDedicatedNodes, Is.Zero);
            Assert.That(pool.TaskSlotsPerNode, Is.EqualTo(1));
            Assert.That(pool.TaskSchedulingPolicy!.NodeFillType, Is.EqualTo(BatchNodeFillType.Spread));
            Assert.That(pool.StartTask!.CommandLine, Is.EqualTo("/bin/bash -c 'echo start task'"));
            Assert.That(pool.StartTask.UserIdentity!.AutoUser!.Scope, Is.EqualTo(BatchAutoUserScope.Task));
            Assert.That(pool.StartTask.UserIdentity.AutoUser.ElevationLevel, Is.EqualTo(BatchElevationLevel.NonAdmin));
            Assert.That(pool.StartTask.MaxTaskRetryCount, Is.Zero);
            Assert.That(pool.StartTask.WaitForSuccess, Is.False);
            Assert.That(pool.VirtualMachineConfiguration!.NodeAgentSkuId, Is.EqualTo("batch.node.ubuntu 20.04"));
            Assert.That(pool.VirtualMachineConfiguration.ImageReference!.Publisher, Is.EqualTo("Canonical"));
            Assert.That(pool.VirtualMachineConfiguration.ImageReference.Offer, Is.EqualTo("0001-com-ubuntu-server-focal"));
            Assert.That(pool.VirtualMachineConfiguration.ImageReference.Sku, Is.EqualTo("20_04-lts"));
            Assert.That(pool.VirtualMachineConfiguration.ImageReference.Version, Is.EqualTo("latest"));
        });
    }

    [Test]
    public async Task GetPoolAsync_ResizeErrors_AreParsed()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"id":"p","state":"active","allocationState":"steady","currentDedicatedNodes":0,"targetDedicatedNodes":4,
             "resizeErrors":[{"code":"AccountCoreQuotaReached","message":"The specified account has reached VM core quota.",
                              "values":[{"name":"CoreQuota","value":"4"}]}]}
            """);

        BatchPool pool = await clients.Client.GetPoolAsync("p");

        Assert.Multiple(() =>
        {
            Assert.That(pool.ResizeErrors, Has.Count.EqualTo(1));
            Assert.That(pool.ResizeErrors![0].Code, Is.EqualTo("AccountCoreQuotaReached"));
            Assert.That(pool.ResizeErrors[0].Message, Does.StartWith("The specified account"));
            Assert.That(pool.ResizeErrors[0].Values![0].Name, Is.EqualTo("CoreQuota"));
            Assert.That(pool.ResizeErrors[0].Values![0].Value, Is.EqualTo("4"));
        });
    }

    [TestCase(200, true)]
    [TestCase(404, false)]
    public async Task PoolExistsAsync_Example_MapsStatusToBool(int status, bool expected)
    {
        // Pools_PoolExists.json (200 and 404)
        var example = RestExample.Load("Pools_PoolExists.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(status));

        bool exists = await clients.Client.PoolExistsAsync(example.Parameter("poolId"));

        Assert.That(exists, Is.EqualTo(expected));
        RecordedRequestAssertions(clients);
    }

    [Test]
    public void PoolExistsAsync_Forbidden_Throws()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(403);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.PoolExistsAsync("poolId"));

        Assert.That(ex!.Status, Is.EqualTo(403));
    }

    [Test]
    public async Task DeletePoolAsync_Example_SendsDeleteWithContentLengthZero()
    {
        // Pools_DeletePool.json (TSP example: its api-version 2025-06-01 is sent as 2025-06-01.21.0)
        var example = RestExample.Load("Pools_DeletePool.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(202));

        await clients.Client.DeletePoolAsync(example.Parameter("poolId"));

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "DELETE", "/pools/poolId");
        RequestAssert.HasEmptyBody(sent);
    }

    [Test]
    public async Task ListSupportedImagesAsync_Example_ParsesEveryImage()
    {
        // AccountListSupportedImages.json
        var example = RestExample.Load("AccountListSupportedImages.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        var images = new List<BatchSupportedImage>();
        await foreach (BatchSupportedImage image in clients.Client.ListSupportedImagesAsync(filter: "verificationType eq 'verified'"))
        {
            images.Add(image);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/supportedimages", new Dictionary<string, string> { ["$filter"] = "verificationType eq 'verified'" });
        Assert.That(images, Has.Count.EqualTo(5));
        Assert.Multiple(() =>
        {
            Assert.That(images[0].NodeAgentSkuId, Is.EqualTo("batch.node.centos 7"));
            Assert.That(images[0].ImageReference!.Publisher, Is.EqualTo("OpenLogic"));
            Assert.That(images[0].ImageReference!.Sku, Is.EqualTo("7.2"));
            Assert.That(images[0].VerificationType, Is.EqualTo(BatchImageVerificationType.Verified));
            Assert.That(images[0].Capabilities, Is.EqualTo(new[] { "DockerCompatible", "NvidiaTeslaDriverInstalled" }));
            Assert.That(images[0].OsType, Is.EqualTo(BatchOSType.Linux));
            Assert.That(images[0].BatchSupportEndOfLife, Is.Null);
            Assert.That(images[1].VerificationType, Is.EqualTo(BatchImageVerificationType.Unverified));
            Assert.That(images[1].BatchSupportEndOfLife, Is.EqualTo(new DateTimeOffset(2019, 11, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(images[3].OsType, Is.EqualTo(BatchOSType.Windows));
            Assert.That(images[4].ImageReference!.Sku, Is.EqualTo("2012-Datacenter"));
        });
    }

    private static void RecordedRequestAssertions(TestClients clients)
    {
        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "HEAD", "/pools/poolId");
        Assert.That(sent.Body, Is.Null);
    }
}
