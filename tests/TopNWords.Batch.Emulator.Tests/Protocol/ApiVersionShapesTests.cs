using System.Text.Json.Nodes;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>The version-shaping step: what each served api-version keeps, drops or renames in each resource kind.</summary>
[TestFixture]
public class ApiVersionShapesTests
{
    private const string Base = "https://127.0.0.1:1/$metadata#";

    private static readonly string[] Served = ApiVersions.Served;

    [Test]
    public void Served_IsEveryStableVersionFrom16To21_OldestFirst()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ApiVersionShapes.Served, Is.EqualTo(Served));
            Assert.That(ApiVersionShapes.Newest, Is.EqualTo(ApiVersions.Newest));
            Assert.That(ApiVersionShapes.Served, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        });
    }

    [TestCase("2025-06-01.21.0", true)]
    [TestCase("2022-10-01.16.0", true)]
    [TestCase("2023-11-01.18.0", true)]
    [TestCase("2024-01-01.18.0", false)]
    [TestCase("2022-01-01.15.0", false)]
    [TestCase("2025-06-01", false)]
    [TestCase("2025-06-01.21.0 ", false)]
    [TestCase("2025-06-01.21.1", false)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void IsServed_OnlyTheExactVersionStrings(string? version, bool served) =>
        Assert.That(ApiVersionShapes.IsServed(version), Is.EqualTo(served));

    [TestCase("https://h/$metadata#pools/@Element", "pools")]
    [TestCase("https://h/$metadata#pools", "pools")]
    [TestCase("https://h/$metadata#nodes", "nodes")]
    [TestCase("https://h/$metadata#taskcounts/@Element", "taskcounts")]
    [TestCase("https://h/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element", "errors")]
    [TestCase("https://h/no-fragment", null)]
    public void KindOf_IsTheEntitySetOfTheMetadata(string metadata, string? kind) =>
        Assert.That(ApiVersionShapes.KindOf(new JsonObject { ["odata.metadata"] = metadata }), Is.EqualTo(kind));

    // ------------------------------------------------------------------ pools

    [TestCaseSource(nameof(Served))]
    public void Pool_MembersAreThoseOfTheVersion(string version)
    {
        var pool = NewestPool();

        ApiVersionShapes.Shape(pool, WireKind.Pools, version);

        bool v17 = AtLeast(version, "2023-05-01.17.0"), v18 = AtLeast(version, "2023-11-01.18.0"), v19 = AtLeast(version, "2024-02-01.19.0");
        bool v20 = AtLeast(version, "2024-07-01.20.0"), v21 = AtLeast(version, "2025-06-01.21.0");
        var vm = pool["virtualMachineConfiguration"]!.AsObject();
        Assert.Multiple(() =>
        {
            // in every version
            Assert.That(pool.ContainsKey("id") && pool.ContainsKey("taskSlotsPerNode") && pool.ContainsKey("currentNodeCommunicationMode"), Is.True);
            Assert.That(vm.ContainsKey("nodeAgentSKUId") && vm.ContainsKey("imageReference"), Is.True);
            Assert.That(pool["taskSchedulingPolicy"]!.AsObject().ContainsKey("nodeFillType"), Is.True);

            Assert.That(pool["networkConfiguration"]!.AsObject().ContainsKey("enableAcceleratedNetworking"), Is.EqualTo(v17), "enableAcceleratedNetworking");
            Assert.That(vm["extensions"]![0]!.AsObject().ContainsKey("enableAutomaticUpgrade"), Is.EqualTo(v17), "extensions[].enableAutomaticUpgrade");
            Assert.That(vm["extensions"]![0]!.AsObject().ContainsKey("name"), Is.True);
            Assert.That(pool.ContainsKey("resourceTags"), Is.EqualTo(v18), "resourceTags");
            Assert.That(vm.ContainsKey("securityProfile"), Is.EqualTo(v18), "securityProfile");
            Assert.That(vm.ContainsKey("serviceArtifactReference"), Is.EqualTo(v18), "serviceArtifactReference");
            Assert.That(vm["osDisk"]!.AsObject().ContainsKey("diskSizeGB"), Is.EqualTo(v18), "osDisk.diskSizeGB");
            Assert.That(vm["osDisk"]!.AsObject().ContainsKey("ephemeralOSDiskSettings"), Is.True);
            Assert.That(pool.ContainsKey("upgradePolicy"), Is.EqualTo(v19), "upgradePolicy");
            Assert.That(pool.ContainsKey("cloudServiceConfiguration"), Is.EqualTo(!v20), "cloudServiceConfiguration");
            Assert.That(pool.ContainsKey("applicationLicenses"), Is.EqualTo(!v20), "applicationLicenses");
            Assert.That(vm["imageReference"]!.AsObject().ContainsKey("sharedGalleryImageId"), Is.EqualTo(v20), "imageReference.sharedGalleryImageId");
            Assert.That(vm["imageReference"]!.AsObject().ContainsKey("publisher"), Is.True);
            Assert.That(pool["taskSchedulingPolicy"]!.AsObject().ContainsKey("jobDefaultOrder"), Is.EqualTo(v21), "jobDefaultOrder");
            Assert.That(pool["networkConfiguration"]!["publicIPAddressConfiguration"]!.AsObject().ContainsKey("ipTags"), Is.EqualTo(v21), "ipTags");
            Assert.That(pool["networkConfiguration"]!["publicIPAddressConfiguration"]!.AsObject().ContainsKey("provision"), Is.True);
        });
    }

    // ------------------------------------------------------------------ nodes

    [TestCase("2022-10-01.16.0", "upgradingos", "rebooting")]
    [TestCase("2023-11-01.18.0", "upgradingos", "rebooting")]
    [TestCase("2024-02-01.19.0", "upgradingos", "upgradingos")]
    [TestCase("2023-05-01.17.0", "deallocated", "unknown")]
    [TestCase("2024-02-01.19.0", "deallocating", "unknown")]
    [TestCase("2024-07-01.20.0", "deallocated", "deallocated")]
    [TestCase("2025-06-01.21.0", "deallocating", "deallocating")]
    [TestCase("2022-10-01.16.0", "idle", "idle")]
    [TestCase("2022-10-01.16.0", "starttaskfailed", "starttaskfailed")]
    public void NodeState_UnknownToTheVersion_IsWrittenAsTheStateItShows(string version, string state, string expected)
    {
        var body = new JsonObject
        {
            ["odata.metadata"] = Base + "nodes",
            ["value"] = new JsonArray(new JsonObject { ["id"] = "tvm-1", ["state"] = state }, new JsonObject { ["id"] = "tvm-2", ["state"] = "running" }),
        };

        ApiVersionShapes.ShapeResponse(body, version);

        Assert.Multiple(() =>
        {
            Assert.That(body["value"]![0]!["state"]!.GetValue<string>(), Is.EqualTo(expected));
            Assert.That(body["value"]![1]!["state"]!.GetValue<string>(), Is.EqualTo("running"));
        });
    }

    [TestCaseSource(nameof(Served))]
    public void Node_MembersAreThoseOfTheVersion(string version)
    {
        var node = new JsonObject
        {
            ["odata.metadata"] = Base + "nodes/@Element",
            ["id"] = "tvm-1",
            ["runningTaskSlotsCount"] = 1,
            ["ipAddress"] = "10.0.0.4",
            ["ipv6Address"] = "fd00::4",
            ["virtualMachineInfo"] = new JsonObject { ["imageReference"] = new JsonObject { ["publisher"] = "canonical" }, ["scaleSetVmResourceId"] = "/subscriptions/x" },
        };

        ApiVersionShapes.ShapeResponse(node, version);

        Assert.Multiple(() =>
        {
            Assert.That(node.ContainsKey("runningTaskSlotsCount") && node.ContainsKey("ipAddress"), Is.True);
            Assert.That(node["virtualMachineInfo"]!.AsObject().ContainsKey("imageReference"), Is.True);
            Assert.That(node["virtualMachineInfo"]!.AsObject().ContainsKey("scaleSetVmResourceId"), Is.EqualTo(AtLeast(version, "2023-11-01.18.0")));
            Assert.That(node.ContainsKey("ipv6Address"), Is.EqualTo(AtLeast(version, "2025-06-01.21.0")));
        });
    }

    [TestCaseSource(nameof(Served))]
    public void PoolNodeCounts_NewerStatesAreCountedAsTheStateTheVersionShows(string version)
    {
        JsonObject Counts() => new() { ["idle"] = 1, ["rebooting"] = 1, ["unknown"] = 0, ["upgradingOS"] = 2, ["deallocated"] = 3, ["deallocating"] = 4, ["total"] = 11 };
        var body = new JsonObject
        {
            ["odata.metadata"] = Base + "poolnodecounts",
            ["value"] = new JsonArray(new JsonObject { ["poolId"] = "p1", ["dedicated"] = Counts(), ["lowPriority"] = Counts() }),
        };

        ApiVersionShapes.ShapeResponse(body, version);

        bool v19 = AtLeast(version, "2024-02-01.19.0"), v20 = AtLeast(version, "2024-07-01.20.0");
        foreach (string side in new[] { "dedicated", "lowPriority" })
        {
            var counts = body["value"]![0]![side]!.AsObject();
            Assert.Multiple(() =>
            {
                Assert.That(counts["idle"]!.GetValue<int>(), Is.EqualTo(1));
                Assert.That(counts["total"]!.GetValue<int>(), Is.EqualTo(11));
                Assert.That(counts.ContainsKey("upgradingOS"), Is.EqualTo(v19), side + ".upgradingOS");
                Assert.That(counts["rebooting"]!.GetValue<int>(), Is.EqualTo(v19 ? 1 : 3), side + ".rebooting");
                Assert.That(counts.ContainsKey("deallocated") && counts.ContainsKey("deallocating"), Is.EqualTo(v20), side + ".deallocated");
                Assert.That(counts["unknown"]!.GetValue<int>(), Is.EqualTo(v20 ? 0 : 7), side + ".unknown");
                Assert.That(counts.Where(c => c.Key != "total").Sum(c => c.Value!.GetValue<int>()), Is.EqualTo(11), side + " adds up");
            });
        }
    }

    // ------------------------------------------------------------------ jobs, tasks, task counts, images, errors

    [TestCaseSource(nameof(Served))]
    public void TaskAndJob_ContainerBindMounts_OnlyFrom20(string version)
    {
        JsonObject Settings() => new() { ["imageName"] = "ubuntu", ["containerHostBatchBindMounts"] = new JsonArray(new JsonObject { ["source"] = "task" }) };
        var task = new JsonObject { ["odata.metadata"] = Base + "tasks/@Element", ["id"] = "t1", ["requiredSlots"] = 1, ["containerSettings"] = Settings() };
        var jobs = new JsonObject
        {
            ["odata.metadata"] = Base + "jobs",
            ["value"] = new JsonArray(new JsonObject { ["id"] = "j1", ["jobManagerTask"] = new JsonObject { ["id"] = "m", ["containerSettings"] = Settings() } }),
        };

        ApiVersionShapes.ShapeResponse(task, version);
        ApiVersionShapes.ShapeResponse(jobs, version);

        bool v20 = AtLeast(version, "2024-07-01.20.0");
        Assert.Multiple(() =>
        {
            Assert.That(task["requiredSlots"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(task["containerSettings"]!.AsObject().ContainsKey("containerHostBatchBindMounts"), Is.EqualTo(v20));
            Assert.That(task["containerSettings"]!["imageName"]!.GetValue<string>(), Is.EqualTo("ubuntu"));
            Assert.That(jobs["value"]![0]!["jobManagerTask"]!["containerSettings"]!.AsObject().ContainsKey("containerHostBatchBindMounts"), Is.EqualTo(v20));
        });
    }

    [TestCaseSource(nameof(Served))]
    public void TaskCountsImagesAndErrors_AreTheSameInEveryVersion(string version)
    {
        var counts = new JsonObject
        {
            ["odata.metadata"] = Base + "taskcounts/@Element",
            ["taskCounts"] = new JsonObject { ["active"] = 1 },
            ["taskSlotCounts"] = new JsonObject { ["active"] = 2 },
        };
        var images = new JsonObject
        {
            ["odata.metadata"] = Base + "supportedimages",
            ["value"] = new JsonArray(new JsonObject { ["nodeAgentSKUId"] = "batch.node.ubuntu 24.04", ["batchSupportEndOfLife"] = "2027-04-30T00:00:00.0000000Z", ["verificationType"] = "verified" }),
        };
        var error = new JsonObject { ["odata.metadata"] = Base + "Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element", ["code"] = "PoolNotFound" };
        string before = counts.ToJsonString() + images.ToJsonString() + error.ToJsonString();

        ApiVersionShapes.ShapeResponse(counts, version);
        ApiVersionShapes.ShapeResponse(images, version);
        ApiVersionShapes.ShapeResponse(error, version);

        Assert.That(counts.ToJsonString() + images.ToJsonString() + error.ToJsonString(), Is.EqualTo(before));
    }

    // ------------------------------------------------------------------ requests

    [TestCase("2022-10-01.16.0", false)]
    [TestCase("2023-05-01.17.0", false)]
    [TestCase("2023-11-01.18.0", true)]
    [TestCase("2025-06-01.21.0", true)]
    public void CheckRequest_PoolWithResourceTags_IsRefusedBefore18(string version, bool accepted)
    {
        byte[] body = """{"id":"p1","vmSize":"standard_d2s_v3","resourceTags":{"team":"words"}}"""u8.ToArray();

        if (accepted)
        {
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest(body, "Pools_CreatePool", version));
            return;
        }

        var ex = Assert.Throws<BatchRequestException>(() => ApiVersionShapes.CheckRequest(body, "Pools_CreatePool", version));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(400));
            Assert.That(ex.Code, Is.EqualTo("InvalidRequestBody"));
            Assert.That(ex.Values.Single().Value, Does.Contain("'resourceTags'").And.Contain(version).And.Contain("2023-11-01.18.0"));
        });
    }

    [TestCase("2024-02-01.19.0", true)]
    [TestCase("2024-07-01.20.0", false)]
    public void CheckRequest_CloudServicePool_IsRefusedFrom20(string version, bool accepted)
    {
        byte[] body = """{"id":"p1","vmSize":"small","cloudServiceConfiguration":{"osFamily":"6"}}"""u8.ToArray();

        TestDelegate check = () => ApiVersionShapes.CheckRequest(body, "Pools_CreatePool", version);

        if (accepted)
        {
            Assert.DoesNotThrow(check);
        }
        else
        {
            Assert.That(Assert.Throws<BatchRequestException>(check)!.Values.Single().Value, Does.Contain("removed in api-version 2024-07-01.20.0"));
        }
    }

    [Test]
    public void CheckRequest_TaskCollection_ChecksEveryTask_AndNestedArrays()
    {
        byte[] body = """{"value":[{"id":"a","commandLine":"x"},{"id":"b","commandLine":"x","containerSettings":{"imageName":"u","containerHostBatchBindMounts":[{"source":"task"}]}}]}"""u8.ToArray();
        byte[] extensions = """{"id":"p1","virtualMachineConfiguration":{"extensions":[{"name":"e"},{"name":"f","enableAutomaticUpgrade":true}]}}"""u8.ToArray();

        Assert.Multiple(() =>
        {
            Assert.Throws<BatchRequestException>(() => ApiVersionShapes.CheckRequest(body, "Tasks_CreateTaskCollection", ApiVersions.Oldest));
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest(body, "Tasks_CreateTaskCollection", "2024-07-01.20.0"));
            Assert.Throws<BatchRequestException>(() => ApiVersionShapes.CheckRequest(extensions, "Pools_CreatePool", ApiVersions.Oldest));
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest(extensions, "Pools_CreatePool", "2023-05-01.17.0"));
        });
    }

    [TestCase("Pools_CreatePool", "pools")]
    [TestCase("Pools_UpdatePool", "pools")]
    [TestCase("Jobs_CreateJob", "jobs")]
    [TestCase("Tasks_CreateTaskCollection", "tasks")]
    [TestCase("Nodes_RebootNode", null)]
    [TestCase("Admin_Faults", null)]
    [TestCase("Unknown", null)]
    public void RequestKindOf_IsTheOperationGroup(string operation, string? kind) =>
        Assert.That(ApiVersionShapes.RequestKindOf(operation), Is.EqualTo(kind));

    [Test]
    public void CheckRequest_NotJsonOrNotAnObject_IsLeftToTheParser()
    {
        Assert.Multiple(() =>
        {
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest("{not json"u8.ToArray(), "Pools_CreatePool", ApiVersions.Oldest));
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest("[1,2]"u8.ToArray(), "Pools_CreatePool", ApiVersions.Oldest));
            Assert.DoesNotThrow(() => ApiVersionShapes.CheckRequest([], "Pools_CreatePool", ApiVersions.Oldest));
        });
    }

    [Test]
    public void NoVersion_OrTheNewest_LeavesTheBodyAsBuilt()
    {
        var pool = NewestPool();
        string built = pool.ToJsonString();

        ApiVersionShapes.ShapeResponse(pool, null);
        ApiVersionShapes.ShapeResponse(pool, ApiVersions.Newest);

        Assert.That(pool.ToJsonString(), Is.EqualTo(built));
    }

    private static bool AtLeast(string version, string since) => string.CompareOrdinal(version, since) >= 0;

    /// <summary>A pool with the members of every version (as the emulator would build it in the newest shape, and more).</summary>
    private static JsonObject NewestPool() => new()
    {
        ["odata.metadata"] = Base + "pools/@Element",
        ["id"] = "p1",
        ["taskSlotsPerNode"] = 2,
        ["currentNodeCommunicationMode"] = "simplified",
        ["resourceTags"] = new JsonObject { ["team"] = "words" },
        ["upgradePolicy"] = new JsonObject { ["mode"] = "manual" },
        ["cloudServiceConfiguration"] = new JsonObject { ["osFamily"] = "6" },
        ["applicationLicenses"] = new JsonArray("maya"),
        ["taskSchedulingPolicy"] = new JsonObject { ["nodeFillType"] = "spread", ["jobDefaultOrder"] = "none" },
        ["networkConfiguration"] = new JsonObject
        {
            ["enableAcceleratedNetworking"] = false,
            ["publicIPAddressConfiguration"] = new JsonObject { ["provision"] = "batchmanaged", ["ipFamilies"] = new JsonArray("ipv4"), ["ipTags"] = new JsonArray() },
        },
        ["virtualMachineConfiguration"] = new JsonObject
        {
            ["imageReference"] = new JsonObject { ["publisher"] = "canonical", ["sharedGalleryImageId"] = "/sharedGalleries/g/images/i" },
            ["nodeAgentSKUId"] = "batch.node.ubuntu 24.04",
            ["extensions"] = new JsonArray(new JsonObject { ["name"] = "ext", ["enableAutomaticUpgrade"] = true }),
            ["securityProfile"] = new JsonObject { ["securityType"] = "trustedLaunch" },
            ["serviceArtifactReference"] = new JsonObject { ["id"] = "/x" },
            ["osDisk"] = new JsonObject { ["ephemeralOSDiskSettings"] = new JsonObject { ["placement"] = "cachedisk" }, ["diskSizeGB"] = 64 },
        },
    };
}
