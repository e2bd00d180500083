using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>
/// The signer against every vector of <c>testdata/batch-rest/sharedkey-signing-vectors.json</c>. Where the
/// file gives alternatives, the expected result is the one the reference README says to follow: lower-cased
/// query parameter names, and for body-less POST/DELETE <c>Content-Length: 0</c> sent and <c>0</c> signed.
/// </summary>
[TestFixture]
public class BatchSharedKeyPolicyTests
{
    private const string VectorFile = "sharedkey-signing-vectors.json";

    // Vector name -> the start of the "who" of the alternative to follow (absent: follow the primary vector).
    private static readonly Dictionary<string, string> FollowedAlternative = new()
    {
        ["delete-pool-no-body"] = "Microsoft.Azure.Batch",
        ["list-nodes-mixedcase-query-timeOut"] = "documented rule",
    };

    private static JsonObject Vectors => JsonNode.Parse(File.ReadAllText(RestExample.TestDataPath(VectorFile)))!.AsObject();

    private static IEnumerable<TestCaseData> AllVectors()
    {
        foreach (JsonNode? vector in Vectors["vectors"]!.AsArray())
        {
            string name = (string)vector!["name"]!;
            yield return new TestCaseData(name).SetName($"Sign_Vector_{name}");
        }
    }

    [Test]
    public void VectorFile_HasTheExpectedAccountKeyAndSevenVectors()
    {
        JsonObject file = Vectors;
        Assert.Multiple(() =>
        {
            Assert.That((string)file["account"]!, Is.EqualTo(TestClients.Account));
            Assert.That((string)file["keyBase64"]!, Is.EqualTo(TestClients.Key));
            Assert.That(file["vectors"]!.AsArray(), Has.Count.EqualTo(7));
        });
    }

