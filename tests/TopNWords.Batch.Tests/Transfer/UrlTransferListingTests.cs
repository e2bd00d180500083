using System.Net;
using System.Text;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Tests.Transfer;

/// <summary><see cref="UrlTransfer.ListBlobsAsync"/> against a scripted Blob endpoint: paging, the request's query, failures.</summary>
[TestFixture]
public class UrlTransferListingTests
{
    private const string Sas = "sv=2021-12-02&se=2099-01-01T00%3A00%3A00Z&sr=c&sp=rl&sig=stand-in-signature";
    private static readonly Uri ContainerUrl = new($"https://account.blob.core.windows.net/counts?{Sas}");

    [Test]
    public async Task ListBlobsAsync_HttpContainerUrl_FollowsNextMarkerAndKeepsTheSasQuery()
    {
        var handler = new ScriptedHandler(
            (HttpStatusCode.OK, Page(["run/a.txt", "run/b &amp; c.txt"], "marker/2")),
            (HttpStatusCode.OK, Page(["run/sub/d é.txt"], null)));
        using var transfer = new UrlTransfer(new HttpClient(handler));

        var names = await ListAsync(transfer, "run/");

        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EqualTo(new[] { "run/a.txt", "run/b & c.txt", "run/sub/d é.txt" }));
            Assert.That(handler.Requests, Has.Count.EqualTo(2));
            Assert.That(handler.Requests[0].AbsolutePath, Is.EqualTo("/counts"));
            Assert.That(handler.Requests[0].Query, Does.Contain(Sas).And.Contain("restype=container&comp=list").And.Contain("prefix=run%2F").And.Not.Contain("marker="));
            Assert.That(handler.Requests[1].Query, Does.Contain(Sas).And.Contain("marker=marker%2F2"));
        });
    }

    [TestCase(HttpStatusCode.Forbidden, UrlTransferErrorKind.Forbidden)]
    [TestCase(HttpStatusCode.NotFound, UrlTransferErrorKind.NotFound)]
    public void ListBlobsAsync_ServiceRefuses_FailsNamingTheContainerWithoutTheQuery(HttpStatusCode status, UrlTransferErrorKind kind)
    {
        var handler = new ScriptedHandler((status, string.Empty));
        using var transfer = new UrlTransfer(new HttpClient(handler));

        var ex = Assert.CatchAsync<UrlTransferException>(() => ListAsync(transfer, null));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(kind));
            Assert.That(ex.Message, Does.Contain("https://account.blob.core.windows.net/counts"));
            Assert.That(ex.ToString(), Does.Not.Contain("sig=").And.Not.Contain("stand-in-signature").And.Not.Contain("sp=rl"));
        });
    }

    [Test]
    public void ListBlobsAsync_NotAListing_FailsClearly()
    {
        var handler = new ScriptedHandler((HttpStatusCode.OK, "<html>captive portal"));
        using var transfer = new UrlTransfer(new HttpClient(handler));

        var ex = Assert.CatchAsync<UrlTransferException>(() => ListAsync(transfer, null));

        Assert.That(ex!.Message, Does.Contain("not a List Blobs response").And.Not.Contain("sig="));
    }

    private static async Task<List<string>> ListAsync(UrlTransfer transfer, string? prefix)
    {
        var names = new List<string>();
        await foreach (string name in transfer.ListBlobsAsync(ContainerUrl, prefix))
        {
            names.Add(name);
        }

        return names;
    }

    private static string Page(string[] names, string? nextMarker)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"https://account.blob.core.windows.net/\" ContainerName=\"counts\"><Blobs>");
        foreach (string name in names)
        {
            xml.Append("<Blob><Name>").Append(name).Append("</Name><Properties><Content-Length>2</Content-Length><BlobType>BlockBlob</BlobType></Properties></Blob>");
        }

        xml.Append("</Blobs>").Append(nextMarker is null ? "<NextMarker />" : $"<NextMarker>{nextMarker}</NextMarker>").Append("</EnumerationResults>");
        return xml.ToString();
    }

    private sealed class ScriptedHandler(params (HttpStatusCode Status, string Body)[] responses) : HttpMessageHandler
    {
        private int _next;

        public List<Uri> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!);
            var (status, body) = responses[Math.Min(_next++, responses.Length - 1)];
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/xml") });
        }
    }
}
