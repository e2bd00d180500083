using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class BatchWorkflowTests
{
    private WorkflowHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new WorkflowHarness();

    [TearDown]
    public void TearDown() => _h.Dispose();

    private static readonly string[] RunContainerSuffixes = ["-app", "-input", "-output"];

    [Test]
    public async Task RunAsync_AllTasksSucceed_ReturnsParsedOutputsPerInputAndCleansUp()
    {
        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(result.Succeeded, Is.True);
        Assert.That(result.Tasks.Select(t => t.Input.Name), Is.EqualTo(new[] { "input1.txt", "input2.txt", "input3.txt" }));
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0]), Is.EqualTo(new[] { new TopWord("input1", 5), new TopWord("input2", 5), new TopWord("input3", 5) }));
        Assert.That(result.Tasks.Select(t => t.ExitCode), Is.All.EqualTo(0));
        Assert.That(result.Tasks.SelectMany(t => t.OutputFiles), Has.All.StartsWith(_h.DownloadDirectory));
        _h.Compute.Verify(c => c.DeleteJobAsync(result.JobId, It.IsAny<CancellationToken>()), Times.Once);
        _h.Compute.Verify(c => c.DeletePoolAsync(result.PoolId, It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Is.EquivalentTo(RunContainerSuffixes.Select(s => result.RunId + s)));
        Assert.That(result.CleanupFailures, Is.Empty);
    }

    [Test]
    public async Task RunAsync_TaskIds_AreStablePerInputAcrossRuns()
    {
        var first = await _h.Workflow.RunAsync(_h.Definition());
        var second = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(second.RunId, Is.Not.EqualTo(first.RunId));
        Assert.That(second.Tasks.Select(t => t.TaskId), Is.EqualTo(first.Tasks.Select(t => t.TaskId)));
        Assert.That(first.Tasks.Select(t => t.TaskId).Distinct().Count(), Is.EqualTo(3));
    }

    public enum FailingStep
    {
        CreateContainer,
        Upload,
        ReadUrl,
        WriteUrl,
        CreatePool,
        WaitForPool,
        CreateJob,
        AddTasks,
        TaskCounts,
        ListTasks,
    }

    [TestCase(FailingStep.CreateContainer, BatchRunStage.Staging, false, false)]
    [TestCase(FailingStep.Upload, BatchRunStage.Staging, false, false)]
    [TestCase(FailingStep.ReadUrl, BatchRunStage.Staging, false, false)]
    [TestCase(FailingStep.WriteUrl, BatchRunStage.Staging, false, false)]
    [TestCase(FailingStep.CreatePool, BatchRunStage.CreatingPool, true, false)]
    [TestCase(FailingStep.WaitForPool, BatchRunStage.WaitingForPool, true, false)]
    [TestCase(FailingStep.CreateJob, BatchRunStage.CreatingJob, true, true)]
    [TestCase(FailingStep.AddTasks, BatchRunStage.AddingTasks, true, true)]
    [TestCase(FailingStep.TaskCounts, BatchRunStage.Monitoring, true, true)]
    [TestCase(FailingStep.ListTasks, BatchRunStage.Monitoring, true, true)]
    public void RunAsync_FailureAtAStep_CleansUpWhatTheRunCreatedAndNamesTheStage(FailingStep step, BatchRunStage stage, bool poolDeleted, bool jobDeleted)
    {
        var boom = new BatchComputeException(BatchComputeErrorKind.Other, $"{step} exploded", "res-1");
        var storageBoom = new BlobStorageException(BlobStorageErrorKind.Other, $"{step} exploded", "c");
        switch (step)
        {
            case FailingStep.CreateContainer:
                _h.Storage.Setup(s => s.CreateContainerIfNotExistsAsync(It.Is<string>(c => c.EndsWith("-input", StringComparison.Ordinal)), It.IsAny<CancellationToken>())).ThrowsAsync(storageBoom);
                break;
            case FailingStep.Upload:
                _h.Storage.Setup(s => s.UploadFileAsync(It.IsAny<string>(), "input2.txt", It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>())).ThrowsAsync(storageBoom);
                break;
            case FailingStep.ReadUrl:
                _h.Storage.Setup(s => s.GetBlobReadUrlAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ThrowsAsync(storageBoom);
                break;
            case FailingStep.WriteUrl:
                _h.Storage.Setup(s => s.GetContainerWriteUrlAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ThrowsAsync(storageBoom);
                break;
            case FailingStep.CreatePool:
                _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).ThrowsAsync(boom);
                break;
            case FailingStep.WaitForPool:
                _h.Compute.Setup(c => c.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(boom);
                break;
            case FailingStep.CreateJob:
                _h.Compute.Setup(c => c.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>())).ThrowsAsync(boom);
                break;
            case FailingStep.AddTasks:
                _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>())).ThrowsAsync(boom);
                break;
            case FailingStep.TaskCounts:
                _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(boom);
                break;
            case FailingStep.ListTasks:
                _h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>())).Throws(boom);
                break;
        }

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Stage, Is.EqualTo(stage));
        Assert.That(ex.Message, Does.Contain($"{step} exploded").And.Contain(ex.RunId!));
        Assert.That(ex.InnerException, Is.SameAs(step <= FailingStep.WriteUrl ? storageBoom : boom));
        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), poolDeleted ? Times.Once() : Times.Never());
        _h.Compute.Verify(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), jobDeleted ? Times.Once() : Times.Never());
        Assert.That(_h.DeletedContainers, Is.Not.Empty, "the run's containers are deleted");
        Assert.That(_h.DeletedContainers, Has.All.StartsWith(ex.RunId!));
    }

    [Test]
    public async Task RunAsync_InputReadUrls_AreIssuedWithTheirTasks_WithTheExpiryOfTheRunsOtherUrls()
    {
        var events = new List<string>();
        var expiries = new List<DateTimeOffset>();
        _h.Storage.Setup(s => s.GetBlobReadUrlAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string c, string b, DateTimeOffset expiresOn, CancellationToken _) =>
            {
                lock (events)
                {
                    events.Add(c.EndsWith("-input", StringComparison.Ordinal) ? $"input url {b}" : "application url");
                    expiries.Add(expiresOn);
                }

                return new Uri($"https://acct.example/{c}/{Uri.EscapeDataString(b)}?sp=r&sig=SECRETSIG");
            });
        _h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                lock (events)
                {
                    events.Add("create pool");
                }

                return Task.CompletedTask;
            });
        _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string job, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                lock (events)
                {
                    events.Add($"add {specs.Count} task(s)");
                }

                foreach (var spec in specs)
                {
                    _h.Tasks[spec.Id] = spec;
                }

                return new AddTasksResult(specs.Count, 0, 1);
            });

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(result.Succeeded, Is.True);
        var inputs = result.Tasks.Select(t => t.Input.Name).ToList();
        Assert.That(events.SkipWhile(e => e == "application url"), Is.EqualTo(new[] { "create pool" }.Concat(inputs.Select(n => $"input url {n}")).Append($"add {inputs.Count} task(s)")),
            "the application's URLs while staging (the pool's start task needs them); each input's when its task is added, not kept from staging on");
        Assert.That(expiries.Distinct(), Has.Exactly(1).Items, "one expiry for all of the run's URLs");
        foreach (var outcome in result.Tasks)
        {
            Assert.That(_h.Tasks[outcome.TaskId].ResourceFiles.Select(r => r.HttpUrl?.AbsolutePath), Does.Contain($"/{result.RunId}-input/{outcome.Input.Name}"), outcome.TaskId);
        }
    }

    [Test]
    public void RunAsync_CleanupFailsToo_FirstErrorIsKeptAndCleanupFailuresAreListed()
    {
        _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException(BatchComputeErrorKind.InvalidRequest, "first error"));
        _h.Compute.Setup(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException(BatchComputeErrorKind.Other, "pool delete failed"));

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Message, Does.Contain("first error"));
        Assert.That(ex.CleanupFailures, Has.Count.EqualTo(1));
        Assert.That(ex.CleanupFailures[0], Does.Contain("pool").And.Contain("pool delete failed"));
        _h.Compute.Verify(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3), "containers are still deleted after the pool failed to");
    }

    [Test]
    public async Task RunAsync_CancelledWhileMonitoring_CleansUpAndThrowsOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var monitoring = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                monitoring.TrySetResult();
                return new TaskCounts(1, 2, 0, 0, 0);
            });

        var run = _h.Workflow.RunAsync(_h.Definition(), cancellationToken: cts.Token);
        await monitoring.Task;
        await cts.CancelAsync();

        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        _h.Compute.Verify(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task RunAsync_CleanupAfterCancellation_DoesNotUseTheCancelledToken()
    {
        using var cts = new CancellationTokenSource();
        var tokens = new List<CancellationToken>();
        _h.Compute.Setup(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string _, CancellationToken t) =>
            {
                tokens.Add(t);
                return true;
            });
        _h.Compute.Setup(c => c.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, CancellationToken t) =>
            {
                await cts.CancelAsync();
                t.ThrowIfCancellationRequested();
                return new PoolInfo("p", PoolAllocationState.Steady, 1, 1, 1, []);
            });

        Assert.That(async () => await _h.Workflow.RunAsync(_h.Definition(), cancellationToken: cts.Token), Throws.InstanceOf<OperationCanceledException>());

        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.Is<CancellationToken>(t => !t.IsCancellationRequested)), Times.Once);
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3));
        await Task.CompletedTask;
    }

    [Test]
    public async Task RunAsync_ExistingPool_IsNeitherCreatedNorDeletedAndTasksCarryTheApplication()
    {
        var result = await _h.Workflow.RunAsync(_h.Definition(d => d.Pool.ExistingPoolId = "callers-pool"));

        Assert.That(result.PoolId, Is.EqualTo("callers-pool"));
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.CreateJobAsync(It.Is<JobSpec>(j => j.PoolId == "callers-pool"), It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(_h.Tasks.Values, Has.All.Matches<TaskSpec>(t => t.ResourceFiles.Any(r => r.FilePath == "app/runner.dll")));
    }

    [Test]
    public void RunAsync_ExistingPoolFailsLater_IsStillNotDeleted()
    {
        _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException("add failed"));

        Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition(d => d.Pool.ExistingPoolId = "callers-pool")));

        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public void RunAsync_ExistingPoolMissing_FailsNamingThePool()
    {
        _h.Compute.Setup(c => c.GetPoolAsync("callers-pool", It.IsAny<CancellationToken>())).ReturnsAsync((PoolInfo?)null);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition(d => d.Pool.ExistingPoolId = "callers-pool")));

        Assert.That(ex!.Message, Does.Contain("'callers-pool'").And.Contain("does not exist"));
        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task RunAsync_OneTaskFails_ReportsExitCodeFailureInfoAndStderrTailWhileOthersSucceed()
    {
        _h.FailingInputs.Add("input2.txt");

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(result.Succeeded, Is.False);
        var failed = result.FailedTasks.Single();
        Assert.That(failed.Input.Name, Is.EqualTo("input2.txt"));
        Assert.That(failed.ExitCode, Is.EqualTo(1));
        Assert.That(failed.RetryCount, Is.EqualTo(2));
        Assert.That(failed.FailureInfo!.Code, Is.EqualTo("FailureExitCode"));
        Assert.That(failed.StderrTail!.Split('\n'), Has.Length.EqualTo(20));
        Assert.That(failed.StderrTail, Does.EndWith("stderr line 30").And.StartWith("stderr line 11"));
        Assert.That(failed.DescribeFailure(), Does.Contain("input2.txt").And.Contain("exit code 1").And.Contain("FailureExitCode"));
        Assert.That(result.Tasks.Where(t => t.Succeeded).Select(t => t.Input.Name), Is.EqualTo(new[] { "input1.txt", "input3.txt" }));
        _h.Compute.Verify(c => c.GetTaskOutputTailAsync(It.IsAny<string>(), It.IsAny<string>(), TaskOutputStream.StandardError, It.IsAny<int>(), It.IsAny<CancellationToken>()), Times.Once, "stderr is fetched only for failed tasks");
    }

    [TestCase(CleanupPolicy.Never, true, false)]
    [TestCase(CleanupPolicy.OnSuccess, true, true)]
    [TestCase(CleanupPolicy.OnSuccess, false, false)]
    [TestCase(CleanupPolicy.Always, false, true)]
    public async Task RunAsync_CleanupPolicy_DecidesWhatIsDeleted(CleanupPolicy policy, bool allSucceed, bool deleted)
    {
        if (!allSucceed)
        {
            _h.FailingInputs.Add("input1.txt");
        }

        await _h.Workflow.RunAsync(_h.Definition(d => d.Cleanup = policy));

        _h.Compute.Verify(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), deleted ? Times.Once() : Times.Never());
        Assert.That(_h.DeletedContainers, deleted ? Has.Count.EqualTo(3) : Is.Empty);
    }

    [Test]
    public async Task RunAsync_Progress_ArrivesInOrderWithCountsAndEachCompletion()
    {
        int polls = 0;
        _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ++polls switch
            {
                1 => new TaskCounts(3, 0, 0, 0, 0),
                2 => new TaskCounts(1, 1, 1, 1, 0),
                _ => new TaskCounts(0, 0, 3, 3, 0),
            });
        _h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, TaskListQuery? _, CancellationToken _) => _h.ListCompleted(polls == 2 ? [_h.Tasks.Keys.Order().First()] : _h.Tasks.Keys.ToList()));
        var reports = new List<BatchRunProgress>();
        var progress = new SyncProgress(reports.Add);

        var run = _h.Workflow.RunAsync(_h.Definition(), progress);
        await _h.Clock.PumpAsync(run, WorkflowHarness.PollInterval);
        await run;

        var stages = reports.Where(r => r.CompletedTask is null).Select(r => r.Stage).Distinct().ToList();
        Assert.That(stages, Is.EqualTo(new[]
        {
            BatchRunStage.Staging, BatchRunStage.CreatingPool, BatchRunStage.WaitingForPool, BatchRunStage.CreatingJob,
            BatchRunStage.AddingTasks, BatchRunStage.Monitoring, BatchRunStage.Downloading, BatchRunStage.CleaningUp, BatchRunStage.Completed,
        }));
        var monitoring = reports.Where(r => r.Stage == BatchRunStage.Monitoring).ToList();
        Assert.That(monitoring.Where(r => r.CompletedTask is null).Select(r => r.Counts.Completed), Is.EqualTo(new[] { 0, 0, 1, 3 }));
        Assert.That(monitoring.Count(r => r.CompletedTask is not null), Is.EqualTo(3));
        int firstCompletion = reports.FindIndex(r => r.CompletedTask is not null);
        Assert.That(reports[firstCompletion - 1].Counts.Completed, Is.EqualTo(1), "a completion follows the counts that announced it");
    }

    [Test]
    public async Task RunAsync_ManyTasks_ListsTasksOnlyWhenCompletionsGrowAndFiltersBySinceTime()
    {
        using var h = new WorkflowHarness(inputCount: 0);
        for (int i = 0; i < 1000; i++)
        {
            File.WriteAllText(Path.Combine(h.Root, "in", $"f{i:D4}.txt"), "x");
        }

        int completed = 0;
        int polls = 0;
        var queries = new List<TaskListQuery?>();
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                polls++;
                completed = polls % 3 == 0 ? Math.Min(1000, completed + 250) : completed; // completions arrive every third poll
                return new TaskCounts(1000 - completed, 0, completed, completed, 0);
            });
        h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, TaskListQuery? q, CancellationToken _) =>
            {
                queries.Add(q);
                return h.ListCompleted(h.Tasks.Keys.Order().Skip(completed - 250).Take(250).ToList());
            });

        var run = h.Workflow.RunAsync(h.Definition(d => d.ParseTopWordsOutput = false));
        await h.Clock.PumpAsync(run, WorkflowHarness.PollInterval);
        var result = await run;

        Assert.That(result.Tasks.All(t => t.State == ComputeTaskState.Completed), Is.True);
        Assert.That(polls, Is.EqualTo(12));
        Assert.That(queries, Has.Count.EqualTo(4), "one listing per batch of completions, not one per poll or per task");
        Assert.That(queries, Has.All.Matches<TaskListQuery?>(q => q!.State == ComputeTaskState.Completed));
        Assert.That(queries[0]!.StateChangedSince, Is.Null);
        Assert.That(queries.Skip(1), Has.All.Matches<TaskListQuery?>(q => q!.StateChangedSince is not null));
    }

    [TestCase(ComputeCapabilities.PosixNodes, 10)]
    [TestCase(ComputeCapabilities.PosixNodes | ComputeCapabilities.InProcess, 1)]
    public async Task RunAsync_NextListing_StartsBeforeTheLatestCompletionSeen_TenSecondsForAServiceOneForAnInProcessCompute(ComputeCapabilities capabilities, int marginSeconds)
    {
        using var h = new WorkflowHarness(inputCount: 0);
        for (int i = 0; i < 4; i++)
        {
            File.WriteAllText(Path.Combine(h.Root, "in", $"f{i}.txt"), "x");
        }

        h.Compute.SetupGet(c => c.Capabilities).Returns(capabilities);
        int polls = 0;
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => ++polls < 3 ? new TaskCounts(2, 0, 2, 2, 0) : new TaskCounts(0, 0, 4, 4, 0));
        var queries = new List<TaskListQuery?>();
        var seen = new List<DateTimeOffset>();
        h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, TaskListQuery? q, CancellationToken _) =>
            {
                queries.Add(q);
                seen.Add(h.Clock.GetUtcNow()); // the harness's listing stamps its tasks with the time of the listing
                return h.ListCompleted(h.Tasks.Keys.Order().Take(queries.Count == 1 ? 2 : 4).ToList());
            });

        var run = h.Workflow.RunAsync(h.Definition(d => d.ParseTopWordsOutput = false));
        await h.Clock.PumpAsync(run, WorkflowHarness.PollInterval);
        var result = await run;

        Assert.That(result.Tasks.All(t => t.State == ComputeTaskState.Completed), Is.True);
        Assert.That(queries, Has.Count.EqualTo(2));
        Assert.That(queries[0]!.StateChangedSince, Is.Null);
        Assert.That(queries[1]!.StateChangedSince, Is.EqualTo(seen[0] - TimeSpan.FromSeconds(marginSeconds)));
    }

    [Test]
    public async Task RunAsync_FilteredListingMissesCompletions_FallsBackToAFullListing()
    {
        int listings = 0;
        _h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, TaskListQuery? q, CancellationToken _) => ++listings == 1 ? _h.ListCompleted([_h.Tasks.Keys.Order().First()]) : _h.ListCompleted(_h.Tasks.Keys.ToList()));

        var run = _h.Workflow.RunAsync(_h.Definition());
        await _h.Clock.PumpAsync(run, WorkflowHarness.PollInterval);
        var result = await run;

        Assert.That(result.Succeeded, Is.True);
        Assert.That(listings, Is.EqualTo(2));
        _h.Compute.Verify(c => c.ListTasksAsync(It.IsAny<string>(), It.Is<TaskListQuery?>(q => q!.StateChangedSince == null), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Test]
    public async Task RunAsync_ManyTasks_ListsTheOutputContainerOnce_AndDownloadsEachTasksOutput()
    {
        using var h = new WorkflowHarness(inputCount: 50);

        var result = await h.Workflow.RunAsync(h.Definition());

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0].Word), Is.EqualTo(result.Tasks.Select(t => Path.GetFileNameWithoutExtension(t.Input.Name))), "each task gets its own output");
            h.Storage.Verify(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()), Times.Once, "one listing, not one per task");
            h.Storage.Verify(s => s.ListBlobsAsync(result.RunId + "-output", null, It.IsAny<CancellationToken>()), Times.Once);
            h.Storage.Verify(s => s.DownloadToFileAsync(result.RunId + "-output", It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(50));
        });
    }

    [Test]
    public async Task RunAsync_OutputListingRefused_IsRecordedOnEveryTask_AndNothingIsDownloaded()
    {
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns(RefusedListing(new BlobStorageException(BlobStorageErrorKind.Forbidden, "Could not list container 'x': 403 AuthorizationPermissionMismatch.", "x")));

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Tasks.Select(t => t.OutputError), Has.All.Contain("AuthorizationPermissionMismatch"));
            Assert.That(result.Tasks.Select(t => t.Result), Has.All.EqualTo(TaskExecutionResult.Success), "the tasks ran; only their outputs are missing");
            _h.Storage.Verify(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        });

        static async IAsyncEnumerable<BlobItemInfo> RefusedListing(Exception failure)
        {
            await Task.Yield();
            throw failure;
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }
    }

    [Test]
    public async Task RunAsync_ContainersTheRunCreates_AreFilledWithoutAContentCheck_AnExistingOneSkipsWhatItHolds()
    {
        _h.Storage.Setup(s => s.CreateContainerIfNotExistsAsync(It.Is<string>(c => c.EndsWith("-input", StringComparison.Ordinal)), It.IsAny<CancellationToken>())).ReturnsAsync(false);
        var uploads = new System.Collections.Concurrent.ConcurrentDictionary<string, BlobStorageUploadOptions?>();
        _h.Storage.Setup(s => s.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((string container, string blob, string _, BlobStorageUploadOptions? options, CancellationToken _) =>
            {
                uploads[$"{container}/{blob}"] = options;
                return Task.FromResult(BlobUploadResult.Uploaded);
            });

        var result = await _h.Workflow.RunAsync(_h.Definition());

        var inputs = uploads.Where(u => u.Key.StartsWith(result.RunId + "-input/", StringComparison.Ordinal)).Select(u => u.Value).ToList();
        var application = uploads.Where(u => u.Key.StartsWith(result.RunId + "-app/", StringComparison.Ordinal)).Select(u => u.Value).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(inputs, Has.Count.EqualTo(3).And.All.Matches<BlobStorageUploadOptions?>(o => o!.SkipIfContentMatches), "an existing container (a resumed run) may hold them already");
            Assert.That(application, Has.Count.EqualTo(1).And.All.Matches<BlobStorageUploadOptions?>(o => o is { SkipIfContentMatches: false, Overwrite: true }), "a new container holds nothing to compare with");
        });
    }

    [TestCase(nameof(WorkflowTimeouts.Staging), BatchRunStage.Staging)]
    [TestCase(nameof(WorkflowTimeouts.PoolReady), BatchRunStage.WaitingForPool)]
    [TestCase(nameof(WorkflowTimeouts.TasksComplete), BatchRunStage.Monitoring)]
    [TestCase(nameof(WorkflowTimeouts.Download), BatchRunStage.Downloading)]
    public async Task RunAsync_NamedTimeoutRunsOut_SaysWhichWaitRanOut(string timeoutName, BatchRunStage stage)
    {
        var timeouts = new WorkflowTimeouts
        {
            Staging = TimeSpan.FromMinutes(11),
            PoolReady = TimeSpan.FromMinutes(12),
            TasksComplete = TimeSpan.FromMinutes(13),
            Download = TimeSpan.FromMinutes(14),
        };
        var timeout = (TimeSpan)typeof(WorkflowTimeouts).GetProperty(timeoutName)!.GetValue(timeouts)!;
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously); // the run is in the wait that is to time out
        static async Task Hang(CancellationToken ct) => await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ct);
        switch (timeoutName)
        {
            case nameof(WorkflowTimeouts.Staging):
                _h.Storage.Setup(s => s.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
                    .Returns(async (string _, string _, string _, BlobStorageUploadOptions? _, CancellationToken ct) =>
                    {
                        await Hang(ct);
                        return BlobUploadResult.Uploaded;
                    });
                break;
            case nameof(WorkflowTimeouts.PoolReady):
                _h.Compute.Setup(c => c.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns(async (string _, CancellationToken ct) =>
                    {
                        waiting.TrySetResult();
                        await Hang(ct);
                        return null!;
                    });
                break;
            case nameof(WorkflowTimeouts.TasksComplete):
                _h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(new TaskCounts(1, 2, 0, 0, 0));
                break;
            case nameof(WorkflowTimeouts.Download):
                _h.Storage.Setup(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
                    .Returns((string _, string _, string _, CancellationToken ct) => Hang(ct));
                break;
        }

        var run = _h.Workflow.RunAsync(_h.Definition(d => d.Timeouts = timeouts));
        if (timeoutName == nameof(WorkflowTimeouts.TasksComplete))
        {
            await _h.Clock.PumpAsync(run, WorkflowHarness.PollInterval);
        }
        else
        {
            await _h.Clock.WaitForTimerAsync(timeout);
            if (timeoutName == nameof(WorkflowTimeouts.PoolReady))
            {
                // The PoolReady timer starts when the pool is created: advance only once the run waits for the nodes.
                await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System);
            }

            _h.Clock.Advance(timeout);
        }

        var ex = Assert.ThrowsAsync<BatchTimeoutException>(async () => await run);
        Assert.That(ex!.TimeoutName, Is.EqualTo(timeoutName));
        Assert.That(ex.Timeout, Is.EqualTo(timeout));
        Assert.That(ex.Stage, Is.EqualTo(stage));
        Assert.That(ex.Message, Does.Contain($"{timeoutName} timeout ({timeout})").And.Contain($"WorkflowTimeouts.{timeoutName}"));
        Assert.That(_h.DeletedContainers, Has.Count.EqualTo(3), "cleanup ran");
    }

    [Test]
    public async Task RunAsync_CleanupTimeoutRunsOut_IsReportedAsACleanupFailure()
    {
        _h.Compute.Setup(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, CancellationToken ct) =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ct);
                return true;
            });
        var cleanup = TimeSpan.FromMinutes(3);

        var run = _h.Workflow.RunAsync(_h.Definition(d => d.Timeouts.Cleanup = cleanup));
        await _h.Clock.WaitForTimerAsync(cleanup);
        _h.Clock.Advance(cleanup);
        var result = await run;

        Assert.That(result.Succeeded, Is.True);
        Assert.That(result.CleanupFailures.Single(), Does.Contain("pool").And.Contain("Cleanup timeout"));
    }

    [Test]
    public async Task RunAsync_SecretsInBackendErrors_NeverReachTheException()
    {
        _h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException("failed to fetch https://acct.example/c/b?sp=r&sig=SECRETSIG"));

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => _h.Workflow.RunAsync(_h.Definition()));

        Assert.That(ex!.Message, Does.Not.Contain("SECRETSIG"));
        await Task.CompletedTask;
    }

    [Test]
    public async Task RunAsync_OutputMissing_TaskIsNotCountedAsSucceeded()
    {
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns(AsyncEnumerable.Empty<BlobItemInfo>());

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(result.Succeeded, Is.False);
        Assert.That(result.Tasks.Select(t => t.OutputError), Has.All.Contain("*_OUTPUT*"));
    }

    [Test]
    public async Task RunAsync_OutputBlobNameWithDotDot_NeverLandsOutsideTheDownloadFolder()
    {
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, string? prefix, CancellationToken _) => (prefix is null ? _h.Tasks.Keys.Select(id => id + "/") : [prefix])
                .Select(p => new BlobItemInfo(p + "../../escape_OUTPUT.txt", 1, null)).ToAsyncEnumerable());
        var destinations = CaptureDownloads();

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(destinations, Has.All.StartWith(_h.DownloadDirectory + Path.DirectorySeparatorChar));
        Assert.That(destinations, Has.Count.EqualTo(1), "the same local name from two tasks is refused, not overwritten");
        Assert.That(result.Tasks.Count(t => t.OutputError is not null), Is.EqualTo(2));
        Assert.That(File.Exists(Path.Combine(_h.Root, "escape_OUTPUT.txt")), Is.False);
    }

    [Test]
    public async Task RunAsync_OutputNamesThatDifferOnlyInCase_OneIsDownloadedTheOthersAreRefused()
    {
        string[] names = ["Same_OUTPUT.txt", "same_OUTPUT.txt", "SAME_OUTPUT.txt"];
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, string? _, CancellationToken _) => _h.Tasks.Keys.Order(StringComparer.Ordinal).Select((id, i) => new BlobItemInfo($"{id}/{names[i % names.Length]}", 1, null)).ToAsyncEnumerable());
        var destinations = CaptureDownloads();

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(destinations, Has.Count.EqualTo(1), "a case-insensitive file system would make them one file");
        var downloaded = result.Tasks.Single(t => t.OutputError is null);
        Assert.That(downloaded.OutputFiles, Is.EqualTo(destinations), "the outcome keeps the full path it was downloaded to");
        Assert.That(result.Tasks.Where(t => t.OutputError is not null).Select(t => t.OutputError), Has.All.Contain("Another task of this run also produced"));
    }

    [Test]
    public async Task RunAsync_StorageWithLocalListing_ListsEachTasksOutputsUnderItsOwnFolder()
    {
        _h.Storage.SetupGet(s => s.Capabilities).Returns(StorageCapabilities.LocalListing);
        var prefixes = new List<string?>();
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, string? prefix, CancellationToken _) =>
            {
                lock (prefixes)
                {
                    prefixes.Add(prefix);
                }

                return _h.ListOutputs(prefix);
            });

        var result = await _h.Workflow.RunAsync(_h.Definition());

        Assert.That(result.Succeeded, Is.True);
        Assert.That(prefixes, Is.EquivalentTo(_h.Tasks.Keys.Select(id => id + "/")), "one listing per task, under its folder; never the whole container");
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0].Word), Is.EqualTo(new[] { "input1", "input2", "input3" }));
        Assert.That(result.Tasks.SelectMany(t => t.OutputFiles), Has.All.Matches<string>(File.Exists));
    }

    [Test]
    public async Task RunAsync_StorageWithLocalListing_OneTasksListingFails_OnlyThatTaskHasTheError()
    {
        _h.Storage.SetupGet(s => s.Capabilities).Returns(StorageCapabilities.LocalListing);
        string? failing = null;
        _h.Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string container, string? prefix, CancellationToken _) =>
            {
                failing ??= prefix;
                return prefix == failing
                    ? throw new BlobStorageException(BlobStorageErrorKind.Forbidden, $"Listing '{prefix}' of container '{container}' was refused (sig=SECRETSIG).", container, null)
                    : _h.ListOutputs(prefix);
            });

        var result = await _h.Workflow.RunAsync(_h.Definition());

        var failed = result.Tasks.Single(t => t.OutputError is not null);
        Assert.That(failing, Is.EqualTo(failed.TaskId + "/"));
        Assert.That(failed.OutputError, Does.Contain("was refused").And.Not.Contain("SECRETSIG"));
        Assert.That(failed.Succeeded, Is.False);
        Assert.That(result.Tasks.Where(t => t != failed), Has.All.Property(nameof(TaskOutcome.Succeeded)).True);
    }

    /// <summary>Makes every download write a top-words output and records where it went.</summary>
    private List<string> CaptureDownloads()
    {
        var destinations = new List<string>();
        _h.Storage.Setup(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string _, string _, string destination, CancellationToken _) =>
            {
                lock (destinations)
                {
                    destinations.Add(destination);
                }

                File.WriteAllText(destination, WorkflowHarness.OutputText("x"));
                return Task.CompletedTask;
            });
        return destinations;
    }

    private sealed class SyncProgress(Action<BatchRunProgress> report) : IProgress<BatchRunProgress>
    {
        public void Report(BatchRunProgress value) => report(value);
    }
}
