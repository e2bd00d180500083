using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests;

/// <summary>The command line: the emulator as its own process, as users start it. Secrets never travel on it.</summary>
[TestFixture]
public partial class CommandLineTests
{
    private const string KeyVariable = BatchEmulatorOptions.KeyEnvironmentVariable;
    private const string BearerTokenVariable = BatchEmulatorOptions.BearerTokenEnvironmentVariable;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _folder = null!;

    private static string EmulatorDll => Path.Combine(TestContext.CurrentContext.TestDirectory, "TopNWords.Batch.Emulator.dll");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("topnwords-emulator-cli-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Start_KeyFromEnvironment_PrintsExactlyTheListeningLine_AndServesSignedRequests()
    {
        using var process = Start([(KeyVariable, EmulatorHarness.Key)], "--port", "0", "--account", "cliaccount");
        string output;
        try
        {
            Uri baseUri = await ReadListeningLineAsync(process);
            await AssertServesAsync(baseUri, "cliaccount");
            AssertKeyNotOnCommandLine(process);
        }
        finally
        {
            output = await StopAsync(process);
        }

        Assert.That(output, Does.Not.Contain(EmulatorHarness.Key));
        Assert.That(output, Does.Not.Contain("listening on"), "the line is printed once");
    }

    [TestCase("\n")]
    [TestCase("\r\n")]
    [TestCase("")]
    public async Task Start_KeyAndBearerTokenFromFiles_AreUsed_AndNeverOnTheCommandLine(string newline)
    {
        string keyFile = Path.Combine(_folder, "key.txt");
        string tokenFile = Path.Combine(_folder, "token.txt");
        await File.WriteAllTextAsync(keyFile, EmulatorHarness.Key + newline);
        await File.WriteAllTextAsync(tokenFile, "cli-bearer-token" + newline);

        // The file wins over the environment variable.
        string otherKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        using var process = Start([(KeyVariable, otherKey)], "--port", "0", "--key-file", keyFile, "--bearer-token-file", tokenFile);
        string output;
        try
        {
            Uri baseUri = await ReadListeningLineAsync(process);
            await AssertServesAsync(baseUri, BatchEmulatorOptions.DefaultAccountName);
            await AssertBearerTokenAsync(baseUri, "cli-bearer-token", HttpStatusCode.OK);
            AssertKeyNotOnCommandLine(process);
        }
        finally
        {
            output = await StopAsync(process);
        }

        Assert.That(output, Does.Not.Contain(EmulatorHarness.Key).And.Not.Contain("cli-bearer-token"));
    }

    [Test]
    public async Task Start_KeyFromStandardInput_IsUsed_AndBearerTokenFromEnvironment()
    {
        using var process = Start([(BearerTokenVariable, "env-bearer-token")], "--port", "0", "--key-file", "-");
        string output;
        try
        {
            // The emulator reads one line and does not wait for the end of the input.
            await process.StandardInput.WriteLineAsync(EmulatorHarness.Key);
            await process.StandardInput.FlushAsync();
            Uri baseUri = await ReadListeningLineAsync(process);
            await AssertServesAsync(baseUri, BatchEmulatorOptions.DefaultAccountName);
            await AssertBearerTokenAsync(baseUri, "env-bearer-token", HttpStatusCode.OK);
            await AssertBearerTokenAsync(baseUri, "another-token", HttpStatusCode.Forbidden);
            AssertKeyNotOnCommandLine(process);
        }
        finally
        {
            output = await StopAsync(process);
        }

        Assert.That(output, Does.Not.Contain(EmulatorHarness.Key).And.Not.Contain("env-bearer-token"));
    }

    [TestCase("--key", true)]
    [TestCase("--key", false)]
    [TestCase("--key=", true)]
    [TestCase("--bearer-token", true)]
    [TestCase("--bearer-token=", true)]
    public async Task SecretOnTheCommandLine_ExitsWith2_NamingTheAlternatives_WithoutEchoingIt(string option, bool withValue)
    {
        const string Secret = "c2VjcmV0LW9uLXRoZS1jb21tYW5kLWxpbmU=";
        string[] arguments = option.EndsWith('=') ? [option + Secret] : withValue ? [option, Secret] : [option];

        var (exitCode, stdout, output) = await RunToExitAsync([(KeyVariable, EmulatorHarness.Key)], arguments);

        string name = option.TrimEnd('=');
        string file = name + "-file";
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Does.Contain($"{name} no longer takes a secret on the command line"));
            Assert.That(output, Does.Contain(file + " <path>").And.Contain(file + " -"));
            Assert.That(output, Does.Contain(name == "--key" ? KeyVariable : BearerTokenVariable));
            Assert.That(output + stdout, Does.Not.Contain(Secret));
            Assert.That(stdout, Is.Empty, "it does not start");
        });
    }

    [Test]
    public async Task Start_WithoutKeyOrOptIn_ExitsWith2_SayingHowToPassOne()
    {
        var (exitCode, stdout, output) = await RunToExitAsync([], "--port", "0");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(output, Does.Contain("no account key").And.Contain(KeyVariable).And.Contain("--key-file"));
            Assert.That(output, Does.Contain("--insecure-use-well-known-key").And.Contain("does not cover the host"));
            Assert.That(stdout, Is.Empty, "it does not start");
        });
    }

    [Test]
    public async Task Start_InsecureOptIn_ServesTheWellKnownKey()
    {
        using var process = Start([], "--port", "0", "--insecure-use-well-known-key");
        try
        {
            Uri baseUri = await ReadListeningLineAsync(process);
            await AssertServesAsync(baseUri, BatchEmulatorOptions.DefaultAccountName, BatchEmulatorOptions.DefaultAccountKey);
        }
        finally
        {
            await StopAsync(process);
        }
    }

    [Test]
    public async Task KeyFile_Missing_ExitsWith2_NamingTheFile()
    {
        string missing = Path.Combine(_folder, "no-such-key.txt");

        var (exitCode, _, output) = await RunToExitAsync([], "--key-file", missing);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(output, Does.Contain("--key-file: cannot read the key file '" + missing + "'"));
    }

    [Test]
    public async Task KeyFile_Empty_ExitsWith2_NamingTheFile()
    {
        string empty = Path.Combine(_folder, "empty-key.txt");
        await File.WriteAllTextAsync(empty, "\n");

        var (exitCode, _, output) = await RunToExitAsync([], "--key-file", empty);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(output, Does.Contain($"the key file '{empty}' is empty"));
    }

    [Test]
    public async Task InvalidKey_ExitsWithUsageError_WithoutEchoingIt()
    {
        var (exitCode, _, output) = await RunToExitAsync([(KeyVariable, "not base64 at all!")]);

        Assert.That(exitCode, Is.EqualTo(2));
        Assert.That(output, Does.Contain("not a valid base64").And.Not.Contain("not base64 at all!"));
    }

    [TestCase("--request-body-limit", "abc")]
    [TestCase("--request-body-limit", "1.5")]
    [TestCase("--port", "x")]
    [TestCase("--max-nodes-per-pool", "99999999999")]
    [TestCase("--seed", "")]
    [TestCase("--node-startup-delay", "1e300")]
    [TestCase("--node-startup-delay", "NaN")]
    [TestCase("--deletion-delay", "Infinity")]
    [TestCase("--server-busy-rate", "half")]
    [TestCase("--unusable-node-after-tasks", "tvm-local-1=x")]
    public async Task NumericOption_Malformed_ExitsWith2_NamingTheOption(string option, string value)
    {
        var (exitCode, stdout, output) = await RunToExitAsync([(KeyVariable, EmulatorHarness.Key)], option, value);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), output);
            Assert.That(output, Does.StartWith($"error: {option} takes "));
            Assert.That(output, Does.Contain("Usage: topnwords-batch-emulator"));
            Assert.That(output, Does.Not.Contain("Unhandled exception"));
            Assert.That(stdout, Is.Empty, "it does not start");
        });
    }

    [TestCase("AZ_BATCH_NODE_ID", "AZ_BATCH_")]
    [TestCase("NAME=VALUE", "'='")]
    [TestCase(KeyVariable, "secret of the emulator itself")]
    [TestCase(BearerTokenVariable, "secret of the emulator itself")]
    public async Task PassEnv_InvalidName_ExitsWith2_NamingTheOption(string name, string reason)
    {
        var (exitCode, stdout, output) = await RunToExitAsync([(KeyVariable, EmulatorHarness.Key)], "--pass-env", name);

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("PassThroughEnvironmentVariables").And.Contain(reason));
            Assert.That(output, Does.Contain("--pass-env <name>"), "the usage lists the option");
            Assert.That(output, Does.Not.Contain(EmulatorHarness.Key));
            Assert.That(stdout, Is.Empty, "it does not start");
        });
    }

    [Test]
    public async Task PassEnv_Names_ReachTheStartTask_AndOtherVariablesDoNot()
    {
        // The nodes live in the test's folder: the emulator is killed, so it could not remove a temporary one.
        using var process = Start(
            [(KeyVariable, EmulatorHarness.Key), ("TOPNWORDS_CLI_PASSED_A", "value-a"), ("TOPNWORDS_CLI_PASSED_B", "value-b"), ("TOPNWORDS_CLI_KEPT", "kept-value")],
            "--port", "0", "--working-directory", Path.Combine(_folder, "nodes"), "--pass-env", "TOPNWORDS_CLI_PASSED_A", "--pass-env", "TOPNWORDS_CLI_PASSED_B");
        string environment;
        try
        {
            Uri baseUri = await ReadListeningLineAsync(process);
            environment = await RunStartTaskAsync(baseUri, "/usr/bin/env");
        }
        finally
        {
            await StopAsync(process);
        }

        Assert.Multiple(() =>
        {
            Assert.That(environment, Does.Contain("\nTOPNWORDS_CLI_PASSED_A=value-a\n").Or.StartWith("TOPNWORDS_CLI_PASSED_A=value-a\n"));
            Assert.That(environment, Does.Contain("\nTOPNWORDS_CLI_PASSED_B=value-b\n").Or.StartWith("TOPNWORDS_CLI_PASSED_B=value-b\n"));
            Assert.That(environment, Does.Not.Contain("TOPNWORDS_CLI_KEPT").And.Not.Contain(KeyVariable).And.Not.Contain(EmulatorHarness.Key));
        });
    }

    /// <summary>Creates a one-node pool whose start task runs a command line, and returns the start task's stdout.</summary>
    private static async Task<string> RunStartTaskAsync(Uri baseUri, string commandLine)
    {
        var client = new BatchRestClient(baseUri, new BatchSharedKeyCredential(BatchEmulatorOptions.DefaultAccountName, EmulatorHarness.Key), EmulatorHarness.NewClientOptions());
        await client.CreatePoolAsync(new BatchPoolCreateContent
        {
            Id = "cli-pool",
            VmSize = "STANDARD_D2S_V3",
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server" },
                NodeAgentSkuId = "batch.node.ubuntu 24.04",
            },
            TargetDedicatedNodes = 1,
            StartTask = new BatchStartTask { CommandLine = commandLine, WaitForSuccess = true },
        });
        string? nodeId = null;
        await Wait.UntilAsync(
            async () =>
            {
                await foreach (var node in client.ListNodesAsync("cli-pool"))
                {
                    if (node.State == BatchNodeState.Idle)
                    {
                        nodeId = node.Id;
                    }
                }

                return nodeId is not null;
            },
            () => "the node of cli-pool is not idle");
        await using var stdout = await client.GetNodeFileAsync("cli-pool", nodeId!, "startup/stdout.txt");
        return await new StreamReader(stdout.Content).ReadToEndAsync();
    }

    private static async Task AssertServesAsync(Uri baseUri, string account, string? key = null)
    {
        using var http = new HttpClient(new SharedKeySigner(account, key ?? EmulatorHarness.Key, TimeProvider.System)) { BaseAddress = baseUri };
        using var timeout = new CancellationTokenSource(Deadline, TimeProvider.System);
        using var response = await http.GetAsync(EmulatorHarness.Versioned("/supportedimages"), timeout.Token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync(timeout.Token));
    }

    private static async Task AssertBearerTokenAsync(Uri baseUri, string token, HttpStatusCode expected)
    {
        using var http = new HttpClient { BaseAddress = baseUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var timeout = new CancellationTokenSource(Deadline, TimeProvider.System);
        using var response = await http.SendAsync(request, timeout.Token);
        Assert.That(response.StatusCode, Is.EqualTo(expected));
    }

    /// <summary>What every user of the machine can read: the process's command line.</summary>
    private static void AssertKeyNotOnCommandLine(Process process)
    {
        string cmdline = $"/proc/{process.Id}/cmdline";
        if (!File.Exists(cmdline))
        {
            Assert.Ignore("No /proc on this system.");
        }

        string arguments = Encoding.UTF8.GetString(File.ReadAllBytes(cmdline)).Replace('\0', ' ');
        Assert.That(arguments, Does.Contain("TopNWords.Batch.Emulator.dll"), "read the emulator's own command line");
        Assert.That(arguments, Does.Not.Contain(EmulatorHarness.Key));
    }

    private static async Task<Uri> ReadListeningLineAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(Deadline, TimeProvider.System);
        string? line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        var match = ListeningLine().Match(line ?? string.Empty);
        Assert.That(match.Success, Is.True, $"first stdout line: '{line}'; stderr: {(process.HasExited ? await process.StandardError.ReadToEndAsync(timeout.Token) : "(running)")}");
        return new Uri(match.Groups["url"].Value);
    }

    /// <summary>Runs the emulator until it exits by itself; returns its exit code, stdout and stderr.</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunToExitAsync((string Name, string Value)[] environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        try
        {
            using var timeout = new CancellationTokenSource(Deadline, TimeProvider.System);
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            Kill(process);
        }

        return (process.ExitCode, await process.StandardOutput.ReadToEndAsync(), await process.StandardError.ReadToEndAsync());
    }

    /// <summary>Starts the emulator with exactly these emulator variables (none inherited) and arguments.</summary>
    private static Process Start((string Name, string Value)[] environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove(KeyVariable);
        start.Environment.Remove(BearerTokenVariable);
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(EmulatorDll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    /// <summary>Stops a running emulator (by its own process id) and returns all it wrote on stdout and stderr.</summary>
    private static async Task<string> StopAsync(Process process)
    {
        Kill(process);
        return await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
    }

    private static void Kill(Process process)
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
