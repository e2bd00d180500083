using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using TopNWords.WordCount;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The Azure sample as a real client process against the Batch emulator and Azurite: killed with SIGKILL at each stage of
/// a run and started again with the same <c>--run-id</c>, it finishes the run with the words of an uninterrupted one and
/// exactly one task per input; <c>sweep</c> then removes everything the run left; <c>cancel</c> from a second process ends
/// a detached run and deletes its pool, job and containers.
/// </summary>
/// <remarks>
/// The sample wants a self-contained Linux task runner (<see cref="Azure.Compute.AzureTaskApplications.SelfContainedTaskRunner"/>).
/// The fixture publishes one once (<c>dotnet publish src/TopNWords.TaskRunner -r linux-x64 --self-contained</c>, single file
/// and trimmed so that each run stages about 15 MB instead of 80 MB; about 25 s, into a temporary folder with its own
/// artifacts path, so the repository's <c>obj</c> folders are not touched), unless <c>TOPNWORDS_TASKRUNNER_PUBLISH_DIR</c>
/// names a publish folder already. The emulator's nodes run that executable as local processes. The sample keeps its own
/// defaults (pool polled every 10 s, tasks every 5 s), so a run takes tens of seconds.
/// </remarks>
[TestFixture]
[NonParallelizable]
public class KilledClientResumeTests
{
    private const string SampleDll = "TopNWords.Samples.Azure.dll";
    private const string RunIdMetadata = "topnwords-run-id";
    private const int InputCount = 12;

    /// <summary>The exit code .NET reports for a process ended by SIGKILL (128 + 9).</summary>
    private const int KilledBySigkill = 137;

    private static readonly TimeSpan ProcessDeadline = TimeSpan.FromMinutes(4);

    private static readonly string[] OwnWords =
    [
        "amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "juniper", "kestrel", "lotus",
    ];

    private static readonly Regex TaskHeader = new(@"^(?<name>\S+) \(task [^,]+, node [^)]*\):$", RegexOptions.CultureInvariant);
    private static readonly Regex WordLine = new(@"^  (?<word>\S+): (?<count>\d+)$", RegexOptions.CultureInvariant);

    private readonly List<Process> _processes = [];
    private string? _publishRoot;
    private string _publishDirectory = null!;
    private BatchEmulator _emulator = null!;
    private BatchRestClient _batch = null!;
    private string _work = null!;
    private string _inputs = null!;
    private List<string> _containersBefore = null!;