    [TestCaseSource(nameof(AllVectors))]
    public async Task Sign_Vector_ProducesTheFollowedStringToSignAndAuthorization(string name)
    {
        JsonObject vector = FindVector(name);
        (string expectedStringToSign, string expectedAuthorization) = Expected(vector);
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200);
        var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), time)]);

        using HttpMessage message = CreateMessage(pipeline, vector);
        await pipeline.SendAsync(message, CancellationToken.None);

        RecordedRequest sent = transport.SingleRequest;
        Assert.Multiple(() =>
        {
            Assert.That(sent.Header("ocp-date"), Is.EqualTo((string)vector["headers"]!["ocp-date"]!), "ocp-date comes from the TimeProvider");
            Assert.That(BatchSharedKeyPolicy.BuildStringToSign(message.Request, TestClients.Account), Is.EqualTo(expectedStringToSign));
            Assert.That(sent.Header("Authorization"), Is.EqualTo(expectedAuthorization));
        });
    }

    [Test]
    public async Task Sign_BodylessPostAndDelete_SendContentLengthZeroAndSignZero()
    {
        foreach (string name in new[] { "delete-pool-no-body", "terminate-job-post-no-body" })
        {
            JsonObject vector = FindVector(name);
            var time = new RecordingTimeProvider();
            var transport = new FakeBatchTransport(time).Enqueue(202);
            var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), time)]);
            using HttpMessage message = CreateMessage(pipeline, vector);

            await pipeline.SendAsync(message, CancellationToken.None);

            RecordedRequest sent = transport.SingleRequest;
            Assert.Multiple(() =>
            {
                Assert.That(sent.ContentLength, Is.EqualTo(0), $"{name}: Content-Length: 0 is sent");
                Assert.That(sent.Body, Is.Empty, name);
                Assert.That(BatchSharedKeyPolicy.BuildStringToSign(message.Request, TestClients.Account).Split('\n')[3], Is.EqualTo("0"), $"{name}: the Content-Length line");
            });
        }
    }

    [Test]
    public async Task Sign_BodylessGet_SignsAnEmptyContentLengthAndSendsNoContent()
    {
        JsonObject vector = FindVector("list-tasks-filter-select");
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200);
        var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), time)]);
        using HttpMessage message = CreateMessage(pipeline, vector);

        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.That(transport.SingleRequest.Body, Is.Null);
    }

    [Test]
    public void Vectors_EveryStringToSignIncludingRejectedAlternatives_HashesToItsAuthorization()
    {
        var credential = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        int checkedCount = 0;
        foreach (JsonNode? node in Vectors["vectors"]!.AsArray())
        {
            var candidates = new List<JsonNode> { node! };
            if (node!["alternatives"] is JsonArray alternatives)
            {
                candidates.AddRange(alternatives.Select(a => a!));
            }

            foreach (JsonNode candidate in candidates)
            {
                string expected = (string)candidate["authorization"]!;
                Assert.That($"SharedKey {TestClients.Account}:{credential.ComputeSignature((string)candidate["stringToSign"]!)}", Is.EqualTo(expected), (string)node["name"]!);
                checkedCount++;
            }
        }

        Assert.That(checkedCount, Is.EqualTo(10));
    }

    [Test]
    public void Vectors_RejectedVariants_AreNotWhatTheSignerProduces()
    {
        // The primaries of the two vectors whose alternative is followed, and the rejected alternative of
        // terminate-job: the signer must differ from each, or the vector would not discriminate.
        JsonObject deletePool = FindVector("delete-pool-no-body");
        JsonObject listNodes = FindVector("list-nodes-mixedcase-query-timeOut");
        JsonObject terminate = FindVector("terminate-job-post-no-body");
        Assert.Multiple(() =>
        {
            Assert.That(Expected(deletePool).StringToSign, Is.Not.EqualTo((string)deletePool["stringToSign"]!));
            Assert.That(Expected(listNodes).StringToSign, Is.Not.EqualTo((string)listNodes["stringToSign"]!));
            Assert.That(Expected(terminate).StringToSign, Is.Not.EqualTo((string)terminate["alternatives"]![0]!["stringToSign"]!));
        });
    }

    [Test]
    public void GetCanonicalQuery_LowerCasesSortsDecodesAndJoinsRepeatedNames()
    {
        IReadOnlyList<KeyValuePair<string, string>> query = BatchSharedKeyPolicy.GetCanonicalQuery("?timeOut=30&api-version=2025-06-01.21.0&$filter=state%20eq%20'completed'&B=2&b=1&empty=");

        // "If a query parameter has more than one value, sort all values lexicographically, then include them in a
        // comma-separated list" (the Batch Shared Key documentation): 2 and 1 are signed as "1,2".
        Assert.That(query, Is.EqualTo(new KeyValuePair<string, string>[]
        {
            new("$filter", "state eq 'completed'"),
            new("api-version", "2025-06-01.21.0"),
            new("b", "1,2"),
            new("empty", string.Empty),
            new("timeout", "30"),
        }));
    }

    [Test]
    public async Task Sign_RepeatedQueryParameter_SignsItsValuesSortedOrdinally()
    {
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200);
        var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(new BatchSharedKeyCredential(TestClients.Account, TestClients.Key), time)]);
        using HttpMessage message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri("https://testaccount.westus.batch.azure.com/pools?api-version=2025-06-01.21.0&tag=zeta&Tag=Alpha&tag=beta"));

        await pipeline.SendAsync(message, CancellationToken.None);

        string expected = "GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:" + transport.SingleRequest.Header("ocp-date") + "\n/testaccount/pools\napi-version:2025-06-01.21.0\ntag:Alpha,beta,zeta";
        byte[] mac = HMACSHA256.HashData(Convert.FromBase64String(TestClients.Key), Encoding.UTF8.GetBytes(expected));
        Assert.Multiple(() =>
        {
            Assert.That(BatchSharedKeyPolicy.BuildStringToSign(message.Request, TestClients.Account), Is.EqualTo(expected));
            Assert.That(transport.SingleRequest.Header("Authorization"), Is.EqualTo("SharedKey testaccount:" + Convert.ToBase64String(mac)));
        });
    }

    [Test]
    public async Task Sign_EveryAttempt_UsesTheClockAtThatAttempt()
    {
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200).Enqueue(200);
        var credential = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(credential, time)]);

        using HttpMessage message = CreateMessage(pipeline, FindVector("list-tasks-filter-select"));
        await pipeline.SendAsync(message, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(20));
        await pipeline.SendAsync(message, CancellationToken.None);

        RecordedRequest first = transport.Requests[0];
        RecordedRequest second = transport.Requests[1];
        Assert.Multiple(() =>
        {
            Assert.That(second.Header("ocp-date"), Is.EqualTo("Tue, 01 Jul 2025 12:20:00 GMT"));
            Assert.That(second.Header("Authorization"), Is.Not.EqualTo(first.Header("Authorization")));
            Assert.That(second.Header("Authorization"), Is.EqualTo(IndependentAuthorization(second, credentialKey: TestClients.Key)));
        });
    }

    [Test]
    public async Task SetAccountKey_RotatesTheKeyForLaterRequests()
    {
        const string newKey = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleQ==";
        var time = new RecordingTimeProvider();
        var transport = new FakeBatchTransport(time).Enqueue(200);
        var credential = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        credential.SetAccountKey(newKey);
        var pipeline = new HttpPipeline(transport, [new BatchSharedKeyPolicy(credential, time)]);

        using HttpMessage message = CreateMessage(pipeline, FindVector("list-tasks-filter-select"));
        await pipeline.SendAsync(message, CancellationToken.None);

        Assert.That(transport.SingleRequest.Header("Authorization"), Is.EqualTo(IndependentAuthorization(transport.SingleRequest, newKey)));
    }

    /// <summary>
    /// An independent (test-side) Shared Key computation for a GET without body or extra headers: the
    /// documented layout with twelve newlines after the verb, used to check signatures of later attempts.
    /// </summary>
    internal static string IndependentAuthorization(RecordedRequest request, string credentialKey)
    {
        var query = request.Query.OrderBy(p => p.Key.ToLowerInvariant(), StringComparer.Ordinal).Select(p => $"\n{p.Key.ToLowerInvariant()}:{p.Value}");
        string contentLength = request.ContentLength?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
        string contentType = request.Header("Content-Type") ?? string.Empty;
        string ocp = string.Concat(request.Headers.Where(h => h.Key.StartsWith("ocp-", StringComparison.OrdinalIgnoreCase))
            .OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(h => $"{h.Key.ToLowerInvariant()}:{h.Value}\n"));
        string stringToSign = $"{request.Method}\n\n\n{contentLength}\n\n{contentType}\n\n\n\n\n\n\n{ocp}/{TestClients.Account}{request.Uri.AbsolutePath}{string.Concat(query)}";
        byte[] mac = HMACSHA256.HashData(Convert.FromBase64String(credentialKey), Encoding.UTF8.GetBytes(stringToSign));
        return $"SharedKey {TestClients.Account}:{Convert.ToBase64String(mac)}";
    }

    private static JsonObject FindVector(string name)
        => Vectors["vectors"]!.AsArray().Single(v => (string)v!["name"]! == name)!.AsObject();

    private static (string StringToSign, string Authorization) Expected(JsonObject vector)
    {
        string name = (string)vector["name"]!;
        if (FollowedAlternative.TryGetValue(name, out string? who))
        {
            JsonNode alternative = vector["alternatives"]!.AsArray().Single(a => ((string)a!["who"]!).StartsWith(who, StringComparison.Ordinal))!;
            return ((string)alternative["stringToSign"]!, (string)alternative["authorization"]!);
        }

        return ((string)vector["stringToSign"]!, (string)vector["authorization"]!);
    }

    private static HttpMessage CreateMessage(HttpPipeline pipeline, JsonObject vector)
    {
        HttpMessage message = pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = RequestMethod.Parse((string)vector["method"]!);
        request.Uri.Reset(new Uri((string)vector["url"]!));
        foreach ((string header, JsonNode? value) in vector["headers"]!.AsObject())
        {
            if (!string.Equals(header, "ocp-date", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.SetValue(header, (string)value!);
            }
        }

        if (vector["body"] is JsonNode body)
        {
            byte[] bytes = Encoding.UTF8.GetBytes((string)body!);
            Assert.That(bytes, Has.Length.EqualTo((int)vector["bodyUtf8Bytes"]!), "the vector's body length");
            request.Content = RequestContent.Create(bytes);
        }

        return message;
    }
}
