using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// The api-version check (every stable version from 2022-10-01.16.0 to 2025-06-01.21.0) and authentication: Shared Key
/// (the documented string to sign, and only the variants named clients send), dates, bearer tokens.
/// </summary>
[TestFixture]
public class AuthAndVersionTests
{
    private EmulatorHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await EmulatorHarness.StartAsync(o => o.BearerToken = "test-bearer-token");

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task RightKey_IsServed()
    {
        var (status, body, response) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body!["odata.metadata"]!.GetValue<string>(), Is.EqualTo(_harness.BaseUri.GetLeftPart(UriPartial.Authority) + "/$metadata#supportedimages"));
            Assert.That(response.Headers.GetValues("request-id").Single(), Is.Not.Empty);
            Assert.That(response.Headers.GetValues("DataServiceVersion").Single(), Is.EqualTo("3.0"));
            Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
            Assert.That(response.Content.Headers.ContentType.Parameters.Select(p => (p.Name, p.Value)), Does.Contain(("odata", "minimalmetadata")));
        });
    }

    [Test]
    public async Task MissingApiVersion_Is400MissingRequiredQueryParameter()
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, "/supportedimages");

        AssertError(status, body, HttpStatusCode.BadRequest, "MissingRequiredQueryParameter", ("QueryParameterName", "api-version"));
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.Served))]
    public async Task EveryStableApiVersion_IsServed(string version)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages", version));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    // 2024-01-01.18.0: no such version (18.0 is 2023-11-01); 14.0 and 15.0: older than the oldest served; 22.0: not
    // published; 2025-06-01: the TypeSpec folder name, not an api-version; the rest: not versions at all.
    [TestCase("2024-01-01.18.0")]
    [TestCase("2021-06-01.14.0")]
    [TestCase("2022-01-01.15.0")]
    [TestCase("2026-01-01.22.0")]
    [TestCase("2025-06-01")]
    [TestCase("2025-06-01.21.1")]
    [TestCase("garbage")]
    public async Task OtherApiVersion_Is400InvalidQueryParameterValue(string version)
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, "/supportedimages?api-version=" + version);

        AssertError(status, body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "api-version"), ("QueryParameterValue", version));
        Assert.That(body!["values"]!.AsArray().Single(v => v!["key"]!.GetValue<string>() == "Reason")!["value"]!.GetValue<string>(), Does.Contain(ApiVersions.Oldest).And.Contain(ApiVersions.Newest));
    }

    [Test]
    public async Task ApiVersionSentTwice_Is400InvalidQueryParameterValue()
    {
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, $"/supportedimages?api-version={ApiVersions.Oldest}&api-version={ApiVersions.Newest}");

        AssertError(status, body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "api-version"));
    }

    [Test]
    public async Task RepeatedQueryParameter_SignedWithItsValuesSorted_IsServed()
    {
        // "If a query parameter has more than one value, sort all values lexicographically, then include them in a
        // comma-separated list." The independent signer sorts; the values are sent out of order.
        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages?Tag=zeta&tag=Alpha&tag=beta"));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    [Test]
    public async Task RepeatedQueryParameter_SignedWithItsValuesInTheOrderSent_Is403()
    {
        _harness.Signer.RewriteStringToSign = (_, documented) => documented.Replace("\ntag:Alpha,beta,zeta", "\ntag:zeta,Alpha,beta", StringComparison.Ordinal);
        try
        {
            var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages?Tag=zeta&tag=Alpha&tag=beta"));

            AssertError(status, body, HttpStatusCode.Forbidden, "AuthenticationFailed");
            Assert.That(body!["values"]![0]!["value"]!.GetValue<string>(), Does.Contain("\ntag:Alpha,beta,zeta"), "the detail shows the documented string");
        }
        finally
        {
            _harness.Signer.RewriteStringToSign = null;
        }
    }

    [Test]
    public async Task PathWithEscapedCharacters_SignedAsSent_IsServed_AndSignedDecoded_Is403()
    {
        string path = EmulatorHarness.Versioned("/pools/no%20such%20pool");
        var (asSent, asSentBody, _) = await _harness.SendAsync(HttpMethod.Get, path);

        _harness.Signer.RewriteStringToSign = (_, documented) => documented.Replace("/pools/no%20such%20pool", "/pools/no such pool", StringComparison.Ordinal);
        try
        {
            var (decoded, decodedBody, _) = await _harness.SendAsync(HttpMethod.Get, path);

            AssertError(asSent, asSentBody, HttpStatusCode.NotFound, "PoolNotFound");
            AssertError(decoded, decodedBody, HttpStatusCode.Forbidden, "AuthenticationFailed");
        }
        finally
        {
            _harness.Signer.RewriteStringToSign = null;
        }
    }

    [Test]
    public async Task QueryNamesSignedAsSent_AreAcceptedOnlyAsAzureBatchJavaScriptSignsThem()
    {
        // @azure/batch 10.2.0 signs query names as sent (timeOut), so that form stays accepted (see the signing vector
        // list-nodes-mixedcase-query-timeOut); a string mixing its as-sent names with any other deviation is refused.
        string path = EmulatorHarness.Versioned("/supportedimages?timeOut=30");
        _harness.Signer.RewriteStringToSign = (_, documented) => documented.Replace("\ntimeout:30", "\ntimeOut:30", StringComparison.Ordinal);
        try
        {
            var (javaScript, javaScriptBody, _) = await _harness.SendAsync(HttpMethod.Get, path);
            Assert.That(javaScript, Is.EqualTo(HttpStatusCode.OK), javaScriptBody?.ToJsonString());

            // As-sent case but in the lower-cased order: no client signs this. "Zeta" sorts before "api-version" as
            // sent (as @azure/batch orders it) and after it lower-cased (the documented order).
            _harness.Signer.RewriteStringToSign = (_, documented) => documented.Replace("\nzeta:1", "\nZeta:1", StringComparison.Ordinal);
            var (mixed, mixedBody, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages?Zeta=1"));
            AssertError(mixed, mixedBody, HttpStatusCode.Forbidden, "AuthenticationFailed");
        }
        finally
        {
            _harness.Signer.RewriteStringToSign = null;
        }
    }

    [Test]
    public async Task WrongKey_ThroughTheRestClient_Is403AuthenticationFailedWithoutTheKey()
    {
        string wrongKey = Convert.ToBase64String("a-wrong-key-that-must-not-leak!!"u8.ToArray());
        var client = _harness.NewClient(wrongKey);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => client.GetJobTaskCountsAsync("any-job"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(403));
            Assert.That(ex.ErrorCode, Is.EqualTo("AuthenticationFailed"));
            Assert.That(ex.Values.Select(v => v.Key), Does.Contain("AuthenticationErrorDetail"));
            Assert.That(ex.Message, Does.Not.Contain(wrongKey).And.Not.Contain(EmulatorHarness.Key));
        });
    }

    [Test]
    public async Task WrongKey_RawBody_NeverHoldsEitherKeyOrTheSignature()
    {
        string wrongKey = Convert.ToBase64String("another-wrong-key-0123456789abc!"u8.ToArray());
        _harness.Signer.OverrideKey = wrongKey;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned("/pools/p1"));
            using var response = await _harness.Http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            string signature = request.Headers.Authorization!.ToString().Split(':')[^1];

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
                Assert.That(JsonNode.Parse(text)!["code"]!.GetValue<string>(), Is.EqualTo("AuthenticationFailed"));
                Assert.That(text, Does.Contain("Server failed to authenticate the request"));
                Assert.That(text, Does.Not.Contain(wrongKey).And.Not.Contain(EmulatorHarness.Key).And.Not.Contain(signature));
            });
        }
        finally
        {
            _harness.Signer.OverrideKey = null;
        }
    }

    [TestCase(-16)]
    [TestCase(16)]
    public async Task DateOutsideFifteenMinutes_Is403(int minutes)
    {
        _harness.Signer.DateOffset = TimeSpan.FromMinutes(minutes);
        try
        {
            var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));

            AssertError(status, body, HttpStatusCode.Forbidden, "AuthenticationFailed");
            Assert.That(body!["values"]![0]!["value"]!.GetValue<string>(), Does.Contain("date"));
        }
        finally
        {
            _harness.Signer.DateOffset = TimeSpan.Zero;
        }
    }

    [Test]
    public async Task DateWithinFifteenMinutes_IsServed()
    {
        _harness.Signer.DateOffset = TimeSpan.FromMinutes(-14);
        try
        {
            var (status, _, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
            Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            _harness.Signer.DateOffset = TimeSpan.Zero;
        }
    }

    [Test]
    public async Task NoAuthorization_Is403()
    {
        _harness.Signer.Enabled = false;
        try
        {
            var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
            AssertError(status, body, HttpStatusCode.Forbidden, "AuthenticationFailed");
        }
        finally
        {
            _harness.Signer.Enabled = true;
        }
    }

    [TestCase("test-bearer-token", HttpStatusCode.OK)]
    [TestCase("another-token", HttpStatusCode.Forbidden)]
    public async Task BearerToken_OnlyTheConfiguredOneIsAccepted(string token, HttpStatusCode expected)
    {
        _harness.Signer.Enabled = false;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            using var response = await _harness.Http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();

            Assert.That(response.StatusCode, Is.EqualTo(expected));
            Assert.That(text, Does.Not.Contain("test-bearer-token"));
        }
        finally
        {
            _harness.Signer.Enabled = true;
        }
    }

    [Test]
    public async Task AdminEndpoints_NeedAuthenticationToo()
    {
        _harness.Signer.Enabled = false;
        try
        {
            var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, "/admin/requests");
            AssertError(status, body, HttpStatusCode.Forbidden, "AuthenticationFailed");
        }
        finally
        {
            _harness.Signer.Enabled = true;
        }

        var (signed, _, _) = await _harness.SendAsync(HttpMethod.Get, "/admin/requests");
        Assert.That(signed, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task SigningVectors_EveryPrimaryAndAlternativeSignatureIsAccepted_AndATamperedOneIsNot()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "batch-rest", "sharedkey-signing-vectors.json")));
        var root = document.RootElement;
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 7, 1, 12, 0, 0, TimeSpan.Zero));
        await using var emulator = new BatchEmulator();
        Uri baseUri = await emulator.StartAsync(new BatchEmulatorOptions
        {
            AccountName = root.GetProperty("account").GetString()!,
            AccountKey = root.GetProperty("keyBase64").GetString()!,
            TimeProvider = clock,
        });
        using var http = new HttpClient { BaseAddress = baseUri };

        foreach (var vector in root.GetProperty("vectors").EnumerateArray())
        {
            var authorizations = new List<(string Who, string Authorization, string StringToSign)>
            {
                ("primary", vector.GetProperty("authorization").GetString()!, vector.GetProperty("stringToSign").GetString()!),
            };
            if (vector.TryGetProperty("alternatives", out var alternatives))
            {
                authorizations.AddRange(alternatives.EnumerateArray().Select(a => (a.GetProperty("who").GetString()!, a.GetProperty("authorization").GetString()!, a.GetProperty("stringToSign").GetString()!)));
            }

            foreach (var (who, authorization, stringToSign) in authorizations)
            {
                using var response = await http.SendAsync(VectorRequest(vector, authorization, stringToSign));
                string text = await response.Content.ReadAsStringAsync();
                Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Forbidden), $"{vector.GetProperty("name").GetString()} ({who}): {text}");
            }

            string tampered = authorizations[0].Authorization[..^6] + "AAAAA=";
            using var refused = await http.SendAsync(VectorRequest(vector, tampered, authorizations[0].StringToSign));
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), vector.GetProperty("name").GetString());
        }
    }

    /// <summary>The vector's request as it went on the wire (its Content-Length line decides whether a body-less request sends Content-Length: 0).</summary>
    private static HttpRequestMessage VectorRequest(JsonElement vector, string authorization, string stringToSign)
    {
        var url = new Uri(vector.GetProperty("url").GetString()!);
        var request = new HttpRequestMessage(new HttpMethod(vector.GetProperty("method").GetString()!), url.PathAndQuery);
        string? body = vector.GetProperty("body").ValueKind == JsonValueKind.String ? vector.GetProperty("body").GetString() : null;
        string lengthLine = stringToSign.Split('\n')[3];
        if (body is not null || lengthLine == "0")
        {
            request.Content = new ByteArrayContent(body is null ? [] : System.Text.Encoding.UTF8.GetBytes(body));
        }

        foreach (var header in vector.GetProperty("headers").EnumerateObject())
        {
            if (header.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content!.Headers.TryAddWithoutValidation("Content-Type", header.Value.GetString());
            }
            else
            {
                request.Headers.TryAddWithoutValidation(header.Name, header.Value.GetString());
            }
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    internal static void AssertError(HttpStatusCode status, JsonNode? body, HttpStatusCode expectedStatus, string expectedCode, params (string Key, string Value)[] values)
    {
        Assert.That(status, Is.EqualTo(expectedStatus), body?.ToJsonString());
        Assert.That(body, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(body!["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"));
            Assert.That(body["code"]!.GetValue<string>(), Is.EqualTo(expectedCode));
            Assert.That(body["message"]!["lang"]!.GetValue<string>(), Is.EqualTo("en-US"));
            Assert.That(body["message"]!["value"]!.GetValue<string>(), Does.Contain("RequestId:").And.Contain("Time:"));
            foreach ((string key, string value) in values)
            {
                Assert.That(body["values"]!.AsArray().Any(v => v!["key"]!.GetValue<string>() == key && v["value"]!.GetValue<string>() == value), $"values has {key}={value}: {body.ToJsonString()}");
            }
        });
    }
}
