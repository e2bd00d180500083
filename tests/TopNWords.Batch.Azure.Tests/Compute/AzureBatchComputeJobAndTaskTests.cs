using System.Globalization;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Jobs, task counts, task listings, one task, and task output tails.</summary>
[TestFixture]
public class AzureBatchComputeJobAndTaskTests
{
    [Test]
    public async Task CreateJobAsync_SendsIdAndPool()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Jobs_CreateJob_Basic.json").ToResponse(201));

        await harness.Compute.CreateJobAsync(new JobSpec("topn-job", "topn-pool"));

        var sent = harness.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs");
        JsonAssert.AreEquivalent(JsonNode.Parse("""{"id":"topn-job","poolInfo":{"poolId":"topn-pool"}}"""), sent.BodyText);
    }

    [Test]
    public void CreateJobAsync_JobExists_ThrowsAlreadyExists()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(409, ComputeHarness.Error("JobExists", "The specified job already exists."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.CreateJobAsync(new JobSpec("topn-job", "topn-pool")));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.AlreadyExists));
            Assert.That(ex.ResourceId, Is.EqualTo("topn-job"));
            Assert.That(ex.ErrorCode, Is.EqualTo("JobExists"));
        });
    }

    [Test]
    public async Task TerminateJobAsync_SendsAnEmptyPost_AndAnAlreadyCompletedJobIsFine()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Jobs_TerminateJob.json").ToResponse(202))
            .Enqueue(409, ComputeHarness.Error("JobCompleted", "The specified job is already in a completed state."));

        await harness.Compute.TerminateJobAsync("topn-job");
        await harness.Compute.TerminateJobAsync("topn-job");

        RequestAssert.IsSignedBatchRequest(harness.Transport.Requests[0], "POST", "/jobs/topn-job/terminate");
        RequestAssert.HasEmptyBody(harness.Transport.Requests[0]);
    }

    [Test]
    public void TerminateJobAsync_NotFound_ThrowsNotFound()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(404, ComputeHarness.Error("JobNotFound", "The specified job does not exist."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.TerminateJobAsync("gone"));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.NotFound));
    }

    [Test]
    public async Task DeleteJobAsync_AcceptedIsTrueAndNotFoundIsFalse()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Jobs_DeleteJob.json").ToResponse(202))
            .Enqueue(404, ComputeHarness.Error("JobNotFound", "The specified job does not exist."));

        Assert.That(await harness.Compute.DeleteJobAsync("jobId"), Is.True);
        Assert.That(await harness.Compute.DeleteJobAsync("jobId"), Is.False);
        RequestAssert.IsSignedBatchRequest(harness.Transport.Requests[0], "DELETE", "/jobs/jobId");
    }

    [Test]
    public async Task GetTaskCountsAsync_Example_MapsTaskCounts()
    {
        // Jobs_GetJobTaskCounts.json
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Jobs_GetJobTaskCounts.json").ToResponse(200));

        TaskCounts counts = await harness.Compute.GetTaskCountsAsync("jobId");

        RequestAssert.IsSignedBatchRequest(harness.Transport.SingleRequest, "GET", "/jobs/jobId/taskcounts");
        Assert.That(counts, Is.EqualTo(new TaskCounts(Active: 5, Running: 7, Completed: 4, Succeeded: 2, Failed: 2)));
    }

    [Test]
    public void BuildTaskFilter_JoinsStateAndTimeWithAnd()
    {
        var since = new DateTimeOffset(2026, 1, 2, 4, 4, 5, 123, TimeSpan.FromHours(1));

        Assert.Multiple(() =>
        {
            Assert.That(AzureBatchCompute.BuildTaskFilter(null), Is.Null);
            Assert.That(AzureBatchCompute.BuildTaskFilter(new TaskListQuery()), Is.Null);
            Assert.That(AzureBatchCompute.BuildTaskFilter(new TaskListQuery { State = ComputeTaskState.Running }), Is.EqualTo("state eq 'running'"));
            Assert.That(
                AzureBatchCompute.BuildTaskFilter(new TaskListQuery { State = ComputeTaskState.Completed, StateChangedSince = since }),
                Is.EqualTo("state eq 'completed' and stateTransitionTime ge datetime'2026-01-02T03:04:05.1230000Z'"));
        });
    }

    [Test]
    public async Task ListTasksAsync_Query_SendsFilterSelectAndPageSize_AndFollowsNextLink()
    {
        // Tasks_ListTasks.json as the second page.
        var example = RestExample.Load("Tasks_ListTasks.json");
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(200, """
                {"value":[{"id":"topNtask9","state":"completed","stateTransitionTime":"2026-01-02T03:05:00Z",
                  "executionInfo":{"startTime":"2026-01-02T03:04:30Z","endTime":"2026-01-02T03:05:00Z","exitCode":0,"result":"success","retryCount":0,"requeueCount":0},
                  "nodeInfo":{"nodeId":"tvm-1","poolId":"topn-pool"}}],
                 "odata.nextLink":"https://testaccount.westus.batch.azure.com/jobs/jobId/tasks?api-version=2025-06-01.21.0&$skiptoken=page2"}
                """)
            .Enqueue(example.ToResponse(200));
        var query = new TaskListQuery { State = ComputeTaskState.Completed, StateChangedSince = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero) };

        var tasks = new List<BatchTaskInfo>();
        await foreach (BatchTaskInfo task in harness.Compute.ListTasksAsync("jobId", query))
        {
            tasks.Add(task);
        }

        var requests = harness.Transport.Requests;
        RequestAssert.IsSignedBatchRequest(requests[0], "GET", "/jobs/jobId/tasks", new Dictionary<string, string>
        {
            ["$filter"] = "state eq 'completed' and stateTransitionTime ge datetime'2026-01-02T03:04:05.0000000Z'",
            ["$select"] = "id,state,stateTransitionTime,executionInfo,nodeInfo",
            ["maxresults"] = "1000",
        });
        RequestAssert.IsSignedBatchRequest(requests[1], "GET", "/jobs/jobId/tasks", new Dictionary<string, string> { ["$skiptoken"] = "page2" });
        Assert.That(tasks.Select(t => t.Id), Is.EqualTo(new[] { "topNtask9", "task1", "task2" }));
        Assert.That(tasks[0], Is.EqualTo(new BatchTaskInfo
        {
            Id = "topNtask9",
            State = ComputeTaskState.Completed,
            StateTransitionTime = new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero),
            ExitCode = 0,
            Result = TaskExecutionResult.Success,
            RetryCount = 0,
            StartTime = new DateTimeOffset(2026, 1, 2, 3, 4, 30, TimeSpan.Zero),
            EndTime = new DateTimeOffset(2026, 1, 2, 3, 5, 0, TimeSpan.Zero),
            NodeId = "tvm-1",
        }));
        Assert.Multiple(() =>
        {
            Assert.That(tasks[1].State, Is.EqualTo(ComputeTaskState.Active));
            Assert.That(tasks[1].Result, Is.Null);
            Assert.That(tasks[1].ExitCode, Is.Null);
            Assert.That(tasks[1].NodeId, Is.Null);
            Assert.That(tasks[2].StateTransitionTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-21T22:43:31.6736345Z", CultureInfo.InvariantCulture)));
        });
    }

    [Test]
    public async Task ListTasksAsync_NoQuery_SendsNoFilter()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, """{"value":[]}""");

        await foreach (BatchTaskInfo unused in harness.Compute.ListTasksAsync("job-1"))
        {
            Assert.Fail("no task expected");
        }

        Assert.That(harness.Transport.SingleRequest.Query.Keys, Is.EquivalentTo(new[] { "api-version", "$select", "maxresults" }));
    }

    [Test]
    public void ListTasksAsync_JobNotFound_ThrowsNotFound()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(404, ComputeHarness.Error("JobNotFound", "The specified job does not exist."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(async () =>
        {
            await foreach (BatchTaskInfo unused in harness.Compute.ListTasksAsync("gone"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.NotFound));
            Assert.That(ex.Message, Does.Contain("job 'gone'"));
        });
    }

    [Test]
    public async Task GetTaskAsync_Example_MapsTheTask()
    {
        // Tasks_GetTask.json
        var example = RestExample.Load("Tasks_GetTask.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(example.ToResponse(200));

        BatchTaskInfo? task = await harness.Compute.GetTaskAsync("jobId", "taskId");

        RequestAssert.IsSignedBatchRequest(harness.Transport.SingleRequest, "GET", "/jobs/jobId/tasks/taskId");
        Assert.That(task, Is.EqualTo(new BatchTaskInfo
        {
            Id = "testTask",
            State = ComputeTaskState.Active,
            StateTransitionTime = DateTimeOffset.Parse("2016-09-06T06:59:15.1161429Z", CultureInfo.InvariantCulture),
            RetryCount = 0,
        }));
    }

    [Test]
    public async Task GetTaskAsync_FailedTask_MapsFailureInfoRedacted()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, $$$"""
            {"id":"topNtask1","state":"completed","stateTransitionTime":"2025-07-01T12:03:00Z",
             "executionInfo":{"startTime":"2025-07-01T12:01:00Z","endTime":"2025-07-01T12:03:00Z","exitCode":-1,"result":"failure","retryCount":2,"requeueCount":0,
               "failureInfo":{"category":"usererror","code":"ResourceFileDownloadFailed","message":"Failed to download resource file",
                              "details":[{"name":"FilePath","value":"input/taskdata1.txt"},{"name":"Url","value":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}"}]}},
             "nodeInfo":{"nodeId":"tvm-3"}}
            """);

        BatchTaskInfo task = (await harness.Compute.GetTaskAsync("job-1", "topNtask1"))!;

        Assert.Multiple(() =>
        {
            Assert.That(task.State, Is.EqualTo(ComputeTaskState.Completed));
            Assert.That(task.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(task.ExitCode, Is.EqualTo(-1));
            Assert.That(task.RetryCount, Is.EqualTo(2));
            Assert.That(task.NodeId, Is.EqualTo("tvm-3"));
            Assert.That(task.FailureInfo!.Category, Is.EqualTo("UserError"));
            Assert.That(task.FailureInfo.Code, Is.EqualTo("ResourceFileDownloadFailed"));
            Assert.That(task.FailureInfo.Message, Does.StartWith("Failed to download resource file (FilePath=input/taskdata1.txt; Url=https://acct.blob.core.windows.net/input/taskdata0.txt?"));
        });
        ComputeHarness.AssertNoSecret([task.FailureInfo!.Message], "failure info");
    }

    [Test]
    public async Task GetTaskAsync_NotFound_ReturnsNull()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(404, ComputeHarness.Error("TaskNotFound", "The specified task does not exist."));

        Assert.That(await harness.Compute.GetTaskAsync("job-1", "gone"), Is.Null);
    }

    [Test]
    public async Task GetTaskOutputTailAsync_Example_ReadsPropertiesThenTheFile()
    {
        // Tasks_GetTaskFileProperties.json (17 bytes) then Tasks_GetTaskFile.json: small enough for no range.
        var fileExample = RestExample.Load("Tasks_GetTaskFile.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(RestExample.Load("Tasks_GetTaskFileProperties.json").ToResponse(200)).Enqueue(fileExample.ToResponse(200));

        string? text = await harness.Compute.GetTaskOutputTailAsync("job-1", "topNtask0", TaskOutputStream.StandardError, 8192);

        var requests = harness.Transport.Requests;
        RequestAssert.IsSignedBatchRequest(requests[0], "HEAD", "/jobs/job-1/tasks/topNtask0/files/stderr.txt");
        RequestAssert.IsSignedBatchRequest(requests[1], "GET", "/jobs/job-1/tasks/topNtask0/files/stderr.txt");
        Assert.Multiple(() =>
        {
            Assert.That(requests[1].Header("ocp-range"), Is.Null);
            Assert.That(text, Is.EqualTo(fileExample.ResponseBody(200)!.GetValue<string>()));
        });
    }

    [Test]
    public async Task GetTaskOutputTailAsync_LongFile_AsksForTheLastBytesOnly_AndReplacesInvalidUtf8()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(200, null, ("Content-Length", "100000"))
            .Enqueue(new FakeResponse(206).SetContent([.. "bad "u8, 0xFF, .. " byte\n"u8]));

        string? text = await harness.Compute.GetTaskOutputTailAsync("job-1", "t1", TaskOutputStream.StandardOutput, 11);

        Assert.Multiple(() =>
        {
            Assert.That(harness.Transport.Requests[1].Uri.AbsolutePath, Is.EqualTo("/jobs/job-1/tasks/t1/files/stdout.txt"));
            Assert.That(harness.Transport.Requests[1].Header("ocp-range"), Is.EqualTo("bytes=99989-99999"));
            Assert.That(text, Is.EqualTo("bad \uFFFD byte\n"));
        });
    }

    [Test]
    public async Task GetTaskOutputTailAsync_RangeIgnoredByTheServer_KeepsOnlyTheLastBytes()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200).Enqueue(FakeResponse.Create(200, new string('a', 10_000) + "the end\n"));

        string? text = await harness.Compute.GetTaskOutputTailAsync("job-1", "t1", TaskOutputStream.StandardError, 8);

        Assert.That(text, Is.EqualTo("the end\n"));
    }

    [Test]
    public async Task GetTaskOutputTailAsync_EmptyOrMissing()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(200, null, ("Content-Length", "0"))
            .Enqueue(404, ComputeHarness.Error("FileNotFound", "The specified file does not exist."));

        Assert.That(await harness.Compute.GetTaskOutputTailAsync("job-1", "t1", TaskOutputStream.StandardError, 100), Is.Empty);
        Assert.That(await harness.Compute.GetTaskOutputTailAsync("job-1", "t1", TaskOutputStream.StandardError, 100), Is.Null);
        Assert.That(harness.Transport.Requests, Has.Count.EqualTo(2));
    }
}
