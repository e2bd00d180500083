using System.Text.Json.Nodes;
using Azure;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Paging through <c>odata.nextLink</c>, and the encoding of <c>$filter</c>, <c>$select</c>, <c>maxresults</c>.</summary>
[TestFixture]
public class BatchAsyncPageableTests
{
    private const string Page2 = "https://testaccount.westus.batch.azure.com/jobs/job-1/tasks?api-version=2025-06-01.21.0&$filter=state%20eq%20'completed'&$select=id,state&maxresults=2&$skiptoken=WzJd";
    private const string Page3 = "https://testaccount.westus.batch.azure.com/jobs/job-1/tasks?api-version=2025-06-01.21.0&$filter=state%20eq%20'completed'&$select=id,state&maxresults=2&$skiptoken=WzRd";

    [Test]
    public async Task ListTasksAsync_FollowsNextLinkAcrossThreePages()
    {
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, Page("t1", "t2", next: Page2))
            .Enqueue(200, Page("t3", "t4", next: Page3))
            .Enqueue(200, Page("t5", next: null));

        var ids = new List<string?>();
        await foreach (BatchTask task in clients.Client.ListTasksAsync("job-1", filter: "state eq 'completed'", select: "id,state", maxResults: 2))
        {
            ids.Add(task.Id);
        }

        IReadOnlyList<Fakes.RecordedRequest> sent = clients.Transport.Requests;
        Assert.That(ids, Is.EqualTo(new[] { "t1", "t2", "t3", "t4", "t5" }));
        Assert.That(sent, Has.Count.EqualTo(3));
        var query = new Dictionary<string, string> { ["$filter"] = "state eq 'completed'", ["$select"] = "id,state", ["maxresults"] = "2" };
        RequestAssert.IsSignedBatchRequest(sent[0], "GET", "/jobs/job-1/tasks", query);
        RequestAssert.IsSignedBatchRequest(sent[1], "GET", "/jobs/job-1/tasks", new Dictionary<string, string>(query) { ["$skiptoken"] = "WzJd" });
        RequestAssert.IsSignedBatchRequest(sent[2], "GET", "/jobs/job-1/tasks", new Dictionary<string, string>(query) { ["$skiptoken"] = "WzRd" });
        Assert.Multiple(() =>
        {
            Assert.That(sent[1].Uri, Is.EqualTo(new Uri(Page2)), "the next link is followed as given");
            Assert.That(sent[2].Uri, Is.EqualTo(new Uri(Page3)));
        });
    }

    [Test]
    public async Task ListTasksAsync_FilterSelectMaxResults_AreEncodedOnTheWire()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, Page(next: null));

        await foreach (BatchTask unused in clients.Client.ListTasksAsync("job-1", filter: "state eq 'completed' and executionInfo/exitCode ne 0", select: "id,state,executionInfo", maxResults: 1000))
        {
            Assert.Fail("no task expected");
        }

        string wire = clients.Transport.SingleRequest.Uri.OriginalString;
        Assert.Multiple(() =>
        {
            Assert.That(wire, Does.StartWith("https://testaccount.westus.batch.azure.com/jobs/job-1/tasks?api-version=2025-06-01.21.0&"));
            Assert.That(wire, Does.Contain("&$filter=state%20eq%20%27completed%27%20and%20executionInfo%2FexitCode%20ne%200"));
            Assert.That(wire, Does.Contain("&$select=id%2Cstate%2CexecutionInfo"));
            Assert.That(wire, Does.EndWith("&maxresults=1000"));
        });
    }

    [Test]
    public async Task ListTasksAsync_NoOptionalParameters_SendsOnlyTheApiVersion()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[]}""");

        await foreach (BatchTask unused in clients.Client.ListTasksAsync("job-1"))
        {
            Assert.Fail("no task expected");
        }

        RequestAssert.IsSignedBatchRequest(clients.Transport.SingleRequest, "GET", "/jobs/job-1/tasks");
    }

    [Test]
    public async Task AsPages_PageSizeHintAndContinuationToken_ResumeFromTheNextLink()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, Page("t1", "t2", next: Page2));

        string? token = null;
        await foreach (Page<BatchTask> page in clients.Client.ListTasksAsync("job-1").AsPages(pageSizeHint: 2))
        {
            Assert.That(page.Values.Select(t => t.Id), Is.EqualTo(new[] { "t1", "t2" }));
            token = page.ContinuationToken;
            break;
        }

        Assert.That(token, Is.EqualTo(Page2));
        Assert.That(clients.Transport.SingleRequest.Query["maxresults"], Is.EqualTo("2"));

        clients.Transport.Enqueue(200, Page("t3", next: null));
        var resumed = new List<string?>();
        await foreach (Page<BatchTask> page in clients.Client.ListTasksAsync("job-1").AsPages(token))
        {
            resumed.AddRange(page.Values.Select(t => t.Id));
        }

        Assert.That(resumed, Is.EqualTo(new[] { "t3" }));
        Assert.That(clients.Transport.Requests[1].Uri, Is.EqualTo(new Uri(Page2)));
    }

    [Test]
    public async Task NextLink_WithoutApiVersion_GetsItAppended()
    {
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, Page("n1", next: "https://testaccount.westus.batch.azure.com/pools/p/nodes?$skiptoken=abc"))
            .Enqueue(200, Page("n2", next: null));

        var ids = new List<string?>();
        await foreach (BatchNode node in clients.Client.ListNodesAsync("p"))
        {
            ids.Add(node.Id);
        }

        Assert.That(ids, Is.EqualTo(new[] { "n1", "n2" }));
        RequestAssert.IsSignedBatchRequest(clients.Transport.Requests[1], "GET", "/pools/p/nodes", new Dictionary<string, string> { ["$skiptoken"] = "abc" });
    }

    [Test]
    public void ListTasksAsync_ErrorOnALaterPage_Throws()
    {
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, Page("t1", next: Page2))
            .Enqueue(404, """{"code":"JobNotFound","message":{"lang":"en-US","value":"The specified job does not exist."}}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (BatchTask unused in clients.Client.ListTasksAsync("job-1"))
            {
            }
        });

        Assert.That(ex!.Message, Does.StartWith("List tasks of job 'job-1' failed: 404 JobNotFound"));
    }

    private static string Page(string id1, string id2, string? next) => PageOf([id1, id2], next);

    private static string Page(string id1, string? next) => PageOf([id1], next);

    private static string Page(string? next) => PageOf([], next);

    private static string PageOf(string[] ids, string? next)
    {
        var page = new JsonObject
        {
            ["odata.metadata"] = "https://testaccount.westus.batch.azure.com/$metadata#tasks",
            ["value"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["state"] = "completed" })]),
        };
        if (next is not null)
        {
            page["odata.nextLink"] = next;
        }

        return page.ToJsonString();
    }
}
