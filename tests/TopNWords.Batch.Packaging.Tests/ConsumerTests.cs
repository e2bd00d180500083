using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using TopNWords.Batch.Conformance.Infrastructure;

namespace TopNWords.Batch.Packaging.Tests;

/// <summary>
/// A user of the packages, from a NuGet reference alone: every package is packed into a temporary folder feed (from a
/// copy of the sources, so the repository's bin/ and obj/ are never touched while other test projects build), a fresh
/// <c>dotnet new console</c> project outside the repository references TopNWords.Batch.Azure from that feed only (with its
/// own NuGet packages folder, so no cached package of the same version hides a change), and runs the tutorial: on the
/// local default with the packaged native runner, and on the emulator (installed from the feed as a .NET tool) and
/// Azurite with <c>AzureTaskApplications.LinuxTaskRunner()</c>.
/// </summary>
/// <remarks>Slow by nature (a Release pack with Native AOT, two restores, two builds): about three minutes.</remarks>
[TestFixture]
[NonParallelizable]
public sealed class ConsumerTests
{
    private const string Version = "0.1.0";
    private const string EmulatorCommand = "topnwords-batch-emulator";
    private const string EmulatorKeyVariable = "TOPNWORDS_BATCH_EMULATOR_KEY";

    private static readonly string[] PackageIds = ["TopNWords.WordCount", "TopNWords.Batch", "TopNWords.Batch.Azure", "TopNWords.Batch.Emulator"];

    private static readonly string[] ExpectedTopWords =
    [
        "top: taskdata1.txt: to 18, and 17, you 14",
        "top: taskdata2.txt: Storage 11, for 8, data 7",
        "top: taskdata3.txt: the 10, of 8, and 6",
    ];

    private static readonly string[] ManagedRunnerFiles =
    [
        "TopNWords.TaskRunner.dll", "TopNWords.TaskRunner.runtimeconfig.json", "TopNWords.TaskRunner.deps.json", "TopNWords.WordCount.dll",
    ];

    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(5);

    private string _work = null!;
    private string _feed = null!;
    private string _consumer = null!;
    private string _consumerOutput = null!;
    private Dictionary<string, string?> _dotnetEnvironment = null!;

