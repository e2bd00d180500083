using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// A <see cref="BatchWorkflow"/> over Moq'd storage and compute that behave like a healthy service unless
/// a test overrides a member. Time is a <see cref="ManualClock"/>: nothing sleeps for real.
/// </summary>
internal sealed class WorkflowHarness : IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(7);

    public WorkflowHarness(int inputCount = 3, Action<BatchWorkflowOptions>? configure = null)
    {
        Root = Directory.CreateTempSubdirectory("topnwords-workflow-").FullName;
        Directory.CreateDirectory(Path.Combine(Root, "in"));
        Directory.CreateDirectory(Path.Combine(Root, "app"));
        File.WriteAllText(Path.Combine(Root, "app", "runner.dll"), "app");
        for (int i = 1; i <= inputCount; i++)
        {
            File.WriteAllText(Path.Combine(Root, "in", $"input{i}.txt"), $"words {i}");
        }

        SetUpStorage();
        SetUpCompute();
        var options = new BatchWorkflowOptions { MonitorPollInterval = PollInterval, TimeProvider = Clock };
        configure?.Invoke(options);
        Workflow = new BatchWorkflow(Storage.Object, Compute.Object, options);
    }

    public string Root { get; }

    public ManualClock Clock { get; } = new();

    public Mock<IBlobStorage> Storage { get; } = new(MockBehavior.Strict);

    public Mock<IBatchCompute> Compute { get; } = new(MockBehavior.Strict);

    public BatchWorkflow Workflow { get; }

    /// <summary>Task ids the compute has been given.</summary>
    public ConcurrentDictionary<string, TaskSpec> Tasks { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Task ids that fail (exit code 1, stderr of 30 lines).</summary>
    public HashSet<string> FailingInputs { get; } = [];

    public List<string> DeletedContainers { get; } = [];

    public string DownloadDirectory => Path.Combine(Root, "out");

    public BatchRunDefinition Definition(Action<BatchRunDefinition>? configure = null)
    {
        var inputs = Directory.GetFiles(Path.Combine(Root, "in")).Order(StringComparer.Ordinal).Select(f => new BatchInput(f));
        var app = TaskApplication.FromDirectory("app", Path.Combine(Root, "app"), "dotnet", "{app}/runner.dll");
        var definition = new BatchRunDefinition(inputs, app, ["--filepath", "{input}", "--numwords", "3"])
        {
            DownloadDirectory = DownloadDirectory,
            ParseTopWordsOutput = true,
        };
        configure?.Invoke(definition);
        return definition;
    }

    public static string OutputText(string word) =>
        $"Word\tCount\n------------------------------\n{word}:\t5\nand:\t2\n------------------------------\nNode: n1\nTask: t\nJob:  j\nPool: p\n";

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private void SetUpStorage()
    {
        Storage.SetupGet(s => s.Capabilities).Returns(StorageCapabilities.None);
        Storage.SetupGet(s => s.DisplayName).Returns("mock-storage");
        Storage.Setup(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Storage.Setup(s => s.UploadFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(BlobUploadResult.Uploaded);
        Storage.Setup(s => s.GetBlobReadUrlAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string c, string b, DateTimeOffset _, CancellationToken _) => new Uri($"https://acct.example/{c}/{Uri.EscapeDataString(b)}?sp=r&sig=SECRETSIG"));
        Storage.Setup(s => s.GetContainerWriteUrlAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string c, DateTimeOffset _, CancellationToken _) => new Uri($"https://acct.example/{c}?sp=cw&sig=SECRETSIG"));
        Storage.Setup(s => s.ListBlobsAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string c, string? prefix, CancellationToken _) => ListOutputs(prefix));
        Storage.Setup(s => s.DownloadToFileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string c, string blob, string destination, CancellationToken _) =>
            {
                File.WriteAllText(destination, OutputText(Path.GetFileName(blob).Split('_')[0]));
                return Task.CompletedTask;
            });
        Storage.Setup(s => s.DeleteContainerIfExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string c, CancellationToken _) => RecordDeletion(c));
        SetUpRunRecords();
    }

    /// <summary>Gets the run record blobs (container/blob → JSON) the workflow wrote: an in-memory run store.</summary>
    public ConcurrentDictionary<string, byte[]> RunRecords { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets the record containers (<c>&lt;run id&gt;-run</c>) deleted, apart from the run's data containers in <see cref="DeletedContainers"/>.</summary>
    public List<string> DeletedRecordContainers { get; } = [];

    /// <summary>Records a container deletion: a run's record container apart from its data containers.</summary>
    public bool RecordDeletion(string container)
    {
        if (container.EndsWith("-run", StringComparison.Ordinal))
        {
            lock (DeletedRecordContainers)
            {
                DeletedRecordContainers.Add(container);
            }

            foreach (string key in RunRecords.Keys.Where(k => k.StartsWith(container + "/", StringComparison.Ordinal)))
            {
                RunRecords.TryRemove(key, out _);
            }

            return true;
        }

        lock (DeletedContainers)
        {
            DeletedContainers.Add(container);
        }

        return true;
    }

    private void SetUpRunRecords()
    {
        Storage.SetupGet(s => s.MaxUrlLifetime).Returns((TimeSpan?)null);
        Storage.Setup(s => s.UploadAsync(It.Is<string>(c => c.EndsWith("-run", StringComparison.Ordinal)), It.IsAny<string>(), It.IsAny<Stream>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((string c, string b, Stream content, BlobStorageUploadOptions? options, CancellationToken _) =>
            {
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                if (options is { Overwrite: false } && !RunRecords.TryAdd($"{c}/{b}", copy.ToArray()))
                {
                    return Task.FromException<BlobUploadResult>(new BlobStorageException(BlobStorageErrorKind.AlreadyExists, $"Blob '{b}' exists.", c, b));
                }

                RunRecords[$"{c}/{b}"] = copy.ToArray();
                return Task.FromResult(BlobUploadResult.Uploaded);
            });
        Storage.Setup(s => s.OpenReadAsync(It.Is<string>(c => c.EndsWith("-run", StringComparison.Ordinal)), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string c, string b, CancellationToken _) => RunRecords.TryGetValue($"{c}/{b}", out byte[]? bytes)
                ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
                : Task.FromException<Stream>(new BlobStorageException(BlobStorageErrorKind.NotFound, $"Blob '{b}' does not exist.", c, b)));
        Storage.Setup(s => s.DeleteBlobIfExistsAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string c, string b, CancellationToken _) => RunRecords.TryRemove($"{c}/{b}", out byte[]? _));
        Storage.Setup(s => s.ListContainersAsync(It.IsAny<string?>(), It.IsAny<CancellationToken>()))
            .Returns((string? prefix, CancellationToken _) => RunRecords.Keys.Select(k => k.Split('/')[0]).Distinct().Order(StringComparer.Ordinal).ToAsyncEnumerable());
    }

    /// <summary>The outputs the tasks uploaded: one task's (a listing by its prefix), or every task's (the whole container), in name order.</summary>
    public async IAsyncEnumerable<BlobItemInfo> ListOutputs(string? prefix)
    {
        await Task.Yield();
        // One task's outputs (a listing by its prefix), or every task's (a listing of the whole container), in name order.
        foreach (var task in Tasks.Values.Where(t => prefix is null || prefix == t.Id + "/").OrderBy(t => t.Id, StringComparer.Ordinal))
        {
            string input = task.ResourceFiles[0].FilePath.Split('/')[^1];
            yield return new BlobItemInfo($"{task.Id}/{Path.GetFileNameWithoutExtension(input)}_OUTPUT.txt", 100, null);
        }
    }

    private void SetUpCompute()
    {
        Compute.SetupGet(c => c.Capabilities).Returns(ComputeCapabilities.PosixNodes);
        Compute.SetupGet(c => c.DisplayName).Returns("mock-compute");
        Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Compute.Setup(c => c.GetPoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => new PoolInfo(id, PoolAllocationState.Steady, 2, 2, 1, []));
        Compute.Setup(c => c.WaitForPoolReadyAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => new PoolInfo(id, PoolAllocationState.Steady, 2, 2, 1, []));
        Compute.Setup(c => c.PreflightPoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>())).ReturnsAsync(ComputePreflightResult.Nothing);
        Compute.Setup(c => c.TerminateJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Compute.Setup(c => c.DeletePoolAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Compute.Setup(c => c.CreateJobAsync(It.IsAny<JobSpec>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        Compute.Setup(c => c.DeleteJobAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string job, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                foreach (var spec in specs)
                {
                    Tasks[spec.Id] = spec;
                }

                return new AddTasksResult(specs.Count, 0, 1);
            });
        Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new TaskCounts(0, 0, Tasks.Count, Tasks.Count - FailingCount(), FailingCount()));
        Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string job, TaskListQuery? q, CancellationToken _) => ListCompleted(Tasks.Keys.ToList()));
        Compute.Setup(c => c.GetTaskOutputTailAsync(It.IsAny<string>(), It.IsAny<string>(), TaskOutputStream.StandardError, It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(string.Join('\n', Enumerable.Range(1, 30).Select(i => $"stderr line {i}")) + "\n");
    }

    public int FailingCount() => Tasks.Values.Count(IsFailing);

    public bool IsFailing(TaskSpec spec) => FailingInputs.Any(name => spec.ResourceFiles[0].FilePath.EndsWith("/" + name, StringComparison.Ordinal));

    public async IAsyncEnumerable<BatchTaskInfo> ListCompleted(IEnumerable<string> ids)
    {
        await Task.Yield();
        foreach (string id in ids)
        {
            bool failing = IsFailing(Tasks[id]);
            yield return new BatchTaskInfo
            {
                Id = id,
                State = ComputeTaskState.Completed,
                StateTransitionTime = Clock.GetUtcNow(),
                ExitCode = failing ? 1 : 0,
                Result = failing ? TaskExecutionResult.Failure : TaskExecutionResult.Success,
                FailureInfo = failing ? new TaskFailureInfo("UserError", "FailureExitCode", "The task exited with a failure code") : null,
                RetryCount = failing ? 2 : 0,
                NodeId = "node-1",
                StartTime = Clock.GetUtcNow(),
                EndTime = Clock.GetUtcNow(),
            };
        }
    }
}

/// <summary>A fake clock whose tests can wait until the code under test starts a timer of a given due time, then advance it.</summary>
internal sealed class ManualClock : FakeTimeProvider
{
    private readonly ConcurrentDictionary<TimeSpan, SemaphoreSlim> _timers = new();
    private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

    public ManualClock()
        : base(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.GetOrAdd(dueTime, _ => new SemaphoreSlim(0)).Release();
        _created.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Gets the due times of every timer the code under test started, in order.</summary>
    public List<TimeSpan> StartedTimers { get; } = [];

    /// <summary>
    /// Advances time by each timer the code under test starts whose due time is at most <paramref name="maxStep"/>
    /// (retry delays, polls; not the stage timeouts, which fire when enough time has passed), until <paramref name="until"/> completes.
    /// </summary>
    public async Task PumpTimersAsync(Task until, TimeSpan maxStep)
    {
        using var stop = new CancellationTokenSource();
        while (true)
        {
            var next = _created.Reader.ReadAsync(stop.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System);
            if (await Task.WhenAny(until, next) == until)
            {
                await stop.CancelAsync();
                return;
            }

            if (next.IsFaulted)
            {
                Assert.Fail("The code under test neither finished nor started a timer.");
            }

            var due = await next;
            lock (StartedTimers)
            {
                StartedTimers.Add(due);
            }

            if (due > TimeSpan.Zero && due <= maxStep)
            {
                Advance(due);
            }
        }
    }

    /// <summary>Waits (bounded in real time, as a safety net) until a timer with <paramref name="dueTime"/> was created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        if (!await Timers(dueTime).WaitAsync(TimeSpan.FromSeconds(30)))
        {
            Assert.Fail($"No timer of {dueTime} was started by the code under test.");
        }
    }

    /// <summary>Advances time each time the code under test starts waiting <paramref name="interval"/>, until <paramref name="until"/> completes.</summary>
    public async Task PumpAsync(Task until, TimeSpan interval)
    {
        using var stop = new CancellationTokenSource();
        while (true)
        {
            var next = Timers(interval).WaitAsync(TimeSpan.FromSeconds(30), stop.Token);
            if (await Task.WhenAny(until, next) == until)
            {
                await stop.CancelAsync();
                return;
            }

            if (!await next)
            {
                Assert.Fail($"The code under test neither finished nor waited {interval} again.");
            }

            Advance(interval);
        }
    }

    private SemaphoreSlim Timers(TimeSpan dueTime) => _timers.GetOrAdd(dueTime, _ => new SemaphoreSlim(0));
}
