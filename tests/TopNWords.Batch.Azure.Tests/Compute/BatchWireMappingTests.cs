using System.Text.Json;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// The two-way mapping: what a client sends comes back as the same spec where a service reads it, and what a service
/// reports comes back as the same info where a client reads it.
/// </summary>
[TestFixture]
public class BatchWireMappingTests
{
    private static readonly DateTimeOffset Time = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // ------------------------------------------------------------------ spec -> wire -> spec

    [Test]
    public void PoolSpec_ToWireAndBack_IsEqual()
    {
        var start = new StartTaskSpec("/bin/sh -c 'cp -R . \"$AZ_BATCH_NODE_SHARED_DIR\"/app'") { WaitForSuccess = false, MaxTaskRetryCount = 2 };
        start.ResourceFiles.Add(new ResourceFile(ComputeHarness.InputUrl, "app/TopNWords.TaskRunner"));
        start.ResourceFiles.Add(new ResourceFile(new Uri("http://127.0.0.1:10000/devstoreaccount1/app/a%20b.txt?sig=x"), "app/a b.txt"));
        start.EnvironmentSettings["DOTNET_gcServer"] = "0";
        start.EnvironmentSettings["EMPTY"] = string.Empty;
        var pool = new PoolSpec("topn-pool", 3) { TaskSlotsPerNode = 4, StartTask = start, VirtualMachineSize = "STANDARD_F2S_V2" };

        PoolSpec back = BatchWireMapping.ToCompute(BatchWireMapping.ToWire(pool, "STANDARD_D2S_V3"));

        AssertSamePool(back, pool);
    }