    [OneTimeSetUp]
    public async Task PublishTaskRunnerAsync()
    {
        if (Environment.GetEnvironmentVariable("TOPNWORDS_TASKRUNNER_PUBLISH_DIR") is { Length: > 0 } given)
        {
            _publishDirectory = given;
            return;
        }

        string project = FindTaskRunnerProject();
        _publishRoot = Directory.CreateTempSubdirectory("topnwords-killed-client-taskrunner-").FullName;
        _publishDirectory = Path.Combine(_publishRoot, "taskrunner-linux-x64");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[]
        {
            "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained",
            "-p:PublishSingleFile=true", "-p:PublishTrimmed=true",
            "--artifacts-path", Path.Combine(_publishRoot, "artifacts"), "-o", _publishDirectory,
        })
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("'dotnet publish' of the task runner did not start.");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System);
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            Task<string> stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            Assert.That(process.ExitCode, Is.Zero, $"dotnet publish of '{project}' failed:\n{await stdout}\n{await stderr}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [OneTimeTearDown]
    public void DeletePublish()
    {
        if (_publishRoot is not null)
        {
            Directory.Delete(_publishRoot, recursive: true);
        }
    }

    [SetUp]
    public async Task SetUpAsync()
    {
        _containersBefore = await OfflineAzure.ContainerNamesAsync();
        _emulator = await OfflineAzure.StartEmulatorAsync();
        _batch = new BatchRestClient(_emulator.BaseUri, new BatchSharedKeyCredential(_emulator.AccountName, EmulatorHarness.Key), EmulatorHarness.NewClientOptions());
        _work = Directory.CreateTempSubdirectory("topnwords-killed-client-work-").FullName;
        _inputs = Directory.CreateTempSubdirectory("topnwords-killed-client-in-").FullName;
        for (int i = 0; i < InputCount; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(_inputs, InputName(i)), InputText(i));
        }
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
                // it ended meanwhile
            }

            process.Dispose();
        }

        _processes.Clear();
        await _emulator.DisposeAsync();
        Directory.Delete(_work, recursive: true);
        Directory.Delete(_inputs, recursive: true);
        var service = new BlobServiceClient(AzuriteSetUp.Server.ConnectionString);
        foreach (string container in (await OfflineAzure.ContainerNamesAsync()).Except(_containersBefore))
        {
            await service.DeleteBlobContainerAsync(container);
        }
    }

    /// <summary>
    /// Kills the client (SIGKILL, the client only: the emulator's nodes go on) when it prints <c>[stage]</c>, runs it again
    /// with the same run id and inputs, and checks the words, the job's tasks, and that <c>sweep</c> removes the run.
    /// </summary>
    [TestCase("Staging")]
    [TestCase("CreatingPool")]
    [TestCase("WaitingForPool")]
    [TestCase("AddingTasks")]
    [TestCase("Monitoring")]
    [TestCase("Downloading")]
    public async Task KilledAtStage_TheSameRunIdResumesIt_WithTheWordsOfAnUninterruptedRunAndOneTaskPerInput(string stage)
    {
        string runId = "kill-" + stage.ToLowerInvariant();
        var expected = ExpectedTopWords();
        string[] runArgs = ["--run-id", runId, "--keep", _inputs];

        _emulator.ResetRequestCounts();
        var killed = await RunSampleAsync(runArgs, killAtStderrLine: $"[{stage}]");
        var killedCounts = _emulator.GetRequestCounts();
        Assert.That(killed.ExitCode, Is.EqualTo(KilledBySigkill), $"the client was killed at [{stage}] before it ended by itself\n{killed.Stderr}");

        _emulator.ResetRequestCounts();
        var resumed = await RunSampleAsync(runArgs);
        var resumedCounts = _emulator.GetRequestCounts();
        Assert.That(resumed.ExitCode, Is.Zero, resumed.Stderr + resumed.Stdout);
        Assert.That(TopWordsOf(resumed.Stdout), Is.EquivalentTo(expected), resumed.Stdout);

        await TestContext.Progress.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"[{stage}] killed client: {killed.Elapsed.TotalSeconds:F1} s, {killedCounts.Total} Batch requests; resumed client: {resumed.Elapsed.TotalSeconds:F1} s, {resumedCounts.Total} Batch requests; together {(killed.Elapsed + resumed.Elapsed).TotalSeconds:F1} s, {killedCounts.Total + resumedCounts.Total} requests"));
        await TestContext.Progress.WriteLineAsync($"  killed: {Operations(killedCounts)}");
        await TestContext.Progress.WriteLineAsync($"  resumed: {Operations(resumedCounts)}");
        await AssertOneCompletedTaskPerInputAsync(runId);
        if (stage is "Monitoring" or "Downloading")
        {
            // The record said the tasks were added before the client printed the stage: the resumed client does not add them again.
            Assert.That(resumedCounts.Operations.Keys, Does.Not.Contain("Tasks_CreateTaskCollection"), "the resumed client added no tasks");
        }

        if (stage == "Monitoring")
        {
            // The same inputs, uninterrupted, for the figures (and as a second check of the words).
            _emulator.ResetRequestCounts();
            var whole = await RunSampleAsync(["--run-id", "kill-uninterrupted", "--keep", _inputs]);
            var wholeCounts = _emulator.GetRequestCounts();
            Assert.That(whole.ExitCode, Is.Zero, whole.Stderr + whole.Stdout);
            Assert.That(TopWordsOf(whole.Stdout), Is.EquivalentTo(TopWordsOf(resumed.Stdout)));
            await TestContext.Progress.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"[Monitoring] uninterrupted client: {whole.Elapsed.TotalSeconds:F1} s, {wholeCounts.Total} Batch requests"));
            await TestContext.Progress.WriteLineAsync($"  uninterrupted: {Operations(wholeCounts)}");
        }

        // --keep kept them: the pool and job carry the run's metadata (so the check after the sweep is not vacuous).
        Assert.That(await WhatTheRunLeftAsync(runId), Is.SupersetOf(new[] { $"pool '{runId}-pool'", $"job '{runId}-job'", $"container '{runId}-run'" }));
        var sweep = await RunSampleAsync(["sweep", "--older-than", "0s"]);
        Assert.That(sweep.ExitCode, Is.Zero, sweep.Stderr + sweep.Stdout);
        await AssertNothingLeftAsync(runId);
        await AssertNothingLeftAsync("kill-uninterrupted");
    }

    [Test]
    public async Task DetachedRun_CancelledFromASecondProcess_IsGone_AndStatusSaysSo()
    {
        const string runId = "cancel-detached";

        var submitted = await RunSampleAsync(["--run-id", runId, "--detach", _inputs]);
        Assert.That(submitted.ExitCode, Is.Zero, submitted.Stderr + submitted.Stdout);
        Assert.That(submitted.Stdout.Trim(), Is.EqualTo(runId), "--detach prints the run id on stdout");
        Assert.That(await WhatTheRunLeftAsync(runId), Is.SupersetOf(new[] { $"pool '{runId}-pool'", $"job '{runId}-job'", $"container '{runId}-run'" }), "the detached run's pool, job and record exist");

        var cancel = await RunSampleAsync(["cancel", runId]);
        Assert.That(cancel.ExitCode, Is.Zero, cancel.Stderr + cancel.Stdout);

        await AssertNothingLeftAsync(runId);
        var status = await RunSampleAsync(["status", runId]);
        Assert.That(
            status.ExitCode == 2 || (status.ExitCode == 0 && status.Stdout.Contains("Cancelled", StringComparison.Ordinal)),
            Is.True,
            $"status of the cancelled run: exit code {status.ExitCode}\n{status.Stdout}\n{status.Stderr}");
    }

    [Test]
    public async Task AttachedRun_CancelledFromASecondProcess_EndsTheAttachedClient_AndIsGone()
    {
        const string runId = "cancel-attached";

        // Nodes that never start: the attached client waits for the pool until the cancellation reaches it.
        await _emulator.DisposeAsync();
        _emulator = await StartEmulatorAsync(nodeStartupDelay: TimeSpan.FromHours(1));
        _batch = new BatchRestClient(_emulator.BaseUri, new BatchSharedKeyCredential(_emulator.AccountName, EmulatorHarness.Key), EmulatorHarness.NewClientOptions());
        var attached = StartSample(["--run-id", runId, _inputs], killAtStderrLine: null, seeLine: "[WaitingForPool]");
        await attached.Seen.WaitAsync(ProcessDeadline, TimeProvider.System);
        Assert.That(await WhatTheRunLeftAsync(runId), Is.SupersetOf(new[] { $"pool '{runId}-pool'", $"container '{runId}-run'" }), "the attached run's pool and record exist");

        // The attached client is alive: the second process asks it to cancel and waits until it has ended the run (its next heartbeat).
        var cancel = await RunSampleAsync(["cancel", runId]);
        var ended = await attached.WaitAsync();

        Assert.Multiple(() =>
        {
            Assert.That(cancel.ExitCode, Is.Zero, cancel.Stderr + cancel.Stdout);
            Assert.That(ended.ExitCode, Is.EqualTo(1), ended.Stderr);
            Assert.That(ended.Stderr, Does.Contain($"Run '{runId}' was cancelled by"), "the attached client says who cancelled its run");
        });
        await AssertNothingLeftAsync(runId);
        var status = await RunSampleAsync(["status", runId]);
        Assert.That(status.ExitCode, Is.EqualTo(2), $"status of the cancelled (and cleaned up) run\n{status.Stdout}\n{status.Stderr}");
    }

    private static async Task<BatchEmulator> StartEmulatorAsync(TimeSpan nodeStartupDelay)
    {
        var emulator = new BatchEmulator();
        await emulator.StartAsync(new BatchEmulatorOptions
        {
            AccountName = EmulatorHarness.Account,
            AccountKey = EmulatorHarness.Key,
            NodeStartupDelay = nodeStartupDelay,
        });
        return emulator;
    }

    /// <summary>The Batch requests per operation, such as <c>Pools_GetPool 2, Tasks_ListTasks 1</c>.</summary>
    private static string Operations(BatchEmulatorRequestCounts counts) =>
        string.Join(", ", counts.Operations.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => string.Create(CultureInfo.InvariantCulture, $"{o.Key} {o.Value.Requests}")));

    private static string FindTaskRunnerProject()
    {
        for (var folder = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); folder is not null; folder = folder.Parent)
        {
            string project = Path.Combine(folder.FullName, "src", "TopNWords.TaskRunner", "TopNWords.TaskRunner.csproj");
            if (File.Exists(project))
            {
                return project;
            }
        }

        Assert.Fail($"No src/TopNWords.TaskRunner/TopNWords.TaskRunner.csproj above '{TestContext.CurrentContext.TestDirectory}' to publish; set TOPNWORDS_TASKRUNNER_PUBLISH_DIR to a self-contained linux-x64 publish of the task runner.");
        return null!;
    }

    private static string InputName(int i) => string.Create(CultureInfo.InvariantCulture, $"input-{i:D2}.txt");

    /// <summary>Input i: its own word 9 times, "common" 7 times, "shared" 5 times, then words of fewer occurrences.</summary>
    private static string InputText(int i)
    {
        var words = new List<string>();
        words.AddRange(Enumerable.Repeat(OwnWords[i], 9));
        words.AddRange(Enumerable.Repeat("common", 7));
        words.AddRange(Enumerable.Repeat("shared", 5));
        words.AddRange(Enumerable.Repeat("filler", 3));
        words.AddRange(OwnWords.Where((_, j) => j != i));
        var random = new Random(i);
        return string.Join('\n', words.OrderBy(_ => random.Next()).Chunk(7).Select(line => string.Join(' ', line))) + "\n";
    }

    /// <summary>Each input's top three words, counted by the repository's word counter (what the task runner uses).</summary>
    private Dictionary<string, string> ExpectedTopWords() =>
        Enumerable.Range(0, InputCount).ToDictionary(
            InputName,
            i => string.Join(", ", WordCounter.CountFile(Path.Combine(_inputs, InputName(i)), 3).TopWords.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}"))));

    /// <summary>The sample's report: each input's name with its words and counts (not the task or node).</summary>
    private static Dictionary<string, string> TopWordsOf(string stdout)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var words = new List<string>();
        foreach (string line in stdout.Split('\n').Select(l => l.TrimEnd('\r')).Append(string.Empty))
        {
            if (WordLine.Match(line) is { Success: true } word && current is not null)
            {
                words.Add($"{word.Groups["word"].Value} {word.Groups["count"].Value}");
                continue;
            }

            if (current is not null)
            {
                result[current] = string.Join(", ", words);
                current = null;
                words.Clear();
            }

            if (TaskHeader.Match(line) is { Success: true } header)
            {
                current = header.Groups["name"].Value;
            }
        }

        return result;
    }

    private async Task AssertOneCompletedTaskPerInputAsync(string runId)
    {
        var tasks = new List<BatchTask>();
        await foreach (var task in _batch.ListTasksAsync(runId + "-job"))
        {
            tasks.Add(task);
        }

        Assert.Multiple(() =>
        {
            Assert.That(tasks.Select(t => t.Id).ToList(), Has.Count.EqualTo(InputCount).And.Unique, $"exactly one task per input in job '{runId}-job'");
            Assert.That(tasks.Select(t => t.State), Is.All.EqualTo(BatchTaskState.Completed), "every task completed");
            Assert.That(tasks.Select(t => t.ExecutionInfo?.ExitCode), Is.All.EqualTo(0), "every task succeeded");
        });
    }

    /// <summary>The pools and jobs on the emulator with the run's metadata, and the containers on Azurite named after the run.</summary>
    private async Task<List<string>> WhatTheRunLeftAsync(string runId)
    {
        var left = new List<string>();
        await foreach (var pool in _batch.ListPoolsAsync())
        {
            if (pool.Metadata?.Any(m => m.Name == RunIdMetadata && m.Value == runId) == true)
            {
                left.Add($"pool '{pool.Id}'");
            }
        }

        await foreach (var job in _batch.ListJobsAsync())
        {
            if (job.Metadata?.Any(m => m.Name == RunIdMetadata && m.Value == runId) == true)
            {
                left.Add($"job '{job.Id}'");
            }
        }

        left.AddRange((await OfflineAzure.ContainerNamesAsync()).Where(c => c.StartsWith(runId + "-", StringComparison.Ordinal)).Select(c => $"container '{c}'"));
        return left;
    }

    /// <summary>Waits until the emulator has no pool or job with the run's metadata and Azurite no container of the run.</summary>
    private async Task AssertNothingLeftAsync(string runId)
    {
        List<string> left = [];
        await Wait.UntilAsync(
            async () => (left = await WhatTheRunLeftAsync(runId)).Count == 0,
            () => $"run '{runId}' left {string.Join(", ", left)}");
    }

    /// <summary>
    /// Runs the Azure sample as its own process (<c>dotnet TopNWords.Samples.Azure.dll</c>) on the emulator and Azurite and
    /// waits for it to end; with <paramref name="killAtStderrLine"/>, kills it (SIGKILL, that process only) as soon as it
    /// prints that line on stderr.
    /// </summary>
    private Task<SampleRunResult> RunSampleAsync(IEnumerable<string> args, string? killAtStderrLine = null)
        => StartSample(args, killAtStderrLine, seeLine: null).WaitAsync();

    /// <summary>Starts the Azure sample (see <see cref="RunSampleAsync"/>); <see cref="SampleClient.Seen"/> completes when it prints <paramref name="seeLine"/> on stderr.</summary>
    private SampleClient StartSample(IEnumerable<string> args, string? killAtStderrLine, string? seeLine)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _work,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, SampleDll));
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (string name in psi.Environment.Keys.Where(k => k.StartsWith("TOPNWORDS_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(name);
        }

        psi.Environment["TOPNWORDS_BATCH_URL"] = _emulator.BaseUri.ToString();
        psi.Environment["TOPNWORDS_BATCH_ACCOUNT"] = _emulator.AccountName;
        psi.Environment["TOPNWORDS_BATCH_KEY"] = EmulatorHarness.Key;
        psi.Environment["TOPNWORDS_STORAGE_CONNECTION_STRING"] = AzuriteSetUp.Server.ConnectionString;
        psi.Environment["TOPNWORDS_POOL_NODES"] = "1";
        psi.Environment["TOPNWORDS_TASKRUNNER_PUBLISH_DIR"] = _publishDirectory;

        var client = new SampleClient(new Process { StartInfo = psi }, killAtStderrLine, seeLine);
        client.Start();
        _processes.Add(client.Process);
        return client;
    }

    /// <summary>One sample process: its output gathered line by line, killed (that process only) at a line of stderr if asked.</summary>
    private sealed class SampleClient
    {
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();
        private readonly Lock _gate = new();
        private readonly string? _killAt;
        private readonly string? _seeLine;
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Stopwatch _stopwatch = new();
        private bool _killed;

        public SampleClient(Process process, string? killAt, string? seeLine)
        {
            Process = process;
            _killAt = killAt;
            _seeLine = seeLine;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_gate)
                    {
                        _stdout.Append(e.Data).Append('\n');
                    }
                }
            };
            process.ErrorDataReceived += (_, e) => OnStderr(e.Data);
        }

        public Process Process { get; }

        /// <summary>Gets a task that completes when the process printed the line to see on stderr (or ended without it: then it fails).</summary>
        public Task Seen => _seen.Task;

        public void Start()
        {
            _stopwatch.Start();
            if (!Process.Start())
            {
                throw new InvalidOperationException($"'dotnet {SampleDll}' did not start.");
            }

            Process.StandardInput.Close();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public async Task<SampleRunResult> WaitAsync()
        {
            using var deadline = new CancellationTokenSource(ProcessDeadline, TimeProvider.System);
            try
            {
                await Process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                lock (_gate)
                {
                    Assert.Fail($"'dotnet {string.Join(' ', Process.StartInfo.ArgumentList)}' did not end within {ProcessDeadline}:\n{_stderr}");
                }
            }

            Process.WaitForExit(); // the last lines of its output
            _stopwatch.Stop();
            lock (_gate)
            {
                return new SampleRunResult(Process.ExitCode, _stdout.ToString(), _stderr.ToString(), _stopwatch.Elapsed);
            }
        }

        private void OnStderr(string? line)
        {
            if (line is null)
            {
                _seen.TrySetException(new InvalidOperationException($"The sample ended without printing '{_seeLine}'."));
                return;
            }

            lock (_gate)
            {
                _stderr.Append(line).Append('\n');
                if (line == _seeLine)
                {
                    _seen.TrySetResult();
                }

                if (!_killed && _killAt is not null && line == _killAt)
                {
                    _killed = true;
                    try
                    {
                        Process.Kill(entireProcessTree: false);
                    }
                    catch (InvalidOperationException)
                    {
                        // it ended by itself first: the exit code tells
                    }
                }
            }
        }
    }

    private sealed record SampleRunResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);
}
