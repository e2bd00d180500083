using Azure.Core;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Real <see cref="BatchRestClient"/>s over a <see cref="FakeBatchTransport"/> and a fake clock.</summary>
internal sealed class TestClients
{
    public const string Account = "testaccount";

    /// <summary>base64("0123456789abcdef0123456789abcdef"): the key of the signing vectors.</summary>
    public const string Key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    public static readonly Uri Endpoint = new("https://testaccount.westus.batch.azure.com");

    public TestClients(int maxRetries = 3)
    {
        Time = new RecordingTimeProvider();
        Transport = new FakeBatchTransport(Time);
        Options = new BatchClientOptions { Transport = Transport, TimeProvider = Time };
        Options.Retry.MaxRetries = maxRetries;
        Options.Retry.Delay = TimeSpan.FromSeconds(1);
        Options.Retry.MaxDelay = TimeSpan.FromSeconds(30);
        Credential = new BatchSharedKeyCredential(Account, Key);
        Client = new BatchRestClient(Endpoint, Credential, Options);
    }

    public RecordingTimeProvider Time { get; }

    public FakeBatchTransport Transport { get; }

    public BatchClientOptions Options { get; }

    public BatchSharedKeyCredential Credential { get; }

    public BatchRestClient Client { get; }

    public BatchRestClient CreateEntraClient(TokenCredential credential) => new(Endpoint, credential, Options);
}
