using System.Globalization;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Add, delete and terminate one task; list task and node files; get one node.</summary>
[TestFixture]
public class BatchRestClientTaskAndFileOperationTests
{
    [Test]
    public async Task CreateTaskAsync_PostsTheTaskToTheTasksPath()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(201, null, ("ETag", "0x8D3D623CD661246"), ("DataServiceId", "https://testaccount.westus.batch.azure.com/jobs/job-1/tasks/task-1"));

        await clients.Client.CreateTaskAsync("job-1", new BatchTaskCreateContent { Id = "task-1", CommandLine = "/bin/sh -c 'echo hi'", Constraints = new BatchTaskConstraints { MaxTaskRetryCount = 2 } });

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/job-1/tasks");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(JsonNode.Parse("""{"id":"task-1","commandLine":"/bin/sh -c 'echo hi'","constraints":{"maxTaskRetryCount":2}}"""), sent.BodyText);
    }

    [Test]
    public void CreateTaskAsync_TaskExists_ThrowsWithTheCodeAndTheTask()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(409, """{"code":"TaskExists","message":{"lang":"en-US","value":"The specified task already exists.\nRequestId:r1"}}""", ("request-id", "r1"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.CreateTaskAsync("job-1", new BatchTaskCreateContent { Id = "task-1", CommandLine = "true" }));

        Assert.Multiple(() =>
        {
            Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((409, "TaskExists")));
            Assert.That(ex.Message, Does.StartWith("Add task to job 'job-1/task-1' failed: 409 TaskExists"));
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "a 409 is never retried");
        });
    }

    [Test]
    public async Task DeleteTaskAsync_SendsDeleteWithoutBody()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200);

        await clients.Client.DeleteTaskAsync("job-1", "task 1");

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "DELETE", "/jobs/job-1/tasks/task%201");
        RequestAssert.HasEmptyBody(sent);
    }

    [Test]
    public async Task TerminateTaskAsync_PostsToTerminate_204()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(204);

        await clients.Client.TerminateTaskAsync("job-1", "task-1");

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/job-1/tasks/task-1/terminate");
        RequestAssert.HasEmptyBody(sent);
    }

    [Test]
    public void TerminateTaskAsync_TaskNotFound_ThrowsNamingTheTask()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """{"code":"TaskNotFound","message":{"lang":"en-US","value":"The specified task does not exist."}}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.TerminateTaskAsync("job-1", "task-9"));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((404, "TaskNotFound")));
        Assert.That(ex.Message, Does.Contain("Terminate task 'job-1/task-9'"));
    }

    [Test]
    public async Task ListTaskFilesAsync_ServiceShape_ParsesItemsAndSendsRecursiveAndFilter()
    {
        // Shaped like Tasks_ListTaskFiles.json (2025-06-01.21.0): contentLength is a string there.
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"value":[
              {"name":"wd","url":"https://testaccount.westus.batch.azure.com/jobs/job-1/tasks/task-1/files/wd","isDirectory":true,
               "properties":{"lastModified":"2025-07-01T12:00:00Z","contentLength":"0","fileMode":"0040755"}},
              {"name":"stdout.txt","url":"https://testaccount.westus.batch.azure.com/jobs/job-1/tasks/task-1/files/stdout.txt","isDirectory":false,
               "properties":{"creationTime":"2025-07-01T12:00:00.1234567Z","lastModified":"2025-07-01T12:00:01Z","contentLength":"1813","contentType":"application/octet-stream","fileMode":"0100644"}},
              {"name":"stderr.txt","isDirectory":false,"properties":{"lastModified":"2025-07-01T12:00:01Z","contentLength":17}}]}
            """);

        var files = new List<BatchNodeFile>();
        await foreach (BatchNodeFile file in clients.Client.ListTaskFilesAsync("job-1", "task-1", recursive: true, filter: "startswith(name, 'wd/')"))
        {
            files.Add(file);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/job-1/tasks/task-1/files", new Dictionary<string, string> { ["recursive"] = "true", ["$filter"] = "startswith(name, 'wd/')" });
        Assert.Multiple(() =>
        {
            Assert.That(files.Select(f => f.Name), Is.EqualTo(new[] { "wd", "stdout.txt", "stderr.txt" }));
            Assert.That(files[0].IsDirectory, Is.True);
            Assert.That(files[1].IsDirectory, Is.False);
            Assert.That(files[1].Url, Does.EndWith("/files/stdout.txt"));
            Assert.That(files[1].Properties!.ContentLength, Is.EqualTo(1813));
            Assert.That(files[1].Properties!.ContentType, Is.EqualTo("application/octet-stream"));
            Assert.That(files[1].Properties!.FileMode, Is.EqualTo("0100644"));
            Assert.That(files[1].Properties!.CreationTime, Is.EqualTo(DateTimeOffset.Parse("2025-07-01T12:00:00.1234567Z", CultureInfo.InvariantCulture)));
            Assert.That(files[2].Properties!.ContentLength, Is.EqualTo(17), "older versions send a number");
        });
    }

    [Test]
    public async Task ListNodeFilesAsync_PagesThroughNextLink_AndLeavesRecursiveOutWhenNotGiven()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[{"name":"startup","isDirectory":true}],"odata.nextLink":"https://testaccount.westus.batch.azure.com/pools/pool-1/nodes/tvm-1/files?api-version=2025-06-01.21.0&maxresults=1&$skiptoken=abc"}""");
        clients.Transport.Enqueue(200, """{"value":[{"name":"shared","isDirectory":true}]}""");

        var names = new List<string?>();
        await foreach (BatchNodeFile file in clients.Client.ListNodeFilesAsync("pool-1", "tvm-1", maxResults: 1))
        {
            names.Add(file.Name);
        }

        var requests = clients.Transport.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EqualTo(new[] { "startup", "shared" }));
            Assert.That(requests, Has.Count.EqualTo(2));
            Assert.That(requests[0].Uri.AbsolutePath, Is.EqualTo("/pools/pool-1/nodes/tvm-1/files"));
            Assert.That(requests[0].Query, Does.Not.ContainKey("recursive"));
            Assert.That(requests[0].Query["maxresults"], Is.EqualTo("1"));
            Assert.That(requests[1].Query["$skiptoken"], Is.EqualTo("abc"));
        });
    }

    [Test]
    public async Task ListNodeFilesAsync_NotRecursive_SendsFalse()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[]}""");

        await foreach (BatchNodeFile file in clients.Client.ListNodeFilesAsync("pool-1", "tvm-1", recursive: false))
        {
            Assert.Fail($"no file expected, got {file.Name}");
        }

        Assert.That(clients.Transport.SingleRequest.Query["recursive"], Is.EqualTo("false"));
    }

    [Test]
    public async Task GetNodeAsync_SendsSelect_AndParsesTheNode()
    {
        // Shaped like Nodes_GetNode.json (2025-06-01.21.0).
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"id":"tvm-1695681911_2-20161122t193202z","url":"https://testaccount.westus.batch.azure.com/pools/pool-1/nodes/tvm-1695681911_2-20161122t193202z",
             "state":"idle","schedulingState":"enabled","ipAddress":"1.1.1.1","affinityId":"TVM:tvm-1695681911_2-20161122t193202z","isDedicated":true,
             "startTask":{"commandLine":"cmd /c echo hello","userIdentity":{"autoUser":{"scope":"task","elevationLevel":"nonadmin"}},"maxTaskRetryCount":0,"waitForSuccess":false},
             "startTaskInfo":{"state":"completed","exitCode":0,"retryCount":0},"nodeAgentInfo":{"version":"1.2.0.0"}}
            """);

        BatchNode node = await clients.Client.GetNodeAsync("pool-1", "tvm-1695681911_2-20161122t193202z", select: "id,state,startTaskInfo");

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/pools/pool-1/nodes/tvm-1695681911_2-20161122t193202z", new Dictionary<string, string> { ["$select"] = "id,state,startTaskInfo" });
        Assert.Multiple(() =>
        {
            Assert.That(node.Id, Is.EqualTo("tvm-1695681911_2-20161122t193202z"));
            Assert.That(node.State, Is.EqualTo(BatchNodeState.Idle));
            Assert.That(node.StartTaskInfo!.ExitCode, Is.Zero);
            Assert.That(node.StartTask!.UserIdentity!.AutoUser!.Scope, Is.EqualTo(BatchAutoUserScope.Task));
        });
    }

    [Test]
    public void GetNodeAsync_NodeNotFound_Throws()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """{"code":"NodeNotFound","message":{"lang":"en-US","value":"The specified node does not exist."}}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetNodeAsync("pool-1", "tvm-9"));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((404, "NodeNotFound")));
        Assert.That(ex.Message, Does.Contain("Get node 'pool-1/tvm-9'"));
    }

    [Test]
    public void NewOperations_NullArguments_ThrowNamingTheArgument()
    {
        var client = new TestClients().Client;
        var task = new BatchTaskCreateContent { Id = "t", CommandLine = "true" };

        Assert.Multiple(() =>
        {
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => client.CreateTaskAsync(null!, task))!.ParamName, Is.EqualTo("jobId"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => client.CreateTaskAsync("j", null!))!.ParamName, Is.EqualTo("task"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => client.DeleteTaskAsync("j", null!))!.ParamName, Is.EqualTo("taskId"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => client.TerminateTaskAsync(null!, "t"))!.ParamName, Is.EqualTo("jobId"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => client.ListTaskFilesAsync("j", null!))!.ParamName, Is.EqualTo("taskId"));
            Assert.That(Assert.Throws<ArgumentNullException>(() => client.ListNodeFilesAsync(null!, "n"))!.ParamName, Is.EqualTo("poolId"));
            Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => client.GetNodeAsync("p", null!))!.ParamName, Is.EqualTo("nodeId"));
        });
    }

    [Test]
    public void BatchNodeFileProperties_ContentLength_IsWrittenAsAString()
    {
        string json = System.Text.Json.JsonSerializer.Serialize(new BatchNodeFileProperties { ContentLength = 42 }, TopNWords.Batch.Azure.BatchRest.Serialization.BatchJsonContext.Default.BatchNodeFileProperties);

        Assert.That(json, Is.EqualTo("""{"contentLength":"42"}"""));
    }

    [Test]
    public void NewOperations_AreVirtual_ForMocking()
    {
        foreach (string name in new[] { "CreateTaskAsync", "DeleteTaskAsync", "TerminateTaskAsync", "ListTaskFilesAsync", "ListNodeFilesAsync", "GetNodeAsync" })
        {
            Assert.That(typeof(BatchRestClient).GetMethod(name)!.IsVirtual, Is.True, name);
        }
    }
}
