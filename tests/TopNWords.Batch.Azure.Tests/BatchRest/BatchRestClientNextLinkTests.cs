using System.Text.Json.Nodes;
using Azure;
using Azure.Core;
using Moq;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>
/// <c>odata.nextLink</c> is followed only to the account endpoint (same scheme, host and port): the next request
/// carries the Shared Key signature or the bearer token. Each form below is how .NET's <see cref="Uri"/> reads it.
/// </summary>
[TestFixture]
public class BatchRestClientNextLinkTests
{
    /// <summary>Stands for a continuation token that must never show up in an error.</summary>
    private const string SkipToken = "c2tpcC10b2tlbi1zZWNyZXQ";

    private const string ForeignQuery = "?api-version=2025-06-01.21.0&$skiptoken=" + SkipToken;

    /// <summary>Links that name a host other than the account's (or another scheme or port of it), with the origin the error names.</summary>
    private static readonly (string Link, string Origin)[] ForeignLinks =
    [
        ("//attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("\\/attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        (" //attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("\t//attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("\n//attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("\\\\attacker.example.com\\jobs\\job-1\\tasks" + ForeignQuery, "file://attacker.example.com"),
        ("https://attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("  https://attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("https://testaccount.westus.batch.azure.com@attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://attacker.example.com"),
        ("https://testaccount.westus.batch.azure.com.attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "https://testaccount.westus.batch.azure.com.attacker.example.com"),
        ("http://testaccount.westus.batch.azure.com/jobs/job-1/tasks" + ForeignQuery, "http://testaccount.westus.batch.azure.com"),
        ("https://testaccount.westus.batch.azure.com:8443/jobs/job-1/tasks" + ForeignQuery, "https://testaccount.westus.batch.azure.com:8443"),
        ("//testaccount.westus.batch.azure.com:8443/jobs/job-1/tasks" + ForeignQuery, "https://testaccount.westus.batch.azure.com:8443"),
    ];

    /// <summary>Links on the account endpoint, with the path the next request must go to.</summary>
    private static readonly (string Link, string Path)[] AccountLinks =
    [
        ("https://testaccount.westus.batch.azure.com/jobs/job-1/tasks" + ForeignQuery, "/jobs/job-1/tasks"),
        ("https://TESTACCOUNT.westus.batch.azure.com:443/jobs/job-1/tasks" + ForeignQuery, "/jobs/job-1/tasks"),
        ("/jobs/job-1/tasks" + ForeignQuery, "/jobs/job-1/tasks"),
        ("jobs/job-1/tasks" + ForeignQuery, "/jobs/job-1/tasks"),
        ("//testaccount.westus.batch.azure.com/jobs/job-1/tasks" + ForeignQuery, "/jobs/job-1/tasks"),

        // A backslash after the first slash, or whitespace before two backslashes, is a path here, not a host.
        ("/\\attacker.example.com/jobs/job-1/tasks" + ForeignQuery, "//attacker.example.com/jobs/job-1/tasks"),
        (" \\\\attacker.example.com\\jobs" + ForeignQuery, "//attacker.example.com/jobs"),
    ];

    private static IEnumerable<TestCaseData> ForeignLinkCases()
        => ForeignLinks.Select(c => new TestCaseData(c.Link, c.Origin).SetArgDisplayNames(Display(c.Link)));

    private static IEnumerable<TestCaseData> AccountLinkCases()
        => AccountLinks.Select(c => new TestCaseData(c.Link, c.Path).SetArgDisplayNames(Display(c.Link)));

    [TestCaseSource(nameof(ForeignLinkCases))]
    public void ListTasksAsync_NextLinkToAnotherHost_ThrowsAndSendsNoSecondRequest(string nextLink, string origin)
    {
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, Page(["t1"], nextLink), ("request-id", "5ce1a1a8-0000-0000-0000-000000000001"))
            .Enqueue(200, Page(["t2"], next: null));

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (BatchTask unused in clients.Client.ListTasksAsync("job-1"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "requests sent");
            Assert.That(ex!.Message, Does.StartWith($"List tasks of job 'job-1' failed: the service returned a next link to another host ({origin}), not to the account endpoint (https://testaccount.westus.batch.azure.com)."));
            Assert.That(ex.Message, Does.Contain("RequestId: 5ce1a1a8-0000-0000-0000-000000000001."));
            Assert.That(ex.Status, Is.EqualTo(200), "the status of the response that carried the link, not 0 (no response, transient)");
            AssertNoSecret(ex, clients.Transport.Requests[0]);
        });
    }

    [TestCaseSource(nameof(ForeignLinkCases))]
    public void AsPages_ContinuationTokenToAnotherHost_ThrowsAndSendsNothing(string nextLink, string origin)
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, Page(["t1"], next: null));

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (Page<BatchTask> unused in clients.Client.ListTasksAsync("job-1").AsPages(nextLink))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(clients.Transport.Requests, Is.Empty, "requests sent");
            Assert.That(ex!.Message, Does.StartWith($"List tasks of job 'job-1' failed: the service returned a next link to another host ({origin})"));
            Assert.That(ex.Message, Does.Not.Contain(SkipToken).And.Not.Contain("skiptoken"));
        });
    }

    [TestCaseSource(nameof(AccountLinkCases))]
    public async Task ListTasksAsync_NextLinkOnTheAccountEndpoint_IsFollowedThere(string nextLink, string path)
    {
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, Page(["t1"], nextLink))
            .Enqueue(200, Page(["t2"], next: null));

        var ids = new List<string?>();
        await foreach (BatchTask task in clients.Client.ListTasksAsync("job-1"))
        {
            ids.Add(task.Id);
        }

        Assert.That(ids, Is.EqualTo(new[] { "t1", "t2" }));
        Assert.That(clients.Transport.Requests[1].Uri.Port, Is.EqualTo(443));
        RequestAssert.IsSignedBatchRequest(clients.Transport.Requests[1], "GET", path, new Dictionary<string, string> { ["$skiptoken"] = SkipToken });
    }

    [Test]
    public void ListTasksAsync_EntraClientNextLinkToAnotherHost_SendsTheTokenNowhereElse()
    {
        const string Token = "eyJ0eXAiOiJKV1QiLCJzZWNyZXQiOiJiZWFyZXIifQ";
        var clients = new TestClients();
        var credential = new Mock<TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken(Token, TimeProvider.System.GetUtcNow().AddHours(1)));
        clients.Transport.Enqueue(200, Page(["t1"], "//attacker.example.com/jobs/job-1/tasks" + ForeignQuery));

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (BatchTask unused in clients.CreateEntraClient(credential.Object).ListTasksAsync("job-1"))
            {
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "requests sent");
            Assert.That(clients.Transport.Requests[0].Header("Authorization"), Is.EqualTo("Bearer " + Token));
            Assert.That(ex!.Message, Does.Contain("next link to another host (https://attacker.example.com)"));
            Assert.That(ex.ToString(), Does.Not.Contain(Token).And.Not.Contain(SkipToken));
        });
    }

    [Test]
    public void ListNodesAsync_NextLinkToAnotherHost_NamesTheOperationAndPool()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, """{"value":[{"id":"n1"}],"odata.nextLink":"\\/attacker.example.com/pools/p/nodes?$skiptoken=abc"}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(async () =>
        {
            await foreach (BatchNode unused in clients.Client.ListNodesAsync("p"))
            {
            }
        });

        Assert.That(ex!.Message, Does.StartWith("List nodes of pool 'p' failed: the service returned a next link to another host (https://attacker.example.com)"));
        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1));
    }

    private static void AssertNoSecret(BatchServiceException ex, RecordedRequest firstRequest)
    {
        string authorization = firstRequest.Header("Authorization")!;
        string text = ex.ToString();
        Assert.That(text, Does.Not.Contain(SkipToken));
        Assert.That(text, Does.Not.Contain("skiptoken").And.Not.Contain("api-version"), "no query string");
        Assert.That(text, Does.Not.Contain("/jobs/job-1/tasks").And.Not.Contain("\\jobs\\"), "no path of the link");
        Assert.That(text, Does.Not.Contain(TestClients.Key));
        Assert.That(text, Does.Not.Contain(authorization[(authorization.LastIndexOf(':') + 1)..]), "no signature");
    }

    private static string Display(string link) => link.Replace("\t", "\\t", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace(ForeignQuery, "?…", StringComparison.Ordinal);

    private static string Page(string[] ids, string? next)
    {
        var page = new JsonObject
        {
            ["value"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["state"] = "completed" })]),
        };
        if (next is not null)
        {
            page["odata.nextLink"] = next;
        }

        return page.ToJsonString();
    }
}
