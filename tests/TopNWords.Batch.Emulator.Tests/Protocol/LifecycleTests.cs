using System.Net;
using System.Text;
using Azure;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Pools, nodes and tasks going through their states on the local compute engine, and their files.</summary>
[TestFixture]
public class LifecycleTests
{
    [Test]
    public async Task Node_GoesThroughStartingAndWaitingForStartTask_ToIdle()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var harness = await EmulatorHarness.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.NodeStartupDelay = TimeSpan.FromMinutes(3);
        });
        string poolId = "life-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId, startTask: new BatchStartTask
        {
            CommandLine = """/bin/sh -c 'echo staging; while [ ! -f "$AZ_BATCH_NODE_SHARED_DIR/go" ]; do sleep 0.05; done'""",
            WaitForSuccess = true,
        });

        var starting = (await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Starting, "starting")).Single();
        var pool = await harness.Client.GetPoolAsync(poolId);
        clock.Advance(TimeSpan.FromMinutes(3));
        var waiting = (await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.WaitingForStartTask && n.StartTaskInfo?.StartTime is not null, "waiting for the start task")).Single();
        File.WriteAllText(Path.Combine(harness.Emulator.WorkingDirectory, "pools", poolId, "nodes", waiting.Id!, "shared", "go"), string.Empty);
        var idle = (await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.Idle, "idle")).Single();
        var stdout = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{poolId}/nodes/{idle.Id}/files/startup/stdout.txt"));

        Assert.Multiple(() =>
        {
            Assert.That(pool.AllocationState, Is.EqualTo(BatchAllocationState.Steady), "allocated once every node is starting");
            Assert.That(pool.CurrentDedicatedNodes, Is.EqualTo(1));
            Assert.That(starting.StartTaskInfo, Is.Null, "the start task has not begun while the node boots");
            Assert.That(waiting.StartTaskInfo!.State, Is.EqualTo(BatchStartTaskState.Running));
            Assert.That(idle.StartTaskInfo!.State, Is.EqualTo(BatchStartTaskState.Completed));
            Assert.That(idle.StartTaskInfo.ExitCode, Is.Zero);
            Assert.That(idle.StartTaskInfo.Result, Is.EqualTo(BatchExecutionResult.Success));
            Assert.That(idle.StateTransitionTime, Is.GreaterThanOrEqualTo(waiting.StateTransitionTime!.Value));
            Assert.That(idle.IsDedicated, Is.True);
            Assert.That(stdout.Response.Content.Headers.ContentLength, Is.EqualTo("staging\n".Length));
        });
        Assert.That(await stdout.Response.Content.ReadAsStringAsync(), Is.EqualTo("staging\n"));
    }

    [Test]
    public async Task Node_StartTaskFails_IsStartTaskFailedWithItsStderrServed()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string poolId = "broken-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId, startTask: new BatchStartTask { CommandLine = "/bin/sh -c 'echo the-start-task-broke >&2; exit 3'" });

        var node = (await harness.WaitForNodesAsync(poolId, n => n.State == BatchNodeState.StartTaskFailed, "starttaskfailed")).Single();
        var properties = await harness.Client.GetNodeFilePropertiesAsync(poolId, node.Id!, "startup/stderr.txt");
        await using var stderr = await harness.Client.GetNodeFileAsync(poolId, node.Id!, "startup/stderr.txt");
        string text = await new StreamReader(stderr.Content).ReadToEndAsync();

        Assert.Multiple(() =>
        {
            Assert.That(node.StartTaskInfo!.State, Is.EqualTo(BatchStartTaskState.Completed));
            Assert.That(node.StartTaskInfo.ExitCode, Is.EqualTo(3));
            Assert.That(node.StartTaskInfo.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(node.StartTaskInfo.FailureInfo?.Category, Is.EqualTo(BatchErrorCategory.UserError));
            Assert.That(node.StartTaskInfo.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(properties.ContentLength, Is.EqualTo("the-start-task-broke\n".Length));
            Assert.That(properties.IsDirectory, Is.False);
            Assert.That(properties.FileUrl, Does.EndWith($"/pools/{poolId}/nodes/{node.Id}/files/startup/stderr.txt"));
            Assert.That(properties.LastModified, Is.Not.Null);
            Assert.That(text, Is.EqualTo("the-start-task-broke\n"));
        });
    }

    [Test]
    public async Task Task_RunsToCompleted_WithExitCodeResultFailureInfoNodeInfoAndRetries()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string poolId = "tasks-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId, nodes: 1, slots: 2);
        await harness.CreateJobAsync(jobId, poolId);
        await harness.Client.AddTaskCollectionAsync(jobId,
        [
            new BatchTaskCreateContent { Id = "good", CommandLine = "/bin/sh -c 'printf 0123456789; echo oops >&2'" },
            new BatchTaskCreateContent { Id = "bad", CommandLine = "/bin/sh -c 'exit 3'", Constraints = new BatchTaskConstraints { MaxTaskRetryCount = 1 } },
        ]);

        await harness.WaitForCompletedAsync(jobId, 2);
        var good = await harness.Client.GetTaskAsync(jobId, "good");
        var bad = await harness.Client.GetTaskAsync(jobId, "bad");
        var counts = await harness.Client.GetJobTaskCountsAsync(jobId);

        Assert.Multiple(() =>
        {
            Assert.That(good.State, Is.EqualTo(BatchTaskState.Completed));
            Assert.That(good.PreviousState, Is.EqualTo(BatchTaskState.Running));
            Assert.That(good.ExecutionInfo!.ExitCode, Is.Zero);
            Assert.That(good.ExecutionInfo.Result, Is.EqualTo(BatchExecutionResult.Success));
            Assert.That(good.ExecutionInfo.FailureInfo, Is.Null);
            Assert.That(good.ExecutionInfo.StartTime, Is.Not.Null);
            Assert.That(good.ExecutionInfo.EndTime, Is.GreaterThanOrEqualTo(good.ExecutionInfo.StartTime!.Value));
            Assert.That(good.NodeInfo!.PoolId, Is.EqualTo(poolId));
            Assert.That(good.NodeInfo.NodeId, Is.EqualTo("tvm-local-1"));
            Assert.That(good.NodeInfo.TaskRootDirectory, Is.EqualTo($"workitems/{jobId}/job-1/good"));
            Assert.That(good.Constraints!.MaxWallClockTime, Is.EqualTo(TimeSpan.MaxValue));
            Assert.That(bad.ExecutionInfo!.ExitCode, Is.EqualTo(3));
            Assert.That(bad.ExecutionInfo.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(bad.ExecutionInfo.FailureInfo?.Category, Is.EqualTo(BatchErrorCategory.UserError));
            Assert.That(bad.ExecutionInfo.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(bad.ExecutionInfo.RetryCount, Is.EqualTo(1));
            Assert.That(bad.ExecutionInfo.LastRetryTime, Is.Not.Null);
            Assert.That(counts.TaskCounts!.Completed, Is.EqualTo(2));
            Assert.That(counts.TaskCounts.Succeeded, Is.EqualTo(1));
            Assert.That(counts.TaskCounts.Failed, Is.EqualTo(1));
            Assert.That(counts.TaskSlotCounts!.Completed, Is.EqualTo(2));
        });

        var nodes = await harness.WaitForNodesAsync(poolId, n => n.TotalTasksRun == 2, "done with two tasks");
        Assert.That(nodes.Single().TotalTasksSucceeded, Is.EqualTo(1));
    }

    [Test]
    public async Task TaskFiles_AreServedWholeAndByRange()
    {
        await using var harness = await EmulatorHarness.StartAsync();
        string poolId = "files-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "writer", CommandLine = "/bin/sh -c 'printf 0123456789; printf out > result.txt'" }]);
        await harness.WaitForCompletedAsync(jobId, 1);

        var properties = await harness.Client.GetTaskFilePropertiesAsync(jobId, "writer", "stdout.txt");
        await using var ranged = await harness.Client.GetTaskFileAsync(jobId, "writer", "stdout.txt", new HttpRange(2, 4));
        string rangeText = await new StreamReader(ranged.Content).ReadToEndAsync();
        await using var inWd = await harness.Client.GetTaskFileAsync(jobId, "writer", "wd/result.txt");
        string wdText = await new StreamReader(inWd.Content).ReadToEndAsync();
        using var suffix = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/writer/files/stdout.txt"));
        suffix.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(null, 3);
        using var suffixResponse = await harness.Http.SendAsync(suffix);
        var backslash = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/writer/files/wd%5Cresult.txt"));
        var beyond = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/writer/files/stdout.txt"));
        using var head = new HttpRequestMessage(HttpMethod.Head, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/writer/files/wd"));
        using var headResponse = await harness.Http.SendAsync(head);

        Assert.Multiple(async () =>
        {
            Assert.That(properties.ContentLength, Is.EqualTo(10));
            Assert.That(properties.ContentType, Is.EqualTo("application/octet-stream"));
            Assert.That(properties.CreationTime, Is.Not.Null);
            Assert.That(rangeText, Is.EqualTo("2345"));
            Assert.That(ranged.Properties.ContentRange, Is.EqualTo("bytes 2-5/10"));
            Assert.That(wdText, Is.EqualTo("out"));
            Assert.That(suffixResponse.StatusCode, Is.EqualTo(HttpStatusCode.PartialContent));
            Assert.That(await suffixResponse.Content.ReadAsStringAsync(), Is.EqualTo("789"));
            Assert.That(await backslash.Response.Content.ReadAsStringAsync(), Is.EqualTo("out"), "wd\\result.txt as in the service's example");
            Assert.That(await beyond.Response.Content.ReadAsStringAsync(), Is.EqualTo("0123456789"));
            Assert.That(headResponse.Headers.GetValues("ocp-batch-file-isdirectory").Single(), Is.EqualTo("true"));
        });

        using var past = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/writer/files/stdout.txt"));
        past.Headers.Add("ocp-range", "bytes=50-60");
        using var pastResponse = await harness.Http.SendAsync(past);
        Assert.That((int)pastResponse.StatusCode, Is.EqualTo(416));
    }

    [Test]
    public async Task TaskThatNeverRan_HasNoFiles()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.NodeStartupDelay = TimeSpan.FromHours(1));
        string poolId = "idle-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "waits", CommandLine = "true" }]);

        var (status, body, _) = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/waits/files/stdout.txt"));
        var task = await harness.Client.GetTaskAsync(jobId, "waits");

        Assert.That(status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(body!["code"]!.GetValue<string>(), Is.EqualTo("FileNotFound"));
        Assert.That(task.State, Is.EqualTo(BatchTaskState.Active));
        Assert.That(task.NodeInfo, Is.Null);
        Assert.That(Encoding.UTF8.GetByteCount(body.ToJsonString()), Is.GreaterThan(0));
    }
}
