using System.Text.Json.Nodes;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>A durable local compute: its journal, what a reopened compute does with it, and the one owner per root.</summary>
[TestFixture]
public class LocalProcessComputeDurableTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _root = null!;
    private string _computeRoot = null!;
    private TestFolderStorage _storage = null!;
    private readonly List<LocalProcessCompute> _computes = [];

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _root = Directory.CreateTempSubdirectory("topnwords-durable-").FullName;
        _computeRoot = Path.Combine(_root, "compute");
        _storage = new TestFolderStorage(Path.Combine(_root, "storage"));
    }

    [TearDown]
    public async Task TearDown()
    {
        foreach (var compute in _computes)
        {
            await compute.DisposeAsync();
        }

        _computes.Clear();
        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public void Options_DurableWithoutRootPath_IsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LocalProcessComputeOptions { Durable = true }.Validate());
        Assert.That(ex!.ParamName, Is.EqualTo(nameof(LocalProcessComputeOptions.RootPath)));
    }

    [Test]
    public async Task Reopen_CompletedTasksKeepTheirResults_RunningTasksRunAgain_QueuedTasksKeepTheirOrder()
    {
        string marks = Path.Combine(_root, "marks");
        Directory.CreateDirectory(marks);
        string order = Path.Combine(marks, "order");
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1));
        await first.CreateJobAsync(new JobSpec("job", "pool"));
        await first.AddTasksAsync("job",
        [
            new TaskSpec("done", Sh($"echo done >> '{order}'; exit 3")),
            new TaskSpec("runner", Sh($"echo runner >> '{order}'; echo x >> '{marks}/runner'; if [ $(wc -l < '{marks}/runner') -lt 2 ]; then sleep 600; fi")),
            new TaskSpec("queued-1", Sh($"echo queued-1 >> '{order}'")),
            new TaskSpec("queued-2", Sh($"echo queued-2 >> '{order}'")),
        ]);
        var done = await WaitForTaskAsync(first, "job", "done", t => t.State == ComputeTaskState.Completed);
        await WaitForTaskAsync(first, "job", "runner", t => t.State == ComputeTaskState.Running);
        await Close(first); // kills 'runner' the way a dying client does: its completion is never journaled

        var second = Open();
        var reopenedDone = await second.GetTaskAsync("job", "done");
        await WaitUntilAsync(async () => (await second.GetTaskCountsAsync("job")).Completed == 4);
        var tasks = await ListTasksAsync(second, "job");

        Assert.Multiple(() =>
        {
            Assert.That(second.IsReadOnly, Is.False);
            Assert.That(second.OwnerProcessId, Is.EqualTo(Environment.ProcessId));
            Assert.That(reopenedDone, Is.EqualTo(done), "a completed task keeps its result, times and node");
            Assert.That(File.ReadAllLines(order), Is.EqualTo(new[] { "done", "runner", "runner", "queued-1", "queued-2" }), "completed once, the killed task again, then the queue in order");
            Assert.That(tasks.Select(t => t.Id), Is.EqualTo(new[] { "done", "runner", "queued-1", "queued-2" }));
            Assert.That(tasks.Single(t => t.Id == "runner").Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(tasks.Single(t => t.Id == "done").ExitCode, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task CompletedTask_KeepsOnlyWhatACompletedTaskIsAskedFor_AndAReopenedComputeAnswersTheSame()
    {
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1));
        await first.CreateJobAsync(new JobSpec("job", "pool"));
        var task = new TaskSpec("done", Sh("echo to-stderr >&2; exit 3"));
        task.EnvironmentSettings["MARK"] = "x";
        task.OutputFiles.Add(new OutputFileSpec("*.txt", new Uri("https://acct.blob.core.windows.net/out?sp=cw&sig=REDACTED"), OutputUploadCondition.TaskSuccess));
        var queued = new TaskSpec("queued", Sh("exit 0")) { DependsOn = null };
        await first.AddTasksAsync("job", [task]);
        var done = await WaitForTaskAsync(first, "job", "done", t => t.State == ComputeTaskState.Completed);
        TaskDefinition kept;
        lock (first.Model.Gate)
        {
            kept = first.Model.Jobs["job"].Tasks["done"].Definition;
        }

        Assert.Multiple(() =>
        {
            Assert.That(kept.Id, Is.EqualTo("done"));
            Assert.That(kept.Arguments, Is.Empty, "the command line is not kept once the task has completed");
            Assert.That(kept.Environment, Is.Empty);
            Assert.That(kept.OutputFiles, Is.Empty);
            Assert.That(kept.ResourceFiles, Is.Empty);
        });
        string? stderr = await first.GetTaskOutputTailAsync("job", "done", TaskOutputStream.StandardError, 100);
        await Close(first);

        var second = Open(); // replays the journal (with the whole definition) and compacts it (without)
        Assert.That(await second.GetTaskAsync("job", "done"), Is.EqualTo(done), "state, exit code, times and node as before");
        Assert.That(await second.GetTaskOutputTailAsync("job", "done", TaskOutputStream.StandardError, 100), Is.EqualTo(stderr).And.Contains("to-stderr"), "its folder is found from its id and node");
        lock (second.Model.Gate)
        {
            Assert.That(second.Model.Jobs["job"].Tasks["done"].Definition.Arguments, Is.Empty, "released when replayed too");
        }

        await second.AddTasksAsync("job", [queued]);
        await WaitForTaskAsync(second, "job", "queued", t => t.State == ComputeTaskState.Completed);
        await Close(second);

        var third = Open(); // replays the compacted journal
        Assert.Multiple(async () =>
        {
            Assert.That(await third.GetTaskAsync("job", "done"), Is.EqualTo(done), "the compacted journal gives the same task");
            Assert.That((await third.GetTaskAsync("job", "queued"))!.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That((await third.GetTaskCountsAsync("job")).Completed, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Reopen_TaskBlockedByAFailedDependency_StaysBlocked_TaskWaitingForARunningOne_WaitsForItsRunAgain()
    {
        string marks = Path.Combine(_root, "marks");
        Directory.CreateDirectory(marks);
        string go = Path.Combine(marks, "go");
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1) { TaskSlotsPerNode = 2 });
        await first.CreateJobAsync(new JobSpec("job", "pool") { UsesTaskDependencies = true });
        await first.AddTasksAsync("job",
        [
            new TaskSpec("bad", Sh("exit 3")),
            new TaskSpec("blocked", Sh($"echo blocked >> '{marks}/ran'")) { DependsOn = TaskDependencies.OnIds("bad") },
            new TaskSpec("slow", Sh($"echo x >> '{marks}/slow'; if [ $(wc -l < '{marks}/slow') -lt 2 ]; then sleep 600; fi; while [ ! -f '{go}' ]; do sleep 0.05; done")),
            new TaskSpec("waiting", Sh($"echo waiting >> '{marks}/ran'")) { DependsOn = TaskDependencies.OnIds("slow") },
            new TaskSpec("for-missing", Sh($"echo for-missing >> '{marks}/ran'")) { DependsOn = TaskDependencies.OnIdRange(1, 2) },
        ]);
        await WaitForTaskAsync(first, "job", "bad", t => t.State == ComputeTaskState.Completed);
        await WaitForTaskAsync(first, "job", "slow", t => t.State == ComputeTaskState.Running);
        await Close(first); // kills 'slow': it runs again in the next compute

        var second = Open();
        await WaitUntilAsync(async () => File.Exists(Path.Combine(marks, "slow")) && (await File.ReadAllLinesAsync(Path.Combine(marks, "slow"))).Length == 2);
        var whileSlowRuns = await ListTasksAsync(second, "job");
        await File.WriteAllTextAsync(go, "go");
        var slow = await WaitForTaskAsync(second, "job", "slow", t => t.State == ComputeTaskState.Completed);
        var waiting = await WaitForTaskAsync(second, "job", "waiting", t => t.State == ComputeTaskState.Completed);
        await second.AddTasksAsync("job", [new TaskSpec("1", Sh("exit 0"))]);
        await WaitForTaskAsync(second, "job", "1", t => t.State == ComputeTaskState.Completed);
        var tasks = await ListTasksAsync(second, "job");
        var counts = await second.GetTaskCountsAsync("job");

        Assert.Multiple(() =>
        {
            Assert.That(whileSlowRuns.Single(t => t.Id == "waiting").State, Is.EqualTo(ComputeTaskState.Active), "it waits for the task that runs again");
            Assert.That(waiting.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(slow.EndTime, Is.LessThanOrEqualTo(waiting.StartTime!.Value));
            Assert.That(tasks.Single(t => t.Id == "blocked").State, Is.EqualTo(ComputeTaskState.Active), "a blocked task stays blocked");
            Assert.That(tasks.Single(t => t.Id == "for-missing").State, Is.EqualTo(ComputeTaskState.Active), "task 2 of its range was never added");
            Assert.That(File.ReadAllLines(Path.Combine(marks, "ran")), Is.EqualTo(new[] { "waiting" }));
            Assert.That(counts, Is.EqualTo(new TaskCounts(Active: 2, Running: 0, Completed: 4, Succeeded: 3, Failed: 1)));
        });
    }

    [Test]
    public async Task Reopen_TaskWhoseProcessExitedButDidNotComplete_IsFinishedWithoutRunningAgain()
    {
        string marker = Path.Combine(_root, "marker");
        await _storage.CreateContainerIfNotExistsAsync("results");
        var container = await _storage.GetContainerWriteUrlAsync("results", TimeProvider.System.GetUtcNow().AddHours(1));
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1));
        await first.CreateJobAsync(new JobSpec("job", "pool"));
        var spec = new TaskSpec("exited", Sh($"echo ran >> '{marker}'; echo result > out.txt; exit 4"));
        spec.OutputFiles.Add(new OutputFileSpec("out.txt", container, OutputUploadCondition.TaskCompletion) { Path = "exited/out.txt" });
        await first.AddTasksAsync("job", [spec]);
        await WaitForTaskAsync(first, "job", "exited", t => t.State == ComputeTaskState.Completed);
        await Close(first);

        // As if the client died after the process exited, before the upload and the completion were journaled.
        string journal = Path.Combine(_computeRoot, "state", "journal.jsonl");
        var lines = File.ReadAllLines(journal).ToList();
        int exited = lines.FindIndex(l => (string?)JsonNode.Parse(l)!["kind"] == "task-exited");
        Assert.That(exited, Is.GreaterThan(0), "the exit is journaled before the upload");
        File.WriteAllLines(journal, lines.Take(exited + 1));
        string blob = Path.Combine(_storage.RootPath, "results", "exited", "out.txt");
        File.Delete(blob);

        var second = Open();
        var info = await WaitForTaskAsync(second, "job", "exited", t => t.State == ComputeTaskState.Completed);

        Assert.Multiple(() =>
        {
            Assert.That(info.ExitCode, Is.EqualTo(4));
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(File.ReadAllLines(marker), Has.Length.EqualTo(1), "the task did not run again");
            Assert.That(File.ReadAllText(blob), Is.EqualTo("result\n"), "its output was uploaded from its folder");
        });
    }

    [Test]
    public async Task Reopen_KeepsMetadataAndCreationTimes_DeletedPoolsAndJobsStayDeleted_ExistingTasksAreReported()
    {
        var first = Open();
        var pool = new PoolSpec("pool", 2) { TaskSlotsPerNode = 2, StartTask = new StartTaskSpec(Sh("echo started")) };
        pool.Metadata["owner"] = "top-words";
        await first.CreatePoolAsync(pool);
        await first.CreatePoolAsync(new PoolSpec("gone", 1));
        var job = new JobSpec("job", "pool");
        job.Metadata["run"] = "r-1";
        await first.CreateJobAsync(job);
        await first.CreateJobAsync(new JobSpec("ended", "pool"));
        await first.CreateJobAsync(new JobSpec("deleted", "pool"));
        await first.TerminateJobAsync("ended");
        Assert.That(await first.DeleteJobAsync("deleted"), Is.True);
        Assert.That(await first.DeletePoolAsync("gone"), Is.True);
        await first.AddTasksAsync("job", [new TaskSpec("t1", Sh("exit 0"))]);
        await WaitForTaskAsync(first, "job", "t1", t => t.State == ComputeTaskState.Completed);
        var pools = await first.ListPoolsAsync().ToListAsync();
        var jobs = await first.ListJobsAsync().ToListAsync();
        await Close(first);

        var second = Open();
        var reopenedPools = await second.ListPoolsAsync().ToListAsync();
        var reopenedJobs = await second.ListJobsAsync().ToListAsync();
        var added = await second.AddTasksAsync("job", [new TaskSpec("t1", Sh("exit 0")), new TaskSpec("t2", Sh("exit 0"))]);
        var ready = await second.WaitForPoolReadyAsync("pool");
        var nodes = await second.ListNodesAsync("pool");

        Assert.Multiple(() =>
        {
            Assert.That(reopenedPools.Select(p => p.Id), Is.EqualTo(new[] { "pool" }));
            Assert.That(reopenedPools[0].Metadata, Is.EqualTo(new Dictionary<string, string> { ["owner"] = "top-words" }));
            Assert.That(reopenedPools[0].CreationTime, Is.EqualTo(pools.Single(p => p.Id == "pool").CreationTime));
            Assert.That(reopenedJobs.Select(j => (j.Id, j.PoolId, j.IsCompleted)), Is.EqualTo(new[] { ("ended", "pool", true), ("job", "pool", false) }));
            Assert.That(reopenedJobs.Single(j => j.Id == "job").Metadata, Is.EqualTo(new Dictionary<string, string> { ["run"] = "r-1" }));
            Assert.That(reopenedJobs.Single(j => j.Id == "job").CreationTime, Is.EqualTo(jobs.Single(j => j.Id == "job").CreationTime));
            Assert.That(added, Is.EqualTo(new AddTasksResult(1, 1, 1)), "an id that exists is reported as existing, as Batch's TaskExists");
            Assert.That(ready.TaskSlotsPerNode, Is.EqualTo(2));
            Assert.That(nodes.Select(n => n.StartTask?.ExitCode), Is.EqualTo(new int?[] { 0, 0 }), "the nodes ran their start task again");
        });
    }

    [Test]
    public async Task ReadOnly_SecondComputeOnAnOwnedRoot_SeesTheOwnersProgress_AndRefusesChanges()
    {
        var owner = Open();
        await owner.CreatePoolAsync(new PoolSpec("pool", 1));
        await owner.CreateJobAsync(new JobSpec("job", "pool"));
        await owner.AddTasksAsync("job", [new TaskSpec("first", Sh("echo hello"))]);
        await WaitForTaskAsync(owner, "job", "first", t => t.State == ComputeTaskState.Completed);

        var reader = Open();
        var seen = await reader.GetTaskAsync("job", "first");
        string? tail = await reader.GetTaskOutputTailAsync("job", "first", TaskOutputStream.StandardOutput, 100);
        await owner.AddTasksAsync("job", [new TaskSpec("second", Sh("exit 7"))]);
        await WaitForTaskAsync(owner, "job", "second", t => t.State == ComputeTaskState.Completed);
        var later = await WaitForTaskAsync(reader, "job", "second", t => t.State == ComputeTaskState.Completed);
        var counts = await reader.GetTaskCountsAsync("job");
        var pools = await reader.ListPoolsAsync().ToListAsync();
        var nodes = await reader.ListNodesAsync("pool");
        var refusals = new Func<Task>[]
        {
            () => reader.CreatePoolAsync(new PoolSpec("other", 1)),
            () => reader.DeletePoolAsync("pool"),
            () => reader.CreateJobAsync(new JobSpec("other", "pool")),
            () => reader.TerminateJobAsync("job"),
            () => reader.DeleteJobAsync("job"),
            () => reader.AddTasksAsync("job", [new TaskSpec("third", Sh("exit 0"))]),
            () => reader.TerminateTaskAsync("job", "first"),
            () => reader.DeleteTaskAsync("job", "first"),
        };

        Assert.Multiple(() =>
        {
            Assert.That(reader.IsReadOnly, Is.True);
            Assert.That(owner.IsReadOnly, Is.False);
            Assert.That(reader.OwnerProcessId, Is.EqualTo(Environment.ProcessId));
            Assert.That(seen?.State, Is.EqualTo(ComputeTaskState.Completed));
            Assert.That(tail, Is.EqualTo("hello\n"));
            Assert.That(later.ExitCode, Is.EqualTo(7));
            Assert.That(counts, Is.EqualTo(new TaskCounts(0, 0, 2, 1, 1)));
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { "pool" }));
            Assert.That(nodes.Select(n => n.State), Is.EqualTo(new[] { ComputeNodeState.Idle }));
            foreach (var refusal in refusals)
            {
                var ex = Assert.ThrowsAsync<BatchComputeException>(() => refusal());
                Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Conflict));
                Assert.That(ex.Message, Does.Contain(_computeRoot).And.Contain($"process {Environment.ProcessId}").And.Contain("read-only"));
            }

            var mark = Assert.Throws<BatchComputeException>(() => reader.MarkNodeUnusable("pool", "tvm-local-1", "DiskFull", "full"));
            Assert.That(mark!.Kind, Is.EqualTo(BatchComputeErrorKind.Conflict));
        });
    }

    [Test]
    public async Task Ownership_IsFreedWhenTheOwnerGoes_TheNextComputeOwnsTheRoot()
    {
        var first = Open();
        var reader = Open();
        Assert.That(reader.IsReadOnly, Is.True);
        await Close(first);

        var next = Open();

        Assert.Multiple(() =>
        {
            Assert.That(next.IsReadOnly, Is.False);
            Assert.That(next.OwnerProcessId, Is.EqualTo(Environment.ProcessId));
            Assert.That(File.ReadAllText(Path.Combine(_computeRoot, "state", "owner.pid")), Is.EqualTo(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public async Task Ownership_HeldByAnotherProcess_IsReadOnly_AndFreedWhenThatProcessIsKilled()
    {
        if (!File.Exists("/usr/bin/flock"))
        {
            Assert.Ignore("util-linux flock is not installed.");
        }

        // Another process holds the root's lock as a durable compute does (an exclusive flock), then dies by SIGKILL.
        string state = Directory.CreateDirectory(Path.Combine(_computeRoot, "state")).FullName;
        string ready = Path.Combine(_root, "locked");
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/flock") { UseShellExecute = false };
        foreach (string argument in new[] { "--exclusive", "--nonblock", "--close", Path.Combine(state, "owner.lock"), "/bin/sh", "-c", $"touch '{ready}'; exec sleep 300" })
        {
            start.ArgumentList.Add(argument);
        }

        using var holder = System.Diagnostics.Process.Start(start)!;
        try
        {
            File.WriteAllText(Path.Combine(state, "owner.pid"), holder.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await WaitUntilAsync(() => Task.FromResult(File.Exists(ready)));
            var reader = Open();
            Assert.That((reader.IsReadOnly, reader.OwnerProcessId), Is.EqualTo((true, (int?)holder.Id)));
            await Close(reader);
        }
        finally
        {
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync();
        }

        var owner = Open();

        Assert.Multiple(() =>
        {
            Assert.That(owner.IsReadOnly, Is.False, "the kernel freed the lock of the killed process");
            Assert.That(owner.OwnerProcessId, Is.EqualTo(Environment.ProcessId));
        });
    }

    [Test]
    public async Task Reopen_CompactsTheJournal_AndAReaderOfTheOldOwnerFollowsTheNewOne()
    {
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1));
        await first.CreateJobAsync(new JobSpec("job", "pool"));
        await first.CreateJobAsync(new JobSpec("old-job", "pool"));
        await first.AddTasksAsync("old-job", [new TaskSpec("old-task", Sh("exit 0"))]);
        await WaitForTaskAsync(first, "old-job", "old-task", t => t.State == ComputeTaskState.Completed);
        Assert.That(await first.DeleteJobAsync("old-job"), Is.True);
        var reader = Open();
        Assert.That(reader.IsReadOnly, Is.True);
        Assert.That((await reader.ListJobsAsync().ToListAsync()).Select(j => j.Id), Is.EqualTo(new[] { "job" }));
        await Close(first);

        var second = Open();
        await second.AddTasksAsync("job", [new TaskSpec("after", Sh("exit 0"))]);
        var seen = await WaitForTaskAsync(reader, "job", "after", t => t.State == ComputeTaskState.Completed);
        string journal = File.ReadAllText(Path.Combine(_computeRoot, "state", "journal.jsonl"));

        Assert.Multiple(() =>
        {
            Assert.That(second.IsReadOnly, Is.False);
            Assert.That(seen.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(journal, Does.Not.Contain("old-job").And.Not.Contain("old-task"), "deleted jobs and their tasks leave the journal");
            Assert.That(journal.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0], Does.Contain("\"kind\":\"journal\""));
        });
        Assert.That((await reader.ListJobsAsync().ToListAsync()).Select(j => j.Id), Is.EqualTo(new[] { "job" }));
    }

    [Test]
    public async Task Reopen_TenThousandQueuedTasks_ComeBackInTheirOrder_WithTwoJournalLinesEach()
    {
        var first = Open();
        await first.CreatePoolAsync(new PoolSpec("pool", 1));
        await first.CreateJobAsync(new JobSpec("job", "pool"));
        Assert.That(await first.DeletePoolAsync("pool"), Is.True); // the tasks wait for a pool of that id: none runs
        var ids = Enumerable.Range(0, 10_000).Select(i => $"task-{9_999 - i:D5}").ToList();
        var added = await first.AddTasksAsync("job", [.. ids.Select(id => new TaskSpec(id, Sh("exit 0")))]);
        int lines = File.ReadAllLines(Path.Combine(_computeRoot, "state", "journal.jsonl")).Length;
        await Close(first);

        var second = Open();
        var tasks = await ListTasksAsync(second, "job");

        Assert.Multiple(() =>
        {
            Assert.That(added.Added, Is.EqualTo(10_000));
            Assert.That(lines, Is.LessThan(2 * 10_000 + 20), "a task added is its spec and its state, appended");
            Assert.That(tasks.Select(t => t.Id), Is.EqualTo(ids));
            Assert.That(tasks.All(t => t.State == ComputeTaskState.Active), Is.True);
        });
    }

    [Test]
    public async Task ListPoolsAndJobs_NotDurable_ReturnMetadataCreationTimeAndCompletion()
    {
        var compute = Open(durable: false);
        var pool = new PoolSpec("b-pool", 1);
        pool.Metadata["k"] = "v";
        await compute.CreatePoolAsync(pool);
        await compute.CreatePoolAsync(new PoolSpec("a-pool", 1));
        var job = new JobSpec("job", "b-pool");
        job.Metadata["run"] = "1";
        await compute.CreateJobAsync(job);
        pool.Metadata["k"] = "changed later";
        await compute.TerminateJobAsync("job");

        var pools = await compute.ListPoolsAsync().ToListAsync();
        var jobs = await compute.ListJobsAsync().ToListAsync();

        Assert.Multiple(() =>
        {
            Assert.That(compute.IsReadOnly, Is.False);
            Assert.That(compute.OwnerProcessId, Is.Null);
            Assert.That(pools.Select(p => p.Id), Is.EqualTo(new[] { "a-pool", "b-pool" }));
            Assert.That(pools[1].Metadata, Is.EqualTo(new Dictionary<string, string> { ["k"] = "v" }));
            Assert.That(pools[0].Metadata, Is.Empty);
            Assert.That(pools.All(p => p.CreationTime is not null), Is.True);
            Assert.That(jobs.Select(j => (j.Id, j.PoolId, j.IsCompleted)), Is.EqualTo(new[] { ("job", "b-pool", true) }));
            Assert.That(jobs[0].Metadata, Is.EqualTo(new Dictionary<string, string> { ["run"] = "1" }));
        });
    }

    private static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"The condition did not hold within {Deadline.TotalSeconds} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    private static async Task<BatchTaskInfo> WaitForTaskAsync(LocalProcessCompute compute, string jobId, string taskId, Func<BatchTaskInfo, bool> condition)
    {
        BatchTaskInfo? info = null;
        await WaitUntilAsync(async () => (info = await compute.GetTaskAsync(jobId, taskId)) is { } current && condition(current));
        return info!;
    }

    private static async Task<List<BatchTaskInfo>> ListTasksAsync(LocalProcessCompute compute, string jobId)
    {
        var tasks = new List<BatchTaskInfo>();
        await foreach (var task in compute.ListTasksAsync(jobId))
        {
            tasks.Add(task);
        }

        return tasks;
    }

    [Test]
    public async Task OpenReadOnly_OnAnUnownedRoot_AnswersFromTheJournal_TakesNoOwnership_AndChangesNothing()
    {
        var owner = Open();
        var pool = new PoolSpec("ro-pool", 1);
        pool.Metadata["topnwords-run-id"] = "ro";
        await owner.CreatePoolAsync(pool);
        await owner.CreateJobAsync(new JobSpec("ro-job", "ro-pool"));
        await Close(owner);
        string journal = Path.Combine(_computeRoot, "state", "journal.jsonl");
        byte[] before = await File.ReadAllBytesAsync(journal);

        var reader = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = _computeRoot, Durable = true, OpenReadOnly = true });
        _computes.Add(reader);

        Assert.That(reader.IsReadOnly, Is.True, "read-only although nobody owns the root");
        Assert.That((await reader.GetPoolAsync("ro-pool"))!.Id, Is.EqualTo("ro-pool"));
        Assert.That(await reader.ListJobsAsync().Select(j => j.Id).ToListAsync(), Is.EqualTo(new[] { "ro-job" }));
        var ex = Assert.ThrowsAsync<BatchComputeException>(() => reader.CreatePoolAsync(new PoolSpec("other", 1)));
        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Conflict));
        Assert.That(ex.Message, Does.Contain("opened read-only (LocalProcessComputeOptions.OpenReadOnly)").And.Contain(_computeRoot));
        await Close(reader);
        Assert.That(await File.ReadAllBytesAsync(journal), Is.EqualTo(before), "no compaction, no restart: the journal is as the owner left it");

        var next = Open();
        Assert.That(next.IsReadOnly, Is.False, "the read-only compute never held the lock");
    }

    private LocalProcessCompute Open(bool durable = true)
    {
        var compute = new LocalProcessCompute(new LocalProcessComputeOptions
        {
            RootPath = durable ? _computeRoot : Path.Combine(_root, "plain"),
            Durable = durable,
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        _computes.Add(compute);
        return compute;
    }

    private async Task Close(LocalProcessCompute compute)
    {
        _computes.Remove(compute);
        await compute.DisposeAsync();
    }
}
