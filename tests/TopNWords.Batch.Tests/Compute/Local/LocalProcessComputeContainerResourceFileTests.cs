using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Conformance.Testing;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>Container resource files on the local engine: confinement of listed blob names, and no secret in logs.</summary>
[TestFixture]
public class LocalProcessComputeContainerResourceFileTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _root = null!;
    private TestFolderStorage _storage = null!;
    private LocalProcessCompute? _compute;
    private FakeLogCollector _logs = null!;
    private ILoggerFactory _loggerFactory = null!;

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _root = Directory.CreateTempSubdirectory("topnwords-containerfiles-").FullName;
        _storage = new TestFolderStorage(Path.Combine(_root, "storage"));
        _logs = new FakeLogCollector();
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)).SetMinimumLevel(LogLevel.Trace));
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_compute is not null)
        {
            await _compute.DisposeAsync();
        }

        _loggerFactory?.Dispose();
        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [TestCase("counts/../../escape.txt")]
    [TestCase("counts/../escape.txt")]
    [TestCase("/counts/rooted.txt")]
    [TestCase("counts/./here.txt")]
    public async Task ContainerResourceFile_ListedBlobNameLeavesTheFolder_FailsTheAttemptNamingTheBlobAndWritesNothingOutside(string blobName)
    {
        var url = await StageContainerAsync(("counts/genuine.txt", "genuine\n"));
        _compute = CreateCompute(new NamesListingTransfer(new UrlTransfer(), ["counts/genuine.txt", blobName]));
        await CreateReadyPoolAsync("pool");
        await _compute.CreateJobAsync(new JobSpec("job", "pool"));
        var task = new TaskSpec("t", Sh("echo ran"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobDownloadMiscError"));
            Assert.That(info.FailureInfo?.Message, Does.Contain($"'{blobName}'").And.Contain("refused").And.Not.Contain(_storage.Signature));
            Assert.That(Directory.EnumerateFiles(_root, "escape.txt", SearchOption.AllDirectories), Is.Empty, "nothing was written outside");
            Assert.That(Directory.EnumerateFiles(_root, "rooted.txt", SearchOption.AllDirectories), Is.Empty);
        });
    }

    [Test]
    public async Task ContainerResourceFile_RetriedAfterLinkingItsFolderOut_FailsNamingTheBlobAndWritesNothingOutside()
    {
        string outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "a.txt"), "outside-secret\n");
        var url = await StageContainerAsync(("counts/a.txt", "genuine\n"));
        _compute = CreateCompute(new UrlTransfer());
        await CreateReadyPoolAsync("pool");
        await _compute.CreateJobAsync(new JobSpec("job", "pool"));
        var task = new TaskSpec("t", Sh($"""
            if [ "$AZ_BATCH_TASK_RETRY_COUNT" = 0 ]; then rm -r in/counts; ln -s '{outside}' in/counts; exit 1; fi
            cat in/counts/a.txt
            """)) { Constraints = new TaskConstraints { MaxTaskRetryCount = 1 } };
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync("job", task);

        Assert.Multiple(() =>
        {
            Assert.That(info.Result, Is.EqualTo(TaskExecutionResult.Failure));
            Assert.That(info.RetryCount, Is.EqualTo(1));
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobDownloadMiscError"));
            Assert.That(info.FailureInfo?.Message, Does.Contain("'counts/a.txt'").And.Contain("symbolic link that leads outside the working directory"));
            Assert.That(File.ReadAllText(Path.Combine(outside, "a.txt")), Is.EqualTo("outside-secret\n"), "nothing outside was written");
        });
    }

    [Test]
    public async Task ContainerResourceFile_ExpiredUrl_NoLogOrFailureShowsTheUrlsQuery()
    {
        await StageContainerAsync(("counts/a.txt", "a\n"));
        var url = await _storage.GetContainerReadUrlAsync("staged", TimeProvider.System.GetUtcNow().AddHours(-1));
        _compute = CreateCompute(new UrlTransfer());
        await CreateReadyPoolAsync("pool");
        await _compute.CreateJobAsync(new JobSpec("job", "pool"));
        var task = new TaskSpec("t", Sh("echo ran"));
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(url, "counts/", "in"));

        var info = await RunTaskAsync("job", task);

        string query = url.Query.TrimStart('?');
        var logs = _logs.GetSnapshot().Select(r => r.Message + " " + r.Exception).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(info.FailureInfo?.Code, Is.EqualTo("BlobAccessDenied"));
            Assert.That(info.FailureInfo?.Message, Does.Contain("staged").And.Not.Contain(_storage.Signature).And.Not.Contain(query));
            Assert.That(logs, Has.Some.Contain("BlobAccessDenied"), "the failure is logged");
            Assert.That(logs, Has.None.Contain(_storage.Signature).And.None.Contain(query));
            Assert.That(task.ResourceFiles[0].ToString(), Does.Not.Contain(query).And.Not.Contain(_storage.Signature));
        });
    }

    private static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);

    private async Task<Uri> StageContainerAsync(params (string Name, string Content)[] blobs)
    {
        await _storage.CreateContainerIfNotExistsAsync("staged");
        foreach (var (name, content) in blobs)
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(content));
            await _storage.UploadAsync("staged", name, stream);
        }

        return await _storage.GetContainerReadUrlAsync("staged", TimeProvider.System.GetUtcNow().AddHours(1));
    }

    private LocalProcessCompute CreateCompute(IUrlTransfer transfer) => new(new LocalProcessComputeOptions
    {
        RootPath = Path.Combine(_root, "compute"),
        PollInterval = TimeSpan.FromMilliseconds(20),
        LoggerFactory = _loggerFactory,
        UrlTransfer = transfer,
    });

    private async Task CreateReadyPoolAsync(string poolId)
    {
        await _compute!.CreatePoolAsync(new PoolSpec(poolId, 1));
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        await _compute.WaitForPoolReadyAsync(poolId, deadline.Token);
    }

    private async Task<BatchTaskInfo> RunTaskAsync(string jobId, TaskSpec task)
    {
        await _compute!.AddTasksAsync(jobId, [task]);
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        while (true)
        {
            if (await _compute.GetTaskAsync(jobId, task.Id) is { State: ComputeTaskState.Completed } info)
            {
                return info;
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Task {task.Id} did not complete within {Deadline.TotalSeconds} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }
    }

    /// <summary>Lists the names it was given (as a hostile or broken Blob endpoint could) and downloads with <see cref="UrlTransfer"/>.</summary>
    private sealed class NamesListingTransfer(IUrlTransfer inner, IReadOnlyList<string> names) : IUrlTransfer
    {
        private readonly IUrlTransfer _inner = inner;

        public Task DownloadAsync(Uri sourceUrl, string destinationPath, CancellationToken cancellationToken = default) =>
            _inner.DownloadAsync(sourceUrl, destinationPath, cancellationToken);

        public Task UploadAsync(Uri containerUrl, string blobName, string sourcePath, CancellationToken cancellationToken = default) =>
            _inner.UploadAsync(containerUrl, blobName, sourcePath, cancellationToken);

        public async IAsyncEnumerable<string> ListBlobsAsync(Uri containerUrl, string? prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (string name in names)
            {
                await Task.Yield();
                yield return name;
            }
        }
    }
}
