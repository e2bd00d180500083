using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Each <see cref="BatchClientOptions.ServiceVersion"/> is sent as its api-version string, and signed with it.</summary>
[TestFixture]
public class BatchClientServiceVersionTests
{
    [TestCase(BatchClientOptions.ServiceVersion.V2022_10_01_16_0, "2022-10-01.16.0")]
    [TestCase(BatchClientOptions.ServiceVersion.V2023_05_01_17_0, "2023-05-01.17.0")]
    [TestCase(BatchClientOptions.ServiceVersion.V2023_11_01_18_0, "2023-11-01.18.0")]
    [TestCase(BatchClientOptions.ServiceVersion.V2024_02_01_19_0, "2024-02-01.19.0")]
    [TestCase(BatchClientOptions.ServiceVersion.V2024_07_01_20_0, "2024-07-01.20.0")]
    [TestCase(BatchClientOptions.ServiceVersion.V2025_06_01_21_0, "2025-06-01.21.0")]
    public async Task EachServiceVersion_SendsAndSignsItsApiVersionString(BatchClientOptions.ServiceVersion version, string expected)
    {
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200, """{"taskCounts":{"active":1},"taskSlotCounts":{"active":1}}""");
        var options = new BatchClientOptions(version) { Transport = transport, TimeProvider = time };
        var client = new BatchRestClient(TestClients.Endpoint, new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), options);

        await client.GetJobTaskCountsAsync("job-1");

        RecordedRequest sent = transport.SingleRequest;
        Assert.Multiple(() =>
        {
            Assert.That(sent.Query["api-version"], Is.EqualTo(expected));
            Assert.That(sent.Uri.Query, Does.Contain("api-version=" + expected));
            Assert.That(sent.Header("Authorization"), Is.EqualTo(BatchSharedKeyPolicyTests.IndependentAuthorization(sent, TestClients.Key)));
        });
    }

    [Test]
    public void EveryServiceVersion_HasATestCase()
    {
        Assert.That(Enum.GetValues<BatchClientOptions.ServiceVersion>(), Has.Length.EqualTo(6));
    }
}
