using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>Terminating and deleting one task of the local compute.</summary>
[TestFixture]
public class LocalProcessComputeTaskControlTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private LocalProcessCompute _compute = null!;

    [SetUp]
    public async Task SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _compute = new LocalProcessCompute(new LocalProcessComputeOptions { NodeStartupDelay = TimeSpan.Zero });
        await _compute.CreatePoolAsync(new PoolSpec("pool", 1) { TaskSlotsPerNode = 1 });
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        await _compute.WaitForPoolReadyAsync("pool", deadline.Token);
        await _compute.CreateJobAsync(new JobSpec("job", "pool"));
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_compute is not null)
        {
            await _compute.DisposeAsync();
        }
    }

    [Test]
    public async Task TerminateTaskAsync_RunningTask_KillsItAndCompletesWithTaskEnded()
    {
        await _compute.AddTasksAsync("job", [new TaskSpec("long", Sh("sleep 300"))]);
        await WaitForTaskAsync("long", t => t.State == ComputeTaskState.Running);

        bool terminated = await _compute.TerminateTaskAsync("job", "LONG");

        var info = await _compute.GetTaskAsync("job", "long");
        Assert.Multiple(() =>
        {
            Assert.That(terminated, Is.True);
            Assert.That(info!.State, Is.EqualTo(ComputeTaskState.Completed));
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo(BatchErrorCodes.TaskEnded));
            Assert.That(info.FailureInfo?.Category, Is.EqualTo("UserError"));
            Assert.That(info.NodeId, Is.Not.Null, "it ran on a node");
        });
    }

    [Test]
    public async Task TerminateTaskAsync_QueuedTask_CompletesWithoutRunning_AndTheNextTaskRuns()
    {
        await _compute.AddTasksAsync("job", [new TaskSpec("first", Sh("sleep 300")), new TaskSpec("queued", Sh("true")), new TaskSpec("after", Sh("true"))]);
        await WaitForTaskAsync("first", t => t.State == ComputeTaskState.Running);

        bool terminated = await _compute.TerminateTaskAsync("job", "queued");
        var queued = await _compute.GetTaskAsync("job", "queued");
        await _compute.TerminateTaskAsync("job", "first");
        var after = await WaitForTaskAsync("after", t => t.State == ComputeTaskState.Completed);

        Assert.Multiple(() =>
        {
            Assert.That(terminated, Is.True);
            Assert.That((queued!.State, queued.Result, queued.FailureInfo?.Code), Is.EqualTo((ComputeTaskState.Completed, (TaskExecutionResult?)TaskExecutionResult.Failure, BatchErrorCodes.TaskEnded)));
            Assert.That(queued.ExitCode, Is.Null, "it never ran");
            Assert.That(queued.NodeId, Is.Null);
            Assert.That(after.Result, Is.EqualTo(TaskExecutionResult.Success), "the slot went to the next task");
        });
    }

    [Test]
    public async Task TerminateTaskAsync_CompletedTask_ReturnsFalseAndChangesNothing()
    {
        await _compute.AddTasksAsync("job", [new TaskSpec("done", Sh("exit 0"))]);
        var before = await WaitForTaskAsync("done", t => t.State == ComputeTaskState.Completed);

        bool terminated = await _compute.TerminateTaskAsync("job", "done");

        var after = await _compute.GetTaskAsync("job", "done");
        Assert.That(terminated, Is.False);
        Assert.That((after!.Result, after.ExitCode, after.FailureInfo), Is.EqualTo((before.Result, before.ExitCode, before.FailureInfo)));
    }

    [Test]
    public async Task DeleteTaskAsync_RunningTask_KillsIt_RemovesItAndItsFolder_AndTheIdIsFreeAgain()
    {
        await _compute.AddTasksAsync("job", [new TaskSpec("doomed", Sh("sleep 300"))]);
        await WaitForTaskAsync("doomed", t => t.State == ComputeTaskState.Running);
        string folder = _compute.GetTaskDirectory("job", "doomed")!;

        await _compute.DeleteTaskAsync("job", "doomed");

        Assert.Multiple(async () =>
        {
            Assert.That(await _compute.GetTaskAsync("job", "doomed"), Is.Null);
            Assert.That(Directory.Exists(folder), Is.False, "its folder is removed");
            Assert.That((await _compute.GetTaskCountsAsync("job")).Running, Is.Zero);
        });

        await _compute.AddTasksAsync("job", [new TaskSpec("doomed", Sh("echo again"))]);
        var again = await WaitForTaskAsync("doomed", t => t.State == ComputeTaskState.Completed);
        Assert.That(again.Result, Is.EqualTo(TaskExecutionResult.Success));
    }

    [Test]
    public async Task DeleteTaskAsync_QueuedTask_NeverRuns()
    {
        await _compute.AddTasksAsync("job", [new TaskSpec("first", Sh("sleep 300")), new TaskSpec("queued", Sh("true"))]);
        await WaitForTaskAsync("first", t => t.State == ComputeTaskState.Running);

        await _compute.DeleteTaskAsync("job", "queued");
        await _compute.DeleteTaskAsync("job", "first");

        Assert.That(await _compute.GetTaskCountsAsync("job"), Is.EqualTo(default(TaskCounts)));
    }

    [Test]
    public async Task TerminateAndDelete_UnknownTaskOrJob_ThrowTheServiceCodes()
    {
        var noTask = Assert.ThrowsAsync<BatchComputeException>(() => _compute.DeleteTaskAsync("job", "missing"));
        var noTaskTerminate = Assert.ThrowsAsync<BatchComputeException>(() => _compute.TerminateTaskAsync("job", "missing"));
        var noJob = Assert.ThrowsAsync<BatchComputeException>(() => _compute.TerminateTaskAsync("no-such-job", "t"));

        Assert.Multiple(() =>
        {
            Assert.That((noTask!.Kind, noTask.ErrorCode), Is.EqualTo((BatchComputeErrorKind.NotFound, BatchErrorCodes.TaskNotFound)));
            Assert.That(noTask.Message, Does.Contain("'missing'").And.Contains("'job'"));
            Assert.That(noTaskTerminate!.ErrorCode, Is.EqualTo(BatchErrorCodes.TaskNotFound));
            Assert.That(noJob!.ErrorCode, Is.EqualTo(BatchErrorCodes.JobNotFound));
        });
        await Task.CompletedTask;
    }

    private static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);

    private async Task<BatchTaskInfo> WaitForTaskAsync(string taskId, Func<BatchTaskInfo, bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        while (true)
        {
            if (await _compute.GetTaskAsync("job", taskId) is { } info && condition(info))
            {
                return info;
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Task {taskId} did not reach the expected state in time.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }
}
