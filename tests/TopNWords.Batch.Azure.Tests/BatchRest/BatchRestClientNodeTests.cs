using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>List nodes against the official example.</summary>
[TestFixture]
public class BatchRestClientNodeTests
{
    [Test]
    public async Task ListNodesAsync_Example_ParsesStateAndStartTaskInfo()
    {
        // Nodes_ListNodes.json
        var example = RestExample.Load("Nodes_ListNodes.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200));

        var nodes = new List<BatchNode>();
        await foreach (BatchNode node in clients.Client.ListNodesAsync(example.Parameter("poolId")))
        {
            nodes.Add(node);
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/pools/poolId/nodes");
        Assert.That(nodes, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(nodes.Select(n => n.Id), Is.EqualTo(new[] { "tvm-1695681911_1-20161122t193202z", "tvm-1695681911_2-20161122t193202z", "tvm-1695681911_3-20161122t193202z" }));
            Assert.That(nodes.Select(n => n.State), Is.All.EqualTo(BatchNodeState.Idle));
            Assert.That(nodes[0].StartTaskInfo!.State, Is.EqualTo(BatchStartTaskState.Completed));
            Assert.That(nodes[0].StartTaskInfo!.ExitCode, Is.Zero);
            Assert.That(nodes[0].StartTaskInfo!.RetryCount, Is.Zero);
            Assert.That(nodes[0].StartTaskInfo!.StartTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-22T22:22:27.2236818Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(nodes[0].StartTaskInfo!.EndTime, Is.EqualTo(DateTimeOffset.Parse("2016-11-22T22:22:27.567189Z", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(nodes[0].StartTask!.CommandLine, Is.EqualTo("cmd /c echo hello"));
            Assert.That(nodes[0].IsDedicated, Is.True);
            Assert.That(nodes[0].Errors, Is.Null);
        });
    }

    [Test]
    public async Task ListNodesAsync_FilterAndSelect_AreSentAndFailureInfoIsParsed()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """
            {"value":[{"id":"tvm-1","state":"starttaskfailed",
              "startTaskInfo":{"state":"completed","exitCode":1,"retryCount":2,"result":"failure",
                "failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure",
                               "details":[{"name":"Message","value":"The task exited with an exit code representing a failure"}]}},
              "errors":[{"code":"StartTaskFailed","message":"The start task failed","errorDetails":[{"name":"ExitCode","value":"1"}]}]},
             {"id":"tvm-2","state":"some-state-from-the-future","newField":{"x":1}}]}
            """);

        var nodes = new List<BatchNode>();
        await foreach (BatchNode node in clients.Client.ListNodesAsync("pool-1", filter: "state eq 'starttaskfailed'", select: "id,state,startTaskInfo,errors"))
        {
            nodes.Add(node);
        }

        RequestAssert.IsSignedBatchRequest(
            clients.Transport.SingleRequest,
            "GET",
            "/pools/pool-1/nodes",
            new Dictionary<string, string> { ["$filter"] = "state eq 'starttaskfailed'", ["$select"] = "id,state,startTaskInfo,errors" });
        Assert.Multiple(() =>
        {
            Assert.That(nodes[0].State, Is.EqualTo(BatchNodeState.StartTaskFailed));
            Assert.That(nodes[0].StartTaskInfo!.Result, Is.EqualTo(BatchExecutionResult.Failure));
            Assert.That(nodes[0].StartTaskInfo!.FailureInfo!.Category, Is.EqualTo(BatchErrorCategory.UserError));
            Assert.That(nodes[0].StartTaskInfo!.FailureInfo!.Code, Is.EqualTo("FailureExitCode"));
            Assert.That(nodes[0].StartTaskInfo!.FailureInfo!.Details![0].Name, Is.EqualTo("Message"));
            Assert.That(nodes[0].Errors![0].Code, Is.EqualTo("StartTaskFailed"));
            Assert.That(nodes[0].Errors![0].ErrorDetails![0].Value, Is.EqualTo("1"));
            Assert.That(nodes[1].State, Is.EqualTo(BatchNodeState.Unknown), "an unknown enum value does not throw");
        });
    }
}
