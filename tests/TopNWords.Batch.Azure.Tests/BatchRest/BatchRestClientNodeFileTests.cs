using Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Node file operations (the start task's <c>startup/stderr.txt</c>), shaped like the task file examples.</summary>
[TestFixture]
public class BatchRestClientNodeFileTests
{
    [Test]
    public async Task GetNodeFilePropertiesAsync_StartupStderr_SendsHeadWithTheSlashKeptAndReadsHeaders()
    {
        // Same headers as Tasks_GetTaskFileProperties.json (there is no node file example in testdata).
        var example = RestExample.Load("Tasks_GetTaskFileProperties.json");
        var clients = new TestClients();
        clients.Transport.Enqueue(example.ToResponse(200).AddHeader("ocp-batch-file-mode", "0100640"));

        BatchFileProperties properties = await clients.Client.GetNodeFilePropertiesAsync("pool-1", "tvm-1_1-20250701t120000z", "startup/stderr.txt");

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "HEAD", "/pools/pool-1/nodes/tvm-1_1-20250701t120000z/files/startup/stderr.txt");
        Assert.Multiple(() =>
        {
            Assert.That(sent.Body, Is.Null);
            Assert.That(properties.ContentLength, Is.EqualTo(17));
            Assert.That(properties.IsDirectory, Is.False);
            Assert.That(properties.FileMode, Is.EqualTo("0100640"));
            Assert.That(properties.LastModified, Is.EqualTo(new DateTimeOffset(2017, 2, 17, 0, 0, 0, TimeSpan.Zero)));
        });
    }

    [Test]
    public async Task GetNodeFileAsync_Range_SendsASignedOcpRangeAndStreamsTheContent()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(FakeResponse.Create(206, "chmod: cannot access", ("Content-Range", "bytes 100-119/120")));

        await using BatchFileContent file = await clients.Client.GetNodeFileAsync("pool-1", "tvm-1", "startup/stderr.txt", new HttpRange(100, 20));
        using var reader = new StreamReader(file.Content);
        string text = await reader.ReadToEndAsync();

        var sent = clients.Transport.SingleRequest;
        RequestAssert.IsSignedBatchRequest(sent, "GET", "/pools/pool-1/nodes/tvm-1/files/startup/stderr.txt");
        Assert.Multiple(() =>
        {
            Assert.That(sent.Header("ocp-range"), Is.EqualTo("bytes=100-119"));
            Assert.That(file.Properties.ContentRange, Is.EqualTo("bytes 100-119/120"));
            Assert.That(text, Is.EqualTo("chmod: cannot access"));
        });
    }

    [Test]
    public async Task GetNodeFileAsync_PathPartsAreEscapedEachOnTheirOwn()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(FakeResponse.Create(200, "x"));

        await using BatchFileContent file = await clients.Client.GetNodeFileAsync("pool-1", "tvm-1", "startup/wd/a b#.txt");

        Assert.That(clients.Transport.SingleRequest.Uri.AbsolutePath, Is.EqualTo("/pools/pool-1/nodes/tvm-1/files/startup/wd/a%20b%23.txt"));
    }

    [Test]
    public void GetNodeFileAsync_NotFound_ThrowsWithTheStreamedErrorBody()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """{"code":"FileNotFound","message":{"lang":"en-US","value":"The specified file does not exist.\nRequestId:r2"}}""", ("request-id", "r2"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetNodeFileAsync("pool-1", "tvm-1", "startup/stderr.txt"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(404));
            Assert.That(ex.Message, Is.EqualTo("Get node file 'pool-1/tvm-1/startup/stderr.txt' failed: 404 FileNotFound: The specified file does not exist. RequestId: r2."));
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1), "a 404 is never retried");
        });
    }
}
