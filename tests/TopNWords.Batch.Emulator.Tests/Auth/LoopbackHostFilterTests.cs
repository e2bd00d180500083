using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Auth;

/// <summary>
/// DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name as <c>Host</c>. Requests signed with the
/// right key are still refused (421) unless they are addressed to 127.0.0.1 or localhost at the emulator's port.
/// </summary>
[TestFixture]
public class LoopbackHostFilterTests
{
    private const string PoolBody = """{"id":"%ID%","vmSize":"STANDARD_D2S_V3","virtualMachineConfiguration":{"imageReference":{"publisher":"canonical","offer":"ubuntu-24_04-lts","sku":"server"},"nodeAgentSKUId":"batch.node.ubuntu 24.04"},"targetDedicatedNodes":1,"startTask":{"commandLine":"/bin/sh -c 'echo rebound'"}}""";

    private EmulatorHarness _harness = null!;

    private int Port => _harness.BaseUri.Port;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await EmulatorHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task CreatePool_SignedWithTheRightKeyForAnotherHost_Is421AndCreatesNoPool()
    {
        string host = $"attacker.example:{Port}";

        var (status, body, _) = await SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools"), host, PoolBody.Replace("%ID%", "rebound-pool", StringComparison.Ordinal));

        AssertError(status, body, HttpStatusCode.MisdirectedRequest, "MisdirectedRequest", ("HeaderName", "Host"));
        Assert.Multiple(() =>
        {
            Assert.That(body!["odata.metadata"]!.GetValue<string>(), Does.StartWith($"http://127.0.0.1:{Port}/"), "the body links the emulator's own address");
            Assert.That(body.ToJsonString(), Does.Not.Contain("attacker.example"));
            Assert.That(_harness.Emulator.GetResources().Pools, Does.Not.Contain("rebound-pool"));
        });

        // The same signed request addressed to the emulator is served: only the Host made the difference.
        var (served, _, _) = await SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/pools"), $"127.0.0.1:{Port}", PoolBody.Replace("%ID%", "addressed-pool", StringComparison.Ordinal));
        Assert.That(served, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(_harness.Emulator.GetResources().Pools, Does.Contain("addressed-pool"));
        await _harness.Client.DeletePoolAsync("addressed-pool");
    }

    [TestCase("127.0.0.1:{other}")]
    [TestCase("localhost:{other}")]
    [TestCase("127.0.0.1")]
    [TestCase("localhost")]
    [TestCase("[::1]:{port}")]
    [TestCase("127.0.0.2:{port}")]
    [TestCase("localhost.:{port}")]
    [TestCase("attacker.example:{port}")]
    [TestCase("127.0.0.1.attacker.example:{port}")]
    [TestCase("127.0.0.1:0{port}")]
    public async Task SignedRequest_ForAHostThatIsNotTheEmulator_Is421(string hostTemplate)
    {
        string host = Host(hostTemplate);

        var (status, body, _) = await SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"), host);

        AssertError(status, body, HttpStatusCode.MisdirectedRequest, "MisdirectedRequest");
    }

    [TestCase("127.0.0.1:{port}")]
    [TestCase("localhost:{port}")]
    [TestCase("LocalHost:{port}")]
    public async Task SignedRequest_ForTheEmulatorsLoopbackHostAndPort_IsServed(string hostTemplate)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"), Host(hostTemplate));

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), body?.ToJsonString());
    }

    [Test]
    public async Task AdminEndpoint_ForAnotherHost_Is421AndChangesNothing()
    {
        // An emulator of its own: should the faults change, no other test sees them.
        await using var harness = await EmulatorHarness.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/faults") { Content = new StringContent("""{"serverBusyRate":1}""", Encoding.UTF8, "application/json") };
        request.Headers.Host = "attacker.example:" + harness.BaseUri.Port.ToString(CultureInfo.InvariantCulture);

        using var response = await harness.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
        Assert.That(harness.Emulator.GetFaults().ServerBusyRate, Is.Zero);
    }

    [Test]
    public async Task AnotherHost_WithFaultsOn_Is421BeforeAnyFault_AndIsNotCounted()
    {
        await using var harness = await EmulatorHarness.StartAsync(o => o.Faults = new BatchEmulatorFaults { ServerBusyRate = 1 });
        harness.Emulator.ResetRequestCounts();
        using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        request.Headers.Host = "attacker.example:" + harness.BaseUri.Port.ToString(CultureInfo.InvariantCulture);

        using var response = await harness.Http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
        Assert.That(harness.Emulator.GetRequestCounts().Total, Is.Zero);
    }

    [Test]
    public async Task UnsignedRequest_ForAnotherHost_Is421NotAnAuthenticationError()
    {
        _harness.Signer.Enabled = false;
        try
        {
            var (status, body, _) = await SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"), $"attacker.example:{Port}");
            AssertError(status, body, HttpStatusCode.MisdirectedRequest, "MisdirectedRequest");
        }
        finally
        {
            _harness.Signer.Enabled = true;
        }
    }

    [Test]
    public async Task RequestWithoutHost_Is421()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, Port);
        await using var stream = tcp.GetStream();

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {EmulatorHarness.Versioned("/supportedimages")} HTTP/1.0\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        string response = await reader.ReadToEndAsync();

        Assert.That(response, Does.StartWith("HTTP/1.1 421 "));
        Assert.That(response, Does.Contain("\"code\":\"MisdirectedRequest\""));
    }

    [Test]
    public async Task Refusal_IsLogged_WithoutTheSignatureOrKey()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        await using var harness = await EmulatorHarness.StartAsync(o => o.LoggerFactory = factory);
        using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        request.Headers.Host = "attacker.example:" + harness.BaseUri.Port.ToString(CultureInfo.InvariantCulture);

        using var response = await harness.Http.SendAsync(request);

        string signature = request.Headers.Authorization!.ToString().Split(':')[^1];
        var records = provider.Collector.GetSnapshot();
        string all = string.Join("\n", records.Select(r => r.Message));
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
            Assert.That(records.Any(r => r.Level == LogLevel.Warning && r.Message.Contains("attacker.example", StringComparison.Ordinal) && r.Message.Contains("421", StringComparison.Ordinal)), Is.True, all);
            Assert.That(all, Does.Not.Contain(signature).And.Not.Contain(EmulatorHarness.Key).And.Not.Contain("SharedKey "));
        });
    }

    private string Host(string template) => template
        .Replace("{port}", Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{other}", (Port == 65535 ? Port - 1 : Port + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Sends a request signed with the emulator's key (a Shared Key signature does not cover the host) with this <c>Host</c>.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body, string Text)> SendAsync(HttpMethod method, string pathAndQuery, string host, string? json = null)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        request.Headers.Host = host;
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { Parameters = { new("odata", "minimalmetadata") } };
        }

        using var response = await _harness.Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try
        {
            body = text.Length > 0 ? JsonNode.Parse(text) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            body = null;
        }

        return (response.StatusCode, body, text);
    }
}
