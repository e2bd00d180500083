using System.Net;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Each fault knob, set at start or through <c>/admin/faults</c>, and the request counts.</summary>
[TestFixture]
public class FaultInjectionTests
{
    private const string TaskCounts = "/jobs/any-job/taskcounts";

    [Test]
    public async Task ServerBusyRate_Answers503ServerBusy_AndTheClientRetriesThrough()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { ServerBusyRate = 1, FaultOperations = ["Pools_ListSupportedImages"] });

        var (status, body, _) = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        AssertError(status, body, HttpStatusCode.ServiceUnavailable, "ServerBusy");

        harness.Emulator.SetFaults(new BatchEmulatorFaults { ServerBusyRate = 0.5, Seed = 7 });
        harness.Emulator.ResetRequestCounts();
        for (int i = 0; i < 10; i++)
        {
            await foreach (var image in harness.Client.ListSupportedImagesAsync())
            {
                Assert.That(image.NodeAgentSkuId, Is.Not.Null);
            }
        }

        var counts = harness.Emulator.GetRequestCounts();
        Assert.That(counts["Pools_ListSupportedImages"], Is.GreaterThan(10), "some calls were retried");
        Assert.That(counts.Operations["Pools_ListSupportedImages"].InjectedFaults, Is.EqualTo(counts["Pools_ListSupportedImages"] - 10));
    }

    [Test]
    public async Task TooManyRequestsRate_Answers429WithRetryAfter()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { TooManyRequestsRate = 1, RetryAfterSeconds = 2 });

        var (status, body, response) = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned(TaskCounts));

        AssertError(status, body, HttpStatusCode.TooManyRequests, "TooManyRequests");
        Assert.That(response.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task ThrottleBursts_AnswerConsecutive429s_Deterministically()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { ThrottleBurstEvery = 4, ThrottleBurstLength = 2 });
        var statuses = new List<int>();

        for (int i = 0; i < 10; i++)
        {
            statuses.Add((int)(await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"))).Status);
        }

        Assert.That(statuses, Is.EqualTo(new[] { 200, 200, 200, 429, 429, 200, 200, 429, 429, 200 }));
    }

    [Test]
    public async Task RequestBodyLimit_IsConfigurable_AndAnswers413()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { RequestBodyLimitBytes = 100 });

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => harness.CreatePoolAsync("limited-pool"));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((413, "RequestBodyTooLarge")));
        Assert.That(ex.Values, Does.Contain(new KeyValuePair<string, string>("MaxLimit", "100")));
    }

    [Test]
    public async Task TaskAddServerErrorRate_AnswersServerErrorPerTask_AndAddsNothing()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string jobId = await PoolAndJobAsync(harness);
        harness.Emulator.SetFaults(new BatchEmulatorFaults { TaskAddServerErrorRate = 1 });

        var results = await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "a", CommandLine = "true" }, new BatchTaskCreateContent { Id = "b", CommandLine = "true" }]);

        Assert.That(results.Select(r => r.Status), Is.All.EqualTo(BatchTaskAddStatus.ServerError));
        Assert.That((await harness.Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Active, Is.Zero);
    }

    [Test]
    public async Task DropConnectionAfterAdd_AppliesTheTasks_ThenTheClientsResendSeesTaskExists()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string jobId = await PoolAndJobAsync(harness);
        harness.Emulator.SetFaults(new BatchEmulatorFaults { DropConnectionAfterAddTaskCollection = 2 });

        var raw = harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection"), """{"value":[{"id":"raw","commandLine":"true"}]}""");
        Assert.CatchAsync<HttpRequestException>(() => raw);
        var results = await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "retried", CommandLine = "true" }]);

        Assert.Multiple(async () =>
        {
            Assert.That((await harness.Client.GetTaskAsync(jobId, "raw")).Id, Is.EqualTo("raw"), "the dropped request was applied");
            Assert.That((results.Single().Status, results.Single().Error?.Code), Is.EqualTo((BatchTaskAddStatus.ClientError, "TaskExists")), "the pipeline's resend finds the task it added");
            Assert.That((await harness.Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Active + (await harness.Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Running + (await harness.Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Completed, Is.EqualTo(2));
            Assert.That(harness.Emulator.GetFaults().DropConnectionAfterAddTaskCollection, Is.Zero);
            Assert.That(harness.Emulator.GetRequestCounts().Operations["Tasks_CreateTaskCollection"].InjectedFaults, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task StartTaskFailureNodes_FailTheChosenNodeOnly_WithStderrServed()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { StartTaskFailureNodes = ["tvm-local-2"] });
        string poolId = "stf-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId, nodes: 2, startTask: new BatchStartTask { CommandLine = "true" });

        var nodes = await harness.WaitForNodesAsync(poolId, n => n.State is BatchNodeState.Idle or BatchNodeState.StartTaskFailed, "settled");
        var (_, _, stderr) = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{poolId}/nodes/tvm-local-2/files/startup/stderr.txt"));

        Assert.That(nodes.ToDictionary(n => n.Id!, n => n.State), Is.EqualTo(new Dictionary<string, BatchNodeState?> { ["tvm-local-1"] = BatchNodeState.Idle, ["tvm-local-2"] = BatchNodeState.StartTaskFailed }));
        Assert.That(nodes.Single(n => n.Id == "tvm-local-2").StartTaskInfo!.ExitCode, Is.EqualTo(1));
        Assert.That(await stderr.Content.ReadAsStringAsync(), Does.Contain("start task failed"));
    }

    [Test]
    public async Task UnusableNodes_AtStartAfterTasksAndNow()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults
        {
            UnusableNodes = ["*/tvm-local-3"],
            UnusableNodesAfterTasks = new Dictionary<string, int> { ["tvm-local-1"] = 1 },
        });
        string poolId = "unusable-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId, nodes: 3);
        await harness.WaitForNodesAsync(poolId, n => n.State is BatchNodeState.Idle or BatchNodeState.Unusable, "settled");
        var (status, _, _) = await harness.SendAsync(HttpMethod.Post, $"/admin/pools/{poolId}/nodes/tvm-local-2/unusable");
        await harness.CreateJobAsync(jobId, poolId);
        await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "first", CommandLine = "true" }]);
        await harness.WaitForCompletedAsync(jobId, 1);

        var nodes = await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Unusable, "all unusable");
        await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "stranded", CommandLine = "true" }]);
        var stranded = await harness.Client.GetTaskAsync(jobId, "stranded");

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.Accepted));
            Assert.That(nodes.Select(n => n.Errors?.FirstOrDefault()?.Code), Is.All.EqualTo("NodeFaultInjected"));
            Assert.That(nodes.Single(n => n.Id == "tvm-local-1").TotalTasksRun, Is.EqualTo(1));
            Assert.That(stranded.State, Is.EqualTo(BatchTaskState.Active), "no usable node is left");
        });
    }

    [Test]
    public async Task AdminEndpoints_SetAndReadFaults_AndCountRequestsPerOperation()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        await harness.SendAsync(HttpMethod.Delete, "/admin/requests");

        var (set, setBody, _) = await harness.SendAsync(HttpMethod.Post, "/admin/faults", """{"serverBusyRate":0.1,"throttleBurstEvery":50,"dropConnectionAfterAddTaskCollection":1,"startTaskFailureNodes":["p/tvm-local-1"],"seed":3}""");
        var (invalid, invalidBody, _) = await harness.SendAsync(HttpMethod.Post, "/admin/faults", """{"serverBusyRate":2}""");
        var (_, read, _) = await harness.SendAsync(HttpMethod.Get, "/admin/faults");
        await harness.SendAsync(HttpMethod.Post, "/admin/faults", "{}");
        await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/pools/none"));
        var (_, requests, _) = await harness.SendAsync(HttpMethod.Get, "/admin/requests");
        var (_, resources, _) = await harness.SendAsync(HttpMethod.Get, "/admin/resources");

        Assert.Multiple(() =>
        {
            Assert.That(set, Is.EqualTo(HttpStatusCode.OK), setBody?.ToJsonString());
            Assert.That(invalid, Is.EqualTo(HttpStatusCode.BadRequest), invalidBody?.ToJsonString());
            Assert.That(read!["serverBusyRate"]!.GetValue<double>(), Is.EqualTo(0.1));
            Assert.That(read["throttleBurstEvery"]!.GetValue<int>(), Is.EqualTo(50));
            Assert.That(read["startTaskFailureNodes"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "p/tvm-local-1" }));
            Assert.That(requests!["total"]!.GetValue<long>(), Is.EqualTo(3), "admin requests are not counted");
            Assert.That(requests["operations"]!["Pools_ListSupportedImages"]!["requests"]!.GetValue<long>(), Is.EqualTo(2));
            Assert.That(requests["operations"]!["Pools_GetPool"]!["errors"]!.GetValue<long>(), Is.EqualTo(1));
            Assert.That(resources!["pools"]!.AsArray(), Is.Empty);
        });
    }

    private static async Task<string> PoolAndJobAsync(EmulatorHarness harness)
    {
        string poolId = "p-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "j-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        return jobId;
    }

}
