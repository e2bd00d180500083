using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Job operations against the official examples.</summary>
[TestFixture]
public class BatchRestClientJobTests
{
    [Test]
    public async Task CreateJobAsync_BasicExample_SendsTheExampleBody()
    {
        // Jobs_CreateJob_Basic.json (TSP example)
        var example = RestExample.Load("Jobs_CreateJob_Basic.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(201));

        await clients.Client.CreateJobAsync(new BatchJobCreateContent { Id = "jobId", Priority = 0, PoolInfo = new BatchPoolInfo { PoolId = "poolId" } });

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(example.Body("job"), sent.BodyText, example.FileName);
    }

    [Test]
    public async Task CreateJobAsync_WorkflowJob_SerializesEnumsInServiceCasing()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(201);

        await clients.Client.CreateJobAsync(new BatchJobCreateContent
        {
            Id = "topn-job",
            PoolInfo = new BatchPoolInfo { PoolId = "topn-pool" },
            OnAllTasksComplete = BatchOnAllTasksComplete.TerminateJob,
            UsesTaskDependencies = false,
        });

        JsonAssert.AreEquivalent(
            JsonNode.Parse("""{"id":"topn-job","poolInfo":{"poolId":"topn-pool"},"onAllTasksComplete":"terminatejob","usesTaskDependencies":false}"""),
            clients.Transport.SingleRequest.BodyText);
    }

    [Test]
    public async Task GetJobAsync_ParsesStateAndPoolInfo()
    {
        // No GetJob example in the reference set: a body in the service's shape.
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"odata.metadata":"https://account.region.batch.azure.com/$metadata#jobs/@Element","id":"jobId","url":"https://account.region.batch.azure.com/jobs/jobId",
             "eTag":"0x8D4100FC49F0278","creationTime":"2016-11-19T00:05:25.5369223Z","state":"completed","previousState":"terminating",
             "stateTransitionTime":"2016-11-19T00:05:27.2137101Z","priority":0,"poolInfo":{"poolId":"poolId"},
             "onAllTasksComplete":"terminatejob","usesTaskDependencies":false,
             "executionInfo":{"startTime":"2016-11-19T00:05:25.5369223Z","endTime":"2016-11-19T00:05:27.2137101Z","poolId":"poolId","terminateReason":"AllTasksComplete"}}
            """);

        BatchJob job = await clients.Client.GetJobAsync("jobId");

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/jobId");
        Assert.Multiple(() =>
        {
            Assert.That(job.Id, Is.EqualTo("jobId"));
            Assert.That(job.State, Is.EqualTo(BatchJobState.Completed));
            Assert.That(job.PreviousState, Is.EqualTo(BatchJobState.Terminating));
            Assert.That(job.PoolInfo!.PoolId, Is.EqualTo("poolId"));
            Assert.That(job.OnAllTasksComplete, Is.EqualTo(BatchOnAllTasksComplete.TerminateJob));
            Assert.That(job.UsesTaskDependencies, Is.False);
            Assert.That(job.ExecutionInfo!.TerminateReason, Is.EqualTo("AllTasksComplete"));
        });
    }

    [Test]
    public async Task TerminateJobAsync_ExampleWithReason_SendsTheExampleBody()
    {
        // Jobs_TerminateJob.json
        var example = RestExample.Load("Jobs_TerminateJob.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(202));

        await clients.Client.TerminateJobAsync(example.Parameter("jobId"), "User supplied termination reason");

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/jobId/terminate");
        RequestAssert.HasJsonBody(sent);
        JsonAssert.AreEquivalent(example.Body("jobTerminateParameter"), sent.BodyText, example.FileName);
    }

    [Test]
    public async Task TerminateJobAsync_NoReason_SendsNoBodyWithContentLengthZero()
    {
        // Jobs_TerminateJob.json: the body parameter is optional.
        var example = RestExample.Load("Jobs_TerminateJob.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(202));

        await clients.Client.TerminateJobAsync("jobId");

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "POST", "/jobs/jobId/terminate");
        RequestAssert.HasEmptyBody(sent);
    }

    [Test]
    public async Task DeleteJobAsync_Example_SendsDeleteWithContentLengthZero()
    {
        // Jobs_DeleteJob.json (TSP example)
        var example = RestExample.Load("Jobs_DeleteJob.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(202));

        await clients.Client.DeleteJobAsync(example.Parameter("jobId"));

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "DELETE", "/jobs/jobId");
        RequestAssert.HasEmptyBody(sent);
    }

    [Test]
    public async Task GetJobTaskCountsAsync_Example_ParsesTaskAndSlotCounts()
    {
        // Jobs_GetJobTaskCounts.json (TSP example)
        var example = RestExample.Load("Jobs_GetJobTaskCounts.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        BatchJobTaskCounts counts = await clients.Client.GetJobTaskCountsAsync(example.Parameter("jobId"));

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/jobId/taskcounts");
        foreach (BatchTaskCounts? c in new[] { counts.TaskCounts, counts.TaskSlotCounts })
        {
            Assert.That(c, Is.Not.Null);
            Assert.That(new[] { c!.Active, c.Running, c.Completed, c.Succeeded, c.Failed }, Is.EqualTo(new[] { 5, 7, 4, 2, 2 }));
        }
    }
}
