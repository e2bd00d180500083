using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>The public admin client, as scripts use it against an emulator process.</summary>
[TestFixture]
public class AdminClientTests
{
    [Test]
    public async Task AdminClient_SetsFaults_ReadsCountsAndResources_AndBreaksANode()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        var admin = new BatchEmulatorAdminClient(harness.BaseUri, new BatchSharedKeyCredential(EmulatorHarness.Account, EmulatorHarness.Key));
        await admin.ResetRequestCountsAsync();

        var set = await admin.SetFaultsAsync(new BatchEmulatorFaults { TooManyRequestsRate = 0.25, RetryAfterSeconds = 0, UnusableNodes = ["x/y"] });
        await harness.CreatePoolAsync("admin-pool");
        await harness.WaitForNodesAsync("admin-pool", n => n.State == BatchNodeState.Idle, "idle");
        await admin.MakeNodeUnusableAsync("admin-pool", "tvm-local-1");
        var nodes = await harness.WaitForNodesAsync("admin-pool", n => n.State == BatchNodeState.Unusable, "unusable");
        var counts = await admin.GetRequestCountsAsync();
        var resources = await admin.GetResourcesAsync();
        var faults = await admin.GetFaultsAsync();
        var wrong = new BatchEmulatorAdminClient(harness.BaseUri, new BatchSharedKeyCredential(EmulatorHarness.Account, Convert.ToBase64String(new byte[32])));

        Assert.Multiple(() =>
        {
            Assert.That(set.TooManyRequestsRate, Is.EqualTo(0.25));
            Assert.That(faults.UnusableNodes, Is.EqualTo(new[] { "x/y" }));
            Assert.That(counts["Pools_CreatePool"], Is.GreaterThanOrEqualTo(1));
            Assert.That(counts.Total, Is.GreaterThanOrEqualTo(2));
            Assert.That(resources.Pools, Is.EqualTo(new[] { "admin-pool" }));
            Assert.That(nodes.Single().Errors?.Single().Code, Is.EqualTo("NodeFaultInjected"));
            Assert.That(Assert.ThrowsAsync<BatchServiceException>(() => wrong.GetFaultsAsync())!.Status, Is.EqualTo(403));
            Assert.That(Assert.ThrowsAsync<BatchServiceException>(() => admin.MakeNodeUnusableAsync("admin-pool", "tvm-nope"))!.Status, Is.EqualTo(404));
        });
    }
}
