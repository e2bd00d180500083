using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Conformance.Testing;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>Behaviour only the local backend has (folders, hooks, disposal); the shared behaviour is in the conformance suite.</summary>
[TestFixture]
public class LocalProcessComputeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _root = null!;
    private TestFolderStorage _storage = null!;
    private LocalProcessCompute _compute = null!;
    private FakeLogCollector _logs = null!;
    private ILoggerFactory _loggerFactory = null!;

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _root = Directory.CreateTempSubdirectory("topnwords-localcompute-").FullName;
        _storage = new TestFolderStorage(Path.Combine(_root, "storage"));
        _logs = new FakeLogCollector();
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
        _compute = CreateCompute(new LocalProcessComputeOptions());
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_compute is not null)
        {
            await _compute.DisposeAsync();
        }

        _loggerFactory?.Dispose();

        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public async Task CreatePoolAsync_LaysOutNodeFoldersLikeABatchNode()
    {
        await CreateReadyPoolAsync("layout", nodeCount: 2, startTask: new StartTaskSpec(Sh("echo started; pwd -P")));
        await _compute.CreateJobAsync(new JobSpec("job-a", "layout"));

        var info = await RunTaskAsync("job-a", new TaskSpec("task-1", Sh("echo out; echo err >&2; touch made-in-wd.txt")));

        string pool = Path.Combine(_compute.RootPath, "pools", "layout");
        string node = Path.Combine(pool, "nodes", info.NodeId!);
        string task = Path.Combine(node, "workitems", "job-a", "job-1", "task-1");
        string startup = Path.Combine(pool, "nodes", "tvm-local-2", "startup");
        Assert.Multiple(() =>
        {
            Assert.That(_compute.DisplayName, Is.EqualTo($"local ({_compute.RootPath})"));
            Assert.That(_compute.Capabilities, Is.EqualTo(ComputeCapabilities.PosixNodes | ComputeCapabilities.InProcess));
            Assert.That(Directory.GetDirectories(Path.Combine(pool, "nodes")).Select(Path.GetFileName), Is.EquivalentTo(new[] { "tvm-local-1", "tvm-local-2" }));
            Assert.That(Directory.Exists(Path.Combine(node, "shared")), Is.True);
            Assert.That(File.ReadAllText(Path.Combine(startup, "stdout.txt")), Does.StartWith("started\n").And.Contains(Path.Combine("startup", "wd")));
            Assert.That(File.Exists(Path.Combine(startup, "stderr.txt")), Is.True);
            Assert.That(File.ReadAllText(Path.Combine(task, "stdout.txt")), Is.EqualTo("out\n"));
            Assert.That(File.ReadAllText(Path.Combine(task, "stderr.txt")), Is.EqualTo("err\n"));
            Assert.That(File.Exists(Path.Combine(task, "wd", "made-in-wd.txt")), Is.True);
            Assert.That(_compute.GetTaskDirectory("job-a", "task-1"), Is.EqualTo(task));
            Assert.That(_compute.GetNodeDirectory("layout", "tvm-local-2"), Is.EqualTo(Path.Combine(pool, "nodes", "tvm-local-2")));
        });
    }

    [TestCase("tools/hello.sh world")]
    [TestCase("./tools/hello.sh world")]
    public async Task Task_RelativeProgramPath_IsResolvedAgainstTheWorkingDirectory(string commandLine)
    {
        await CreateReadyPoolAsync("tools");
        await _compute.CreateJobAsync(new JobSpec("job", "tools"));
        var task = new TaskSpec("hello", commandLine);
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("hello.sh", "#!/bin/sh\necho \"hello $1\"\n"), "tools/hello.sh"));

        var info = await RunTaskAsync("job", task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
        Assert.That(await StdoutAsync("job", "hello"), Is.EqualTo("hello world\n"));
    }

    [Test]
    public async Task Task_BareProgramName_IsLookedUpOnPathNotInTheWorkingDirectory()
    {
        await CreateReadyPoolAsync("path");
        await _compute.CreateJobAsync(new JobSpec("job", "path"));
        var task = new TaskSpec("in-wd", "mytool");
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("mytool", "#!/bin/sh\necho should-not-run\n"), "mytool"));

        var info = await RunTaskAsync("job", task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
        Assert.That(info.FailureInfo?.Code, Is.EqualTo("CommandProgramNotFound"));
        Assert.That(info.FailureInfo?.Message, Does.Contain("'mytool'"));
    }

    [Test]
    public async Task Task_EnvironmentSettingPath_IsUsedToFindTheProgram()
    {
        await CreateReadyPoolAsync("path2");
        await _compute.CreateJobAsync(new JobSpec("job", "path2"));
        var task = new TaskSpec("on-path", "mytool");
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("mytool", "#!/bin/sh\necho found-on-path\n"), "bin/mytool"));
        task.EnvironmentSettings["PATH"] = "bin:/usr/bin:/bin";

        var info = await RunTaskAsync("job", task);

        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
        Assert.That(await StdoutAsync("job", "on-path"), Is.EqualTo("found-on-path\n"));
    }

    [Test]
    public async Task MarkNodeUnusable_RunningNode_RequeuesItsTasksAndPoolIsNotReady()
    {
        await CreateReadyPoolAsync("sick", nodeCount: 2, slots: 2);
        await _compute.CreateJobAsync(new JobSpec("job", "sick"));
        await _compute.AddTasksAsync("job", [new TaskSpec("long", "sleep 600")]);
        var first = await WaitForTaskAsync("job", "long", t => t.State == ComputeTaskState.Running);

        Assert.That(_compute.MarkNodeUnusable("sick", first.NodeId!, "DiskFull", "The node's disk is full."), Is.True);

        var moved = await WaitForTaskAsync("job", "long", t => t.State == ComputeTaskState.Running && t.NodeId != first.NodeId);
        await _compute.AddTasksAsync("job", [.. Enumerable.Range(0, 4).Select(i => new TaskSpec($"quick-{i}", Sh("exit 0")))]);
        await WaitUntilAsync(async () => (await _compute.GetTaskCountsAsync("job")).Completed == 4);
        var nodes = await _compute.ListNodesAsync("sick");
        var sick = nodes.Single(n => n.Id == first.NodeId);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.WaitForPoolReadyAsync("sick"));
        var quick = await ListTasksAsync("job", ComputeTaskState.Completed);
        Assert.Multiple(() =>
        {
            Assert.That(sick.State, Is.EqualTo(ComputeNodeState.Unusable));
            Assert.That(sick.Errors, Is.EqualTo(new[] { "DiskFull: The node's disk is full." }));
            Assert.That(moved.RetryCount, Is.Zero, "a task moved off a lost node is not retried");
            Assert.That(ex!.Nodes.Select(n => n.NodeId), Is.EqualTo(new[] { first.NodeId }));
            Assert.That(ex.Message, Does.Contain("DiskFull"));
            Assert.That(quick.Select(t => t.NodeId), Is.All.EqualTo(moved.NodeId));
            Assert.That(_compute.MarkNodeUnusable("sick", "tvm-local-9", "X", "no such node"), Is.False);
        });
    }

    [Test]
    public async Task NodeFaultInjector_StartTaskFailure_FailsThePoolFastWithThatNode()
    {
        await using var compute = CreateCompute(new LocalProcessComputeOptions
        {
            NodeFaultInjector = (_, nodeId) => nodeId == "tvm-local-2" ? LocalNodeFault.StartTaskFailure : LocalNodeFault.None,
        });
        await compute.CreatePoolAsync(new PoolSpec("faulty", 2));

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => compute.WaitForPoolReadyAsync("faulty", deadline.Token));

        Assert.That(ex!.Nodes.Select(n => (n.NodeId, n.State, n.StartTaskExitCode)), Is.EqualTo(new[] { ("tvm-local-2", ComputeNodeState.StartTaskFailed, (int?)1) }));
        Assert.That(ex.Nodes[0].StartTaskStderrTail, Does.Contain("fault"));
    }

    [Test]
    public async Task NodeFaultInjector_Unusable_NeverRunsTheStartTask()
    {
        await using var compute = CreateCompute(new LocalProcessComputeOptions { NodeFaultInjector = (_, _) => LocalNodeFault.Unusable });
        await compute.CreatePoolAsync(new PoolSpec("broken", 1) { StartTask = new StartTaskSpec(Sh("touch \"$AZ_BATCH_NODE_SHARED_DIR/ran\"")) });

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => compute.WaitForPoolReadyAsync("broken", deadline.Token));

        Assert.That(ex!.Nodes.Single().State, Is.EqualTo(ComputeNodeState.Unusable));
        Assert.That(File.Exists(Path.Combine(compute.GetNodeDirectory("broken", "tvm-local-1")!, "shared", "ran")), Is.False);
    }

    [Test]
    public async Task StartTask_ResourceFileMissing_MakesTheNodeUnusableAndLogsNoSignature()
    {
        var url = await StageAsync("setup.sh", "echo setup\n");
        File.Delete(new Uri(url.GetLeftPart(UriPartial.Path)).LocalPath);
        var startTask = new StartTaskSpec(Sh("sh setup.sh"));
        startTask.ResourceFiles.Add(new ResourceFile(url, "setup.sh"));
        await _compute.CreatePoolAsync(new PoolSpec("nofile", 1) { StartTask = startTask });

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.WaitForPoolReadyAsync("nofile", deadline.Token));

        var node = ex!.Nodes.Single();
        string logs = string.Join("\n", _logs.GetSnapshot().Select(r => r.Message));
        Assert.Multiple(() =>
        {
            Assert.That(node.State, Is.EqualTo(ComputeNodeState.Unusable));
            Assert.That(node.FailureInfo?.Code, Is.EqualTo("BlobNotFound"));
            Assert.That(node.Errors.Single(), Does.StartWith("BlobNotFound: ").And.Contain("setup.sh"));
            Assert.That(ex.Message, Does.Not.Contain(_storage.Signature));
            Assert.That(logs, Does.Contain("BlobNotFound").And.Not.Contain(_storage.Signature));
        });
    }

    [Test]
    public async Task DisposeAsync_RunningTask_KillsItsProcessesAndWaitsForThem()
    {
        await CreateReadyPoolAsync("doomed");
        await _compute.CreateJobAsync(new JobSpec("job", "doomed"));
        await _compute.AddTasksAsync("job", [new TaskSpec("sleeper", Sh("echo $$ > shell.pid; sleep 600 & echo $! > child.pid; wait"))]);
        await WaitForTaskAsync("job", "sleeper", t => t.State == ComputeTaskState.Running);
        string workingDirectory = Path.Combine(_compute.GetTaskDirectory("job", "sleeper")!, "wd");
        await WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(workingDirectory, "child.pid")) && File.ReadAllText(Path.Combine(workingDirectory, "child.pid")).EndsWith('\n')));
        int shell = ReadPid(Path.Combine(workingDirectory, "shell.pid"));
        int child = ReadPid(Path.Combine(workingDirectory, "child.pid"));
        Assert.That(ProcessProbe.IsRunning(child), Is.True);

        await _compute.DisposeAsync();

        Assert.That(ProcessProbe.IsRunning(shell), Is.False, "the task's own process has exited when DisposeAsync returns");
        await WaitUntilAsync(() => Task.FromResult(!ProcessProbe.IsRunning(child)));
        Assert.That(() => _compute.GetTaskAsync("job", "sleeper"), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public async Task DisposeAsync_RootItCreated_IsDeleted_RootItWasGiven_IsKept()
    {
        var own = new LocalProcessCompute();
        string ownRoot = own.RootPath;
        Assert.That(Directory.Exists(ownRoot), Is.True);
        await own.DisposeAsync();

        Assert.That(Directory.Exists(ownRoot), Is.False);
        await CreateReadyPoolAsync("kept");
        await _compute.DisposeAsync();
        Assert.That(Directory.Exists(Path.Combine(_compute.RootPath, "pools", "kept")), Is.True);
    }

    [Test]
    public async Task AddTasksAsync_InvalidTasks_AreRefusedByNameWhileValidOnesAreAdded()
    {
        await CreateReadyPoolAsync("ids");
        await _compute.CreateJobAsync(new JobSpec("job", "ids"));
        var tasks = new List<TaskSpec>
        {
            new("valid-task_1", Sh("exit 0")),
            new("has space", Sh("exit 0")),
            new(new string('x', 65), Sh("exit 0")),
            new("accent-é", Sh("exit 0")),
            new("bad-quote", "echo 'unclosed"),
            new("bad-retries", Sh("exit 0")) { Constraints = new TaskConstraints { MaxTaskRetryCount = -2 } },
            new("bad-wallclock", Sh("exit 0")) { Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.Zero } },
        };
        var badOutput = new TaskSpec("bad-output", Sh("exit 0"));
        badOutput.OutputFiles.Add(new OutputFileSpec("../../escape/*", new Uri("file:///tmp/container?sp=cw"), OutputUploadCondition.TaskCompletion));
        tasks.Add(badOutput);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => _compute.AddTasksAsync("job", tasks));

        Assert.That(ex!.Failures.Select(f => f.TaskId), Is.EqualTo(tasks.Skip(1).Select(t => t.Id)));
        Assert.That(ex.Failures.Select(f => f.ErrorCode), Is.All.EqualTo("InvalidPropertyValue"));
        Assert.That(ex.Message, Does.Contain("has space"));
        Assert.That(ex.ResourceId, Is.EqualTo("job"));
        var valid = await WaitForTaskAsync("job", "valid-task_1", t => t.State == ComputeTaskState.Completed);
        Assert.That(valid.Result, Is.EqualTo(TaskExecutionResult.Success));
        Assert.That((await _compute.GetTaskCountsAsync("job")).Total, Is.EqualTo(1));
    }

    [Test]
    public async Task AddTasksAsync_IdsDifferingOnlyInCase_AreTheSameTask()
    {
        await CreateReadyPoolAsync("case");
        await _compute.CreateJobAsync(new JobSpec("job", "case"));

        var result = await _compute.AddTasksAsync("job", [new TaskSpec("Task-A", Sh("exit 0")), new TaskSpec("task-a", Sh("exit 0"))]);

        Assert.That((result.Added, result.AlreadyExisted), Is.EqualTo((1, 1)));
        Assert.That((await _compute.GetTaskAsync("job", "TASK-A"))?.Id, Is.EqualTo("Task-A"));
    }

    [TestCase("../escape.txt")]
    [TestCase("inner/../../escape.txt")]
    [TestCase("/tmp/absolute.txt")]
    public async Task Task_ResourceFilePathOutsideTheWorkingDirectory_FailsWithoutRunning(string filePath)
    {
        await CreateReadyPoolAsync("paths");
        await _compute.CreateJobAsync(new JobSpec("job", "paths"));
        var task = new TaskSpec("escaper", Sh("echo ran > ran.txt"));
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("input.txt", "data"), filePath));

        var info = await RunTaskAsync("job", task);

        string taskDirectory = _compute.GetTaskDirectory("job", "escaper")!;
        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Category, Is.EqualTo("UserError"));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobDownloadMiscError"));
            Assert.That(info.FailureInfo?.Message, Does.Contain(filePath).And.Not.Contain(_storage.Signature));
            Assert.That(info.ExitCode, Is.Null);
            Assert.That(File.Exists(Path.Combine(taskDirectory, "wd", "ran.txt")), Is.False, "the command did not run");
            Assert.That(Directory.EnumerateFiles(_compute.RootPath, "*escape.txt", SearchOption.AllDirectories), Is.Empty);
            Assert.That(File.Exists("/tmp/absolute.txt"), Is.False);
        });
    }

    [Test]
    public async Task Task_OutputUploadRefused_FailsWithFileUploadAccessDeniedWithoutTheSignature()
    {
        await CreateReadyPoolAsync("upload");
        await _compute.CreateJobAsync(new JobSpec("job", "upload"));
        await _storage.CreateContainerIfNotExistsAsync("results");
        var readOnly = new UriBuilder(new Uri(Path.Combine(_storage.RootPath, "results"))) { Query = $"sp=r&sig={_storage.Signature}" }.Uri;
        var task = new TaskSpec("writer", Sh("echo result > out.txt"));
        task.OutputFiles.Add(new OutputFileSpec("out.txt", readOnly, OutputUploadCondition.TaskSuccess));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.ExitCode, Is.EqualTo(0));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("FileUploadAccessDenied"));
            Assert.That(info.FailureInfo?.Message, Does.Contain("out.txt").And.Not.Contain(_storage.Signature));
            Assert.That(string.Join("\n", _logs.GetSnapshot().Select(r => r.Message)), Does.Not.Contain(_storage.Signature));
        });
    }

    [Test]
    public async Task Environment_HostVariables_OnlyTheBasicSetAndOptedInNamesReachTasksAndStartTasks()
    {
        // Unique names, removed again below: no other test sees them, and tests in this assembly do not run in parallel.
        string suffix = Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        string secret = "TOPNWORDS_TEST_SECRET_" + suffix;
        string passed = "TOPNWORDS_TEST_PASSED_" + suffix;
        string inheritedAzBatch = "AZ_BATCH_TOPNWORDS_TEST_" + suffix;
        string setLater = "TOPNWORDS_TEST_NOT_SET_" + suffix;
        string[] names = [secret, passed, inheritedAzBatch];
        foreach (string name in names)
        {
            Environment.SetEnvironmentVariable(name, "value-of-" + name);
        }

        try
        {
            await _compute.DisposeAsync();
            var options = new LocalProcessComputeOptions();
            options.PassThroughEnvironmentVariables.Add(passed);
            options.PassThroughEnvironmentVariables.Add(setLater);
            _compute = CreateCompute(options);
            options.PassThroughEnvironmentVariables.Add(secret); // too late: the compute copied the names
            Environment.SetEnvironmentVariable(setLater, "too-late"); // too late: the compute read the values, as a node when it starts
            await CreateReadyPoolAsync("env", startTask: new StartTaskSpec("/usr/bin/env"));
            await _compute.CreateJobAsync(new JobSpec("job", "env"));
            var task = new TaskSpec("env", "/usr/bin/env");
            task.EnvironmentSettings["MY_SETTING"] = "set-by-the-task";
            task.EnvironmentSettings["LANG"] = "C.task";

            var info = await RunTaskAsync("job", task);

            var taskEnvironment = ParseEnvironment(await StdoutAsync("job", "env"));
            var startEnvironment = ParseEnvironment(File.ReadAllText(Path.Combine(_compute.GetNodeDirectory("env", "tvm-local-1")!, "startup", "stdout.txt")));
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
            Assert.Multiple(() =>
            {
                foreach (var (what, environment) in new[] { ("task", taskEnvironment), ("start task", startEnvironment) })
                {
                    Assert.That(environment.Keys, Has.None.EqualTo(secret).And.None.EqualTo(inheritedAzBatch), what);
                    Assert.That(environment.Keys, Has.None.EqualTo(setLater), what + ": set after the compute was created");
                    Assert.That(environment.GetValueOrDefault(passed), Is.EqualTo("value-of-" + passed), what + ": opted in");
                    Assert.That(environment.Keys.Where(k => !IsAllowed(k)), Is.Empty, what + ": nothing but the basic set, AZ_BATCH_*, opted-in names and settings");
                    Assert.That(environment.GetValueOrDefault("AZ_BATCH_NODE_ID"), Is.EqualTo("tvm-local-1"), what);
                    foreach (string basic in new[] { "PATH", "HOME", "USER", "SHELL", "TMPDIR", "DOTNET_ROOT" })
                    {
                        Assert.That(environment.GetValueOrDefault(basic), Is.EqualTo(Environment.GetEnvironmentVariable(basic)), $"{what}: {basic}");
                    }
                }

                Assert.That(startEnvironment.GetValueOrDefault("LANG"), Is.EqualTo(Environment.GetEnvironmentVariable("LANG")));
                Assert.That(taskEnvironment.GetValueOrDefault("LANG"), Is.EqualTo("C.task"), "the task's settings win over the host's");
                Assert.That(taskEnvironment.GetValueOrDefault("MY_SETTING"), Is.EqualTo("set-by-the-task"));
                Assert.That(taskEnvironment.GetValueOrDefault("AZ_BATCH_TASK_ID"), Is.EqualTo("env"));
                Assert.That(taskEnvironment.GetValueOrDefault("AZ_BATCH_JOB_ID"), Is.EqualTo("job"));
                Assert.That(taskEnvironment.Keys, Has.Some.EqualTo("PATH"));
            });
        }
        finally
        {
            foreach (string name in names.Append(setLater))
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }

        bool IsAllowed(string name) =>
            name is "PATH" or "HOME" or "USER" or "LOGNAME" or "SHELL" or "LANG" or "TZ" or "TMPDIR" or "TEMP" or "TMP" or "DOTNET_ROOT" or "PWD" or "MY_SETTING"
            || name == passed
            || name.StartsWith("LC_", StringComparison.Ordinal)
            || name.StartsWith("DOTNET_ROOT", StringComparison.Ordinal)
            || (name.StartsWith("AZ_BATCH_", StringComparison.Ordinal) && name != inheritedAzBatch);
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase("NAME=VALUE")]
    [TestCase("AZ_BATCH_NODE_ID")]
    [TestCase("az_batch_anything")]
    public void Constructor_InvalidPassThroughEnvironmentVariable_Throws(string name)
    {
        var options = new LocalProcessComputeOptions { RootPath = Path.Combine(_root, "never") };
        options.PassThroughEnvironmentVariables.Add(name);

        var ex = Assert.Throws<ArgumentException>(() => _ = new LocalProcessCompute(options));

        Assert.That(ex!.ParamName, Is.EqualTo("PassThroughEnvironmentVariables"));
        Assert.That(ex.Message, Does.Contain("PassThroughEnvironmentVariables"));
    }

    [Test]
    public async Task OutputFiles_LinksLeadingOutOfTheTaskFolder_AreNotUploadedWhileGenuineOutputsAndInsideLinksAre()
    {
        string outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "dir"));
        File.WriteAllText(Path.Combine(outside, "secret_OUTPUT.txt"), "outside-secret\n");
        File.WriteAllText(Path.Combine(outside, "dir", "x_OUTPUT.txt"), "outside-secret\n");
        await CreateReadyPoolAsync("links");
        await _compute.CreateJobAsync(new JobSpec("job", "links"));
        await _storage.CreateContainerIfNotExistsAsync("results");
        var writeUrl = await _storage.GetContainerWriteUrlAsync("results", TimeProvider.System.GetUtcNow().AddHours(1));
        var task = new TaskSpec("linker", Sh($"""
            echo genuine > real_OUTPUT.txt
            ln -s real_OUTPUT.txt alias_OUTPUT.txt
            ln -s {BatchCommandLine.Quote(Path.Combine(outside, "secret_OUTPUT.txt"))} leak_OUTPUT.txt
            ln -s /etc/hostname host_OUTPUT.txt
            ln -s {BatchCommandLine.Quote(Path.Combine(outside, "dir"))} d
            mkdir inner; echo in > inner/y_OUTPUT.txt
            ln -s inner linked
            """));
        foreach (var (pattern, path) in new (string, string?)[]
        {
            ("*_OUTPUT.txt", null), ("**/*_OUTPUT.txt", "all"), ("d/*_OUTPUT.txt", "d"), ("*/x_OUTPUT.txt", "star"),
            ("*/y_OUTPUT.txt", "inside"), ("leak_OUTPUT.txt", "single/leak.txt"), ("d/x_OUTPUT.txt", "single/x.txt"),
        })
        {
            task.OutputFiles.Add(new OutputFileSpec(pattern, writeUrl, OutputUploadCondition.TaskSuccess) { Path = path });
        }

        var info = await RunTaskAsync("job", task);

        var blobs = new List<string>();
        await foreach (var blob in _storage.ListBlobsAsync("results"))
        {
            blobs.Add(blob.Name);
        }

        var contents = new List<string>();
        foreach (string blob in blobs)
        {
            using var reader = new StreamReader(await _storage.OpenReadAsync("results", blob));
            contents.Add(await reader.ReadToEndAsync());
        }

        var skipped = _logs.GetSnapshot().Where(r => r.Id.Name == "OutputLinkSkipped").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
            Assert.That(blobs, Is.EquivalentTo(new[]
            {
                "alias_OUTPUT.txt", "real_OUTPUT.txt", "all/alias_OUTPUT.txt", "all/real_OUTPUT.txt", "all/inner/y_OUTPUT.txt",
                "inside/inner/y_OUTPUT.txt", "inside/linked/y_OUTPUT.txt",
            }));
            Assert.That(contents, Is.All.EqualTo("genuine\n").Or.EqualTo("in\n"));
            Assert.That(skipped.Select(r => r.Message), Has.Some.Contains("'leak_OUTPUT.txt'").And.Some.Contains("'d'").And.Some.Contains("'d/x_OUTPUT.txt'"));
            Assert.That(skipped.Select(r => r.Message), Has.None.Contains("real_OUTPUT").And.None.Contains("linked"));
            Assert.That(string.Join("\n", _logs.GetSnapshot().Select(r => r.Message)), Does.Not.Contain("outside-secret"));
        });
    }

    [TestCase("file")]
    [TestCase("task folder")]
    public async Task GetTaskOutputTailAsync_StderrLinkedOutOfTheTaskFolder_ReadsAsMissingAndIsLogged(string replaced)
    {
        string outside = CreateOutsideFolder("stderr.txt", "stdout.txt");
        await CreateReadyPoolAsync("tails");
        await _compute.CreateJobAsync(new JobSpec("job", "tails"));
        string script = replaced == "file"
            ? $"""
              echo genuine >&2
              echo inside > kept.txt
              ln -sf {BatchCommandLine.Quote(Path.Combine(outside, "stderr.txt"))} "$AZ_BATCH_TASK_DIR/stderr.txt"
              ln -sf "$AZ_BATCH_TASK_WORKING_DIR/kept.txt" "$AZ_BATCH_TASK_DIR/stdout.txt"
              exit 1
              """
            : $"""
              echo genuine >&2
              cd /
              mv "$AZ_BATCH_TASK_DIR" "$AZ_BATCH_TASK_DIR.moved"
              ln -s {BatchCommandLine.Quote(outside)} "$AZ_BATCH_TASK_DIR"
              exit 1
              """;

        var info = await RunTaskAsync("job", new TaskSpec("linker", Sh(script)));

        string? stderr = await _compute.GetTaskOutputTailAsync("job", "linker", TaskOutputStream.StandardError, 4096);
        string? stdout = await _compute.GetTaskOutputTailAsync("job", "linker", TaskOutputStream.StandardOutput, 4096);
        var refused = _logs.GetSnapshot().Where(r => r.Id.Name == "OutputTailLinkRefused").Select(r => r.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(info.ExitCode, Is.EqualTo(1));
            Assert.That(stderr, Is.Null, "a link leading out reads as missing");
            Assert.That(stdout, replaced == "file" ? Is.EqualTo("inside\n") : Is.Null, "a link that stays inside the task folder is followed");
            Assert.That(refused, Has.Some.Contains("stderr.txt").And.Contains("task 'linker' of job 'job'"));
            Assert.That(string.Join("\n", _logs.GetSnapshot().Select(r => r.Message)), Does.Not.Contain("outside-secret"));
        });
    }

    [Test]
    public async Task GetStartTaskOutputTailAsync_StderrLinkedOutOfTheStartupFolder_IsNotShownInPoolNotReadyException()
    {
        string outside = CreateOutsideFolder("stderr.txt");
        string script = $"""echo genuine >&2; ln -sf {BatchCommandLine.Quote(Path.Combine(outside, "stderr.txt"))} "$AZ_BATCH_TASK_DIR/stderr.txt"; exit 1""";
        await _compute.CreatePoolAsync(new PoolSpec("startlink", 1) { StartTask = new StartTaskSpec(Sh(script)) });

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.WaitForPoolReadyAsync("startlink", deadline.Token));

        var refused = _logs.GetSnapshot().Where(r => r.Id.Name == "OutputTailLinkRefused").Select(r => r.Message).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Nodes.Single().StartTaskExitCode, Is.EqualTo(1));
            Assert.That(ex.Nodes.Single().StartTaskStderrTail, Is.Null);
            Assert.That(ex.Message, Does.Not.Contain("outside-secret"));
            Assert.That(await _compute.GetStartTaskOutputTailAsync("startlink", "tvm-local-1", TaskOutputStream.StandardError, 4096), Is.Null);
            Assert.That(refused, Has.Some.Contains("the start task of node 'tvm-local-1' in pool 'startlink'"));
        });
    }

    [TestCase("resource file")]
    [TestCase("stdout")]
    [TestCase("working folder")]
    [TestCase("task folder")]
    public async Task Task_RetriedAfterLeavingALinkOut_WritesNothingOutsideAndSeesTheGenuineResourceFile(string replaced)
    {
        string outside = CreateOutsideFolder("input.txt");
        var before = Snapshot(outside);
        await _compute.DisposeAsync();
        _compute = CreateCompute(new LocalProcessComputeOptions { UrlTransfer = new InPlaceUrlTransfer() });
        await CreateReadyPoolAsync("retry");
        await _compute.CreateJobAsync(new JobSpec("job", "retry"));
        string quoted = BatchCommandLine.Quote(outside);
        string firstAttempt = replaced switch
        {
            "resource file" => $"rm input.txt; ln -s {quoted}/input.txt input.txt",
            "stdout" => $"""ln -sf {quoted}/input.txt "$AZ_BATCH_TASK_DIR/stdout.txt" """,
            "working folder" => $"cd ..; mv wd wd.old; ln -s {quoted} wd",
            _ => $"""cd /; mv "$AZ_BATCH_TASK_DIR" "$AZ_BATCH_TASK_DIR.old"; ln -s {quoted} "$AZ_BATCH_TASK_DIR" """,
        };
        var task = new TaskSpec("retried", Sh($"""
            if [ "$AZ_BATCH_TASK_RETRY_COUNT" = 0 ]; then {firstAttempt}; exit 1; fi
            cat input.txt
            """)) { Constraints = new TaskConstraints { MaxTaskRetryCount = 1 } };
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("input.txt", "genuine\n"), "input.txt"));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(async () =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success), info.FailureInfo?.ToString());
            Assert.That(info.RetryCount, Is.EqualTo(1));
            Assert.That(await StdoutAsync("job", "retried"), Is.EqualTo("genuine\n"), "the second attempt sees the genuine resource file");
            Assert.That(Snapshot(outside), Is.EqualTo(before), "nothing outside was written");
        });
    }

    [Test]
    public async Task Task_RetriedAfterLinkingAResourceFolderOut_FailsNamingTheFileAndWritesNothingOutside()
    {
        string outside = CreateOutsideFolder("input.txt");
        var before = Snapshot(outside);
        await CreateReadyPoolAsync("retry-folder");
        await _compute.CreateJobAsync(new JobSpec("job", "retry-folder"));
        var task = new TaskSpec("retried", Sh($"""
            if [ "$AZ_BATCH_TASK_RETRY_COUNT" = 0 ]; then rm -r sub; ln -s {BatchCommandLine.Quote(outside)} sub; exit 1; fi
            cat sub/input.txt
            """)) { Constraints = new TaskConstraints { MaxTaskRetryCount = 1 } };
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("input.txt", "genuine\n"), "sub/input.txt"));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.RetryCount, Is.EqualTo(1));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobDownloadMiscError"));
            Assert.That(info.FailureInfo?.Message, Does.Contain("'sub/input.txt'").And.Contain("symbolic link that leads outside the working directory").And.Not.Contain(_storage.Signature));
            Assert.That(Snapshot(outside), Is.EqualTo(before), "nothing outside was written");
        });
    }

    [Test]
    public async Task Task_RetriedAfterLinkingAFolderAboveItsOwnOut_FailsWithoutWritingOutside()
    {
        string outside = CreateOutsideFolder("input.txt");
        var before = Snapshot(outside);
        await CreateReadyPoolAsync("retry-above");
        await _compute.CreateJobAsync(new JobSpec("job", "retry-above"));
        var task = new TaskSpec("retried", Sh($"""
            if [ "$AZ_BATCH_TASK_RETRY_COUNT" = 0 ]; then
              above=$(dirname "$AZ_BATCH_TASK_DIR"); cd /; mv "$above" "$above.old"; ln -s {BatchCommandLine.Quote(outside)} "$above"; exit 1
            fi
            exit 0
            """)) { Constraints = new TaskConstraints { MaxTaskRetryCount = 1 } };
        task.ResourceFiles.Add(new ResourceFile(await StageAsync("input.txt", "genuine\n"), "input.txt"));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("NodeFileSystemError"));
            Assert.That(info.FailureInfo?.Message, Does.Contain("symbolic link that leads outside the node's folder"));
            Assert.That(Snapshot(outside), Is.EqualTo(before), "nothing outside was written");
        });
    }

    [Test]
    public async Task StartTask_RetriedAfterLinkingAResourceFolderOut_MakesTheNodeUnusableNamingTheFile()
    {
        string outside = CreateOutsideFolder("setup.txt");
        var before = Snapshot(outside);
        var startTask = new StartTaskSpec(Sh($"""
            if [ "$AZ_BATCH_TASK_RETRY_COUNT" = 0 ]; then rm -r sub; ln -s {BatchCommandLine.Quote(outside)} sub; exit 1; fi
            exit 0
            """)) { MaxTaskRetryCount = 1 };
        startTask.ResourceFiles.Add(new ResourceFile(await StageAsync("setup.txt", "genuine\n"), "sub/setup.txt"));
        await _compute.CreatePoolAsync(new PoolSpec("start-retry", 1) { StartTask = startTask });

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.WaitForPoolReadyAsync("start-retry", deadline.Token));

        var node = ex!.Nodes.Single();
        Assert.Multiple(() =>
        {
            Assert.That(node.State, Is.EqualTo(ComputeNodeState.Unusable));
            Assert.That(node.FailureInfo?.Code, Is.EqualTo("BlobDownloadMiscError"));
            Assert.That(node.Errors.Single(), Does.Contain("'sub/setup.txt'").And.Contain("symbolic link"));
            Assert.That(Snapshot(outside), Is.EqualTo(before), "nothing outside was written");
        });
    }

    [Test]
    public async Task Changed_ReportsTaskAndNodeTransitionsInOrder()
    {
        var changes = new ConcurrentQueue<LocalComputeChange>();
        _compute.Changed += changes.Enqueue;
        await CreateReadyPoolAsync("watched");
        await _compute.CreateJobAsync(new JobSpec("job", "watched"));

        await RunTaskAsync("job", new TaskSpec("watched-task", Sh("exit 3")) { Constraints = new TaskConstraints { MaxTaskRetryCount = 1 } });

        var taskStates = changes.OfType<LocalTaskChange>().Where(c => c.Task.Id == "watched-task").Select(c => c.Task.State).ToList();
        var nodeStates = changes.OfType<LocalNodeChange>().Select(c => c.Node.State).Distinct().ToList();
        Assert.That(taskStates, Is.EqualTo(new[]
        {
            ComputeTaskState.Active, ComputeTaskState.Preparing, ComputeTaskState.Running,
            ComputeTaskState.Preparing, ComputeTaskState.Running, ComputeTaskState.Completed,
        }));
        Assert.That(nodeStates, Is.EqualTo(new[] { ComputeNodeState.Creating, ComputeNodeState.Starting, ComputeNodeState.Idle, ComputeNodeState.Running }));
    }

    [Test]
    public async Task Task_MaxWallClockTime_IsMeasuredWithTheTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        await using var compute = CreateCompute(new LocalProcessComputeOptions { TimeProvider = time });
        await compute.CreatePoolAsync(new PoolSpec("fake-time", 1));
        await WaitUntilAsync(async () => (await compute.ListNodesAsync("fake-time")).All(n => n.State == ComputeNodeState.Idle));
        await compute.CreateJobAsync(new JobSpec("job", "fake-time"));
        await compute.AddTasksAsync("job", [new TaskSpec("slow", "sleep 600") { Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromHours(1) } }]);
        await WaitUntilAsync(async () => (await compute.GetTaskAsync("job", "slow"))!.State == ComputeTaskState.Running);

        time.Advance(TimeSpan.FromMinutes(59));
        Assert.That((await compute.GetTaskAsync("job", "slow"))!.State, Is.EqualTo(ComputeTaskState.Running));
        time.Advance(TimeSpan.FromMinutes(2));

        await WaitUntilAsync(async () => (await compute.GetTaskAsync("job", "slow"))!.State == ComputeTaskState.Completed);
        var info = (await compute.GetTaskAsync("job", "slow"))!;
        Assert.That(info.FailureInfo?.Code, Is.EqualTo("MaxWallClockTimeExceeded"));
        Assert.That(info.EndTime - info.StartTime, Is.EqualTo(TimeSpan.FromMinutes(61)));
    }

    [Test]
    public async Task NodeStartupDelay_KeepsNodesStarting_AndCancellingTheWaitCancelsOnlyTheWait()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        await using var compute = CreateCompute(new LocalProcessComputeOptions { TimeProvider = time, NodeStartupDelay = TimeSpan.FromMinutes(5) });
        await compute.CreatePoolAsync(new PoolSpec("booting", 2));
        await WaitUntilAsync(async () => (await compute.ListNodesAsync("booting")).All(n => n.State == ComputeNodeState.Starting));

        using var cancelled = new CancellationTokenSource();
        var wait = compute.WaitForPoolReadyAsync("booting", cancelled.Token);
        await cancelled.CancelAsync();
        Assert.That(() => wait, Throws.InstanceOf<OperationCanceledException>());

        time.Advance(TimeSpan.FromMinutes(5));
        await WaitUntilAsync(async () => (await compute.ListNodesAsync("booting")).All(n => n.State == ComputeNodeState.Idle));
        Assert.That((await compute.GetPoolAsync("booting"))!.AllocationState, Is.EqualTo(PoolAllocationState.Steady));
    }

    [Test]
    public async Task ListTasksAsync_StateChangedSince_ListsOnlyTasksThatChangedFromThen()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        await using var compute = CreateCompute(new LocalProcessComputeOptions { TimeProvider = time });
        await compute.CreatePoolAsync(new PoolSpec("clock", 1));
        await compute.CreateJobAsync(new JobSpec("job", "clock"));
        await compute.AddTasksAsync("job", [new TaskSpec("early", Sh("exit 0"))]);
        await WaitUntilAsync(async () => (await compute.GetTaskAsync("job", "early"))!.State == ComputeTaskState.Completed);
        time.Advance(TimeSpan.FromMinutes(1));
        var since = time.GetUtcNow();
        await compute.AddTasksAsync("job", [new TaskSpec("late", Sh("exit 0"))]);
        await WaitUntilAsync(async () => (await compute.GetTaskAsync("job", "late"))!.State == ComputeTaskState.Completed);

        var listed = new List<string>();
        await foreach (var task in compute.ListTasksAsync("job", new TaskListQuery { StateChangedSince = since }))
        {
            listed.Add(task.Id);
        }

        Assert.That(listed, Is.EqualTo(new[] { "late" }));
        Assert.That((await compute.GetTaskAsync("job", "late"))!.StateTransitionTime, Is.EqualTo(since));
    }

    [Test]
    public async Task StartTask_FailingWithRetries_IsRunOncePlusItsRetriesThenFailsTheNode()
    {
        var startTask = new StartTaskSpec(Sh("""echo run >> "$AZ_BATCH_NODE_SHARED_DIR/runs"; echo "retry=$AZ_BATCH_TASK_RETRY_COUNT" >&2; exit 2""")) { MaxTaskRetryCount = 2 };
        await _compute.CreatePoolAsync(new PoolSpec("retrying", 1) { StartTask = startTask });

        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.WaitForPoolReadyAsync("retrying", deadline.Token));

        var node = (await _compute.ListNodesAsync("retrying")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(node.StartTask?.RetryCount, Is.EqualTo(2));
            Assert.That(node.StartTask?.FailureInfo?.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(File.ReadAllLines(Path.Combine(_compute.GetNodeDirectory("retrying", node.Id)!, "shared", "runs")), Has.Length.EqualTo(3));
            Assert.That(ex!.Nodes.Single().StartTaskStderrTail, Does.Contain("retry=2"));
        });
    }

    [Test]
    public async Task StartTask_NotWaitedFor_FailureLeavesTheNodeUsable()
    {
        var startTask = new StartTaskSpec(Sh("exit 5")) { WaitForSuccess = false };
        await CreateReadyPoolAsync("lenient", startTask: startTask);
        await _compute.CreateJobAsync(new JobSpec("job", "lenient"));

        var info = await RunTaskAsync("job", new TaskSpec("runs-anyway", Sh("exit 0")));
        await WaitUntilAsync(async () => (await _compute.ListNodesAsync("lenient")).Single().StartTask is { IsCompleted: true });

        var node = (await _compute.ListNodesAsync("lenient")).Single();
        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success));
        Assert.That(node.State, Is.EqualTo(ComputeNodeState.Idle));
        Assert.That((node.StartTask!.ExitCode, node.StartTask.FailureInfo?.Code), Is.EqualTo(((int?)5, "FailureExitCode")));
    }

    [Test]
    public async Task Task_LeavingABackgroundProcessBehind_CompletesAndTheProcessIsKilled()
    {
        if (!_compute.UsesProcessGroups)
        {
            Assert.Ignore("Processes left behind are killed through process groups, which need Linux and setsid.");
        }

        await CreateReadyPoolAsync("leftover");
        await _compute.CreateJobAsync(new JobSpec("job", "leftover"));

        var info = await RunTaskAsync("job", new TaskSpec("detacher", Sh("sleep 600 & echo $! > child.pid; echo detached")));

        int child = ReadPid(Path.Combine(_compute.GetTaskDirectory("job", "detacher")!, "wd", "child.pid"));
        Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Success));
        Assert.That(await StdoutAsync("job", "detacher"), Is.EqualTo("detached\n"));
        await WaitUntilAsync(() => Task.FromResult(!ProcessProbe.IsRunning(child)));
    }

    [Test]
    public async Task Task_Stdout_IsStreamedToItsFileWhileTheTaskRuns()
    {
        await CreateReadyPoolAsync("stream");
        await _compute.CreateJobAsync(new JobSpec("job", "stream"));
        await _compute.AddTasksAsync("job", [new TaskSpec("talker", Sh("echo early-line; exec sleep 600"))]);

        await WaitUntilAsync(async () => (await StdoutAsync("job", "talker")) == "early-line\n");

        Assert.That((await _compute.GetTaskAsync("job", "talker"))!.State, Is.EqualTo(ComputeTaskState.Running));
    }

    [Test]
    public async Task GetTaskOutputTailAsync_WindowStartingInsideACharacter_DropsThePartialCharacter()
    {
        await CreateReadyPoolAsync("utf8");
        await _compute.CreateJobAsync(new JobSpec("job", "utf8"));
        await RunTaskAsync("job", new TaskSpec("accents", Sh("printf 'ééééé\\n'")));

        Assert.That(await _compute.GetTaskOutputTailAsync("job", "accents", TaskOutputStream.StandardOutput, 4), Is.EqualTo("é\n"));
        Assert.That(await _compute.GetTaskOutputTailAsync("job", "missing", TaskOutputStream.StandardOutput, 4), Is.Null);
    }

    [Test]
    public async Task DeletePoolAsync_RunningTask_IsQueuedAgainAndRunsWhenThePoolReturns()
    {
        await CreateReadyPoolAsync("transient");
        await _compute.CreateJobAsync(new JobSpec("job", "transient"));
        await _compute.AddTasksAsync("job", [new TaskSpec("survivor", "sleep 600")]);
        await WaitForTaskAsync("job", "survivor", t => t.State == ComputeTaskState.Running);

        Assert.That(await _compute.DeletePoolAsync("transient"), Is.True);

        var queued = (await _compute.GetTaskAsync("job", "survivor"))!;
        Assert.Multiple(() =>
        {
            Assert.That(queued.State, Is.EqualTo(ComputeTaskState.Active));
            Assert.That(queued.NodeId, Is.Null);
            Assert.That(Directory.Exists(Path.Combine(_compute.RootPath, "pools", "transient")), Is.False);
        });
        await CreateReadyPoolAsync("transient");
        var rerun = await WaitForTaskAsync("job", "survivor", t => t.State == ComputeTaskState.Running);
        Assert.That(rerun.RetryCount, Is.Zero);
    }

    [Test]
    public async Task CreatePoolAsync_InvalidPool_IsRefused()
    {
        Assert.That(() => _compute.CreatePoolAsync(new PoolSpec("bad id", 1)), Throws.TypeOf<BatchComputeException>().With.Property("Kind").EqualTo(BatchComputeErrorKind.InvalidRequest));
        Assert.That(() => _compute.CreatePoolAsync(new PoolSpec("slots", 1) { TaskSlotsPerNode = 0 }), Throws.TypeOf<BatchComputeException>().With.Property("Kind").EqualTo(BatchComputeErrorKind.InvalidRequest));
        Assert.That(() => _compute.CreatePoolAsync(new PoolSpec("start", 1) { StartTask = new StartTaskSpec("echo 'unclosed") }), Throws.TypeOf<BatchComputeException>().With.Message.Contains("start task"));
        Assert.That(await _compute.GetPoolAsync("start"), Is.Null);
    }

    private static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);

    /// <summary>Every file under a folder (without following links) with its content.</summary>
    private static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(p => Path.GetRelativePath(folder, p), p => File.Exists(p) ? File.ReadAllText(p) : "<folder>");

    /// <summary>A folder beside the compute's root (outside every node), with files that hold <c>outside-secret</c>.</summary>
    private string CreateOutsideFolder(params string[] files)
    {
        string outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        foreach (string file in files)
        {
            File.WriteAllText(Path.Combine(outside, file), "outside-secret\n");
        }

        return outside;
    }

    /// <summary>The output of <c>env</c> as name/value pairs (lines without <c>=</c>, from multi-line values, are skipped).</summary>
    private static Dictionary<string, string> ParseEnvironment(string envOutput)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in envOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[line[..equals]] = line[(equals + 1)..];
            }
        }

        return environment;
    }

    private static int ReadPid(string path) => int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);

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

    private LocalProcessCompute CreateCompute(LocalProcessComputeOptions options)
    {
        options.RootPath ??= Path.Combine(_root, "compute-" + Guid.NewGuid().ToString("N")[..8]);
        options.PollInterval = TimeSpan.FromMilliseconds(20);
        options.LoggerFactory ??= _loggerFactory;
        return new LocalProcessCompute(options);
    }

    private async Task CreateReadyPoolAsync(string poolId, int nodeCount = 1, int slots = 1, StartTaskSpec? startTask = null)
    {
        await _compute.CreatePoolAsync(new PoolSpec(poolId, nodeCount) { TaskSlotsPerNode = slots, StartTask = startTask });
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        await _compute.WaitForPoolReadyAsync(poolId, deadline.Token);
    }

    private async Task<BatchTaskInfo> RunTaskAsync(string jobId, TaskSpec task)
    {
        await _compute.AddTasksAsync(jobId, [task]);
        return await WaitForTaskAsync(jobId, task.Id, t => t.State == ComputeTaskState.Completed);
    }

    private async Task<BatchTaskInfo> WaitForTaskAsync(string jobId, string taskId, Func<BatchTaskInfo, bool> condition)
    {
        BatchTaskInfo? info = null;
        await WaitUntilAsync(async () => (info = await _compute.GetTaskAsync(jobId, taskId)) is { } t && condition(t));
        return info!;
    }

    private async Task<List<BatchTaskInfo>> ListTasksAsync(string jobId, ComputeTaskState state)
    {
        var tasks = new List<BatchTaskInfo>();
        await foreach (var task in _compute.ListTasksAsync(jobId, new TaskListQuery { State = state }))
        {
            tasks.Add(task);
        }

        return tasks;
    }

    private async Task<string> StdoutAsync(string jobId, string taskId) =>
        await _compute.GetTaskOutputTailAsync(jobId, taskId, TaskOutputStream.StandardOutput, 1 << 20) ?? string.Empty;

    private async Task<Uri> StageAsync(string blobName, string content)
    {
        await _storage.CreateContainerIfNotExistsAsync("staged");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await _storage.UploadAsync("staged", blobName, stream);
        return await _storage.GetBlobReadUrlAsync("staged", blobName, TimeProvider.System.GetUtcNow().AddHours(1));
    }

    /// <summary>
    /// Downloads by writing the destination in place (following a link there), as a simple <see cref="IUrlTransfer"/>
    /// may: the compute must not count on a transfer that replaces files by renaming.
    /// </summary>
    private sealed class InPlaceUrlTransfer : IUrlTransfer
    {
        public async Task DownloadAsync(Uri sourceUrl, string destinationPath, CancellationToken cancellationToken = default)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destinationPath)!);
            await using var input = File.OpenRead(new Uri(sourceUrl.GetLeftPart(UriPartial.Path)).LocalPath);
            await using var output = new FileStream(destinationPath, FileMode.Create, FileAccess.Write);
            await input.CopyToAsync(output, cancellationToken);
        }

        public Task UploadAsync(Uri containerUrl, string blobName, string sourcePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("These tests upload nothing.");
    }
}
