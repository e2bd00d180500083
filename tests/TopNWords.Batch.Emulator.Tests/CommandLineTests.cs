using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests;

/// <summary>The command line: the emulator as its own process, as users start it.</summary>
[TestFixture]
public partial class CommandLineTests
{
    private static string EmulatorDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "TopNWords.Batch.Emulator.dll");

    [Test]
    public async Task Start_PrintsExactlyTheListeningLine_AndServesSignedRequests()
    {
        using var process = Start("--port", "0", "--account", "cliaccount", "--key", EmulatorHarness.Key);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            var match = ListeningLine().Match(line ?? string.Empty);
            Assert.That(match.Success, Is.True, $"first stdout line: '{line}'; stderr: {(process.HasExited ? await process.StandardError.ReadToEndAsync() : "(running)")}");

            using var http = new HttpClient(new SharedKeySigner("cliaccount", EmulatorHarness.Key, TimeProvider.System)) { BaseAddress = new Uri(match.Groups["url"].Value) };
            using var response = await http.GetAsync(EmulatorHarness.Versioned("/supportedimages"), timeout.Token);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
        finally
        {
            Stop(process);
        }

        string rest = await process.StandardOutput.ReadToEndAsync();
        Assert.That(rest, Does.Not.Contain("listening on"), "the line is printed once");
        Assert.That(rest + await process.StandardError.ReadToEndAsync(), Does.Not.Contain(EmulatorHarness.Key));
    }

    [Test]
    public async Task InvalidKey_ExitsWithUsageError_WithoutEchoingIt()
    {
        using var process = Start("--key", "not base64 at all!");
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        string stderr = await process.StandardError.ReadToEndAsync();

        Assert.That(process.ExitCode, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("not a valid base64").And.Not.Contain("not base64 at all!"));
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(EmulatorDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
    }

    [GeneratedRegex(@"^listening on (?<url>http://127\.0\.0\.1:[0-9]+)$")]
    private static partial Regex ListeningLine();
}