    [Test]
    public void PoolSpec_WithoutStartTaskOrVmSize_ComesBackWithTheDefaultVmSize()
    {
        var pool = new PoolSpec("p", 1);

        BatchPoolCreateContent wire = BatchWireMapping.ToWire(pool, "STANDARD_D2S_V3");
        PoolSpec back = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            Assert.That(wire.StartTask, Is.Null);
            Assert.That(wire.VirtualMachineConfiguration, Is.Null, "the image is the caller's");
            Assert.That(back.Id, Is.EqualTo("p"));
            Assert.That(back.NodeCount, Is.EqualTo(1));
            Assert.That(back.TaskSlotsPerNode, Is.EqualTo(1));
            Assert.That(back.StartTask, Is.Null);
            Assert.That(back.VirtualMachineSize, Is.EqualTo("STANDARD_D2S_V3"));
        });
    }

    [Test]
    public void JobSpec_ToWireAndBack_IsEqual()
    {
        JobSpec back = BatchWireMapping.ToCompute(BatchWireMapping.ToWire(new JobSpec("topn-job", "topn-pool")));

        Assert.Multiple(() =>
        {
            Assert.That(back.Id, Is.EqualTo("topn-job"));
            Assert.That(back.PoolId, Is.EqualTo("topn-pool"));
        });
    }

    [Test]
    public void TaskDependencies_ToWireAndBack_AreEqual_AndGoOutInTheServiceShape()
    {
        var job = new JobSpec("topn-job", "topn-pool") { UsesTaskDependencies = true };
        var task = new TaskSpec("merge", "merge.sh")
        {
            DependsOn = new TaskDependencies { TaskIds = ["extra", "7"], TaskIdRanges = [new TaskIdRange(0, 999), new TaskIdRange(1000, 1999)] },
            DependencyActionOnFailure = TaskDependencyAction.Satisfy,
        };

        var jobWire = BatchWireMapping.ToWire(job);
        var taskWire = BatchWireMapping.ToWire(task);
        var jobBack = BatchWireMapping.ToCompute(jobWire);
        var taskBack = BatchWireMapping.ToCompute(taskWire);
        var plain = BatchWireMapping.ToWire(new TaskSpec("plain", "x"));

        Assert.Multiple(() =>
        {
            Assert.That(jobBack.UsesTaskDependencies, Is.True);
            Assert.That(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(new JobSpec("j", "p"))).UsesTaskDependencies, Is.False);
            Assert.That(JsonSerializer.SerializeToNode(jobWire, BatchJsonContext.Default.BatchJobCreateContent)!["usesTaskDependencies"]!.GetValue<bool>(), Is.True);
            Assert.That(JsonSerializer.SerializeToNode(BatchWireMapping.ToWire(new JobSpec("j", "p")), BatchJsonContext.Default.BatchJobCreateContent)!["usesTaskDependencies"], Is.Null, "not sent when false (the service's default)");
            Assert.That(taskBack.DependsOn!.TaskIds, Is.EqualTo(new[] { "extra", "7" }));
            Assert.That(taskBack.DependsOn.TaskIdRanges, Is.EqualTo(new[] { new TaskIdRange(0, 999), new TaskIdRange(1000, 1999) }));
            Assert.That(taskBack.DependencyActionOnFailure, Is.EqualTo(TaskDependencyAction.Satisfy));
            Assert.That(plain.DependsOn, Is.Null);
            Assert.That(plain.ExitConditions, Is.Null);
        });
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"taskIds":["extra","7"],"taskIdRanges":[{"start":0,"end":999},{"start":1000,"end":1999}]}"""),
            JsonSerializer.Serialize(taskWire.DependsOn, BatchJsonContext.Default.BatchTaskDependencies));
        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"default":{"dependencyAction":"satisfy"}}"""),
            JsonSerializer.Serialize(taskWire.ExitConditions, BatchJsonContext.Default.BatchExitConditions));
    }

    [Test]
    public void TaskDependencies_Validate_NamesTheTaskAndTheLimit()
    {
        var tooLong = TaskDependencies.OnIds(Enumerable.Range(0, 1001).Select(i => $"t{i:D4}-{new string('x', 58)}")).Validate("merge");
        var backwards = TaskDependencies.OnIdRange(9, 1).Validate("merge");
        var empty = TaskDependencies.OnIds("a", string.Empty).Validate("merge");
        var fine = new TaskDependencies { TaskIds = [new string('x', 64_000)], TaskIdRanges = [new TaskIdRange(5, 5)] }.Validate("merge");

        Assert.Multiple(() =>
        {
            Assert.That(tooLong!.Value.ErrorCode, Is.EqualTo(BatchErrorCodes.TaskDependencyListTooLong));
            Assert.That(tooLong.Value.Message, Does.Contain("'merge'").And.Contain("64000").And.Contain("64064").And.Contain("ranges"));
            Assert.That(backwards!.Value.ErrorCode, Is.EqualTo(BatchErrorCodes.InvalidPropertyValue));
            Assert.That(backwards.Value.Message, Does.Contain("'merge'").And.Contain("9..1"));
            Assert.That(empty!.Value.ErrorCode, Is.EqualTo(BatchErrorCodes.InvalidPropertyValue));
            Assert.That(fine, Is.Null, "exactly 64,000 characters are allowed");
        });
    }

    [Test]
    public void PoolAndJobMetadata_ToWireAndBack_IsEqual()
    {
        var pool = new PoolSpec("topn-pool", 1);
        pool.Metadata["topn-run"] = "run-1";
        pool.Metadata["empty"] = string.Empty;
        var job = new JobSpec("topn-job", "topn-pool");
        job.Metadata["topn-run"] = "run-1";

        BatchPoolCreateContent poolWire = BatchWireMapping.ToWire(pool, "STANDARD_D2S_V3");
        BatchJobCreateContent jobWire = BatchWireMapping.ToWire(job);

        Assert.Multiple(() =>
        {
            Assert.That(poolWire.Metadata!.Select(m => (m.Name, m.Value)), Is.EquivalentTo(new[] { ("topn-run", "run-1"), ("empty", string.Empty) }));
            Assert.That(BatchWireMapping.ToCompute(poolWire).Metadata, Is.EquivalentTo(pool.Metadata));
            Assert.That(BatchWireMapping.ToCompute(jobWire).Metadata, Is.EquivalentTo(job.Metadata));
            Assert.That(BatchWireMapping.ToWire(new JobSpec("j", "p")).Metadata, Is.Null, "no metadata, no member");
        });
    }

    [Test]
    public void TaskSpec_EveryField_ToWireAndBack_IsEqual()
    {
        var task = new TaskSpec("topNtask0", "/bin/sh -c 'exec app/TopNWords.TaskRunner \"$@\"' topnwords-task --filepath input/taskdata0.txt --numwords 3")
        {
            Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromMinutes(90), MaxTaskRetryCount = -1, RetentionTime = TimeSpan.FromDays(1) },
        };
        task.ResourceFiles.Add(new ResourceFile(ComputeHarness.InputUrl, "input/taskdata0.txt"));
        task.EnvironmentSettings["TOPN_MODE"] = "exact";
        task.EnvironmentSettings["B"] = "2";
        task.OutputFiles.Add(new OutputFileSpec("*_OUTPUT*", ComputeHarness.OutputUrl, OutputUploadCondition.TaskSuccess) { Path = "topNtask0" });
        task.OutputFiles.Add(new OutputFileSpec("../std*.txt", ComputeHarness.OutputUrl, OutputUploadCondition.TaskFailure) { Path = "logs/topNtask0" });
        task.OutputFiles.Add(new OutputFileSpec("trace.log", ComputeHarness.OutputUrl, OutputUploadCondition.TaskCompletion));

        TaskSpec back = BatchWireMapping.ToCompute(BatchWireMapping.ToWire(task));

        AssertSameTask(back, task);
    }

    [Test]
    public void TaskSpec_Minimal_GoesOutWithoutEmptyListsAndComesBackEqual()
    {
        var task = new TaskSpec("plain", "/bin/true");

        BatchTaskCreateContent wire = BatchWireMapping.ToWire(task);
        TaskSpec back = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            Assert.That(wire.ResourceFiles, Is.Null);
            Assert.That(wire.EnvironmentSettings, Is.Null);
            Assert.That(wire.OutputFiles, Is.Null);
            Assert.That(wire.Constraints, Is.Null);
            Assert.That(wire.UserIdentity?.AutoUser?.Scope, Is.EqualTo(BatchAutoUserScope.Pool));
            Assert.That(wire.UserIdentity?.AutoUser?.ElevationLevel, Is.EqualTo(BatchElevationLevel.NonAdmin));
        });
        AssertSameTask(back, task);
    }

    [Test]
    public void TaskSpec_ConstraintsWithDefaults_ComeBackEqual()
    {
        var task = new TaskSpec("t", "x") { Constraints = new TaskConstraints() };

        TaskSpec back = BatchWireMapping.ToCompute(BatchWireMapping.ToWire(task));

        AssertSameTask(back, task);
    }

    [Test]
    public void ToWire_FileUrl_IsRefusedWithoutEchoingTheUrl()
    {
        var task = new TaskSpec("t1", "x");
        task.OutputFiles.Add(new OutputFileSpec("out.txt", new Uri("file:///tmp/secret-folder/"), OutputUploadCondition.TaskSuccess));

        var ex = Assert.Throws<ArgumentException>(() => BatchWireMapping.ToWire(task));

        Assert.That(ex!.Message, Does.Contain("task 't1'").And.Contain("'file' URL").And.Not.Contain("secret-folder"));
    }

    // ------------------------------------------------------------------ wire -> spec -> wire (what the emulator keeps)

    [Test]
    public void TaskCreateContent_ToComputeAndBack_KeepsEveryFieldTheSpecHas()
    {
        string json = $$$"""
            {"id":"topNtask0","commandLine":"/bin/sh -c 'echo hi'",
             "resourceFiles":[{"httpUrl":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}","filePath":"input/taskdata0.txt"}],
             "outputFiles":[
               {"filePattern":"*_OUTPUT*","destination":{"container":{"path":"topNtask0","containerUrl":"{{{ComputeHarness.OutputUrl.AbsoluteUri}}}"}},"uploadOptions":{"uploadCondition":"tasksuccess"}},
               {"filePattern":"trace.log","destination":{"container":{"containerUrl":"{{{ComputeHarness.OutputUrl.AbsoluteUri}}}"}},"uploadOptions":{"uploadCondition":"taskcompletion"}}],
             "environmentSettings":[{"name":"TOPN_MODE","value":"exact"},{"name":"EMPTY","value":""}],
             "constraints":{"maxWallClockTime":"PT1H30M","retentionTime":"P1D","maxTaskRetryCount":2}}
            """;
        var wire = JsonSerializer.Deserialize(json, BatchJsonContext.Default.BatchTaskCreateContent)!;

        BatchTaskCreateContent back = BatchWireMapping.ToWire(BatchWireMapping.ToCompute(wire));

        JsonAssert.AreEquivalent(JsonNode.Parse(json)!, WithoutUserIdentity(JsonSerializer.Serialize(back, BatchJsonContext.Default.BatchTaskCreateContent)));
    }

    [Test]
    public void TaskCreateContent_MissingValueAndRetries_ComeBackAsTheServiceDefaults()
    {
        var wire = new BatchTaskCreateContent
        {
            Id = "t",
            CommandLine = "x",
            EnvironmentSettings = [new BatchEnvironmentSetting { Name = "A" }, new BatchEnvironmentSetting("B", "1"), new BatchEnvironmentSetting("B", "2")],
            Constraints = new BatchTaskConstraints { MaxWallClockTime = TimeSpan.FromMinutes(5) },
        };

        TaskSpec spec = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            Assert.That(spec.EnvironmentSettings, Is.EqualTo(new Dictionary<string, string> { ["A"] = string.Empty, ["B"] = "2" }));
            Assert.That(spec.Constraints!.MaxTaskRetryCount, Is.Zero);
            Assert.That(spec.Constraints.MaxWallClockTime, Is.EqualTo(TimeSpan.FromMinutes(5)));
            Assert.That(spec.Constraints.RetentionTime, Is.Null);
        });
    }

    [Test]
    public void PoolCreateContent_ToComputeAndBack_KeepsEveryFieldTheSpecHas()
    {
        string json = $$$"""
            {"id":"topn-pool","vmSize":"STANDARD_D2S_V3","targetDedicatedNodes":2,"taskSlotsPerNode":3,
             "startTask":{"commandLine":"/bin/sh -c 'true'",
               "resourceFiles":[{"httpUrl":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}","filePath":"app/runner"}],
               "environmentSettings":[{"name":"A","value":"1"}],
               "maxTaskRetryCount":1,"waitForSuccess":true}}
            """;
        var wire = JsonSerializer.Deserialize(json, BatchJsonContext.Default.BatchPoolCreateContent)!;

        BatchPoolCreateContent back = BatchWireMapping.ToWire(BatchWireMapping.ToCompute(wire), "unused");

        JsonAssert.AreEquivalent(JsonNode.Parse(json)!, WithoutUserIdentity(JsonSerializer.Serialize(back, BatchJsonContext.Default.BatchPoolCreateContent)));
    }

    [Test]
    public void PoolCreateContent_DedicatedAndLowPriorityNodes_AreOnePoolOfBoth_AndStartTaskDefaultsApply()
    {
        var wire = new BatchPoolCreateContent
        {
            Id = "p",
            VmSize = "STANDARD_D2S_V3",
            TargetDedicatedNodes = 2,
            TargetLowPriorityNodes = 3,
            StartTask = new BatchStartTask { CommandLine = "true" },
        };

        PoolSpec spec = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            Assert.That(spec.NodeCount, Is.EqualTo(5));
            Assert.That(spec.StartTask!.WaitForSuccess, Is.True);
            Assert.That(spec.StartTask.MaxTaskRetryCount, Is.Zero);
        });
    }

    [Test]
    public void ToCompute_AutoStorageOrTwoSourceResourceFileOrUnknownUploadCondition_IsRefused()
    {
        var autoStorage = new BatchTaskCreateContent { Id = "t", CommandLine = "x", ResourceFiles = [new BatchResourceFile { AutoStorageContainerName = "counts", FilePath = "in" }] };
        var twoSources = new BatchTaskCreateContent { Id = "t", CommandLine = "x", ResourceFiles = [new BatchResourceFile { StorageContainerUrl = "https://a.blob.core.windows.net/c?sig=s", HttpUrl = "https://a.blob.core.windows.net/c/b?sig=s", FilePath = "in" }] };
        var unknownCondition = new BatchTaskCreateContent
        {
            Id = "t",
            CommandLine = "x",
            OutputFiles = [new BatchOutputFile { FilePattern = "*", Destination = new() { Container = new() { ContainerUrl = "https://a.blob.core.windows.net/c" } }, UploadOptions = new() { UploadCondition = BatchOutputFileUploadCondition.Unknown } }],
        };

        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => BatchWireMapping.ToCompute(autoStorage))!.Message, Does.Contain("'counts'").And.Contain("storageContainerUrl"));
            Assert.That(Assert.Throws<ArgumentException>(() => BatchWireMapping.ToCompute(twoSources))!.Message, Does.Contain("'in'").And.Not.Contain("sig="));
            Assert.Throws<ArgumentException>(() => BatchWireMapping.ToCompute(unknownCondition));
        });
    }

    [TestCase("counts/", "in")]
    [TestCase(null, null)]
    public void ContainerResourceFile_ToWireAndBack_KeepsTheUrlPrefixAndFolder(string? prefix, string? folder)
    {
        var url = new Uri("https://a.blob.core.windows.net/run-1?sv=2021-12-02&sp=rl&sig=abc%3D");
        var task = new TaskSpec("merge", "x");
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, prefix, folder));

        var wire = BatchWireMapping.ToWire(task);
        var back = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            var file = wire.ResourceFiles!.Single();
            Assert.That(file.StorageContainerUrl, Is.EqualTo(url.AbsoluteUri));
            Assert.That(file.HttpUrl, Is.Null);
            Assert.That(file.BlobPrefix, Is.EqualTo(prefix));
            Assert.That(file.FilePath, Is.EqualTo(folder));
            Assert.That(back.ResourceFiles, Is.EqualTo(task.ResourceFiles));
        });
    }

    [Test]
    public void ContainerResourceFile_FileUrl_IsRefusedWithoutEchoingIt()
    {
        var task = new TaskSpec("merge", "x");
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(new Uri("file:///tmp/c?sp=rl&sig=secret-sig"), "counts/", "in"));

        var ex = Assert.Throws<ArgumentException>(() => BatchWireMapping.ToWire(task));

        Assert.That(ex!.Message, Does.Contain("'in'").And.Not.Contain("secret-sig"));
    }

    // ------------------------------------------------------------------ info -> wire -> info

    [TestCaseSource(nameof(NodeStates))]
    public void ComputeNodeInfo_EveryState_ToWireAndBack_IsEqual(ComputeNodeState state)
    {
        var node = new ComputeNodeInfo("tvm-1", state, null, []);

        ComputeNodeInfo back = BatchWireMapping.ToCompute(BatchWireMapping.ToWire(node));

        AssertSameNode(back, node);
    }

    [Test]
    public void ComputeNodeInfo_FailedStartTaskAndErrors_ToWireAndBack_IsEqual()
    {
        var node = new ComputeNodeInfo(
            "tvm-2",
            ComputeNodeState.StartTaskFailed,
            new StartTaskInfo(true, 3, new TaskFailureInfo("UserError", "FailureExitCode", "The task exited with an exit code representing a failure"), 1, Time, Time.AddMinutes(1)),
            ["ResourceFileDownloadFailed: Could not download app/runner", "DiskFull: The node's disk is full"]);

        BatchNode wire = BatchWireMapping.ToWire(node);
        ComputeNodeInfo back = BatchWireMapping.ToCompute(wire);

        Assert.Multiple(() =>
        {
            Assert.That(wire.StartTaskInfo!.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(wire.Errors!.Select(e => e.Code), Is.EqualTo(new[] { "ResourceFileDownloadFailed", "DiskFull" }));
        });
        AssertSameNode(back, node);
    }

    [Test]
    public void ComputeNodeInfo_RunningAndSucceededStartTasks_ToWireAndBack_AreEqual()
    {
        var running = new ComputeNodeInfo("tvm-3", ComputeNodeState.WaitingForStartTask, new StartTaskInfo(false, null, null, 0, Time, null), []);
        var succeeded = new ComputeNodeInfo("tvm-4", ComputeNodeState.Idle, new StartTaskInfo(true, 0, null, 2, Time, Time.AddSeconds(5)), []);

        Assert.Multiple(() =>
        {
            Assert.That(BatchWireMapping.ToWire(running).StartTaskInfo!.Result, Is.Null);
            Assert.That(BatchWireMapping.ToWire(succeeded).StartTaskInfo!.Result, Is.EqualTo(BatchExecutionResult.Success));
        });
        AssertSameNode(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(running)), running);
        AssertSameNode(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(succeeded)), succeeded);
    }

    [TestCaseSource(nameof(TaskInfos))]
    public void BatchTaskInfo_ToWireAndBack_IsEqual(BatchTaskInfo task)
        => Assert.That(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(task)), Is.EqualTo(task));

    [TestCaseSource(nameof(TaskStates))]
    public void TaskState_ToWireAndBack_IsEqual(ComputeTaskState state)
        => Assert.That(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(state)), Is.EqualTo(state));

    [Test]
    public void TaskState_UnknownOrMissingOnTheWire_IsActive()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BatchWireMapping.ToCompute(BatchTaskState.Unknown), Is.EqualTo(ComputeTaskState.Active));
            Assert.That(BatchWireMapping.ToCompute((BatchTaskState?)null), Is.EqualTo(ComputeTaskState.Active));
        });
    }

    [Test]
    public void TaskCounts_ToWireAndBack_IsEqual()
    {
        var counts = new TaskCounts(5, 3, 7, 6, 1);

        Assert.That(BatchWireMapping.ToCompute(BatchWireMapping.ToWire(counts)), Is.EqualTo(counts));
    }

    // ------------------------------------------------------------------ wire -> info -> wire (what the emulator answers)

    [Test]
    public void Task_ToComputeAndBack_KeepsEveryFieldTheInfoHas()
    {
        string json = """
            {"id":"topNtask0","state":"completed","stateTransitionTime":"2026-03-01T12:05:00+00:00",
             "executionInfo":{"startTime":"2026-03-01T12:01:00+00:00","endTime":"2026-03-01T12:05:00+00:00","exitCode":1,
               "failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure"},
               "retryCount":2,"requeueCount":0,"result":"failure"},
             "nodeInfo":{"nodeId":"tvm-1"}}
            """;
        var wire = JsonSerializer.Deserialize(json, BatchJsonContext.Default.BatchTask)!;

        BatchTask back = BatchWireMapping.ToWire(BatchWireMapping.ToCompute(wire));

        JsonAssert.AreEquivalent(JsonNode.Parse(json)!, JsonSerializer.Serialize(back, BatchJsonContext.Default.BatchTask));
    }

    [Test]
    public void Node_ToComputeAndBack_KeepsEveryFieldTheInfoHas()
    {
        string json = """
            {"id":"tvm-1","state":"starttaskfailed",
             "startTaskInfo":{"state":"completed","startTime":"2026-03-01T12:01:00+00:00","endTime":"2026-03-01T12:02:00+00:00","exitCode":1,
               "failureInfo":{"category":"servererror","code":"TaskEnded","message":"The start task ended"},"retryCount":0,"result":"failure"},
             "errors":[{"code":"NodeError","message":"The node failed"}]}
            """;
        var wire = JsonSerializer.Deserialize(json, BatchJsonContext.Default.BatchNode)!;

        BatchNode back = BatchWireMapping.ToWire(BatchWireMapping.ToCompute(wire));

        JsonAssert.AreEquivalent(JsonNode.Parse(json)!, JsonSerializer.Serialize(back, BatchJsonContext.Default.BatchNode));
    }

    private static IEnumerable<ComputeNodeState> NodeStates() => Enum.GetValues<ComputeNodeState>();

    private static IEnumerable<ComputeTaskState> TaskStates() => Enum.GetValues<ComputeTaskState>();

    private static IEnumerable<BatchTaskInfo> TaskInfos()
    {
        yield return new BatchTaskInfo { Id = "queued", State = ComputeTaskState.Active, StateTransitionTime = Time };
        yield return new BatchTaskInfo { Id = "running", State = ComputeTaskState.Running, StateTransitionTime = Time, StartTime = Time, RetryCount = 1, NodeId = "tvm-1" };
        yield return new BatchTaskInfo
        {
            Id = "succeeded",
            State = ComputeTaskState.Completed,
            StateTransitionTime = Time.AddMinutes(2),
            ExitCode = 0,
            Result = TaskExecutionResult.Success,
            StartTime = Time,
            EndTime = Time.AddMinutes(2),
            NodeId = "tvm-1",
        };
        yield return new BatchTaskInfo
        {
            Id = "failed",
            State = ComputeTaskState.Completed,
            StateTransitionTime = Time.AddMinutes(3),
            ExitCode = 137,
            Result = TaskExecutionResult.Failure,
            FailureInfo = new TaskFailureInfo("ServerError", "MaxWallClockTimeExceeded", "The task ran longer than its maximum wall-clock time"),
            RetryCount = 2,
            StartTime = Time.AddMinutes(1),
            EndTime = Time.AddMinutes(3),
            NodeId = "tvm-2",
        };
    }

    private static string WithoutUserIdentity(string json)
    {
        JsonObject node = JsonNode.Parse(json)!.AsObject();
        node.Remove("userIdentity");
        if (node["startTask"] is JsonObject start)
        {
            start.Remove("userIdentity");
        }

        return node.ToJsonString();
    }

    private static void AssertSamePool(PoolSpec actual, PoolSpec expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.Id, Is.EqualTo(expected.Id));
            Assert.That(actual.NodeCount, Is.EqualTo(expected.NodeCount));
            Assert.That(actual.TaskSlotsPerNode, Is.EqualTo(expected.TaskSlotsPerNode));
            Assert.That(actual.VirtualMachineSize, Is.EqualTo(expected.VirtualMachineSize));
            Assert.That(actual.StartTask is null, Is.EqualTo(expected.StartTask is null));
        });
        if (expected.StartTask is { } start)
        {
            Assert.Multiple(() =>
            {
                Assert.That(actual.StartTask!.CommandLine, Is.EqualTo(start.CommandLine));
                Assert.That(actual.StartTask.ResourceFiles, Is.EqualTo(start.ResourceFiles));
                Assert.That(actual.StartTask.EnvironmentSettings, Is.EqualTo(start.EnvironmentSettings));
                Assert.That(actual.StartTask.WaitForSuccess, Is.EqualTo(start.WaitForSuccess));
                Assert.That(actual.StartTask.MaxTaskRetryCount, Is.EqualTo(start.MaxTaskRetryCount));
            });
        }
    }

    private static void AssertSameTask(TaskSpec actual, TaskSpec expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.Id, Is.EqualTo(expected.Id));
            Assert.That(actual.CommandLine, Is.EqualTo(expected.CommandLine));
            Assert.That(actual.ResourceFiles, Is.EqualTo(expected.ResourceFiles));
            Assert.That(actual.EnvironmentSettings, Is.EqualTo(expected.EnvironmentSettings));
            Assert.That(
                actual.OutputFiles.Select(o => (o.FilePattern, o.ContainerUrl, o.UploadCondition, o.Path)),
                Is.EqualTo(expected.OutputFiles.Select(o => (o.FilePattern, o.ContainerUrl, o.UploadCondition, o.Path))));
            Assert.That(
                actual.Constraints is { } a ? (a.MaxWallClockTime, a.MaxTaskRetryCount, a.RetentionTime) : default((TimeSpan?, int, TimeSpan?)?),
                Is.EqualTo(expected.Constraints is { } e ? (e.MaxWallClockTime, e.MaxTaskRetryCount, e.RetentionTime) : default((TimeSpan?, int, TimeSpan?)?)));
        });
    }

    private static void AssertSameNode(ComputeNodeInfo actual, ComputeNodeInfo expected)
    {
        Assert.Multiple(() =>
        {
            Assert.That(actual.Id, Is.EqualTo(expected.Id));
            Assert.That(actual.State, Is.EqualTo(expected.State));
            Assert.That(actual.StartTask, Is.EqualTo(expected.StartTask));
            Assert.That(actual.Errors, Is.EqualTo(expected.Errors));
        });
    }
}
