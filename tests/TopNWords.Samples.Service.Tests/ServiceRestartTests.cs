using System.Net;
using System.Text.Json.Nodes;

namespace TopNWords.Samples.Service.Tests;

/// <summary>The service is killed (SIGKILL) while a run it accepted is going, started again on the same root, and finishes the run.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ServiceRestartTests
{
    private const int InputCount = 24;
    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-service-restart-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    [Test]
    public async Task KilledWhileARunGoes_StartedAgainOnTheSameRoot_FinishesTheRunWithTheRightResults()
    {
        using var hangGuard = new CancellationTokenSource(TimeSpan.FromMinutes(4), TimeProvider.System);
        var deadline = hangGuard.Token;
        string root = Path.Combine(_work, "root");
        string data = Path.Combine(_work, "data");
        var expected = Inputs.WriteMany(Path.Combine(data, "many"), InputCount);
        var settings = new Dictionary<string, string> { ["Service:NodeCount"] = "1" };

        string location;
        await using (var first = await ServiceProcess.StartAsync(root, data, deadline, settings))
        {
            using var response = await first.Client.PostAsync(
                new Uri("/runs", UriKind.Relative),
                JsonContent(new JsonObject { ["inputs"] = new JsonArray("many"), ["numWords"] = 1, ["runId"] = "restart-1" }),
                deadline);
            string body = await response.Content.ReadAsStringAsync(deadline);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), body);
            location = response.Headers.Location!.OriginalString;
            await first.KillAsync(deadline);
        }

        Assert.That(File.Exists(Path.Combine(root, "service", "runs", "restart-1", "result.json")), Is.False, "the run had not ended when the service was killed");

        await using var second = await ServiceProcess.StartAsync(root, data, deadline, settings);
        var run = await second.WaitForEndAsync(location, deadline);
        Assert.That((string?)run["state"], Is.EqualTo("Succeeded"), run.ToJsonString() + "\n" + second.Output);
        var top = run["inputs"]!.AsArray().ToDictionary(i => (string)i!["name"]!, i => (string)i!["topWords"]![0]!["word"]!, StringComparer.Ordinal);
        Assert.That(top, Is.EqualTo(expected));
        Assert.That(second.Output, Does.Contain("Re-attaching to run 'restart-1'"));

        var list = JsonNode.Parse(await second.Client.GetStringAsync(new Uri("/runs", UriKind.Relative), deadline))!.AsArray();
        Assert.That(list.Select(r => ((string?)r!["runId"], (string?)r["state"])), Is.EqualTo(new[] { ("restart-1", "Succeeded") }));
    }

    private static StringContent JsonContent(JsonNode json) => new(json.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
