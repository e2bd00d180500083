using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Endpoints;

/// <summary>Task and node files reached through symbolic links: served only while the link stays inside the node's folder.</summary>
[TestFixture]
public class FileServingTests
{
    private string _outside = null!;

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _outside = Directory.CreateTempSubdirectory("topnwords-emulator-outside-").FullName;
        Directory.CreateDirectory(Path.Combine(_outside, "dir"));
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside-secret\n");
        File.WriteAllText(Path.Combine(_outside, "dir", "x.txt"), "outside-secret\n");
    }

    [TearDown]
    public void TearDown()
    {
        if (_outside is not null)
        {
            Directory.Delete(_outside, recursive: true);
        }
    }

    [Test]
    public async Task GetAndHead_LinksLeadingOutOfTheNode_AreAnsweredLikeMissingFiles_LinksInsideAreServed()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        await using var harness = await EmulatorHarness.StartAsync(o => o.LoggerFactory = factory);
        string poolId = "links-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        string script = $"""
            echo inside > real.txt
            ln -s real.txt alias.txt
            ln -s '{_outside}/secret.txt' leak_OUTPUT.txt
            ln -s '{_outside}/dir' d
            echo shared > "$AZ_BATCH_NODE_SHARED_DIR/app.txt"
            ln -s "$AZ_BATCH_NODE_SHARED_DIR/app.txt" app.txt
            ln -s "$AZ_BATCH_NODE_ROOT_DIR/.." nodes
            """;
        await harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "linker", CommandLine = "/bin/sh -c " + BatchCommandLine.Quote(script) }]);
        await harness.WaitForCompletedAsync(jobId, 1);
        var task = await harness.Client.GetTaskAsync(jobId, "linker");
        string taskFiles = $"/jobs/{jobId}/tasks/linker/files/wd";
        string nodeFiles = $"/pools/{poolId}/nodes/{task.NodeInfo!.NodeId}/files/{task.NodeInfo.TaskRootDirectory}/wd";

        var missing = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{taskFiles}/no-such-file.txt"));
        var gets = new List<(string Request, HttpStatusCode Status, string? Code, string? Message)>();
        var heads = new List<(string Request, HttpStatusCode Status)>();
        foreach (string files in new[] { taskFiles, nodeFiles })
        {
            // "nodes" leads out of the node, and the rest of the path back in: refused all the same
            foreach (string path in new[] { "leak_OUTPUT.txt", "d/x.txt", "d", $"nodes/{task.NodeInfo.NodeId}/{task.NodeInfo.TaskRootDirectory}/wd/real.txt" })
            {
                var get = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{files}/{path}"));
                gets.Add(($"GET {files}/{path}", get.Status, get.Body?["code"]?.GetValue<string>(), ErrorMessage(get.Body)));
                using var head = new HttpRequestMessage(HttpMethod.Head, EmulatorHarness.Versioned($"{files}/{path}"));
                using var headResponse = await harness.Http.SendAsync(head);
                heads.Add(($"HEAD {files}/{path}", headResponse.StatusCode));
            }
        }

        await using var alias = await harness.Client.GetTaskFileAsync(jobId, "linker", "wd/alias.txt");
        string aliasText = await new StreamReader(alias.Content).ReadToEndAsync();
        await using var app = await harness.Client.GetTaskFileAsync(jobId, "linker", "wd/app.txt");
        string appText = await new StreamReader(app.Content).ReadToEndAsync();
        var nodeAlias = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{nodeFiles}/alias.txt"));
        var aliasProperties = await harness.Client.GetTaskFilePropertiesAsync(jobId, "linker", "wd/alias.txt");

        var records = provider.Collector.GetSnapshot();
        Assert.Multiple(async () =>
        {
            Assert.That(task.ExecutionInfo?.ExitCode, Is.Zero);
            Assert.That(missing.Status, Is.EqualTo(HttpStatusCode.NotFound));
            foreach (var answer in gets)
            {
                Assert.That((answer.Status, answer.Code, answer.Message), Is.EqualTo((HttpStatusCode.NotFound, "FileNotFound", ErrorMessage(missing.Body))), answer.Request);
            }

            foreach (var answer in heads)
            {
                Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.NotFound), answer.Request);
            }

            Assert.That(aliasText, Is.EqualTo("inside\n"), "a link to a file in the task folder is served");
            Assert.That(appText, Is.EqualTo("shared\n"), "a link to a file elsewhere in the node is served");
            Assert.That(await nodeAlias.Response.Content.ReadAsStringAsync(), Is.EqualTo("inside\n"));
            Assert.That(aliasProperties.ContentLength, Is.EqualTo("inside\n".Length));
            Assert.That(records.Count(r => r.Id.Name == "FileLinkRefused"), Is.EqualTo(gets.Count + heads.Count), string.Join("\n", records.Select(r => r.Message)));
            Assert.That(string.Join("\n", records.Select(r => r.Message)), Does.Not.Contain("outside-secret"));
        });
    }

    /// <summary>The error's message without the request id and time the service appends.</summary>
    private static string? ErrorMessage(System.Text.Json.Nodes.JsonNode? body) =>
        body?["message"]?["value"]?.GetValue<string>().Split("\nRequestId:")[0];
}
