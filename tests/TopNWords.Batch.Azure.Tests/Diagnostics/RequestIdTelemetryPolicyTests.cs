using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.Diagnostics;

[TestFixture]
[NonParallelizable]
public class RequestIdTelemetryPolicyTests
{
    private static readonly ActivitySource Workflow = new(TopNWordsBatchTelemetry.ActivitySourceName);
    private static readonly ActivitySource AzureSdk = new("Azure.Storage.Blobs.BlobClient");
    private static readonly ActivitySource User = new("An.Application");

    private ActivityListener _listener = null!;

    [SetUp]
    public void SetUp()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is TopNWordsBatchTelemetry.ActivitySourceName or "Azure.Storage.Blobs.BlobClient" or "An.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [TearDown]
    public void TearDown() => _listener.Dispose();

    [Test]
    public async Task SendAsync_UnderACallSpan_TagsItWithTheRequestIdsAndTheHostOnly()
    {
        using var call = Workflow.StartActivity(TopNWordsBatchTelemetry.CallActivityName, ActivityKind.Client)!;
        using (var sdk = AzureSdk.StartActivity("BlobClient.Download"))
        {
            await SendAsync(("x-ms-request-id", "service-id-1"));
            Assert.That(sdk!.GetTagItem(TopNWordsBatchTelemetry.ServiceRequestIdTag), Is.Null, "the Azure SDK's own span in between is left alone");
        }

        Assert.Multiple(() =>
        {
            Assert.That(call.GetTagItem(TopNWordsBatchTelemetry.ServiceRequestIdTag), Is.EqualTo("service-id-1"));
            Assert.That(call.GetTagItem(TopNWordsBatchTelemetry.ClientRequestIdTag), Is.Not.Null.And.Not.Empty);
            Assert.That(call.GetTagItem(TopNWordsBatchTelemetry.ServerAddressTag), Is.EqualTo("acct.blob.core.windows.net"));
            Assert.That(call.TagObjects.Select(t => t.Key), Is.EquivalentTo(new[] { TopNWordsBatchTelemetry.ServiceRequestIdTag, TopNWordsBatchTelemetry.ClientRequestIdTag, TopNWordsBatchTelemetry.ServerAddressTag }));
            Assert.That(call.TagObjects.Select(t => t.Value?.ToString()), Has.None.Contains("sig"));
        });
    }

    [Test]
    public async Task SendAsync_BatchHeaders_AreTaggedToo()
    {
        using var call = Workflow.StartActivity(TopNWordsBatchTelemetry.CallActivityName, ActivityKind.Client)!;
        await SendAsync(("request-id", "batch-id-7"));
        Assert.That(call.GetTagItem(TopNWordsBatchTelemetry.ServiceRequestIdTag), Is.EqualTo("batch-id-7"));
    }

    [Test]
    public async Task SendAsync_OutsideACallSpan_TagsNothing()
    {
        using var user = User.StartActivity("the application's own span")!;
        await SendAsync(("x-ms-request-id", "service-id-2"));
        Assert.That(user.TagObjects, Is.Empty);
    }

    private static async Task SendAsync(params (string Name, string Value)[] responseHeaders)
    {
        var transport = new FakeBatchTransport().Enqueue(200, null, responseHeaders);
        var pipeline = HttpPipelineBuilder.Build(new BatchClientOptions { Transport = transport }, RequestIdTelemetryPolicy.Instance);
        using var message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri("https://acct.blob.core.windows.net/c/b?sv=2025-01-05&sig=SECRETSIGNATURE"));
        await pipeline.SendAsync(message, CancellationToken.None);
    }
}
