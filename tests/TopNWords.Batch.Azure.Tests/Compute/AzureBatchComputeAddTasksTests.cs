using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Adding tasks: mapping, chunking, halving, per-task results, and which failures the pipeline retries.</summary>
[TestFixture]
public class AzureBatchComputeAddTasksTests
{
    [Test]
    public async Task AddTasksAsync_BasicExample_CountsTheAddedTasks()
    {
        // Tasks_CreateTaskCollection_Basic.json
        var example = RestExample.Load("Tasks_CreateTaskCollection_Basic.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(example.ToResponse(200));

        AddTasksResult result = await harness.Compute.AddTasksAsync("jobId", [new TaskSpec("simple1", "cmd /c dir /s"), new TaskSpec("simple2", "cmd /c dir /s")]);

        var sent = harness.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/jobId/addtaskcollection");
        RequestAssert.HasJsonBody(sent);
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AddTasksResult(2, 0, 1)));
            Assert.That(ComputeHarness.TaskIds(sent), Is.EqualTo(new[] { "simple1", "simple2" }));
        });
    }

    [Test]
    public async Task AddTasksAsync_ComplexExample_MatchesResultsById()
    {
        // Tasks_CreateTaskCollection_Complex.json: results come back in another order than sent.
        var example = RestExample.Load("Tasks_CreateTaskCollection_Complex.json");
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(example.ToResponse(200));

        AddTasksResult result = await harness.Compute.AddTasksAsync("jobId", [new TaskSpec("complex1", "x"), new TaskSpec("simple3", "x")]);

        Assert.That(result, Is.EqualTo(new AddTasksResult(2, 0, 1)));
    }

    [Test]
    public async Task AddTasksAsync_TaskSpec_MapsEveryFieldAndRunsAsThePoolsNonAdminUser()
    {
        var harness = new ComputeHarness();
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r);
        var task = new TaskSpec("topNtask0", "/bin/sh -c 'exec \"$AZ_BATCH_NODE_SHARED_DIR\"/topnwords-taskrunner/TopNWords.TaskRunner \"$@\"' topnwords-task --filepath input/taskdata0.txt --numwords 3")
        {
            Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromMinutes(90), MaxTaskRetryCount = 2, RetentionTime = TimeSpan.FromDays(1) },
        };
        task.ResourceFiles.Add(new ResourceFile(ComputeHarness.InputUrl, "input/taskdata0.txt"));
        task.EnvironmentSettings["TOPN_MODE"] = "exact";
        task.OutputFiles.Add(new OutputFileSpec("*_OUTPUT*", ComputeHarness.OutputUrl, OutputUploadCondition.TaskSuccess) { Path = "topNtask0" });
        task.OutputFiles.Add(new OutputFileSpec("../std*.txt", ComputeHarness.OutputUrl, OutputUploadCondition.TaskFailure) { Path = "logs/topNtask0" });
        task.OutputFiles.Add(new OutputFileSpec("trace.log", ComputeHarness.OutputUrl, OutputUploadCondition.TaskCompletion));

        await harness.Compute.AddTasksAsync("job-1", [task, new TaskSpec("plain", "/bin/true")]);

        JsonAssert.AreEquivalent(
            JsonNode.Parse($$$"""
            {"value":[
              {"id":"topNtask0",
               "commandLine":"/bin/sh -c 'exec \"$AZ_BATCH_NODE_SHARED_DIR\"/topnwords-taskrunner/TopNWords.TaskRunner \"$@\"' topnwords-task --filepath input/taskdata0.txt --numwords 3",
               "resourceFiles":[{"httpUrl":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}","filePath":"input/taskdata0.txt"}],
               "outputFiles":[
                 {"filePattern":"*_OUTPUT*","destination":{"container":{"path":"topNtask0","containerUrl":"{{{ComputeHarness.OutputUrl.AbsoluteUri}}}"}},"uploadOptions":{"uploadCondition":"tasksuccess"}},
                 {"filePattern":"../std*.txt","destination":{"container":{"path":"logs/topNtask0","containerUrl":"{{{ComputeHarness.OutputUrl.AbsoluteUri}}}"}},"uploadOptions":{"uploadCondition":"taskfailure"}},
                 {"filePattern":"trace.log","destination":{"container":{"containerUrl":"{{{ComputeHarness.OutputUrl.AbsoluteUri}}}"}},"uploadOptions":{"uploadCondition":"taskcompletion"}}],
               "environmentSettings":[{"name":"TOPN_MODE","value":"exact"}],
               "constraints":{"maxWallClockTime":"PT1H30M","retentionTime":"P1D","maxTaskRetryCount":2},
               "userIdentity":{"autoUser":{"scope":"pool","elevationLevel":"nonadmin"}} },
              {"id":"plain","commandLine":"/bin/true","userIdentity":{"autoUser":{"scope":"pool","elevationLevel":"nonadmin"}} }
            ]}
            """),
            harness.Transport.SingleRequest.BodyText);
    }

    [Test]
    public void AddTasksAsync_LocalFileUrl_IsRefusedWithoutEchoingTheUrl()
    {
        var harness = new ComputeHarness();
        var task = new TaskSpec("t1", "x");
        task.ResourceFiles.Add(new ResourceFile(new Uri("file:///tmp/secret-folder/taskdata0.txt"), "input/taskdata0.txt"));

        var ex = Assert.ThrowsAsync<ArgumentException>(() => harness.Compute.AddTasksAsync("job-1", [task]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("'input/taskdata0.txt'").And.Contain("task 't1'").And.Contain("'file' URL").And.Not.Contain("secret-folder"));
            Assert.That(harness.Transport.Requests, Is.Empty);
        });
    }

    [Test]
    public void AddTasksAsync_DuplicateIds_AreRefusedBeforeSending()
    {
        var harness = new ComputeHarness();

        var ex = Assert.ThrowsAsync<ArgumentException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("Task1", "x"), new TaskSpec("task1", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("'task1'"));
            Assert.That(harness.Transport.Requests, Is.Empty);
        });
    }

    [Test]
    public async Task AddTasksAsync_250Tasks_Makes3RequestsOf100And100And50()
    {
        var harness = new ComputeHarness();
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r);
        var tasks = Enumerable.Range(0, 250).Select(i => new TaskSpec($"task{i:D3}", "/bin/true")).ToList();

        AddTasksResult result = await harness.Compute.AddTasksAsync("job-1", tasks);

        var sent = harness.Transport.Requests.Select(ComputeHarness.TaskIds).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AddTasksResult(250, 0, 3)));
            Assert.That(sent.Select(ids => ids.Count).Order(), Is.EqualTo(new[] { 50, 100, 100 }));
            Assert.That(sent.SelectMany(ids => ids).Order(), Is.EqualTo(tasks.Select(t => t.Id)), "every task once, chunks in input order");
            Assert.That(sent.Single(ids => ids.Count == 50)[0], Is.EqualTo("task200"));
        });
    }

    [Test]
    public async Task AddTasksAsync_BodyOver1MB_IsSplitBeforeSending()
    {
        var harness = new ComputeHarness();
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r);
        var tasks = Enumerable.Range(0, 30).Select(i =>
        {
            var task = new TaskSpec($"big{i:D2}", "/bin/true");
            task.EnvironmentSettings["PAYLOAD"] = new string('x', 40_000);
            return task;
        }).ToList();

        AddTasksResult result = await harness.Compute.AddTasksAsync("job-1", tasks);

        var requests = harness.Transport.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AddTasksResult(30, 0, 2)), "30 x 40 KB = 1.2 MB: two requests, no RequestBodyTooLarge");
            Assert.That(requests.Select(r => r.Body!.Length), Is.All.LessThanOrEqualTo(AddTaskCollectionSender.MaxRequestBodyBytes));
            Assert.That(requests.Select(r => ComputeHarness.TaskIds(r).Count).Order(), Is.EqualTo(new[] { 6, 24 }));
            Assert.That(requests.Max(r => r.Body!.Length), Is.GreaterThan(900_000), "the first request is filled up to the limit");
        });
    }

    [Test]
    public void AddTasksAsync_OneTaskOver1MB_FailsNamingItBeforeSendingAnything()
    {
        var harness = new ComputeHarness();
        var huge = new TaskSpec("huge", "/bin/true");
        huge.EnvironmentSettings["PAYLOAD"] = new string('x', 1_100_000);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("small", "/bin/true"), huge]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Failures.Single().TaskId, Is.EqualTo("huge"));
            Assert.That(ex.Failures.Single().ErrorCode, Is.EqualTo("RequestBodyTooLarge"));
            Assert.That(ex.Message, Does.Contain("task 'huge'"));
            Assert.That(harness.Transport.Requests, Is.Empty);
        });
    }

    [TestCase(413, null)]
    [TestCase(400, "RequestBodyTooLarge")]
    public async Task AddTasksAsync_RequestBodyTooLarge_HalvesDownToSingleTasks(int status, string? code)
    {
        var harness = new ComputeHarness(configure: o => o.MaxParallelAddTaskRequests = 1);
        harness.Transport.Fallback = r => ComputeHarness.TaskIds(r).Count > 1
            ? FakeResponse.Create(status, code is null ? null : ComputeHarness.Error(code, "The request body is too large."))
            : ComputeHarness.AddResults(r);
        var tasks = Enumerable.Range(0, 4).Select(i => new TaskSpec($"t{i}", "/bin/true")).ToList();

        AddTasksResult result = await harness.Compute.AddTasksAsync("job-1", tasks);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AddTasksResult(4, 0, 7)), "4, then 2 + 2, then 1 + 1 + 1 + 1");
            Assert.That(
                harness.Transport.Requests.Select(r => string.Join(",", ComputeHarness.TaskIds(r))),
                Is.EqualTo(new[] { "t0,t1,t2,t3", "t0,t1", "t0", "t1", "t2,t3", "t2", "t3" }));
            Assert.That(harness.Time.HasPendingTimer, Is.False, "the pipeline did not retry the 413/400");
            Assert.That(harness.LogMessages, Has.Some.Contains("too large"));
        });
    }

    [Test]
    public void AddTasksAsync_SingleTaskStillTooLarge_FailsNamingIt()
    {
        var harness = new ComputeHarness(configure: o => o.MaxParallelAddTaskRequests = 1);
        harness.Transport.Fallback = r => ComputeHarness.TaskIds(r).Contains("fat")
            ? FakeResponse.Create(413)
            : ComputeHarness.AddResults(r);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("a", "x"), new TaskSpec("fat", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Failures.Select(f => f.TaskId), Is.EqualTo(new[] { "fat" }));
            Assert.That(ex.Failures[0].ErrorCode, Is.EqualTo("RequestBodyTooLarge"));
            Assert.That(ex.ResourceId, Is.EqualTo("job-1"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(3), "a,fat then a then fat");
        });
    }

    [Test]
    public async Task AddTasksAsync_PartialServerError_ResendsOnlyTheFailedTasks()
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(r => ComputeHarness.AddResults(r, id => id is "t1" or "t3" ? ("servererror", "ServerBusy", "The server is busy.") : null));
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r);

        AddTasksResult result = await harness.Compute.AddTasksAsync("job-1", [.. Enumerable.Range(0, 5).Select(i => new TaskSpec($"t{i}", "x"))]);

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(new AddTasksResult(5, 0, 2)));
            Assert.That(ComputeHarness.TaskIds(harness.Transport.Requests[1]), Is.EqualTo(new[] { "t1", "t3" }));
            Assert.That(harness.LogMessages, Has.Some.Contains("ServerBusy"));
        });
    }

    [Test]
    public async Task AddTasksAsync_TaskExistsOnResend_CountsAsSuccess()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(r => ComputeHarness.AddResults(r, id => id == "t2" ? ("ServerError", "InternalError", "Server encountered an internal error.") : null))
            .Enqueue(r => ComputeHarness.AddResults(r, _ => ("clienterror", "TaskExists", "The specified task already exists.")));

        AddTasksResult result = await harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x"), new TaskSpec("t3", "x")]);

        Assert.That(result, Is.EqualTo(new AddTasksResult(2, 1, 2)));
    }

    [Test]
    public void AddTasksAsync_PersistentServerError_FailsAfterTheBoundedAttemptsNamingTheTask()
    {
        var harness = new ComputeHarness(configure: o => o.MaxTaskAddAttempts = 3);
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r, id => id == "t2" ? ("servererror", "ServerBusy", "The server is busy.") : null);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Failures.Single().TaskId, Is.EqualTo("t2"));
            Assert.That(ex.Failures.Single().ErrorCode, Is.EqualTo("ServerBusy"));
            Assert.That(ex.Failures.Single().Message, Does.Contain("The server is busy.").And.Contain("3 time(s)"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void AddTasksAsync_PersistentServerError_IsTransient_SoTheWorkflowCanAddTheTasksAgainLater()
    {
        var harness = new ComputeHarness(configure: o => o.MaxTaskAddAttempts = 2);
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r, id => id == "t2" ? ("servererror", "InternalError", "Server encountered an internal error.") : null);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
            Assert.That(WorkflowResilience.IsTransient(ex, CancellationToken.None), Is.True, "the workflow's pipeline retries it");
            Assert.That(ex.Message, Does.Contain("task 't2'").And.Contain("job-1").And.Contain("again later").And.Not.Contain("Fix the task definitions"));
        });
    }

    [Test]
    public void AddTasksAsync_PersistentServerErrorAndAClientError_IsNotTransient()
    {
        var harness = new ComputeHarness(configure: o => o.MaxTaskAddAttempts = 2);
        harness.Transport.Fallback = r => ComputeHarness.AddResults(r, id => id switch
        {
            "t2" => ("servererror", "InternalError", "Server encountered an internal error."),
            "t3" => ("clienterror", "InvalidPropertyValue", "The value provided for one of the properties in the request body is invalid."),
            _ => null,
        });

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x"), new TaskSpec("t3", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.Failures.Select(f => f.TaskId), Is.EqualTo(new[] { "t2", "t3" }));
            Assert.That(ex.Message, Does.Contain("Fix the task definitions"));
        });
    }

    [Test]
    public void AddTasksAsync_OtherClientError_FailsWithTheTaskIdAndServiceMessageAfterSendingTheRest()
    {
        var harness = new ComputeHarness();
        harness.Transport.Fallback = r => FakeResponse.Create(200, $$$"""
            {"value":[
              {"status":"success","taskId":"t1"},
              {"status":"clienterror","taskId":"t2","error":{"code":"InvalidPropertyValue","message":{"lang":"en-US","value":"The value provided for one of the properties in the request body is invalid."},
                "values":[{"key":"PropertyName","value":"httpUrl"},{"key":"PropertyValue","value":"{{{ComputeHarness.InputUrl.AbsoluteUri}}}"}]}},
              {"status":"success","taskId":"t3"}]}
            """);

        var ex = Assert.ThrowsAsync<AddTasksException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x"), new TaskSpec("t3", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.Failures.Single().TaskId, Is.EqualTo("t2"));
            Assert.That(ex.Failures.Single().ErrorCode, Is.EqualTo("InvalidPropertyValue"));
            Assert.That(ex.Message, Does.Contain("task 't2': InvalidPropertyValue: The value provided for one of the properties in the request body is invalid.").And.Contain("PropertyName=httpUrl"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(1), "client errors are not resent");
        });
        ComputeHarness.AssertNoSecret([ex!.Message, .. ex.Failures.Select(f => f.Message), .. harness.LogMessages], "add failure");
    }

    [Test]
    public async Task AddTasksAsync_429WithRetryAfterAnd503_AreRetriedByThePipelineOnTheClock()
    {
        var harness = new ComputeHarness();
        harness.Transport
            .Enqueue(429, ComputeHarness.Error("TooManyRequests", "Too many requests."), ("Retry-After", "7"))
            .Enqueue(503, ComputeHarness.Error("ServerBusy", "The server is busy."))
            .Enqueue(r => ComputeHarness.AddResults(r));

        Task<AddTasksResult> adding = harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x"), new TaskSpec("t2", "x")]);
        TimeSpan first = await harness.Time.NextTimerAsync();
        harness.Time.Advance(first);
        TimeSpan second = await harness.Time.NextTimerAsync();
        harness.Time.Advance(second);
        AddTasksResult result = await adding;

        var requests = harness.Transport.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(TimeSpan.FromSeconds(7)), "Retry-After is honoured");
            Assert.That(second, Is.InRange(TimeSpan.FromSeconds(1.6), TimeSpan.FromSeconds(2.4)), "exponential backoff of the second retry (2 s, jittered)");
            Assert.That(requests, Has.Count.EqualTo(3));
            Assert.That(requests[1].SentAt - requests[0].SentAt, Is.EqualTo(TimeSpan.FromSeconds(7)));
            Assert.That(requests.Select(ComputeHarness.TaskIds), Is.All.EqualTo(new[] { "t1", "t2" }), "the same request is resent");
            Assert.That(result, Is.EqualTo(new AddTasksResult(2, 0, 1)), "one add-task-collection call; the pipeline's retries are not counted");
        });
    }

    [TestCase(400, "InvalidRequestBody", BatchComputeErrorKind.InvalidRequest)]
    [TestCase(403, "AuthenticationFailed", BatchComputeErrorKind.Forbidden)]
    [TestCase(404, "JobNotFound", BatchComputeErrorKind.NotFound)]
    [TestCase(409, "JobCompleted", BatchComputeErrorKind.Conflict)]
    public void AddTasksAsync_Other4xx_AreNeverRetried(int status, string code, BatchComputeErrorKind kind)
    {
        var harness = new ComputeHarness();
        harness.Transport.Enqueue(status, ComputeHarness.Error(code, "Refused."));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.AddTasksAsync("job-1", [new TaskSpec("t1", "x")]));

        Assert.Multiple(() =>
        {
            Assert.That(ex, Is.Not.TypeOf<AddTasksException>());
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.ErrorCode, Is.EqualTo(code));
            Assert.That(ex.ResourceId, Is.EqualTo("job-1"));
            Assert.That(ex.Message, Does.Contain("job 'job-1'"));
            Assert.That(harness.Transport.Requests, Has.Count.EqualTo(1));
            Assert.That(harness.Time.HasPendingTimer, Is.False);
        });
    }

    [Test]
    public async Task AddTasksAsync_NoTasks_SendsNothing()
    {
        var harness = new ComputeHarness();

        Assert.That(await harness.Compute.AddTasksAsync("job-1", []), Is.EqualTo(new AddTasksResult(0, 0, 0)));
        Assert.That(harness.Transport.Requests, Is.Empty);
    }
}