    private static string RepositoryRoot => PinnedNodePackage.FindRepositoryRoot();

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    [OneTimeSetUp]
    public async Task PackAndBuildConsumerAsync()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            Assert.Ignore("The packaged native task runner is for Linux x64; elsewhere the consumer gets the managed one.");
        }

        _work = Directory.CreateTempSubdirectory("topnwords-packaging-").FullName;
        _feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;

        // Every dotnet call: no build servers left behind, and a NuGet packages folder of this test's own.
        _dotnetEnvironment = new Dictionary<string, string?>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_work, "nuget-packages"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
        };

        // 1. The sources, copied: the pack writes only under the copy.
        string sources = Path.Combine(_work, "repo");
        CopyTree(Path.Combine(RepositoryRoot, "src"), Path.Combine(sources, "src"));
        Directory.CreateDirectory(Path.Combine(sources, "eng"));
        File.Copy(Path.Combine(RepositoryRoot, "eng", "BannedSymbols.txt"), Path.Combine(sources, "eng", "BannedSymbols.txt"));
        foreach (string file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", "nuget.config", "LICENSE", ".editorconfig", ".globalconfig" })
        {
            File.Copy(Path.Combine(RepositoryRoot, file), Path.Combine(sources, file));
        }

        string solution = Path.Combine(sources, "packages.slnx");
        await File.WriteAllTextAsync(solution, new XElement("Solution", PackageIds.Select(id => new XElement("Project", new XAttribute("Path", $"src/{id}/{id}.csproj")))).ToString());

        // The pack's own restores use the machine's packages folder (the repository's pinned dependencies); the
        // consumer's restore below gets a fresh one.
        var packEnvironment = new Dictionary<string, string?>(_dotnetEnvironment) { ["NUGET_PACKAGES"] = null };
        await RunDotnetAsync(sources, packEnvironment, PackTimeout, "pack", solution, "-c", "Release", "-o", _feed, "-warnaserror", "--disable-build-servers", "-p:EnableSourceControlManagerQueries=false");

        // 2. A fresh console project outside the repository, with the feed for TopNWords.* and nuget.org for the rest.
        _consumer = Directory.CreateDirectory(Path.Combine(_work, "consumer")).FullName;
        await File.WriteAllTextAsync(Path.Combine(_consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="feed" value="{_feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="feed"><package pattern="TopNWords.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        await RunDotnetAsync(_consumer, _dotnetEnvironment, StepTimeout, "new", "console", "--name", "Consumer", "--output", _consumer, "--framework", "net10.0", "--no-restore");
        string project = Path.Combine(_consumer, "Consumer.csproj");
        var document = XDocument.Load(project);
        document.Root!.Add(new XElement("ItemGroup", new XElement("PackageReference", new XAttribute("Include", "TopNWords.Batch.Azure"), new XAttribute("Version", Version))));
        document.Save(project);
        File.Copy(Path.Combine(TestContext.CurrentContext.TestDirectory, "Consumer", "Program.cs"), Path.Combine(_consumer, "Program.cs"), overwrite: true);
        await RunDotnetAsync(_consumer, _dotnetEnvironment, StepTimeout, "build", "-c", "Release", "--disable-build-servers");
        _consumerOutput = Path.Combine(_consumer, "bin", "Release", "net10.0");

        // NuGet need not keep Unix modes: the staged runner must run whatever mode the copy has.
        if (!OperatingSystem.IsWindows())
        {
                File.SetUnixFileMode(Path.Combine(_consumerOutput, "topnwords-taskrunner", "linux-x64", "TopNWords.TaskRunner"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    [OneTimeTearDown]
    public void DeleteWork()
    {
        if (_work is not null && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    [Test]
    public void Feed_HoldsEveryPackageAndItsSymbols_InOneVersion()
    {
        var packages = Directory.GetFiles(_feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var expected = PackageIds.SelectMany(id => new[] { $"{id}.{Version}.nupkg", $"{id}.{Version}.snupkg" }).Order(StringComparer.Ordinal);
        Assert.That(packages, Is.EqualTo(expected));
        foreach (string id in PackageIds)
        {
            using var package = ZipFile.OpenRead(Path.Combine(_feed, $"{id}.{Version}.nupkg"));
            XNamespace ns = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.Name.Namespace;
            var metadata = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.Element(ns + "metadata")!;
            Assert.Multiple(() =>
            {
                Assert.That(metadata.Element(ns + "license")?.Value, Is.EqualTo("MIT"), id);
                Assert.That(metadata.Element(ns + "readme")?.Value, Is.EqualTo("README.md"), id);
                Assert.That(new StreamReader(package.GetEntry("README.md")!.Open()).ReadToEnd(), Does.StartWith($"# {id}\n"), $"{id} carries its own README");
                Assert.That(package.Entries.Select(e => e.FullName), Has.None.EndsWith(".dbg"), id);
            });
        }
    }

    [Test]
    public void BatchPackage_CarriesTheNativeAndManagedRunner_AndTheTargetsThatCopyThem()
    {
        using var package = ZipFile.OpenRead(Path.Combine(_feed, $"TopNWords.Batch.{Version}.nupkg"));
        var names = package.Entries.Select(e => e.FullName).ToList();
        Assert.That(names, Is.SupersetOf(ManagedRunnerFiles.Select(f => "taskrunner/managed/" + f).Append("taskrunner/linux-x64/TopNWords.TaskRunner")
            .Append("build/TopNWords.Batch.targets").Append("buildTransitive/TopNWords.Batch.targets")));
        Assert.That(names.Where(n => n.StartsWith("taskrunner/linux-x64/", StringComparison.Ordinal)).ToList(), Has.Count.EqualTo(1), "one native file, its symbols are not shipped");
        using var native = package.GetEntry("taskrunner/linux-x64/TopNWords.TaskRunner")!.Open();
        var magic = new byte[4];
        native.ReadExactly(magic);
        Assert.That(magic, Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }));
    }

    [Test]
    public async Task LocalDefault_RunsTheTutorial_WithTheNativeRunnerFromThePackage()
    {
        string root = Path.Combine(_work, "local-root");
        var (exitCode, stdout, stderr) = await RunAsync(
            "dotnet", _consumer, new Dictionary<string, string?>(), StepTimeout, Path.Combine(_consumerOutput, "Consumer.dll"), "local", root, TutorialFolder);

        Assert.That(exitCode, Is.Zero, $"stdout:\n{stdout}\nstderr:\n{stderr}");
        var lines = Lines(stdout);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Does.Contain("entry point: {app}/TopNWords.TaskRunner"), "the native runner, not dotnet");
            Assert.That(lines, Does.Contain("file: TopNWords.TaskRunner <- topnwords-taskrunner/linux-x64/TopNWords.TaskRunner"));
            Assert.That(lines.Where(l => l.StartsWith("top: ", StringComparison.Ordinal)), Is.EqualTo(ExpectedTopWords));
        });
    }

    [Test]
    public async Task ConsumerPublish_CarriesBothRunners()
    {
        string publish = Path.Combine(_work, "consumer-publish");
        await RunDotnetAsync(_consumer, _dotnetEnvironment, StepTimeout, "publish", "-c", "Release", "-o", publish, "--disable-build-servers");

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Path.Combine(publish, "topnwords-taskrunner", "linux-x64", "TopNWords.TaskRunner")), Is.True);
            foreach (string file in ManagedRunnerFiles)
            {
                Assert.That(File.Exists(Path.Combine(publish, "topnwords-taskrunner", "managed", file)), Is.True, file);
            }
        });
    }

    [Test]
    public async Task EmulatorToolFromTheFeed_AndAzurite_RunTheTutorial_WithThePackagedLinuxRunner()
    {
        string tools = Path.Combine(_work, "tools");
        // As the emulator's README says, from a folder without package source mapping (--add-source refuses to mix with it).
        await RunDotnetAsync(_work, _dotnetEnvironment, StepTimeout, "tool", "install", "--tool-path", tools, "--add-source", _feed, "--version", Version, "TopNWords.Batch.Emulator");
        string emulatorPath = Path.Combine(tools, EmulatorCommand);

        var help = await RunAsync(emulatorPath, _work, new Dictionary<string, string?>(), StepTimeout, "--help");
        Assert.That(help.ExitCode, Is.Zero, help.Stderr);
        Assert.That(help.Stdout + help.Stderr, Does.Contain("Usage: topnwords-batch-emulator"));

        string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var azurite = await AzuriteServer.StartAsync();
        var startInfo = new ProcessStartInfo(emulatorPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--port", "0", "--account", "consumer", "--working-directory", Directory.CreateDirectory(Path.Combine(_work, "emulator")).FullName })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment[EmulatorKeyVariable] = key;
        using var emulator = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{emulatorPath}' did not start.");
        var emulatorErrors = new ProcessOutputCapture();
        emulator.ErrorDataReceived += (_, e) => emulatorErrors.Add(e.Data);
        emulator.BeginErrorReadLine();
        try
        {
            using var listening = new CancellationTokenSource(TimeSpan.FromSeconds(60), TimeProvider.System);
            string? line = await emulator.StandardOutput.ReadLineAsync(listening.Token);
            Assert.That(line, Does.StartWith("listening on http://127.0.0.1:"), emulatorErrors.ToString());
            string url = line!["listening on ".Length..];
            _ = emulator.StandardOutput.ReadToEndAsync(CancellationToken.None); // keep draining

            var environment = new Dictionary<string, string?>
            {
                ["TOPNWORDS_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString,
                ["TOPNWORDS_BATCH_URL"] = url,
                ["TOPNWORDS_BATCH_ACCOUNT"] = "consumer",
                ["TOPNWORDS_BATCH_KEY"] = key,
            };
            var (exitCode, stdout, stderr) = await RunAsync("dotnet", _consumer, environment, StepTimeout, Path.Combine(_consumerOutput, "Consumer.dll"), "azure", TutorialFolder);

            Assert.That(exitCode, Is.Zero, $"stdout:\n{stdout}\nstderr:\n{stderr}\nemulator:\n{emulatorErrors}");
            var lines = Lines(stdout);
            Assert.Multiple(() =>
            {
                Assert.That(lines, Does.Contain("entry point: {app}/TopNWords.TaskRunner"));
                Assert.That(lines, Does.Contain("file: TopNWords.TaskRunner <- topnwords-taskrunner/linux-x64/TopNWords.TaskRunner"), "one file staged");
                Assert.That(lines.Where(l => l.StartsWith("top: ", StringComparison.Ordinal)), Is.EqualTo(ExpectedTopWords));
                Assert.That(stdout + stderr, Does.Not.Contain(key));
            });
        }
        finally
        {
            if (!emulator.HasExited)
            {
                emulator.Kill(entireProcessTree: true);
            }

            await emulator.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static List<string> Lines(string text) => [.. text.Split('\n').Select(l => l.TrimEnd('\r'))];

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.EnumerateDirectories(from))
        {
            string name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj" or "node_modules" or ".vs"))
            {
                CopyTree(directory, Path.Combine(to, name));
            }
        }
    }

    private static async Task RunDotnetAsync(string workingDirectory, Dictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await RunAsync("dotnet", workingDirectory, environment, timeout, arguments);
        Assert.That(exitCode, Is.Zero, $"'dotnet {string.Join(' ', arguments)}' in '{workingDirectory}' failed:\n{Tail(stdout)}\n{Tail(stderr)}");
    }

    private static string Tail(string text) => text.Length <= 20_000 ? text : text[^20_000..];

    /// <summary>Runs a process to its end (killed with its tree past the timeout); the environment's null values are removed.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string fileName, string workingDirectory, Dictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"'{fileName}' did not start.");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Task readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync()));
        Task readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync()));
        using var deadline = new CancellationTokenSource(timeout, TimeProvider.System);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(readOut, readErr);
            Assert.Fail($"'{fileName} {string.Join(' ', arguments)}' did not end within {timeout}:\n{Tail(stdout.ToString())}\n{Tail(stderr.ToString())}");
        }

        await Task.WhenAll(readOut, readErr);
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
