using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Endpoints;

/// <summary>File lists: links leading out are logged when left out; the name filter's quoting.</summary>
[TestFixture]
public class FileListingTests
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
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside-secret\n");
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
    public async Task ListTaskFiles_LinkLeadingOut_IsLeftOutAndLogged_QuotedPrefixesMatch()
    {
        var provider = new FakeLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        await using var harness = await EmulatorHarness.StartAsync(o => o.LoggerFactory = factory);
        string poolId = "listing-" + Guid.NewGuid().ToString("N")[..8];
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await harness.CreatePoolAsync(poolId);
        await harness.CreateJobAsync(jobId, poolId);
        string script = $"""
            echo x > "it's.txt"
            ln -s '{_outside}/secret.txt' leak.txt
            """;
        await harness.Client.CreateTaskAsync(jobId, new BatchTaskCreateContent { Id = "linker", CommandLine = "/bin/sh -c " + BatchCommandLine.Quote(script) });
        await harness.WaitForCompletedAsync(jobId, 1);

        var all = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/linker/files?recursive=true"));
        var quoted = await harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/linker/files?recursive=true&$filter=" + Uri.EscapeDataString("startswith(name, 'wd/it''s')")));

        var names = all.Body!["value"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()).ToList();
        var warnings = provider.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(all.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(names, Does.Contain("wd/it's.txt").And.Not.Contain("wd/leak.txt"));
            Assert.That(quoted.Body!["value"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "wd/it's.txt" }));
            Assert.That(warnings, Has.Some.Contains("'wd/leak.txt'").And.Some.Contains($"task 'linker' of job '{jobId}'"));
            Assert.That(warnings, Has.None.Contains(_outside), "the link's target is not logged");
        });
    }
}
