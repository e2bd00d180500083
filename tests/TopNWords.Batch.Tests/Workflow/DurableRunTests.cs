using System.Text.Json;
using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>Issue 14: runs as durable objects in the workflow's storage (manifest and record), and the API around them.</summary>
[TestFixture]
public sealed class DurableRunTests
{
    private WorkflowHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new WorkflowHarness(configure: o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(50));

    [TearDown]
    public void TearDown() => _h.Dispose();

    [Test]
    public async Task SubmitAsync_ReturnsOnceTasksAreAdded_WithTheManifestAndARecordNobodyHolds_ThenAttachFinishesTheRun()
    {
        var status = await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-1"));

        Assert.That(status.RunId, Is.EqualTo("durable-1"));
        Assert.That(status.State, Is.EqualTo(BatchRunState.Running));
        Assert.That(status.InputCount, Is.EqualTo(3));
        Assert.That(status.AttachedBy, Is.Null, "the submitting process let go of the run");
        Assert.That(_h.Tasks, Has.Count.EqualTo(3));
        _h.Storage.Verify(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never, "a submit does not wait for the tasks");
        _h.Compute.Verify(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never, "nor clean up");
        var manifest = JsonSerializer.Deserialize(_h.RunRecords["durable-1-run/manifest.json"], RunStoreJsonContext.Default.RunManifest)!;
        Assert.That(manifest.Inputs.Select(i => i.Name), Is.EqualTo(new[] { "input1.txt", "input2.txt", "input3.txt" }));
        Assert.That(manifest.Inputs.Select(i => i.Sha256), Has.All.Length.EqualTo(64));
        Assert.That(manifest.Inputs[0].Size, Is.EqualTo("words 1".Length));
        Assert.That(manifest.TaskArguments, Is.EqualTo(new[] { "--filepath", "{input}", "--numwords", "3" }));
        Assert.That(manifest.Application.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "runner.dll" }));
        Assert.That(manifest.LibraryVersion, Is.Not.Empty);
        var record = JsonSerializer.Deserialize(_h.RunRecords["durable-1-run/state.json"], RunStoreJsonContext.Default.RunRecord)!;
        Assert.That(record.Staged && record.TasksAdded, Is.True);
        Assert.That(record.Holder, Is.Null);

        SetUpCountsOfAddedTasks();
        var result = await _h.Workflow.AttachAsync("durable-1");

        Assert.That(result.Succeeded, Is.True);
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0].Word), Is.EqualTo(new[] { "input1", "input2", "input3" }));
        _h.Compute.Verify(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()), Times.Once, "attaching does not add the tasks again");
        _h.Storage.Verify(s => s.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()), Times.Exactly(4), "attaching does not upload again");
        Assert.That(_h.DeletedRecordContainers, Is.EqualTo(new[] { "durable-1-run" }), "a run cleaned up completely deletes its record last");
        Assert.That(_h.RunRecords, Is.Empty);
    }

    [Test]
    public async Task RunAsync_SameRunIdAfterAKilledAttempt_ResumesWithoutAddingOrUploadingAgain()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-2"));
        SetUpCountsOfAddedTasks();

        var result = await _h.Workflow.RunAsync(_h.Definition(d => d.RunId = "durable-2"));

        Assert.That(result.Succeeded, Is.True);
        Assert.That(result.Tasks, Has.Count.EqualTo(3));
        _h.Compute.Verify(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Compute.Verify(c => c.PreflightPoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Once, "a resumed run is not preflighted again (its pool would count twice against the quota)");
    }

    [Test]
    public async Task RunAsync_RunIdOfARunWithoutAReduceStep_IsRefusedNamingTheReduceStep()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-7"));

        var ex = Assert.ThrowsAsync<ArgumentException>(() => _h.Workflow.RunAsync(_h.Definition(d =>
        {
            d.RunId = "durable-7";
            d.Reduce = new ReduceDefinition(["--merge", ReduceDefinition.InputsListPlaceholder], "counts.tsv", "result.txt");
        })));

        Assert.That(ex!.Message, Does.Contain("Run id 'durable-7' belongs to another run").And.Contain("it has no reduce step, this definition has one"));
        _h.Compute.Verify(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task RunAsync_RunIdOfAnotherRun_IsRefusedNamingTheDifference_AndNothingIsTouched()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-3"));
        File.WriteAllText(Path.Combine(_h.Root, "in", "input2.txt"), "other words entirely");

        var ex = Assert.ThrowsAsync<ArgumentException>(() => _h.Workflow.RunAsync(_h.Definition(d => d.RunId = "durable-3")));

        Assert.That(ex!.Message, Does.Contain("Run id 'durable-3' belongs to another run").And.Contain("input 'input2.txt' has changed"));
        _h.Compute.Verify(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task AttachAsync_KilledDuringCleanup_CleansUpAgainAndReturnsTheRecordedResult_WithoutTouchingTheTasks()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-9"));
        var record = JsonSerializer.Deserialize(_h.RunRecords["durable-9-run/state.json"], RunStoreJsonContext.Default.RunRecord)!;
        record.Stage = BatchRunStage.CleaningUp;
        record.EndState = BatchRunState.Succeeded;
        record.Outcomes = [.. _h.Tasks.Keys.Order(StringComparer.Ordinal).Select(id => new RecordedOutcome(id, ComputeTaskState.Completed, TaskExecutionResult.Success, 0, 0, "n1", null, null, null, null, ["/out/x"], null, null))];
        _h.RunRecords["durable-9-run/state.json"] = JsonSerializer.SerializeToUtf8Bytes(record, RunStoreJsonContext.Default.RunRecord);
        _h.Compute.Invocations.Clear();

        var result = await _h.Workflow.AttachAsync("durable-9");

        Assert.That(result.Tasks.Select(t => t.Result), Has.All.EqualTo(TaskExecutionResult.Success));
        Assert.That(result.Tasks.Select(t => t.NodeId), Has.All.EqualTo("n1"));
        _h.Compute.Verify(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never, "nothing before cleanup runs again");
        _h.Compute.Verify(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.That(_h.DeletedContainers, Is.EquivalentTo(new[] { "durable-9-app", "durable-9-input", "durable-9-output" }));
        _h.Compute.Verify(c => c.DeletePoolAsync("durable-9-pool", It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedRecordContainers, Is.EqualTo(new[] { "durable-9-run" }));
    }

    [Test]
    public async Task AttachAsync_RunHeldByALiveProcessElsewhere_IsRefusedNamingTheHolder()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-4"));
        var record = JsonSerializer.Deserialize(_h.RunRecords["durable-4-run/state.json"], RunStoreJsonContext.Default.RunRecord)!;
        record.Holder = new RunHolder("another-host", 4242, DateTimeOffset.UnixEpoch, _h.Clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        _h.RunRecords["durable-4-run/state.json"] = JsonSerializer.SerializeToUtf8Bytes(record, RunStoreJsonContext.Default.RunRecord);

        var ex = Assert.ThrowsAsync<InvalidOperationException>(() => _h.Workflow.AttachAsync("durable-4"));

        Assert.That(ex!.Message, Does.Contain("Run 'durable-4' is attached to process 4242 on host 'another-host'"));
        var status = await _h.Workflow.GetStatusAsync("durable-4");
        Assert.That(status.AttachedBy, Is.EqualTo("process 4242 on host 'another-host'"));
    }

    [Test]
    public async Task AttachAsync_HolderOnThisHostWasKilled_TakesOverAtOnce()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-5"));
        var record = JsonSerializer.Deserialize(_h.RunRecords["durable-5-run/state.json"], RunStoreJsonContext.Default.RunRecord)!;
        record.Holder = new RunHolder(Environment.MachineName, int.MaxValue - 1, DateTimeOffset.UnixEpoch, _h.Clock.GetUtcNow() + TimeSpan.FromHours(1));
        _h.RunRecords["durable-5-run/state.json"] = JsonSerializer.SerializeToUtf8Bytes(record, RunStoreJsonContext.Default.RunRecord);
        SetUpCountsOfAddedTasks();

        var result = await _h.Workflow.AttachAsync("durable-5");

        Assert.That(result.Succeeded, Is.True);
    }

    [Test]
    public void GetStatusAndAttach_UnknownRun_ThrowRunNotFoundNamingItAndTheStorage()
    {
        var ex = Assert.ThrowsAsync<BatchRunNotFoundException>(() => _h.Workflow.GetStatusAsync("no-such-run"));
        Assert.That(ex!.Message, Does.Contain("Run 'no-such-run' has no record").And.Contain("mock-storage"));
        Assert.ThrowsAsync<BatchRunNotFoundException>(() => _h.Workflow.AttachAsync("no-such-run"));
        Assert.ThrowsAsync<BatchRunNotFoundException>(() => _h.Workflow.CancelAsync("no-such-run"));
        Assert.ThrowsAsync<ArgumentException>(() => _h.Workflow.GetStatusAsync("Not A Run Id"));
    }

    [Test]
    public async Task GetStatusAsync_RunningRun_HasLiveCountsAndTheCompletedTasksWithoutDownloading()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-6"));
        SetUpCountsOfAddedTasks();

        var status = await _h.Workflow.GetStatusAsync("durable-6");

        Assert.That(status.State, Is.EqualTo(BatchRunState.Running));
        Assert.That(status.Counts.Completed, Is.EqualTo(3));
        Assert.That(status.CompletedTasks.Select(t => t.Input.Name), Is.EqualTo(new[] { "input1.txt", "input2.txt", "input3.txt" }));
        Assert.That(status.CompletedTasks.Select(t => t.TopWords), Has.All.Null, "nothing is downloaded for a status");
        _h.Storage.Verify(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task CancelAsync_NobodyAttached_TerminatesTheJobAndCleansUpHere()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-7"));

        var status = await _h.Workflow.CancelAsync("durable-7");

        Assert.That(status.State, Is.EqualTo(BatchRunState.Cancelled));
        _h.Compute.Verify(c => c.TerminateJobAsync("durable-7-job", It.IsAny<CancellationToken>()), Times.Once);
        _h.Compute.Verify(c => c.DeleteJobAsync("durable-7-job", It.IsAny<CancellationToken>()), Times.Once);
        _h.Compute.Verify(c => c.DeletePoolAsync("durable-7-pool", It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Is.EquivalentTo(new[] { "durable-7-app", "durable-7-input", "durable-7-output" }));
        Assert.That(_h.DeletedRecordContainers, Is.EqualTo(new[] { "durable-7-run" }));
    }

    [Test]
    public async Task CancelAsync_WhileAnotherAttachmentMonitors_ThatAttachmentTerminatesCleansUpAndThrows()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "durable-8"));
        _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(new TaskCounts(3, 0, 0, 0, 0));
        var attached = _h.Workflow.AttachAsync("durable-8");
        await WaitUntilAsync(() => _h.Workflow.GetStatusAsync("durable-8").Result.AttachedBy is not null);

        // A second workflow on the same storage and compute stands for a second process.
        var second = new BatchWorkflow(_h.Storage.Object, _h.Compute.Object, new BatchWorkflowOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(50), TimeProvider = _h.Clock });
        var status = await second.CancelAsync("durable-8");

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(async () => await attached);
        Assert.That(ex!.Message, Does.Contain("Run 'durable-8' was cancelled by process"));
        Assert.That(status.State, Is.EqualTo(BatchRunState.Cancelled));
        _h.Compute.Verify(c => c.TerminateJobAsync("durable-8-job", It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task SweepAsync_DeletesOldUnattachedRunsAndOrphans_KeepsYoungRunsAndWhatTheLibraryDidNotMake()
    {
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "old-run"));
        _h.Clock.Advance(TimeSpan.FromDays(2));
        await _h.Workflow.SubmitAsync(_h.Definition(d => d.RunId = "young-run"));
        var marked = new Dictionary<string, string> { ["topnwords-run-id"] = "lost-run" };
        _h.Compute.Setup(c => c.ListPoolsAsync(It.IsAny<CancellationToken>())).Returns(new[]
        {
            new PoolSummary("lost-run-pool", marked, _h.Clock.GetUtcNow() - TimeSpan.FromDays(3)),
            new PoolSummary("callers-pool", new Dictionary<string, string>(), _h.Clock.GetUtcNow() - TimeSpan.FromDays(30)),
            new PoolSummary("young-run-pool", new Dictionary<string, string> { ["topnwords-run-id"] = "young-run" }, _h.Clock.GetUtcNow()),
        }.ToAsyncEnumerable());
        _h.Compute.Setup(c => c.ListJobsAsync(It.IsAny<CancellationToken>())).Returns(new[]
        {
            new JobSummary("lost-run-job", "lost-run-pool", marked, _h.Clock.GetUtcNow() - TimeSpan.FromDays(3), false),
            new JobSummary("callers-job", "callers-pool", new Dictionary<string, string>(), _h.Clock.GetUtcNow() - TimeSpan.FromDays(30), false),
        }.ToAsyncEnumerable());

        var result = await _h.Workflow.SweepAsync(TimeSpan.FromDays(1));

        Assert.That(result.Deleted, Is.EquivalentTo(new[]
        {
            "job 'old-run-job' (run 'old-run')", "pool 'old-run-pool' (run 'old-run')",
            "container 'old-run-app' (run 'old-run')", "container 'old-run-input' (run 'old-run')", "container 'old-run-output' (run 'old-run')",
            "record of run 'old-run'", "job 'lost-run-job' (orphan of run 'lost-run')", "pool 'lost-run-pool' (orphan of run 'lost-run')",
        }));
        Assert.That(result.Kept, Has.Count.EqualTo(1).And.Some.StartsWith("run 'young-run'"));
        Assert.That(result.Failures, Is.Empty);
        _h.Compute.Verify(c => c.DeletePoolAsync("callers-pool", It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.DeleteJobAsync("callers-job", It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.DeletePoolAsync("young-run-pool", It.IsAny<CancellationToken>()), Times.Never);
        Assert.That((await _h.Workflow.ListRunsAsync()).Select(r => r.RunId), Is.EqualTo(new[] { "young-run" }));
    }

    [Test]
    public async Task PoolsAndJobs_CarryTheRunIdAndTheLibraryInTheirMetadata()
    {
        PoolSpec? pool = null;
        JobSpec? job = null;
        _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).Callback((PoolSpec p, CancellationToken _) => pool = p).Returns(Task.CompletedTask);
        _h.Compute.Setup(c => c.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>())).Callback((JobSpec j, CancellationToken _) => job = j).Returns(Task.CompletedTask);

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(pool!.Metadata["topnwords-run-id"], Is.EqualTo(result.RunId));
        Assert.That(job!.Metadata["topnwords-run-id"], Is.EqualTo(result.RunId));
        Assert.That(pool.Metadata["topnwords-created-by"], Does.StartWith("TopNWords.Batch/"));
    }

    [Test]
    public void Preflight_UrlsWouldOutliveTheStoragesLimit_IsRefusedBeforeAnythingIsCreated()
    {
        _h.Storage.SetupGet(s => s.MaxUrlLifetime).Returns(TimeSpan.FromDays(7));

        var ex = Assert.ThrowsAsync<ArgumentException>(() => _h.Workflow.RunAsync(_h.Definition(d => d.Timeouts.TasksComplete = TimeSpan.FromDays(8))));

        Assert.That(ex!.Message, Does.Contain("must stay valid for").And.Contain("at most 7.00:00:00").And.Contain("mock-storage"));
        _h.Storage.Verify(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public void Preflight_QuotaTooSmall_FailsNamingItBeforeAnythingIsCreated()
    {
        _h.Compute.Setup(c => c.PreflightPoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException(BatchComputeErrorKind.QuotaExceeded, "Pool 'p' needs 8 dedicated cores, but the quota is 4 with 0 in use.", "p", "CoreQuotaExceeded"));

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Stage, Is.EqualTo(BatchRunStage.CreatingPool));
        Assert.That(ex.Message, Does.Contain("refused by the preflight").And.Contain("needs 8 dedicated cores, but the quota is 4"));
        _h.Storage.Verify(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    /// <summary>The harness's counts report every added task completed.</summary>
    private void SetUpCountsOfAddedTasks() =>
        _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new TaskCounts(0, 0, _h.Tasks.Count, _h.Tasks.Count - _h.FailingCount(), _h.FailingCount()));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, limit.Token);
        }
    }
}
