using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// An <see cref="AzureBatchCompute"/> over the real REST client and pipeline (retry, signing, logging), a
/// <see cref="FakeBatchTransport"/> and a fake clock, logging to a <see cref="FakeLogCollector"/>.
/// </summary>
internal sealed class ComputeHarness
{
    /// <summary>A SAS signature that must never show up in a message or a log.</summary>
    public const string Signature = "c2VjcmV0LXNhcy1zaWduYXR1cmU%3D";

    public static readonly Uri InputUrl = new($"https://acct.blob.core.windows.net/input/taskdata0.txt?sv=2025-01-05&se=2026-01-01T00%3A00%3A00Z&sr=b&sp=r&sig={Signature}");

    public static readonly Uri OutputUrl = new($"https://acct.blob.core.windows.net/output?sv=2025-01-05&se=2026-01-01T00%3A00%3A00Z&sr=c&sp=cw&sig={Signature}");

    public ComputeHarness(int maxRetries = 3, Action<AzureBatchComputeOptions>? configure = null)
    {
        Clients = new TestClients(maxRetries);
        LogCollector = new FakeLogCollector();
        Options = new AzureBatchComputeOptions { ClientOptions = Clients.Options, LoggerFactory = new LoggerFactory([new FakeLoggerProvider(LogCollector)]) };
        configure?.Invoke(Options);
        Compute = new AzureBatchCompute(Clients.Client, Options);
    }

    public TestClients Clients { get; }

    public FakeBatchTransport Transport => Clients.Transport;

    public RecordingTimeProvider Time => Clients.Time;

    public FakeLogCollector LogCollector { get; }

    public AzureBatchComputeOptions Options { get; }

    public AzureBatchCompute Compute { get; }

    public IReadOnlyList<string> LogMessages => [.. LogCollector.GetSnapshot().Select(r => r.Message)];

    /// <summary>A supported-images page.</summary>
    public static string ImagesJson(params (string Publisher, string Offer, string Sku, string Agent, string Verification, string? EndOfLife)[] images)
    {
        var value = new JsonArray();
        foreach (var i in images)
        {
            var image = new JsonObject
            {
                ["nodeAgentSKUId"] = i.Agent,
                ["imageReference"] = new JsonObject { ["publisher"] = i.Publisher, ["offer"] = i.Offer, ["sku"] = i.Sku, ["version"] = "latest" },
                ["verificationType"] = i.Verification,
                ["osType"] = "linux",
            };
            if (i.EndOfLife is not null)
            {
                image["batchSupportEndOfLife"] = i.EndOfLife;
            }

            value.Add(image);
        }

        return new JsonObject { ["value"] = value }.ToJsonString();
    }

    /// <summary>The account's Ubuntu 24.04 image, as the service lists it.</summary>
    public static string Ubuntu2404Images => ImagesJson(("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04", "verified", null));

    /// <summary>An add-task-collection answer: success for every task of the request, unless <paramref name="status"/> says otherwise.</summary>
    public static FakeResponse AddResults(RecordedRequest request, Func<string, (string Status, string? Code, string? Message)?>? status = null)
    {
        var value = new JsonArray();
        foreach (string id in TaskIds(request))
        {
            var result = new JsonObject { ["taskId"] = id };
            if (status?.Invoke(id) is { } s)
            {
                result["status"] = s.Status;
                if (s.Code is not null)
                {
                    result["error"] = new JsonObject { ["code"] = s.Code, ["message"] = new JsonObject { ["lang"] = "en-US", ["value"] = s.Message } };
                }
            }
            else
            {
                result["status"] = "success";
                result["eTag"] = "0x8D3D623CD661246";
            }

            value.Add(result);
        }

        return FakeResponse.Create(200, new JsonObject { ["value"] = value }.ToJsonString());
    }

    /// <summary>The task ids in an add-task-collection request body.</summary>
    public static IReadOnlyList<string> TaskIds(RecordedRequest request)
        => [.. JsonNode.Parse(request.BodyText)!["value"]!.AsArray().Select(t => (string)t!["id"]!)];

    public static string Error(string code, string message, params (string Key, string Value)[] values)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = new JsonObject { ["lang"] = "en-US", ["value"] = message } };
        if (values.Length > 0)
        {
            error["values"] = new JsonArray([.. values.Select(v => (JsonNode)new JsonObject { ["key"] = v.Key, ["value"] = v.Value })]);
        }

        return error.ToJsonString();
    }

    /// <summary>Asserts that no text holds the account key, a Shared Key signature or a SAS signature.</summary>
    public static void AssertNoSecret(IEnumerable<string> texts, string what)
    {
        foreach (string text in texts)
        {
            Assert.That(text, Does.Not.Contain(TestClients.Key).And.Not.Contain(Signature).And.Not.Contain(Uri.UnescapeDataString(Signature)), what);
            Assert.That(text, Does.Not.Match(@"sig=(?!REDACTED)[^&\s]"), what);
            Assert.That(text, Does.Not.Match(@"SharedKey [^:\s]+:(?!REDACTED)[A-Za-z0-9+/=]{8,}"), what);
        }
    }
}
