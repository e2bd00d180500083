using System.Net;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Add one task, delete a task, terminate a task: through the product's client and as raw signed requests.</summary>
[TestFixture]
public class TaskOperationTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _harness = await EmulatorHarness.StartAsync();
        _poolId = "tasks-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 1, slots: 8);
        await _harness.WaitForNodesAsync(_poolId, n => n.State == BatchNodeState.Idle, "idle");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    // ------------------------------------------------------------------ through BatchRestClient

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task CreateTask_Client_AddsAndRunsTheTask_AsTheNonAdminTaskAutoUser(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string jobId = await NewJobAsync();

        await client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "one", CommandLine = "/bin/sh -c 'echo hello'" });
        var task = await _harness.WaitForTaskAsync(jobId, "one", t => t.State == BatchTaskState.Completed, "completed");

        Assert.Multiple(() =>
        {
            Assert.That(task.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Success));
            Assert.That(task.UserIdentity!.AutoUser!.Scope, Is.EqualTo(BatchAutoUserScope.Task), "a task without a user identity runs as the auto user unique to the task");
            Assert.That(task.UserIdentity.AutoUser.ElevationLevel, Is.EqualTo(BatchElevationLevel.NonAdmin));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task CreateTask_Client_TaskExistsJobNotFoundJobCompletedAndInvalidTask(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string jobId = await NewJobAsync();
        await client.CreateTaskAsync(jobId, NewTask("twice"));

        var exists = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync(jobId, NewTask("TWICE")));
        var noJob = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync("no-such-job", NewTask("t")));
        var badId = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync(jobId, NewTask("bad id!")));
        var noCommand = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "empty", CommandLine = string.Empty }));
        await client.TerminateJobAsync(jobId);
        await WaitForJobAsync(jobId, BatchJobState.Completed);
        var completed = Assert.ThrowsAsync<BatchServiceException>(() => client.CreateTaskAsync(jobId, NewTask("late")));

        Assert.Multiple(() =>
        {
            Assert.That((exists!.Status, exists.ErrorCode), Is.EqualTo((409, "TaskExists")), "ids are case-insensitive");
            Assert.That((noJob!.Status, noJob.ErrorCode), Is.EqualTo((404, "JobNotFound")));
            Assert.That((badId!.Status, badId.ErrorCode), Is.EqualTo((400, "InvalidPropertyValue")));
            Assert.That(badId.Values, Does.Contain(new KeyValuePair<string, string>("PropertyName", "id")));
            Assert.That((noCommand!.Status, noCommand.ErrorCode), Is.EqualTo((400, "MissingRequiredProperty")));
            Assert.That(noCommand.Values, Does.Contain(new KeyValuePair<string, string>("PropertyName", "commandLine")));
            Assert.That((completed!.Status, completed.ErrorCode), Is.EqualTo((409, "JobCompleted")));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task DeleteTask_Client_KillsARunningTask_ThenItIsGoneAndItsIdIsFree(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string jobId = await NewJobAsync();
        await client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "sleeper", CommandLine = "/bin/sh -c 'sleep 300'" });
        await _harness.WaitForTaskAsync(jobId, "sleeper", t => t.State == BatchTaskState.Running, "running");

        await client.DeleteTaskAsync(jobId, "sleeper");

        var gone = Assert.ThrowsAsync<BatchServiceException>(() => client.GetTaskAsync(jobId, "sleeper"));
        var again = Assert.ThrowsAsync<BatchServiceException>(() => client.DeleteTaskAsync(jobId, "sleeper"));
        var noJob = Assert.ThrowsAsync<BatchServiceException>(() => client.DeleteTaskAsync("no-such-job", "sleeper"));
        var counts = await client.GetJobTaskCountsAsync(jobId);
        Assert.Multiple(() =>
        {
            Assert.That((gone!.Status, gone.ErrorCode), Is.EqualTo((404, "TaskNotFound")));
            Assert.That((again!.Status, again.ErrorCode), Is.EqualTo((404, "TaskNotFound")));
            Assert.That((noJob!.Status, noJob.ErrorCode), Is.EqualTo((404, "JobNotFound")));
            Assert.That((counts.TaskCounts!.Active, counts.TaskCounts.Running, counts.TaskCounts.Completed), Is.EqualTo((0, 0, 0)));
        });

        await client.CreateTaskAsync(jobId, NewTask("sleeper"));
        var rerun = await _harness.WaitForTaskAsync(jobId, "sleeper", t => t.State == BatchTaskState.Completed, "completed");
        Assert.That(rerun.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Success));
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task TerminateTask_Client_RunningTaskCompletesAsFailedWithTaskEnded_ThenTaskCompleted(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string jobId = await NewJobAsync();
        await client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "sleeper", CommandLine = "/bin/sh -c 'sleep 300'" });
        await _harness.WaitForTaskAsync(jobId, "sleeper", t => t.State == BatchTaskState.Running, "running");

        await client.TerminateTaskAsync(jobId, "sleeper");

        var task = await client.GetTaskAsync(jobId, "sleeper");
        var twice = Assert.ThrowsAsync<BatchServiceException>(() => client.TerminateTaskAsync(jobId, "sleeper"));
        var missing = Assert.ThrowsAsync<BatchServiceException>(() => client.TerminateTaskAsync(jobId, "no-such-task"));
        var noJob = Assert.ThrowsAsync<BatchServiceException>(() => client.TerminateTaskAsync("no-such-job", "sleeper"));
        Assert.Multiple(() =>
        {
            Assert.That(task.State, Is.EqualTo(BatchTaskState.Completed), "completed when the request returns");
            Assert.That(task.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(task.ExecutionInfo.FailureInfo!.Code, Is.EqualTo("TaskEnded"));
            Assert.That(task.ExecutionInfo.FailureInfo.Category, Is.EqualTo(BatchErrorCategory.UserError));
            Assert.That(task.ExecutionInfo.EndTime, Is.Not.Null);
            Assert.That((twice!.Status, twice.ErrorCode), Is.EqualTo((409, "TaskCompleted")));
            Assert.That((missing!.Status, missing.ErrorCode), Is.EqualTo((404, "TaskNotFound")));
            Assert.That((noJob!.Status, noJob.ErrorCode), Is.EqualTo((404, "JobNotFound")));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task TerminateAndDelete_Client_QueuedTasks_NeverRun(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);
        string poolId = "one-slot-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..10];
        await _harness.CreatePoolAsync(poolId, nodes: 1, slots: 1);
        await _harness.CreateJobAsync(jobId, poolId);
        await client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "busy", CommandLine = "/bin/sh -c 'sleep 300'" }, NewTask("queued-1"), NewTask("queued-2")]);
        await _harness.WaitForTaskAsync(jobId, "busy", t => t.State == BatchTaskState.Running, "running");

        await client.TerminateTaskAsync(jobId, "queued-1");
        await client.DeleteTaskAsync(jobId, "queued-2");
        var terminated = await client.GetTaskAsync(jobId, "queued-1");
        var counts = await client.GetJobTaskCountsAsync(jobId);
        await client.DeletePoolAsync(poolId);

        Assert.Multiple(() =>
        {
            Assert.That(terminated.State, Is.EqualTo(BatchTaskState.Completed));
            Assert.That(terminated.ExecutionInfo!.FailureInfo!.Code, Is.EqualTo("TaskEnded"));
            Assert.That(terminated.ExecutionInfo.ExitCode, Is.Null, "it never ran");
            Assert.That(terminated.NodeInfo, Is.Null);
            Assert.That((counts.TaskCounts!.Running, counts.TaskCounts.Completed, counts.TaskCounts.Failed, counts.TaskCounts.Active), Is.EqualTo((1, 1, 1, 0)));
        });
    }

    [Test]
    public async Task CreateTask_TheAddTaskCollectionServerErrorFault_DoesNotApply()
    {
        string jobId = await NewJobAsync();
        _harness.Emulator.SetFaults(new BatchEmulatorFaults { TaskAddServerErrorRate = 1 });
        try
        {
            await _harness.Client.CreateTaskAsync(jobId, NewTask("single"));
            var collection = await _harness.Client.AddTaskCollectionAsync(jobId, [NewTask("in-collection")]);

            Assert.That(collection.Single().Status, Is.EqualTo(BatchTaskAddStatus.ServerError), "the fault is on");
            Assert.That((await _harness.Client.GetTaskAsync(jobId, "single")).Id, Is.EqualTo("single"));
        }
        finally
        {
            _harness.Emulator.SetFaults(new BatchEmulatorFaults());
        }
    }

    // ------------------------------------------------------------------ raw signed requests

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_CreateTask_Answers201WithTheServiceHeaders_And409TaskExists(string apiVersion)
    {
        string jobId = await NewJobAsync();
        string path = EmulatorHarness.Versioned($"/jobs/{jobId}/tasks", apiVersion);

        var created = await _harness.SendAsync(HttpMethod.Post, path, """{"id":"raw1","commandLine":"true"}""");
        var exists = await _harness.SendAsync(HttpMethod.Post, path, """{"id":"RAW1","commandLine":"true"}""");
        var missing = await _harness.SendAsync(HttpMethod.Post, path, """{"id":"raw2"}""");
        var notJson = await _harness.SendAsync(HttpMethod.Post, path, "{");
        var noJob = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/jobs/no-such-job/tasks", apiVersion), """{"id":"raw1","commandLine":"true"}""");
        var task = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/raw1", apiVersion));

        var response = created.Response;
        Assert.Multiple(() =>
        {
            Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(created.Body, Is.Null);
            Assert.That(response.Headers.ETag?.Tag ?? string.Join(",", response.Headers.GetValues("ETag")), Does.Contain("0x"));
            Assert.That(response.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(response.Headers.Location?.ToString(), Does.EndWith($"/jobs/{jobId}/tasks/raw1"));
            Assert.That(response.Headers.GetValues("DataServiceId").Single(), Does.EndWith($"/jobs/{jobId}/tasks/raw1"));
            Assert.That(task.Body!["userIdentity"]!["autoUser"]!["scope"]!.GetValue<string>(), Is.EqualTo("task"));
            Assert.That(task.Body["userIdentity"]!["autoUser"]!["elevationLevel"]!.GetValue<string>(), Is.EqualTo("nonadmin"));
        });
        AssertError(exists.Status, exists.Body, HttpStatusCode.Conflict, "TaskExists");
        AssertError(missing.Status, missing.Body, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "commandLine"));
        AssertError(notJson.Status, notJson.Body, HttpStatusCode.BadRequest, "InvalidRequestBody");
        AssertError(noJob.Status, noJob.Body, HttpStatusCode.NotFound, "JobNotFound");
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_DeleteAnswers200_TerminateAnswers204_AndBothAnswerTaskNotFound(string apiVersion)
    {
        string jobId = await NewJobAsync();
        await _harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "a", CommandLine = "/bin/sh -c 'sleep 300'" }, new BatchTaskCreateContent { Id = "b", CommandLine = "/bin/sh -c 'sleep 300'" }]);
        await _harness.WaitForTaskAsync(jobId, "b", t => t.State == BatchTaskState.Running, "running");

        var terminate = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/b/terminate", apiVersion));
        var terminated = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/b", apiVersion));
        var terminateAgain = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/b/terminate", apiVersion));
        var delete = await _harness.SendAsync(HttpMethod.Delete, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/a", apiVersion));
        var deleteAgain = await _harness.SendAsync(HttpMethod.Delete, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/a", apiVersion));
        var terminateMissing = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/a/terminate", apiVersion));
        var deleteCompleted = await _harness.SendAsync(HttpMethod.Delete, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/b", apiVersion));

        Assert.Multiple(() =>
        {
            Assert.That((terminate.Status, terminate.Body), Is.EqualTo((HttpStatusCode.NoContent, (System.Text.Json.Nodes.JsonNode?)null)));
            Assert.That(terminated.Body!["state"]!.GetValue<string>(), Is.EqualTo("completed"));
            Assert.That(terminated.Body["executionInfo"]!["result"]!.GetValue<string>(), Is.EqualTo("failure"));
            Assert.That(terminated.Body["executionInfo"]!["failureInfo"]!["code"]!.GetValue<string>(), Is.EqualTo("TaskEnded"));
            Assert.That(terminated.Body["executionInfo"]!["failureInfo"]!["category"]!.GetValue<string>(), Is.EqualTo("usererror"));
            Assert.That(delete.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(deleteCompleted.Status, Is.EqualTo(HttpStatusCode.OK), "a completed task can be deleted");
        });
        AssertError(terminateAgain.Status, terminateAgain.Body, HttpStatusCode.Conflict, "TaskCompleted");
        AssertError(deleteAgain.Status, deleteAgain.Body, HttpStatusCode.NotFound, "TaskNotFound");
        AssertError(terminateMissing.Status, terminateMissing.Body, HttpStatusCode.NotFound, "TaskNotFound");
    }

    private async Task<string> NewJobAsync()
    {
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..10];
        await _harness.CreateJobAsync(jobId, _poolId);
        return jobId;
    }

    private async Task WaitForJobAsync(string jobId, BatchJobState state)
    {
        BatchJob? job = null;
        await Wait.UntilAsync(async () => (job = await _harness.Client.GetJobAsync(jobId)).State == state, () => $"job {jobId} is {job?.State}, not {state}");
    }

    private static BatchTaskCreateContent NewTask(string id) => new() { Id = id, CommandLine = "true" };
}
