using System.Globalization;
using System.Text;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Conformance.Testing;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Conformance.Compute;

/// <summary>
/// The behaviour every <see cref="IBatchCompute"/> backend shares, written against the contract only (plus a
/// storage for resource and output URLs). A backend's test project inherits this class and implements
/// <see cref="CreateContextAsync"/>. Tests wait for conditions with a generous deadline and never assert on
/// durations. Command lines use <c>/bin/sh</c>, so tests are ignored on backends without
/// <see cref="ComputeCapabilities.PosixNodes"/>.
/// </summary>
public abstract partial class ComputeConformanceTests
{
    /// <summary>How long a test waits for a condition before it fails.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly List<string> _pools = [];
    private readonly List<string> _jobs = [];
    private readonly List<string> _containers = [];
    private ComputeTestContext? _context;

    /// <summary>Gets the compute under test.</summary>
    protected IBatchCompute Compute => (_context ?? throw new InvalidOperationException("No test context.")).Compute;

    /// <summary>Gets the storage for resource and output files.</summary>
    protected IBlobStorage Storage => (_context ?? throw new InvalidOperationException("No test context.")).Storage;

    [SetUp]
    public async Task SetUpComputeContextAsync()
    {
        _pools.Clear();
        _jobs.Clear();
        _containers.Clear();
        _context = await CreateContextAsync();
        if (!Compute.Capabilities.HasFlag(ComputeCapabilities.PosixNodes))
        {
            Assert.Ignore($"{Compute.DisplayName} has no POSIX nodes; the compute conformance suite runs its command lines with /bin/sh.");
        }
    }

