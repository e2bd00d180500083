using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>
/// The client over real sockets (Azure.Core's default HTTP transport, Shared Key) against a loopback server playing
/// the Batch service: a next link or a redirect to another port of 127.0.0.1 must not reach it, so no signed
/// request leaves for a host the caller did not name.
/// </summary>
[TestFixture]
public class BatchRestClientLoopbackTests
{
    private const string Query = "?api-version=2025-06-01.21.0&maxresults=1&$skiptoken=c2tpcC10b2tlbg";

    /// <summary>Next links that name the other listener ({0} is its port).</summary>
    private static readonly string[] ForeignLinkForms =
    [
        "//127.0.0.1:{0}/jobs/job-1/tasks" + Query,
        "\\/127.0.0.1:{0}/jobs/job-1/tasks" + Query,
        " //127.0.0.1:{0}/jobs/job-1/tasks" + Query,
        "\t//127.0.0.1:{0}/jobs/job-1/tasks" + Query,
        "\\\\127.0.0.1:{0}\\jobs\\job-1\\tasks" + Query,
        "http://127.0.0.1:{0}/jobs/job-1/tasks" + Query,
        "http://127.0.0.1:{1}@127.0.0.1:{0}/jobs/job-1/tasks" + Query,
    ];

    private static IEnumerable<TestCaseData> ForeignLinkCases()
        => ForeignLinkForms.Select(form => new TestCaseData(form).SetArgDisplayNames(form.Replace("\t", "\\t", StringComparison.Ordinal).Replace(Query, "?…", StringComparison.Ordinal)));

    [TestCaseSource(nameof(ForeignLinkCases))]
    public async Task ListTasksAsync_NextLinkToAnotherPort_NeverConnectsThere(string form)
    {
        await using var other = new LoopbackHttpServer(_ => LoopbackResponse.Json(Page("stolen", next: null)));
        int requests = 0;
        await using var service = new LoopbackHttpServer(request => Interlocked.Increment(ref requests) == 1
            ? LoopbackResponse.Json(Page("t1", next: string.Format(CultureInfo.InvariantCulture, form, other.Port, request.ServerPort)))
            : LoopbackResponse.Json(Page("t2", next: null)));
        BatchRestClient client = CreateClient(service.BaseUri);

        var ids = new List<string?>();
        Exception? caught = null;
        try
        {
            await foreach (BatchTask task in client.ListTasksAsync("job-1", maxResults: 1))
            {
                ids.Add(task.Id);
            }
        }
        catch (Exception ex)
        {
            caught = ex;
        }

        Assert.Multiple(() =>
        {
            Assert.That(other.Connections, Is.Zero, "connections to the other port");
            Assert.That(other.Requests, Is.Empty, "requests to the other port");
            Assert.That(ids, Does.Not.Contain("stolen"));
            Assert.That(service.Requests, Has.Count.EqualTo(1), "requests to the service");
            Assert.That(service.Requests is [var first, ..] ? first.Header("Authorization") : null, Does.StartWith($"SharedKey {TestClients.Account}:"), "the first request was signed");
            Assert.That(caught, Is.TypeOf<BatchServiceException>());
            Assert.That(caught?.Message, Does.StartWith("List tasks of job 'job-1' failed: the service returned a next link"));
            Assert.That(caught?.Message, Does.Not.Contain("skiptoken").And.Not.Contain("c2tpcC10b2tlbg"));
        });
    }

    [TestCase("http://127.0.0.1:{0}/jobs/job-1/tasks" + Query)]
    [TestCase("/jobs/job-1/tasks" + Query)]
    [TestCase("jobs/job-1/tasks" + Query)]
    public async Task ListTasksAsync_NextLinkOnTheEndpoint_IsFollowedSigned(string form)
    {
        int requests = 0;
        await using var service = new LoopbackHttpServer(request => Interlocked.Increment(ref requests) == 1
            ? LoopbackResponse.Json(Page("t1", next: string.Format(CultureInfo.InvariantCulture, form, request.ServerPort)))
            : LoopbackResponse.Json(Page("t2", next: null)));
        BatchRestClient client = CreateClient(service.BaseUri);

        var ids = new List<string?>();
        await foreach (BatchTask task in client.ListTasksAsync("job-1", maxResults: 1))
        {
            ids.Add(task.Id);
        }

        Assert.Multiple(() =>
        {
            Assert.That(ids, Is.EqualTo(new[] { "t1", "t2" }));
            Assert.That(service.Requests, Has.Count.EqualTo(2));
            Assert.That(service.Requests[1].Target, Is.EqualTo("/jobs/job-1/tasks" + Query));
            Assert.That(service.Requests[1].Header("Host"), Is.EqualTo("127.0.0.1:" + service.Port.ToString(CultureInfo.InvariantCulture)));
            Assert.That(service.Requests[1].Header("Authorization"), Does.StartWith($"SharedKey {TestClients.Account}:"));
        });
    }

    [TestCase(301)]
    [TestCase(302)]
    [TestCase(307)]
    [TestCase(308)]
    public async Task GetJobAsync_RedirectToAnotherPort_IsNotFollowed(int status)
    {
        await using var other = new LoopbackHttpServer(_ => LoopbackResponse.Json("""{"id":"job-1"}"""));
        await using var service = new LoopbackHttpServer(_ => new LoopbackResponse(status, "Redirect", null, ("Location", other.BaseUri.AbsoluteUri + "jobs/job-1?api-version=2025-06-01.21.0")));
        BatchRestClient client = CreateClient(service.BaseUri);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => client.GetJobAsync("job-1"));

        Assert.Multiple(() =>
        {
            Assert.That(other.Connections, Is.Zero, "connections to the redirect target");
            Assert.That(ex!.Status, Is.EqualTo(status));
            Assert.That(service.Requests, Has.Count.EqualTo(1));
        });
    }

    [TestCase(302)]
    [TestCase(307)]
    public async Task GetJobAsync_RedirectFollowedByTheCallersHttpClient_CarriesNoCredential(int status)
    {
        await using var other = new LoopbackHttpServer(_ => LoopbackResponse.Json("""{"id":"job-1"}"""));
        await using var service = new LoopbackHttpServer(_ => new LoopbackResponse(status, "Redirect", null, ("Location", other.BaseUri.AbsoluteUri + "jobs/job-1?api-version=2025-06-01.21.0")));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true });
        using var transport = new HttpClientTransport(http);
        BatchRestClient client = CreateClient(service.BaseUri, transport);

        await client.GetJobAsync("job-1");

        Assert.That(other.Requests, Has.Count.EqualTo(1), "the caller's HttpClient follows the redirect itself");
        Assert.That(other.Requests.Select(r => r.Header("Authorization")), Has.All.Null, "credentials sent to the redirect target");
    }

    private static BatchRestClient CreateClient(Uri endpoint, HttpPipelineTransport? transport = null)
    {
        var options = new BatchClientOptions();
        if (transport is not null)
        {
            options.Transport = transport;
        }

        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return new BatchRestClient(endpoint, new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), options);
    }

    private static string Page(string id, string? next)
    {
        var page = new JsonObject { ["value"] = new JsonArray(new JsonObject { ["id"] = id, ["state"] = "completed" }) };
        if (next is not null)
        {
            page["odata.nextLink"] = next;
        }

        return page.ToJsonString();
    }
}
