using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>What Azure.Core's HTTP logging writes for Batch calls: useful headers, no credentials, no SAS signatures.</summary>
[TestFixture]
public class BatchDiagnosticsTests
{
    [Test]
    public async Task Logging_RecordsRequestsWithoutKeysAuthorizationOrSasSignatures()
    {
        var logs = new ConcurrentQueue<string>();
        using var listener = new AzureEventSourceListener((_, message) => logs.Enqueue(message), EventLevel.Verbose);
        var clients = new TestClients();
        clients.Transport
            .Enqueue(200, """{"value":[{"status":"success","taskId":"t1"}]}""", ("request-id", "r-1"))
            .Enqueue(200, """{"value":[{"id":"t1"}],"odata.nextLink":"https://testaccount.westus.batch.azure.com/jobs/job-1/tasks?api-version=2025-06-01.21.0&sig=urlsecretvalue"}""")
            .Enqueue(200, """{"value":[]}""");

        await clients.Client.AddTaskCollectionAsync("job-1",
        [
            new BatchTaskCreateContent
            {
                Id = "t1",
                CommandLine = "x",
                ResourceFiles = [new BatchResourceFile { HttpUrl = "https://acct.blob.core.windows.net/in/f.txt?sv=1&sig=bodysecretvalue", FilePath = "f.txt" }],
            },
        ]);
        await foreach (BatchTask unused in clients.Client.ListTasksAsync("job-1"))
        {
        }

        string all = string.Join("\n", logs);
        string[] authorizations = [.. clients.Transport.Requests.Select(r => r.Header("Authorization")!)];
        Assert.Multiple(() =>
        {
            Assert.That(all, Does.Contain("ocp-date:"), "requests were logged, with Batch headers");
            Assert.That(all, Does.Contain("request-id:r-1"));
            Assert.That(all, Does.Contain("Authorization:REDACTED"));
            Assert.That(all, Does.Contain("sig=REDACTED"));
            Assert.That(all, Does.Not.Contain(TestClients.Key));
            Assert.That(all, Does.Not.Contain("urlsecretvalue"));
            Assert.That(all, Does.Not.Contain("bodysecretvalue"), "request bodies are not logged by default");
            foreach (string authorization in authorizations)
            {
                Assert.That(all, Does.Not.Contain(authorization[(authorization.LastIndexOf(':') + 1)..]));
            }
        });
    }
}