    [TearDown]
    public async Task TearDownComputeContextAsync()
    {
        if (_context is null)
        {
            return;
        }

        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30), TimeProvider.System);
        foreach (string jobId in _jobs)
        {
            await BestEffortAsync($"delete job {jobId}", () => Compute.DeleteJobAsync(jobId, cleanup.Token));
        }

        foreach (string poolId in _pools)
        {
            await BestEffortAsync($"delete pool {poolId}", () => Compute.DeletePoolAsync(poolId, cleanup.Token));
        }

        foreach (string container in _containers)
        {
            await BestEffortAsync($"delete container {container}", () => Storage.DeleteContainerIfExistsAsync(container, cleanup.Token));
        }

        await _context.DisposeAsync();
        _context = null;
    }

    // ------------------------------------------------------------------ pools

    [Test]
    public async Task WaitForPoolReadyAsync_NewPool_ReturnsWhenEveryNodeIsReady()
    {
        string poolId = NewId("pool");
        await Compute.CreatePoolAsync(new PoolSpec(poolId, 2) { TaskSlotsPerNode = 2 });
        _pools.Add(poolId);

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ready = await Compute.WaitForPoolReadyAsync(poolId, deadline.Token);

        var nodes = await Compute.ListNodesAsync(poolId);
        Assert.Multiple(() =>
        {
            Assert.That(ready.Id, Is.EqualTo(poolId).IgnoreCase);
            Assert.That(ready.AllocationState, Is.EqualTo(PoolAllocationState.Steady));
            Assert.That(ready.TargetNodeCount, Is.EqualTo(2));
            Assert.That(ready.CurrentNodeCount, Is.EqualTo(2));
            Assert.That(ready.TaskSlotsPerNode, Is.EqualTo(2));
            Assert.That(ready.IsBeingDeleted, Is.False);
            Assert.That(nodes, Has.Count.EqualTo(2));
            Assert.That(nodes.Select(n => n.Id), Is.Unique);
            Assert.That(nodes.Select(n => n.State), Is.All.AnyOf(ComputeNodeState.Idle, ComputeNodeState.Running));
        });
    }

    [Test]
    public async Task CreatePoolAsync_DuplicateId_ThrowsAlreadyExists()
    {
        string poolId = NewId("pool");
        await Compute.CreatePoolAsync(new PoolSpec(poolId, 1));
        _pools.Add(poolId);

        var ex = Assert.CatchAsync<BatchComputeException>(() => Compute.CreatePoolAsync(new PoolSpec(poolId, 1)));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.AlreadyExists), ex.Message);
        Assert.That(ex.ErrorCode, Is.EqualTo("PoolExists"));
        Assert.That(ex.Message, Does.Contain(poolId).IgnoreCase);
    }

    [Test]
    public async Task DeletePoolAsync_ExistingPool_RemovesIt()
    {
        string poolId = await CreateReadyPoolAsync();

        Assert.That(await Compute.DeletePoolAsync(poolId), Is.True);

        await WaitUntilAsync(async () => await Compute.GetPoolAsync(poolId) is null, () => Task.FromResult($"pool {poolId} still exists"));
        Assert.That(await Compute.DeletePoolAsync(poolId), Is.False);
        _pools.Remove(poolId);
    }

    [Test]
    public async Task StartTask_RunsOncePerNode_AndTasksSeeWhatItLeftInTheSharedDirectory()
    {
        var startTask = new StartTaskSpec(Sh("""echo "$AZ_BATCH_NODE_ID" >> "$AZ_BATCH_NODE_SHARED_DIR/started.txt"; echo start-task-stdout"""));
        string poolId = await CreateReadyPoolAsync(nodeCount: 2, startTask: startTask);

        var nodes = await Compute.ListNodesAsync(poolId);
        foreach (var node in nodes)
        {
            Assert.That(node.StartTask, Is.Not.Null, node.Id);
            Assert.Multiple(() =>
            {
                Assert.That(node.StartTask!.IsCompleted, Is.True, node.Id);
                Assert.That(node.StartTask.ExitCode, Is.EqualTo(0), node.Id);
                Assert.That(node.StartTask.FailureInfo, Is.Null, node.Id);
            });
            Assert.That(await Compute.GetStartTaskOutputTailAsync(poolId, node.Id, TaskOutputStream.StandardOutput, 1024), Does.Contain("start-task-stdout"));
        }

        string jobId = await CreateJobAsync(poolId);
        var tasks = Enumerable.Range(1, 4)
            .Select(i => new TaskSpec($"reader-{i}", Sh("""cat "$AZ_BATCH_NODE_SHARED_DIR/started.txt"; echo "on=$AZ_BATCH_NODE_ID" """)))
            .ToList();
        await Compute.AddTasksAsync(jobId, tasks);
        await WaitForCompletedAsync(jobId, tasks.Count);

        foreach (var task in tasks)
        {
            var info = await Compute.GetTaskAsync(jobId, task.Id);
            Assert.That(info!.Result, Is.EqualTo(TaskExecutionResult.Success), task.Id);
            Assert.That(info.NodeId, Is.AnyOf(nodes.Select(n => n.Id).ToArray()));
            Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo($"{info.NodeId}\non={info.NodeId}\n"), "the start task ran exactly once on the task's node");
        }
    }

    [Test]
    public async Task WaitForPoolReadyAsync_StartTaskFails_ThrowsPoolNotReadyWithTheNodeExitCodeAndStderr()
    {
        string poolId = NewId("pool");
        var startTask = new StartTaskSpec(Sh("echo start-task-broke-here >&2; exit 3"));
        await Compute.CreatePoolAsync(new PoolSpec(poolId, 1) { StartTask = startTask });
        _pools.Add(poolId);

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        PoolNotReadyException? failure = null;
        try
        {
            await Compute.WaitForPoolReadyAsync(poolId, deadline.Token);
        }
        catch (PoolNotReadyException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"WaitForPoolReadyAsync did not fail fast: it was still waiting after {Deadline.TotalSeconds} s although the start task had failed.");
        }

        Assert.That(failure, Is.Not.Null, "WaitForPoolReadyAsync returned although the start task failed");
        var node = (await Compute.ListNodesAsync(poolId)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(failure!.Nodes, Has.Count.EqualTo(1));
            Assert.That(failure.Nodes[0].NodeId, Is.EqualTo(node.Id));
            Assert.That(failure.Nodes[0].State, Is.EqualTo(ComputeNodeState.StartTaskFailed));
            Assert.That(failure.Nodes[0].StartTaskExitCode, Is.EqualTo(3));
            Assert.That(failure.Nodes[0].StartTaskStderrTail, Does.Contain("start-task-broke-here"));
            Assert.That(failure.Message, Does.Contain(node.Id).And.Contain("exit code 3").And.Contain("start-task-broke-here"));
            Assert.That(node.State, Is.EqualTo(ComputeNodeState.StartTaskFailed));
            Assert.That(node.StartTask?.ExitCode, Is.EqualTo(3));
        });
    }

    // ------------------------------------------------------------------ jobs

    [Test]
    public async Task CreateJobAsync_DuplicateId_ThrowsAlreadyExists()
    {
        string poolId = await CreateReadyPoolAsync();
        string jobId = await CreateJobAsync(poolId);

        var ex = Assert.CatchAsync<BatchComputeException>(() => Compute.CreateJobAsync(new JobSpec(jobId, poolId)));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.AlreadyExists), ex.Message);
        Assert.That(ex.ErrorCode, Is.EqualTo("JobExists"));
    }

    [Test]
    public void CreateJobAsync_UnknownPool_ThrowsNotFound()
    {
        string jobId = NewId("job");

        var ex = Assert.CatchAsync<BatchComputeException>(() => Compute.CreateJobAsync(new JobSpec(jobId, NewId("missing"))));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.NotFound), ex.Message);
        Assert.That(ex.ErrorCode, Is.EqualTo("PoolNotFound"));
    }

    [Test]
    public async Task GetTaskAsync_UnknownTask_ReturnsNull()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());

        Assert.That(await Compute.GetTaskAsync(jobId, "no-such-task"), Is.Null);
    }

    // ------------------------------------------------------------------ running tasks

    [Test]
    public async Task Task_Environment_HasTheAzBatchVariablesAndTheTaskSettings()
    {
        string poolId = await CreateReadyPoolAsync();
        string jobId = await CreateJobAsync(poolId);
        var task = new TaskSpec("env-task", Sh("""
            printf '%s\n' "$AZ_BATCH_NODE_ID" "$AZ_BATCH_POOL_ID" "$AZ_BATCH_JOB_ID" "$AZ_BATCH_TASK_ID" "$MY_SETTING"
            [ "$(pwd -P)" = "$(cd "$AZ_BATCH_TASK_WORKING_DIR" && pwd -P)" ] && echo cwd-is-the-working-dir
            [ -d "$AZ_BATCH_NODE_SHARED_DIR" ] && echo shared-dir-exists
            """));
        task.EnvironmentSettings["MY_SETTING"] = "a value with spaces";

        var info = await RunTaskAsync(jobId, task);

        string[] lines = (await StdoutAsync(jobId, task.Id)).Split('\n');
        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), await StderrAsync(jobId, task.Id));
        Assert.That(lines, Has.Length.GreaterThanOrEqualTo(7));
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Is.EqualTo(info.NodeId), "AZ_BATCH_NODE_ID");
            Assert.That(lines[1], Is.EqualTo(poolId).IgnoreCase, "AZ_BATCH_POOL_ID");
            Assert.That(lines[2], Is.EqualTo(jobId).IgnoreCase, "AZ_BATCH_JOB_ID");
            Assert.That(lines[3], Is.EqualTo(task.Id), "AZ_BATCH_TASK_ID");
            Assert.That(lines[4], Is.EqualTo("a value with spaces"), "environment setting");
            Assert.That(lines[5], Is.EqualTo("cwd-is-the-working-dir"));
            Assert.That(lines[6], Is.EqualTo("shared-dir-exists"));
        });
    }

    [Test]
    public async Task Environment_VariableOfTheHostProcess_IsNotSeenByTasksOrStartTasks()
    {
        // A unique name, removed again below: no other test sees it, and tests in this assembly do not run in parallel.
        string name = "TOPNWORDS_TEST_SECRET_" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        string value = "secret-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, value);
        try
        {
            var startTask = new StartTaskSpec(Sh("""env > "$AZ_BATCH_NODE_SHARED_DIR/start-task-env.txt" """));
            string jobId = await CreateJobAsync(await CreateReadyPoolAsync(startTask: startTask));
            var task = new TaskSpec("env-dump", Sh("""env; echo ---; cat "$AZ_BATCH_NODE_SHARED_DIR/start-task-env.txt" """));
            task.EnvironmentSettings["MY_SETTING"] = "set-by-the-task";

            var info = await RunTaskAsync(jobId, task);

            string stdout = await StdoutAsync(jobId, task.Id);
            string[] halves = stdout.Split("\n---\n");
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), await StderrAsync(jobId, task.Id));
            Assert.That(halves, Has.Length.EqualTo(2), stdout);
            string[] taskLines = halves[0].Split('\n');
            string[] startLines = halves[1].Split('\n');
            Assert.Multiple(() =>
            {
                Assert.That(stdout, Does.Not.Contain(name).And.Not.Contain(value), "the host's variable reached a task or start task");
                Assert.That(taskLines, Has.Some.StartsWith("PATH="), "task");
                Assert.That(startLines, Has.Some.StartsWith("PATH="), "start task");
                Assert.That(taskLines, Has.Some.EqualTo("AZ_BATCH_TASK_ID=env-dump"));
                Assert.That(taskLines, Has.Some.EqualTo("MY_SETTING=set-by-the-task"));
                Assert.That(startLines, Has.Some.StartsWith("AZ_BATCH_NODE_ID="));
            });
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Test]
    public async Task Task_ResourceFiles_AreFetchedIntoTheWorkingDirectory()
    {
        string container = await CreateContainerAsync();
        var first = await StageAsync(container, "inputs/first file é.txt", "first-content ü\n");
        var second = await StageAsync(container, "second 名前.txt", "second-content\n");
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("fetch", Sh("cat 'data/first file é.txt' 'second 名前.txt'"));
        task.ResourceFiles.Add(new ResourceFile(first, "data/first file é.txt"));
        task.ResourceFiles.Add(new ResourceFile(second, "second 名前.txt"));

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), $"{info.FailureInfo}; stderr: {await StderrAsync(jobId, task.Id)}");
        Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo("first-content ü\nsecond-content\n"));
    }

    [Test]
    public async Task Task_ContainerResourceFile_FetchesExactlyTheBlobsUnderThePrefixWithTheirPaths()
    {
        string container = await CreateContainerAsync();
        await StageAsync(container, "counts/a.txt", "a\n");
        await StageAsync(container, "counts/sub/b é.txt", "b\n");
        await StageAsync(container, "counts2/not-this.txt", "no\n");
        await StageAsync(container, "other/not-this-either.txt", "no\n");
        var url = await Storage.GetContainerReadUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("fetch-container", Sh("find in -type f | LC_ALL=C sort; cat 'in/counts/a.txt' 'in/counts/sub/b é.txt'"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), $"{info.FailureInfo}; stderr: {await StderrAsync(jobId, task.Id)}");
        Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo("in/counts/a.txt\nin/counts/sub/b é.txt\na\nb\n"));
    }

    [Test]
    public async Task Task_ContainerResourceFile_WithoutPrefixOrPath_FetchesTheWholeContainerIntoTheWorkingDirectory()
    {
        string container = await CreateContainerAsync();
        await StageAsync(container, "x/one.txt", "1\n");
        await StageAsync(container, "two.txt", "2\n");
        var url = await Storage.GetContainerReadUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("fetch-all", Sh("cat x/one.txt two.txt"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url));

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), $"{info.FailureInfo}; stderr: {await StderrAsync(jobId, task.Id)}");
        Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo("1\n2\n"));
    }

    [Test]
    public async Task Task_ContainerResourceFile_PrefixMatchesNothing_TheTaskRunsWithNoFiles()
    {
        string container = await CreateContainerAsync();
        await StageAsync(container, "elsewhere/a.txt", "a\n");
        var url = await Storage.GetContainerReadUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());

        // The folder is absent or empty (the local engine and the emulator create it; the service's behaviour is not asserted).
        var task = new TaskSpec("fetch-none", Sh("if [ -e empty ]; then find empty -type f | wc -l | tr -d ' '; else echo 0; fi"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "nothing/", "empty"));

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), $"{info.FailureInfo}; stderr: {await StderrAsync(jobId, task.Id)}");
        Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo("0\n"));
    }

    [TestCase(true, TestName = "Task_ContainerResourceFile_ExpiredUrl_FailsTheAttemptNamingTheContainerNotTheQuery")]
    [TestCase(false, TestName = "Task_ContainerResourceFile_WriteOnlyUrl_FailsTheAttemptNamingTheContainerNotTheQuery")]
    public async Task Task_ContainerResourceFile_UnreadableUrl_FailsTheAttempt(bool expired)
    {
        string container = await CreateContainerAsync();
        await StageAsync(container, "counts/a.txt", "a\n");
        var url = expired
            ? await Storage.GetContainerReadUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(-1))
            : await Storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("fetch-denied", Sh("echo ran"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync(jobId, task);

        string query = url.Query.TrimStart('?');
        string failure = info.FailureInfo?.ToString() ?? string.Empty;
        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure), failure);
            Assert.That(info.FailureInfo?.Category, Is.EqualTo("UserError"), failure);
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobAccessDenied"), failure);
            Assert.That(info.FailureInfo?.Message, Does.Contain(container), "the failure names the container");
            Assert.That(failure, Does.Not.Contain(query), "the failure shows the URL's query");
            foreach (string part in query.Split('&').Where(p => p.StartsWith("sig=", StringComparison.Ordinal)))
            {
                Assert.That(failure, Does.Not.Contain(part[4..]).And.Not.Contain(Uri.UnescapeDataString(part[4..])), "the failure shows the signature");
            }
        });
        Assert.That(await StdoutAsync(jobId, task.Id), Does.Not.Contain("ran"), "the command did not run");
    }

    [Test]
    public async Task Task_ContainerResourceFile_ThousandSmallBlobs_AreAllFetched()
    {
        const int Count = 1000;
        string container = await CreateContainerAsync();
        await Parallel.ForAsync(0, Count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes($"{i}\n"));
            await Storage.UploadAsync(container, $"counts/{i % 10}/task-{i:D4}.txt", stream, cancellationToken: ct);
        });
        var url = await Storage.GetContainerReadUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("fetch-thousand", Sh("find in -type f | wc -l | tr -d ' '; cat in/counts/*/*.txt | awk '{ s += $1 } END { print s }'"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), $"{info.FailureInfo}; stderr: {await StderrAsync(jobId, task.Id)}");
        Assert.That(await StdoutAsync(jobId, task.Id), Is.EqualTo($"{Count}\n{Count * (Count - 1) / 2}\n"));
    }

    [Test]
    public async Task Task_CommandLine_IsNotInterpretedByAShellUnlessItInvokesOne()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var literal = new TaskSpec("literal", """printf '[%s]\n' '$(echo injected)' "two  words" $HOME * -n 'it'\''s' "a \"quoted\" word" """);
        var shell = new TaskSpec("shell", Sh("""echo $((40 + 2)) "$(echo from-a-shell)" """));

        await Compute.AddTasksAsync(jobId, [literal, shell]);
        await WaitForCompletedAsync(jobId, 2);

        Assert.That(await StdoutAsync(jobId, literal.Id), Is.EqualTo("[$(echo injected)]\n[two  words]\n[$HOME]\n[*]\n[-n]\n[it's]\n[a \"quoted\" word]\n"), await StderrAsync(jobId, literal.Id));
        Assert.That(await StdoutAsync(jobId, shell.Id), Is.EqualTo("42 from-a-shell\n"));
    }

    [Test]
    public async Task GetTaskOutputTailAsync_ReturnsTheEndOfStdoutAndStderr()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("chatty", Sh("""
            i=0; while [ $i -lt 2000 ]; do echo "line $i of some filler text"; i=$((i+1)); done
            echo last-stdout-line
            echo the-stderr-text >&2
            """));

        await RunTaskAsync(jobId, task);

        string? tail = await Compute.GetTaskOutputTailAsync(jobId, task.Id, TaskOutputStream.StandardOutput, 100);
        string? whole = await Compute.GetTaskOutputTailAsync(jobId, task.Id, TaskOutputStream.StandardOutput, 1 << 20);
        string? stderr = await Compute.GetTaskOutputTailAsync(jobId, task.Id, TaskOutputStream.StandardError, 100);
        Assert.Multiple(() =>
        {
            Assert.That(tail, Does.EndWith("\nlast-stdout-line\n"));
            Assert.That(Encoding.UTF8.GetByteCount(tail!), Is.LessThanOrEqualTo(100));
            Assert.That(whole, Does.StartWith("line 0 of some filler text\n").And.EndWith("line 1999 of some filler text\nlast-stdout-line\n"));
            Assert.That(stderr, Is.EqualTo("the-stderr-text\n"));
        });
    }

    [Test]
    public async Task Task_ExitCode_DecidesTheResult()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync(slots: 2));
        await Compute.AddTasksAsync(jobId, [new TaskSpec("exits-0", Sh("exit 0")), new TaskSpec("exits-7", Sh("exit 7"))]);
        await WaitForCompletedAsync(jobId, 2);

        var ok = await Compute.GetTaskAsync(jobId, "exits-0");
        var bad = await Compute.GetTaskAsync(jobId, "exits-7");
        var counts = await Compute.GetTaskCountsAsync(jobId);
        Assert.Multiple(() =>
        {
            Assert.That(ok!.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(ok.ExitCode, Is.EqualTo(0));
            Assert.That(ok.FailureInfo, Is.Null);
            Assert.That(ok.StartTime, Is.Not.Null);
            Assert.That(ok.EndTime, Is.Not.Null);
            Assert.That(ok.NodeId, Is.Not.Null);
            Assert.That(bad!.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(bad.ExitCode, Is.EqualTo(7));
            Assert.That(bad.FailureInfo?.Category, Is.EqualTo("UserError"));
            Assert.That(bad.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(bad.RetryCount, Is.Zero);
            Assert.That(counts, Is.EqualTo(new TaskCounts(0, 0, 2, 1, 1)));
        });
    }

    [Test]
    public async Task Task_FailsOnceThenSucceeds_IsRetriedOnceAndSucceeds()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("flaky", Sh("""
            marker="$AZ_BATCH_NODE_SHARED_DIR/flaky-$AZ_BATCH_JOB_ID-$AZ_BATCH_TASK_ID"
            if [ -e "$marker" ]; then echo second-attempt; exit 0; fi
            : > "$marker"; echo first-attempt; exit 9
            """))
        {
            Constraints = new TaskConstraints { MaxTaskRetryCount = 3 },
        };

        var info = await RunTaskAsync(jobId, task);

        Assert.Multiple(async () =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
            Assert.That(info.RetryCount, Is.EqualTo(1));
            Assert.That(info.ExitCode, Is.EqualTo(0));
            Assert.That(info.FailureInfo, Is.Null);
            Assert.That(await StdoutAsync(jobId, task.Id), Does.Contain("second-attempt"));
        });
    }

    [Test]
    public async Task Task_AlwaysFails_IsRetriedUpToMaxTaskRetryCountThenFails()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("always-fails", Sh("""echo attempt >> "$AZ_BATCH_NODE_SHARED_DIR/attempts-$AZ_BATCH_JOB_ID"; exit 4"""))
        {
            Constraints = new TaskConstraints { MaxTaskRetryCount = 2 },
        };

        var info = await RunTaskAsync(jobId, task);
        var counter = await RunTaskAsync(jobId, new TaskSpec("count-attempts", Sh("""wc -l < "$AZ_BATCH_NODE_SHARED_DIR/attempts-$AZ_BATCH_JOB_ID" """)));

        Assert.Multiple(async () =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.RetryCount, Is.EqualTo(2));
            Assert.That(info.ExitCode, Is.EqualTo(4));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(counter.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That((await StdoutAsync(jobId, "count-attempts")).Trim(), Is.EqualTo("3"), "one first attempt and two retries");
        });
    }

    [Test]
    public async Task Task_RunsPastMaxWallClockTime_IsKilledWithTheProcessesItStarted()
    {
        string container = await CreateContainerAsync();
        var writeUrl = await Storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("sleeper", Sh("sleep 600 & echo $! > child.pid; wait"))
        {
            Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromSeconds(2), MaxTaskRetryCount = 2 },
        };
        task.OutputFiles.Add(new OutputFileSpec("child.pid", writeUrl, OutputUploadCondition.TaskCompletion) { Path = "child.pid" });

        var info = await RunTaskAsync(jobId, task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Category, Is.EqualTo("UserError"));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("MaxWallClockTimeExceeded"));
            Assert.That(info.RetryCount, Is.Zero, "a task killed at its wall-clock limit is not retried");
        });
        if (Compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes))
        {
            return; // the child ran on another machine
        }

        int childPid = int.Parse((await ReadBlobAsync(container, "child.pid")).Trim(), CultureInfo.InvariantCulture);
        await WaitUntilAsync(() => Task.FromResult(!ProcessProbe.IsRunning(childPid)), () => Task.FromResult($"the task's background child process {childPid} still runs"));
    }

    // ------------------------------------------------------------------ output files

    [TestCase(OutputUploadCondition.TaskSuccess, new[] { "succeeds/result.txt" })]
    [TestCase(OutputUploadCondition.TaskFailure, new[] { "fails/result.txt" })]
    [TestCase(OutputUploadCondition.TaskCompletion, new[] { "fails/result.txt", "succeeds/result.txt" })]
    public async Task OutputFiles_UploadCondition_DecidesWhichTasksUpload(OutputUploadCondition condition, string[] expectedBlobs)
    {
        string container = await CreateContainerAsync();
        var writeUrl = await Storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync(slots: 2));
        var tasks = new[] { ("succeeds", 0), ("fails", 1) }.Select(t =>
        {
            var spec = new TaskSpec(t.Item1, Sh($"echo result > result.txt; exit {t.Item2}"));
            spec.OutputFiles.Add(new OutputFileSpec("result.txt", writeUrl, condition) { Path = $"{t.Item1}/result.txt" });
            return spec;
        }).ToList();

        await Compute.AddTasksAsync(jobId, tasks);
        await WaitForCompletedAsync(jobId, 2);

        var succeeds = await Compute.GetTaskAsync(jobId, "succeeds");
        var fails = await Compute.GetTaskAsync(jobId, "fails");
        Assert.Multiple(async () =>
        {
            Assert.That(succeeds!.Result, Is.EqualTo(TaskExecutionResult.Success), succeeds.FailureInfo?.ToString());
            Assert.That(fails!.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(await ListBlobNamesAsync(container), Is.EqualTo(expectedBlobs));
        });
    }

    [Test]
    public async Task OutputFiles_BlobNames_FollowThePatternAndPath()
    {
        string container = await CreateContainerAsync();
        var writeUrl = await Storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1));
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        var task = new TaskSpec("namer", Sh("""
            mkdir -p out/sub .hidden
            echo a > out/a.txt; echo b > out/sub/b.txt; echo c > out/sub/c.log; echo h > out/.h.txt
            echo top > top.txt; echo x > .hidden/x.txt; echo to-stderr >&2
            """));
        task.OutputFiles.Add(new OutputFileSpec("top.txt", writeUrl, OutputUploadCondition.TaskSuccess) { Path = "single/renamed.txt" });
        task.OutputFiles.Add(new OutputFileSpec("top.txt", writeUrl, OutputUploadCondition.TaskSuccess));
        task.OutputFiles.Add(new OutputFileSpec("out/**/*.txt", writeUrl, OutputUploadCondition.TaskSuccess) { Path = "tree" });
        task.OutputFiles.Add(new OutputFileSpec("../stdout.txt", writeUrl, OutputUploadCondition.TaskCompletion) { Path = "logs/stdout.txt" });
        task.OutputFiles.Add(new OutputFileSpec("../std*.txt", writeUrl, OutputUploadCondition.TaskCompletion) { Path = "std" });

        var info = await RunTaskAsync(jobId, task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
        Assert.That(await ListBlobNamesAsync(container), Is.EqualTo(new[]
        {
            "logs/stdout.txt", "single/renamed.txt", "std/stderr.txt", "std/stdout.txt", "top.txt", "tree/a.txt", "tree/sub/b.txt",
        }));
        Assert.That(await ReadBlobAsync(container, "std/stderr.txt"), Is.EqualTo("to-stderr\n"));
    }

    // ------------------------------------------------------------------ adding, counting, listing

    [Test]
    public async Task AddTasksAsync_SameIdTwice_CountsItAsExistingAndRunsItOnce()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        string command = Sh("""echo ran >> "$AZ_BATCH_NODE_SHARED_DIR/once-$AZ_BATCH_JOB_ID" """);

        var first = await Compute.AddTasksAsync(jobId, [new TaskSpec("once", command)]);
        var again = await Compute.AddTasksAsync(jobId, [new TaskSpec("once", command)]);
        await WaitForCompletedAsync(jobId, 1);
        var afterCompletion = await Compute.AddTasksAsync(jobId, [new TaskSpec("once", command)]);
        var counter = await RunTaskAsync(jobId, new TaskSpec("count-runs", Sh("""cat "$AZ_BATCH_NODE_SHARED_DIR/once-$AZ_BATCH_JOB_ID" """)));

        Assert.Multiple(async () =>
        {
            Assert.That((first.Added, first.AlreadyExisted), Is.EqualTo((1, 0)));
            Assert.That((again.Added, again.AlreadyExisted), Is.EqualTo((0, 1)));
            Assert.That((afterCompletion.Added, afterCompletion.AlreadyExisted), Is.EqualTo((0, 1)));
            Assert.That(counter.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(await StdoutAsync(jobId, "count-runs"), Is.EqualTo("ran\n"), "the task ran once");
            Assert.That((await Compute.GetTaskCountsAsync(jobId)).Total, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task GetTaskCountsAsync_AndListTasksAsync_ReflectTaskStates()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        await Compute.AddTasksAsync(jobId, [new TaskSpec("done-ok", Sh("exit 0")), new TaskSpec("done-bad", Sh("exit 1"))]);
        await WaitForCompletedAsync(jobId, 2);
        await Compute.AddTasksAsync(jobId, [new TaskSpec("blocker", "sleep 600"), new TaskSpec("queued-1", Sh("exit 0")), new TaskSpec("queued-2", Sh("exit 0"))]);

        var blocker = await WaitForTaskAsync(jobId, "blocker", t => t.State == ComputeTaskState.Running, "running");
        await WaitUntilAsync(
            async () => await Compute.GetTaskCountsAsync(jobId) == new TaskCounts(2, 1, 2, 1, 1),
            async () => $"counts are {await Compute.GetTaskCountsAsync(jobId)}");

        Assert.Multiple(async () =>
        {
            Assert.That(await ListTaskIdsAsync(jobId, new TaskListQuery { State = ComputeTaskState.Running }), Is.EqualTo(new[] { "blocker" }));
            Assert.That(await ListTaskIdsAsync(jobId, new TaskListQuery { State = ComputeTaskState.Active }), Is.EquivalentTo(new[] { "queued-1", "queued-2" }));
            Assert.That(await ListTaskIdsAsync(jobId, new TaskListQuery { State = ComputeTaskState.Completed }), Is.EquivalentTo(new[] { "done-ok", "done-bad" }));
            Assert.That(await ListTaskIdsAsync(jobId, null), Is.EquivalentTo(new[] { "done-ok", "done-bad", "blocker", "queued-1", "queued-2" }));
            Assert.That(await ListTaskIdsAsync(jobId, new TaskListQuery { StateChangedSince = blocker.StateTransitionTime }), Does.Contain("blocker"));
            Assert.That(blocker.NodeId, Is.Not.Null);
            Assert.That(blocker.StartTime, Is.Not.Null);
        });
    }

    [Test]
    public async Task TerminateJobAsync_StopsTheRunningTaskAndStartsNoOther()
    {
        string jobId = await CreateJobAsync(await CreateReadyPoolAsync());
        await Compute.AddTasksAsync(jobId, [new TaskSpec("long", "sleep 600"), new TaskSpec("next", Sh("exit 0"))]);
        await WaitForTaskAsync(jobId, "long", t => t.State == ComputeTaskState.Running, "running");

        await Compute.TerminateJobAsync(jobId);

        var ended = await WaitForTaskAsync(jobId, "long", t => t.State == ComputeTaskState.Completed, "completed");
        var next = await Compute.GetTaskAsync(jobId, "next");
        Assert.Multiple(() =>
        {
            Assert.That(ended.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(ended.FailureInfo?.Code, Is.EqualTo("TaskEnded"));
            Assert.That(next!.StartTime, Is.Null, "no task starts after the job was terminated");
            Assert.That(next.State, Is.Not.AnyOf(ComputeTaskState.Preparing, ComputeTaskState.Running));
        });
        Assert.CatchAsync<BatchComputeException>(() => Compute.AddTasksAsync(jobId, [new TaskSpec("too-late", Sh("exit 0"))]));
    }

    [Test]
    public async Task DeleteJobAsync_WhileATaskRuns_KillsIt()
    {
        string poolId = await CreateReadyPoolAsync(slots: 2);
        string doomedJob = await CreateJobAsync(poolId);
        await Compute.AddTasksAsync(doomedJob, [new TaskSpec("victim", Sh("""echo $$ > "$AZ_BATCH_NODE_SHARED_DIR/victim.pid"; exec sleep 600"""))]);
        await WaitForTaskAsync(doomedJob, "victim", t => t.State == ComputeTaskState.Running, "running");
        string otherJob = await CreateJobAsync(poolId);
        var reader = await RunTaskAsync(otherJob, new TaskSpec("read-pid", Sh("""
            f="$AZ_BATCH_NODE_SHARED_DIR/victim.pid"
            while [ ! -s "$f" ]; do sleep 0.05; done
            cat "$f"
            """))
        {
            Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromSeconds(30) },
        });
        Assert.That(reader.Result, Is.EqualTo(TaskExecutionResult.Success), reader.FailureInfo?.ToString());
        int victimPid = int.Parse((await StdoutAsync(otherJob, "read-pid")).Trim(), CultureInfo.InvariantCulture);

        Assert.That(await Compute.DeleteJobAsync(doomedJob), Is.True);

        await WaitUntilAsync(async () => await Compute.GetTaskAsync(doomedJob, "victim") is null, () => Task.FromResult("the deleted job's task is still listed"));
        if (!Compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes))
        {
            await WaitUntilAsync(() => Task.FromResult(!ProcessProbe.IsRunning(victimPid)), () => Task.FromResult($"the deleted job's process {victimPid} still runs"));
        }

        var after = await RunTaskAsync(otherJob, new TaskSpec("after-delete", Sh("exit 0")));
        Assert.That(after.Result, Is.EqualTo(TaskExecutionResult.Success));
    }

    [Test]
    public async Task AddTasksAsync_FiftyTasksOnTwoNodesWithTwoSlots_AllSucceed()
    {
        string poolId = await CreateReadyPoolAsync(nodeCount: 2, slots: 2);
        var nodeIds = (await Compute.ListNodesAsync(poolId)).Select(n => n.Id).ToArray();
        string jobId = await CreateJobAsync(poolId);
        var tasks = Enumerable.Range(0, 50).Select(i => new TaskSpec($"t-{i:00}", Sh("""echo "$AZ_BATCH_TASK_ID" """))).ToList();

        var added = await Compute.AddTasksAsync(jobId, tasks);
        await WaitForCompletedAsync(jobId, tasks.Count);

        var infos = await ListTasksAsync(jobId, null);
        Assert.Multiple(async () =>
        {
            Assert.That(added.Added, Is.EqualTo(50));
            Assert.That(await Compute.GetTaskCountsAsync(jobId), Is.EqualTo(new TaskCounts(0, 0, 50, 50, 0)));
            Assert.That(infos.Select(t => t.Id), Is.EquivalentTo(tasks.Select(t => t.Id)));
            Assert.That(infos.Select(t => t.Result), Is.All.EqualTo(TaskExecutionResult.Success));
            Assert.That(infos.Select(t => t.NodeId), Is.All.AnyOf(nodeIds));
            Assert.That(await StdoutAsync(jobId, "t-00"), Is.EqualTo("t-00\n"));
            Assert.That(await StdoutAsync(jobId, "t-49"), Is.EqualTo("t-49\n"));
        });
    }

    /// <summary>Creates the compute under test and its storage; called before each test.</summary>
    /// <returns>The context, disposed after each test.</returns>
    protected abstract Task<ComputeTestContext> CreateContextAsync();

    // ------------------------------------------------------------------ helpers

    /// <summary>A command line that runs <paramref name="script"/> with <c>/bin/sh -c</c>.</summary>
    protected static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);

    /// <summary>A unique id with a readable prefix (Batch ids: at most 64 letters, digits, hyphens, underscores).</summary>
    protected static string NewId(string prefix) => $"ct-{prefix}-{Guid.NewGuid():N}"[..Math.Min(64, prefix.Length + 4 + 16)];

    /// <summary>Creates a pool (deleted after the test) and waits until it is ready.</summary>
    protected async Task<string> CreateReadyPoolAsync(int nodeCount = 1, int slots = 1, StartTaskSpec? startTask = null)
    {
        string poolId = NewId("pool");
        await Compute.CreatePoolAsync(new PoolSpec(poolId, nodeCount) { TaskSlotsPerNode = slots, StartTask = startTask });
        _pools.Add(poolId);
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        await Compute.WaitForPoolReadyAsync(poolId, deadline.Token);
        return poolId;
    }

    /// <summary>Creates a job (deleted after the test).</summary>
    protected async Task<string> CreateJobAsync(string poolId, bool usesTaskDependencies = false)
    {
        string jobId = NewId("job");
        await Compute.CreateJobAsync(new JobSpec(jobId, poolId) { UsesTaskDependencies = usesTaskDependencies });
        _jobs.Add(jobId);
        return jobId;
    }

    /// <summary>Adds one task and waits until it completes.</summary>
    protected async Task<BatchTaskInfo> RunTaskAsync(string jobId, TaskSpec task)
    {
        await Compute.AddTasksAsync(jobId, [task]);
        return await WaitForTaskAsync(jobId, task.Id, t => t.State == ComputeTaskState.Completed, "completed");
    }

    /// <summary>Waits until a task satisfies a condition.</summary>
    protected async Task<BatchTaskInfo> WaitForTaskAsync(string jobId, string taskId, Func<BatchTaskInfo, bool> condition, string what)
    {
        BatchTaskInfo? info = null;
        await WaitUntilAsync(
            async () => (info = await Compute.GetTaskAsync(jobId, taskId)) is { } t && condition(t),
            () => Task.FromResult($"task {taskId} of job {jobId} is not {what}: {info}"));
        return info!;
    }

    /// <summary>Waits until a job has <paramref name="count"/> completed tasks.</summary>
    protected async Task WaitForCompletedAsync(string jobId, int count)
    {
        await WaitUntilAsync(
            async () => (await Compute.GetTaskCountsAsync(jobId)).Completed >= count,
            async () => $"job {jobId} has not completed {count} task(s): {await Compute.GetTaskCountsAsync(jobId)}; " +
                string.Join(", ", (await ListTasksAsync(jobId, null)).Select(t => $"{t.Id}={t.State}")));
    }

    /// <summary>Polls a condition until it holds, failing the test with a description after <see cref="Deadline"/>.</summary>
    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<Task<string>> describe)
    {
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Gave up after {Deadline.TotalSeconds} s: {await describe()}");
            }

            await Task.Delay(PollInterval, TimeProvider.System);
        }
    }

    /// <summary>The whole stdout of a task (up to 1 MiB), or an empty string.</summary>
    protected async Task<string> StdoutAsync(string jobId, string taskId) =>
        await Compute.GetTaskOutputTailAsync(jobId, taskId, TaskOutputStream.StandardOutput, 1 << 20) ?? string.Empty;

    /// <summary>The whole stderr of a task (up to 1 MiB), or an empty string.</summary>
    protected async Task<string> StderrAsync(string jobId, string taskId) =>
        await Compute.GetTaskOutputTailAsync(jobId, taskId, TaskOutputStream.StandardError, 1 << 20) ?? string.Empty;

    /// <summary>Lists tasks.</summary>
    protected async Task<List<BatchTaskInfo>> ListTasksAsync(string jobId, TaskListQuery? query)
    {
        var tasks = new List<BatchTaskInfo>();
        await foreach (var task in Compute.ListTasksAsync(jobId, query))
        {
            tasks.Add(task);
        }

        return tasks;
    }

    /// <summary>Creates a storage container (deleted after the test).</summary>
    protected async Task<string> CreateContainerAsync()
    {
        string name = $"ct-{Guid.NewGuid():N}"[..24];
        await Storage.CreateContainerIfNotExistsAsync(name);
        _containers.Add(name);
        return name;
    }

    /// <summary>Uploads text as a blob and returns a read URL for it.</summary>
    protected async Task<Uri> StageAsync(string container, string blobName, string content)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await Storage.UploadAsync(container, blobName, stream);
        return await Storage.GetBlobReadUrlAsync(container, blobName, TimeProvider.System.GetUtcNow().AddHours(1));
    }

    /// <summary>The names of a container's blobs, in ordinal order.</summary>
    protected async Task<List<string>> ListBlobNamesAsync(string container)
    {
        var names = new List<string>();
        await foreach (var blob in Storage.ListBlobsAsync(container))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>Reads a blob as UTF-8 text.</summary>
    protected async Task<string> ReadBlobAsync(string container, string blobName)
    {
        await using var stream = await Storage.OpenReadAsync(container, blobName);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    private async Task<List<string>> ListTaskIdsAsync(string jobId, TaskListQuery? query) =>
        [.. (await ListTasksAsync(jobId, query)).Select(t => t.Id)];

    private static async Task BestEffortAsync(string what, Func<Task> cleanup)
    {
        try
        {
            await cleanup();
        }
        catch (Exception ex)
        {
            // Cleanup never hides the test's own outcome; say what was left behind.
            await TestContext.Out.WriteLineAsync($"Cleanup could not {what}: {ex.GetType().Name}: {ex.Message}");
        }
    }
}
