using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Task operations against the official examples.</summary>
[TestFixture]
public class BatchRestClientTaskTests
{
    private static readonly TimeSpan ServiceMaxDuration = TimeSpan.MaxValue; // "P10675199DT2H48M5.4775807S"

    [Test]
    public async Task AddTaskCollectionAsync_BasicExample_SendsTheExampleBodyAndParsesResults()
    {
        // Tasks_CreateTaskCollection_Basic.json (TSP example)
        var example = RestExample.Load("Tasks_CreateTaskCollection_Basic.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        IReadOnlyList<BatchTaskAddResult> results = await clients.Client.AddTaskCollectionAsync(
            "jobId",
            [new BatchTaskCreateContent { Id = "simple1", CommandLine = "cmd /c dir /s" }, new BatchTaskCreateContent { Id = "simple2", CommandLine = "cmd /c dir /s" }]);

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/jobId/addtaskcollection");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(example.Body("taskCollection"), sent.BodyText, example.FileName);
        Assert.That(results, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.TaskId), Is.EqualTo(new[] { "simple1", "simple2" }));
            Assert.That(results.Select(r => r.Status), Is.All.EqualTo(BatchTaskAddStatus.Success));
            Assert.That(results[0].ETag, Is.EqualTo("0x8D3D623CD661246"));
            Assert.That(results[0].LastModified, Is.EqualTo(DateTimeOffset.Parse("2016-09-06T07:02:44.7589958Z", CultureInfo.InvariantCulture)));
            Assert.That(results[0].Location, Is.EqualTo("https://account.region.batch.azure.com/jobs/jobId/tasks/simple1"));
            Assert.That(results[0].Error, Is.Null);
        });
    }

    [Test]
    public async Task AddTaskCollectionAsync_ComplexExample_SendsTheExampleBodyAndKeepsServiceOrder()
    {
        // Tasks_CreateTaskCollection_Complex.json (TSP example): results come back out of order.
        var example = RestExample.Load("Tasks_CreateTaskCollection_Complex.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));
        var complex = new BatchTaskCreateContent
        {
            Id = "complex1",
            CommandLine = "cmd /c dir /s",
            ResourceFiles = [new BatchResourceFile { AutoStorageContainerName = "containerName", FilePath = "data" }],
            EnvironmentSettings = [new BatchEnvironmentSetting("env1", "value1"), new BatchEnvironmentSetting("env2", "value2")],
            AffinityInfo = new BatchAffinityInfo { AffinityId = "affinityId" },
            Constraints = new BatchTaskConstraints { MaxWallClockTime = TimeSpan.FromDays(1), RetentionTime = TimeSpan.FromDays(2), MaxTaskRetryCount = 5 },
            RequiredSlots = 2,
            MultiInstanceSettings = new BatchMultiInstanceSettings
            {
                NumberOfInstances = 3,
                CoordinationCommandLine = "cmd /c echo coordinating",
                CommonResourceFiles = [new BatchResourceFile { HttpUrl = "https://common.blob.core.windows.net/", FilePath = "common.exe" }],
            },
        };

        IReadOnlyList<BatchTaskAddResult> results = await clients.Client.AddTaskCollectionAsync(
            "jobId",
            [complex, new BatchTaskCreateContent { Id = "simple3", CommandLine = "cmd /c dir /s" }]);

        JsonAssert.AreEquivalent(example.Body("taskCollection"), clients.Transport.SingleRequest.BodyText, example.FileName);
        Assert.That(results.Select(r => r.TaskId), Is.EqualTo(new[] { "simple3", "complex1" }));
        Assert.That(results.Select(r => r.Status), Is.All.EqualTo(BatchTaskAddStatus.Success));
    }

    [Test]
    public async Task AddTaskCollectionAsync_WorkflowTask_SerializesOutputFilesAndDurations()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[{"status":"success","taskId":"topNtask0"}]}""");
        var task = new BatchTaskCreateContent
        {
            Id = "topNtask0",
            CommandLine = "/bin/bash -c \"dotnet $AZ_BATCH_NODE_SHARED_DIR/app/TopNWords.TaskRunner.dll --filepath taskdata0.txt --numwords 3\"",
            ResourceFiles = [new BatchResourceFile { HttpUrl = "https://acct.blob.core.windows.net/input/taskdata0.txt?sv=2024-11-04&sp=r&sig=abc", FilePath = "taskdata0.txt" }],
            OutputFiles =
            [
                new BatchOutputFile
                {
                    FilePattern = "*_OUTPUT.txt",
                    Destination = new BatchOutputFileDestination { Container = new BatchOutputFileBlobContainerDestination { ContainerUrl = "https://acct.blob.core.windows.net/output?sv=2024-11-04&sp=cw&sig=def", Path = "topNtask0" } },
                    UploadOptions = new BatchOutputFileUploadConfig { UploadCondition = BatchOutputFileUploadCondition.TaskCompletion },
                },
            ],
            Constraints = new BatchTaskConstraints { MaxWallClockTime = TimeSpan.FromMinutes(90), RetentionTime = TimeSpan.FromHours(1), MaxTaskRetryCount = 2 },
        };

        await clients.Client.AddTaskCollectionAsync("job-1", [task]);

        JsonAssert.AreEquivalent(
            JsonNode.Parse("""
            {"value":[{
              "id":"topNtask0",
              "commandLine":"/bin/bash -c \"dotnet $AZ_BATCH_NODE_SHARED_DIR/app/TopNWords.TaskRunner.dll --filepath taskdata0.txt --numwords 3\"",
              "resourceFiles":[{"httpUrl":"https://acct.blob.core.windows.net/input/taskdata0.txt?sv=2024-11-04&sp=r&sig=abc","filePath":"taskdata0.txt"}],
              "outputFiles":[{"filePattern":"*_OUTPUT.txt",
                              "destination":{"container":{"containerUrl":"https://acct.blob.core.windows.net/output?sv=2024-11-04&sp=cw&sig=def","path":"topNtask0"}},
                              "uploadOptions":{"uploadCondition":"taskcompletion"}}],
              "constraints":{"maxWallClockTime":"PT1H30M","retentionTime":"PT1H","maxTaskRetryCount":2}
            }]}
            """),
            clients.Transport.SingleRequest.BodyText);
    }

    [Test]
    public async Task AddTaskCollectionAsync_TaskWithDependencies_SendsDependsOnAndExitConditions_AndGetTaskReadsThem()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[{"status":"success","taskId":"merge"}]}""");
        clients.Transport.Enqueue(200, """
            {"id":"merge","state":"active","commandLine":"merge",
             "exitConditions":{"exitCodes":[{"code":1,"exitOptions":{"jobAction":"none","dependencyAction":"block"}}],"default":{"jobAction":"none","dependencyAction":"Satisfy"}},
             "dependsOn":{"taskIds":["a"],"taskIdRanges":[{"start":0,"end":9999}]}}
            """);
        var task = new BatchTaskCreateContent
        {
            Id = "merge",
            CommandLine = "merge",
            DependsOn = new BatchTaskDependencies { TaskIds = ["a", "b"], TaskIdRanges = [new BatchTaskIdRange { Start = 0, End = 9999 }] },
            ExitConditions = new BatchExitConditions { Default = new BatchExitOptions { DependencyAction = BatchDependencyAction.Block } },
        };

        await clients.Client.AddTaskCollectionAsync("job-1", [task]);
        var read = await clients.Client.GetTaskAsync("job-1", "merge");

        JsonAssert.AreEquivalent(
            JsonNode.Parse("""
            {"value":[{"id":"merge","commandLine":"merge",
              "dependsOn":{"taskIds":["a","b"],"taskIdRanges":[{"start":0,"end":9999}]},
              "exitConditions":{"default":{"dependencyAction":"block"}}}]}
            """),
            clients.Transport.Requests[0].BodyText);
        Assert.Multiple(() =>
        {
            Assert.That(read.DependsOn!.TaskIds, Is.EqualTo(new[] { "a" }));
            Assert.That(read.DependsOn.TaskIdRanges!.Select(r => (r.Start, r.End)), Is.EqualTo(new[] { (0, 9999) }));
            Assert.That(read.ExitConditions!.Default!.DependencyAction, Is.EqualTo(BatchDependencyAction.Satisfy), "enum values parse case-insensitively; members this library does not model are skipped");
        });
    }

    [Test]
    public async Task AddTaskCollectionAsync_PerTaskErrors_AreParsed()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"value":[
              {"status":"clienterror","taskId":"t1","error":{"code":"TaskExists","message":{"lang":"en-US","value":"The specified task already exists."}}},
              {"status":"ServerError","taskId":"t2","error":{"code":"ServerBusy","message":{"lang":"en-US","value":"Server busy"},"values":[{"key":"Reason","value":"retry"}]}},
              {"status":"somethingnew","taskId":"t3"}]}
            """);

        IReadOnlyList<BatchTaskAddResult> results = await clients.Client.AddTaskCollectionAsync(
            "job-1",
            [new BatchTaskCreateContent { Id = "t1", CommandLine = "x" }, new BatchTaskCreateContent { Id = "t2", CommandLine = "x" }, new BatchTaskCreateContent { Id = "t3", CommandLine = "x" }]);

        Assert.Multiple(() =>
        {
            Assert.That(results[0].Status, Is.EqualTo(BatchTaskAddStatus.ClientError));
            Assert.That(results[0].Error!.Code, Is.EqualTo("TaskExists"));
            Assert.That(results[0].Error!.Message!.Value, Is.EqualTo("The specified task already exists."));
            Assert.That(results[1].Status, Is.EqualTo(BatchTaskAddStatus.ServerError), "enum values parse case-insensitively");
            Assert.That(results[1].Error!.Values![0].Key, Is.EqualTo("Reason"));
            Assert.That(results[2].Status, Is.EqualTo(BatchTaskAddStatus.Unknown));
        });
    }

    [Test]
    public async Task ListTasksAsync_Example_ParsesTasks()
    {
        // Tasks_ListTasks.json
        var example = RestExample.Load("Tasks_ListTasks.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        var tasks = new List<BatchTask>();
        await foreach (BatchTask task in clients.Client.ListTasksAsync(example.Parameter("jobId")))
        {
            tasks.Add(task);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/jobId/tasks");
        Assert.That(tasks, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(tasks.Select(t => t.Id), Is.EqualTo(new[] { "task1", "task2" }));
            Assert.That(tasks.Select(t => t.State), Is.All.EqualTo(BatchTaskState.Active));
            Assert.That(tasks[0].CommandLine, Is.EqualTo("cmd /c echo task1"));
            Assert.That(tasks[0].Constraints!.MaxWallClockTime, Is.EqualTo(ServiceMaxDuration));
            Assert.That(tasks[0].Constraints!.RetentionTime, Is.EqualTo(ServiceMaxDuration));
            Assert.That(tasks[1].Constraints!.MaxTaskRetryCount, Is.EqualTo(3));
            Assert.That(tasks[1].ExecutionInfo!.RetryCount, Is.Zero);
            Assert.That(tasks[1].ExecutionInfo!.RequeueCount, Is.Zero);
            Assert.That(tasks[1].RequiredSlots, Is.EqualTo(2));
            Assert.That(tasks[1].StateTransitionTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-21T22:43:31.6736345Z", CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public async Task GetTaskAsync_Example_ParsesTheTask()
    {
        // Tasks_GetTask.json
        var example = RestExample.Load("Tasks_GetTask.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        BatchTask task = await clients.Client.GetTaskAsync(example.Parameter("jobId"), example.Parameter("taskId"));

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/jobId/tasks/taskId");
        Assert.Multiple(() =>
        {
            Assert.That(task.Id, Is.EqualTo("testTask"));
            Assert.That(task.State, Is.EqualTo(BatchTaskState.Active));
            Assert.That(task.CommandLine, Is.EqualTo("cmd /c hostname"));
            Assert.That(task.UserIdentity!.AutoUser!.ElevationLevel, Is.EqualTo(BatchElevationLevel.NonAdmin));
            Assert.That(task.Constraints!.MaxWallClockTime, Is.EqualTo(ServiceMaxDuration));
            Assert.That(task.RequiredSlots, Is.EqualTo(2));
            Assert.That(task.ExecutionInfo!.RetryCount, Is.Zero);
            Assert.That(task.ExecutionInfo!.ExitCode, Is.Null);
            Assert.That(task.NodeInfo, Is.Null);
        });
    }

    [Test]
    public async Task GetTaskAsync_CompletedFailedTask_ParsesExecutionAndNodeInfo()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"id":"topNtask1","state":"COMPLETED","previousState":"running","stateTransitionTime":"2025-07-01T12:03:00Z",
             "executionInfo":{"startTime":"2025-07-01T12:01:00Z","endTime":"2025-07-01T12:03:00Z","exitCode":3,"result":"failure","retryCount":2,"requeueCount":0,
               "failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure"}},
             "nodeInfo":{"nodeId":"tvm-1","poolId":"topn-pool","taskRootDirectory":"workitems/job/job-1/topNtask1"}}
            """);

        BatchTask task = await clients.Client.GetTaskAsync("job-1", "topNtask1");

        Assert.Multiple(() =>
        {
            Assert.That(task.State, Is.EqualTo(BatchTaskState.Completed));
            Assert.That(task.PreviousState, Is.EqualTo(BatchTaskState.Running));
            Assert.That(task.ExecutionInfo!.ExitCode, Is.EqualTo(3));
            Assert.That(task.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(task.ExecutionInfo!.RetryCount, Is.EqualTo(2));
            Assert.That(task.ExecutionInfo!.FailureInfo!.Category, Is.EqualTo(BatchErrorCategory.UserError));
            Assert.That(task.ExecutionInfo!.StartTime, Is.EqualTo(new DateTimeOffset(2025, 7, 1, 12, 1, 0, TimeSpan.Zero)));
            Assert.That(task.NodeInfo!.NodeId, Is.EqualTo("tvm-1"));
            Assert.That(task.NodeInfo!.PoolId, Is.EqualTo("topn-pool"));
        });
    }

    [Test]
    public async Task GetTaskFileAsync_Example_StreamsTheContentAndReadsHeaders()
    {
        // Tasks_GetTaskFile.json: filePath "wd\testFile.txt" goes into one escaped path segment.
        var example = RestExample.Load("Tasks_GetTaskFile.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        await using BatchFileContent file = await clients.Client.GetTaskFileAsync(example.Parameter("jobId"), example.Parameter("taskId"), example.Parameter("filePath"));
        using var reader = new StreamReader(file.Content, Encoding.UTF8);
        string text = await reader.ReadToEndAsync();

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "GET", "/jobs/jobId/tasks/task1/files/wd%5CtestFile.txt");
        Assert.Multiple(() =>
        {
            Assert.That(sent.Header("ocp-range"), Is.Null);
            Assert.That(text, Is.EqualTo(example.ResponseBody(200)!.GetValue<string>()));
            Assert.That(file.Properties.IsDirectory, Is.False);
            Assert.That(file.Properties.ContentType, Is.EqualTo("application/octet-stream"));
            Assert.That(file.Properties.ContentLength, Is.EqualTo(17), "the example's header (its body is longer)");
            Assert.That(file.Properties.CreationTime, Is.EqualTo(new DateTimeOffset(2017, 2, 17, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(file.Properties.LastModified, Is.EqualTo(new DateTimeOffset(2017, 2, 17, 0, 0, 0, TimeSpan.Zero)));
        });
    }

    [Test]
    public async Task GetTaskFileAsync_Range_SendsASignedOcpRange()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(FakeResponseWithText(206, "tail of stderr", ("Content-Range", "bytes 4096-4109/4110")));

        await using BatchFileContent file = await clients.Client.GetTaskFileAsync("job-1", "topNtask0", "stderr.txt", new HttpRange(4096, 14));

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "GET", "/jobs/job-1/tasks/topNtask0/files/stderr.txt");
        Assert.Multiple(() =>
        {
            Assert.That(sent.Header("ocp-range"), Is.EqualTo("bytes=4096-4109"));
            Assert.That(file.Properties.ContentRange, Is.EqualTo("bytes 4096-4109/4110"));
        });
        using var reader = new StreamReader(file.Content);
        Assert.That(await reader.ReadToEndAsync(), Is.EqualTo("tail of stderr"));
    }

    [Test]
    public async Task GetTaskFileAsync_PathWithFolders_EscapesEachPartAndKeepsTheSlashes()
    {
        // Like node files: "wd/my out.txt" is the file "my out.txt" in the folder "wd", not one name with an escaped slash.
        var clients = new TestClients();
        clients.Transport.Enqueue(FakeResponseWithText(200, "x"));

        await using BatchFileContent file = await clients.Client.GetTaskFileAsync("job-1", "t1", "wd/my out.txt");

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/job-1/tasks/t1/files/wd/my%20out.txt");
    }

    [Test]
    public void GetTaskFileAsync_NotFound_ThrowsWithTheStreamedErrorBody()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """{"code":"FileNotFound","message":{"lang":"en-US","value":"The specified file does not exist.\nRequestId:r1\nTime:2025-07-01T12:00:00Z"}}""", ("request-id", "r1"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetTaskFileAsync("job-1", "t1", "stderr.txt"));

        Assert.That(ex!.Message, Is.EqualTo("Get task file 'job-1/t1/stderr.txt' failed: 404 FileNotFound: The specified file does not exist. RequestId: r1."));
    }

    [Test]
    public async Task GetTaskFilePropertiesAsync_Example_ReadsHeaders()
    {
        // Tasks_GetTaskFileProperties.json
        var example = RestExample.Load("Tasks_GetTaskFileProperties.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        BatchFileProperties properties = await clients.Client.GetTaskFilePropertiesAsync(example.Parameter("jobId"), example.Parameter("taskId"), example.Parameter("filePath"));

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "HEAD", "/jobs/jobId/tasks/taskId/files/wd%5CtestFile.txt");
        Assert.Multiple(() =>
        {
            Assert.That(sent.Body, Is.Null);
            Assert.That(properties.ContentLength, Is.EqualTo(17));
            Assert.That(properties.ContentType, Is.EqualTo("application/octet-stream"));
            Assert.That(properties.IsDirectory, Is.False);
            Assert.That(properties.CreationTime, Is.EqualTo(new DateTimeOffset(2017, 2, 17, 0, 0, 0, TimeSpan.Zero)));
            Assert.That(properties.LastModified, Is.EqualTo(new DateTimeOffset(2017, 2, 17, 0, 0, 0, TimeSpan.Zero)));
        });
    }

    private static Fakes.FakeResponse FakeResponseWithText(int status, string text, params (string Name, string Value)[] headers)
        => Fakes.FakeResponse.Create(status, text, headers);
}
