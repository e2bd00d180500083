using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Storage.Local;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Tests.Storage.Local;

/// <summary>What only the local folder backend does: files on disk, <c>file:</c> URLs, its clock.</summary>
[TestFixture]
public class LocalFolderStorageTests
{
    private const string Container = "box";
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);

    private string _sandbox = null!;
    private string _root = null!;
    private FakeTimeProvider _time = null!;
    private LocalFolderStorage _storage = null!;

    [SetUp]
    public void SetUp()
    {
        _sandbox = Directory.CreateTempSubdirectory("topnwords-localstorage-").FullName;
        _root = Path.Combine(_sandbox, "root");
        _time = new FakeTimeProvider(Start);
        _storage = new LocalFolderStorage(_root, new LocalFolderStorageOptions { TimeProvider = _time });
    }

    [TearDown]
    public void TearDown()
    {
        Directory.Delete(_sandbox, recursive: true);
    }

    private string ContainerFolder => Path.Combine(_root, Container);

    // ---- Construction and containers --------------------------------------------------------------

    [Test]
    public void Constructor_RelativeRootWithTrailingSeparator_UsesTheFullPath()
    {
        var storage = new LocalFolderStorage("some/relative/dir" + Path.DirectorySeparatorChar);

        string expected = Path.GetFullPath("some/relative/dir");
        Assert.That(storage.RootDirectory, Is.EqualTo(expected));
        Assert.That(storage.DisplayName, Is.EqualTo(expected));
        Assert.That(storage.Capabilities, Is.EqualTo(StorageCapabilities.LocalListing), "no URL a service enforces or another machine can use; listings are folder reads");
        Assert.That(Directory.Exists(expected), Is.False, "constructing touches nothing on disk");
    }

    [Test]
    public void Constructor_EmptyRoot_Throws()
    {
        Assert.Throws<ArgumentException>(() => _ = new LocalFolderStorage(string.Empty));
        Assert.Throws<ArgumentNullException>(() => _ = new LocalFolderStorage(null!));
    }

    [Test]
    public async Task CreateContainerIfNotExistsAsync_RootMissing_CreatesRootAndContainerFolder()
    {
        Assert.That(await _storage.ContainerExistsAsync(Container), Is.False);

        Assert.That(await _storage.CreateContainerIfNotExistsAsync(Container), Is.True);

        Assert.That(Directory.Exists(ContainerFolder), Is.True);
    }

    [Test]
    public async Task CreateContainerIfNotExistsAsync_ManyCallersAtOnce_ExactlyOneReportsCreatingIt()
    {
        for (int round = 0; round < 10; round++)
        {
            string container = $"race-{round}";

            bool[] created = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _storage.CreateContainerIfNotExistsAsync(container))));

            Assert.That(created.Count(c => c), Is.EqualTo(1), $"round {round}");
        }
    }

    [Test]
    public async Task DeleteContainerIfExistsAsync_ContainerWithNestedBlobs_LeavesNothingInTheRoot()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync("a/b/c.txt", "deep");
        await UploadAsync("top.txt", "top");

        Assert.That(await _storage.DeleteContainerIfExistsAsync(Container), Is.True);

        Assert.That(Directory.GetFileSystemEntries(_root), Is.Empty);
    }

    [Test]
    public void UploadAsync_MissingContainer_MessageSaysHowToCreateIt()
    {
        var ex = Assert.ThrowsAsync<BlobStorageException>(() => UploadAsync("blob.txt", "x"));

        Assert.That(ex!.Kind, Is.EqualTo(BlobStorageErrorKind.NotFound));
        Assert.That(ex.Message, Does.Contain("'box'").And.Contain("CreateContainerIfNotExistsAsync"));
        Assert.That(Directory.Exists(ContainerFolder), Is.False, "an upload never creates the container");
    }

    // ---- Names stay inside the root ---------------------------------------------------------------

    [TestCase("../escape.txt")]
    [TestCase("a/../../escape.txt")]
    [TestCase("../../escape.txt")]
    [TestCase("..")]
    [TestCase("a/..")]
    [TestCase("./escape.txt")]
    [TestCase("a/./b.txt")]
    [TestCase("..\\escape.txt")]
    [TestCase("/tmp/escape.txt")]
    public async Task EveryBlobOperation_NameWithDotSegments_IsRefusedAndNothingLandsOutsideTheContainer(string blobName)
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        string source = Path.Combine(_sandbox, "source.txt");
        await File.WriteAllTextAsync(source, "payload");
        string download = Path.Combine(_sandbox, "download.txt");

        var failures = new[]
        {
            Assert.ThrowsAsync<BlobStorageException>(() => _storage.UploadAsync(Container, blobName, new MemoryStream(Encoding.UTF8.GetBytes("payload")))),
            Assert.ThrowsAsync<BlobStorageException>(() => _storage.UploadFileAsync(Container, blobName, source)),
            Assert.ThrowsAsync<BlobStorageException>(() => _storage.OpenReadAsync(Container, blobName)),
            Assert.ThrowsAsync<BlobStorageException>(() => _storage.DownloadToFileAsync(Container, blobName, download)),
            Assert.ThrowsAsync<BlobStorageException>(() => _storage.GetBlobReadUrlAsync(Container, blobName, Start.AddHours(1))),
        };

        Assert.That(failures.Select(f => f!.Kind), Is.All.EqualTo(BlobStorageErrorKind.InvalidName));
        Assert.That(Directory.GetFileSystemEntries(_sandbox, "*", SearchOption.AllDirectories), Is.EquivalentTo(new[] { _root, ContainerFolder, source }));
    }

    [Test]
    public async Task UploadAsync_NameReservedForTemporaryFiles_IsInvalidName()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => UploadAsync("dir/.x.0123456789abcdef0123456789abcdef.partial", "x"));

        Assert.That(ex!.Kind, Is.EqualTo(BlobStorageErrorKind.InvalidName));
        Assert.That(ex.Message, Does.Contain("reserves"));
    }

    // ---- Listing ----------------------------------------------------------------------------------

    [Test]
    public async Task ListBlobsAsync_ManyFoldersWhoseNamesPrefixOtherNames_ListsInOrdinalOrder()
    {
        // Folder names that other names continue with characters before and after '/' ('!' '-' '.' come before it,
        // '0' and letters after), thousands of blobs, and empty folders.
        await _storage.CreateContainerIfNotExistsAsync(Container);
        var names = new List<string>();
        foreach (string top in new[] { "a", "a!", "a-b", "a.x", "a0", "ab", "b" })
        {
            names.Add(top + ".txt");
            for (int i = 0; i < 400; i++)
            {
                names.Add($"{top}/{i % 7}/{i}.txt");
            }
        }

        names.Add("a/0/deeper/z.txt");
        names.Add("a/0!");
        foreach (string name in names)
        {
            string path = Path.Combine(ContainerFolder, name.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, name);
        }

        Directory.CreateDirectory(Path.Combine(ContainerFolder, "empty", "also-empty"));

        var listed = new List<BlobItemInfo>();
        await foreach (var blob in _storage.ListBlobsAsync(Container))
        {
            listed.Add(blob);
        }

        Assert.That(listed.Select(b => b.Name), Is.EqualTo(names.Order(StringComparer.Ordinal)));
        Assert.That(listed.Select(b => b.Length), Is.EqualTo(names.Order(StringComparer.Ordinal).Select(n => (long)Encoding.UTF8.GetByteCount(n))));
    }

    [Test]
    public async Task ListBlobsAsync_PrefixNamingAFolder_ListsOnlyUnderIt()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        foreach (string name in new[] { "task-1/out.txt", "task-1/more/b.txt", "task-10/out.txt", "task-1!.txt", "task-2/out.txt" })
        {
            await UploadAsync(name, name);
        }

        var underFolder = new List<string>();
        await foreach (var blob in _storage.ListBlobsAsync(Container, "task-1/"))
        {
            underFolder.Add(blob.Name);
        }

        var byNamePrefix = new List<string>();
        await foreach (var blob in _storage.ListBlobsAsync(Container, "task-1"))
        {
            byNamePrefix.Add(blob.Name);
        }

        Assert.That(underFolder, Is.EqualTo(new[] { "task-1/more/b.txt", "task-1/out.txt" }));
        Assert.That(byNamePrefix, Is.EqualTo(new[] { "task-1!.txt", "task-1/more/b.txt", "task-1/out.txt", "task-10/out.txt" }));
    }

    // ---- Temporary files and concurrency ----------------------------------------------------------

    [Test]
    public async Task ListBlobsAsync_TemporaryFilesOfUploadsInProgress_AreNotListedButDotFilesAre()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync(".env", "dot file");
        await UploadAsync("dir/.hidden.partial", "not a temporary name: no guid");
        Directory.CreateDirectory(Path.Combine(ContainerFolder, "dir"));
        // This storage's own temporary files, and UrlTransfer's when it writes through a file: URL.
        await File.WriteAllTextAsync(Path.Combine(ContainerFolder, $".upload.{Guid.NewGuid():N}.partial"), "half");
        await File.WriteAllTextAsync(Path.Combine(ContainerFolder, "dir", $".out.txt.{Guid.NewGuid():N}.partial"), "half");

        var names = await ListNamesAsync();

        Assert.That(names, Is.EqualTo(new[] { ".env", "dir/.hidden.partial" }));
    }

    [Test]
    public async Task UploadAsync_WhileOtherThreadsListAndRead_ReadersOnlySeeWholeBlobs()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        byte[] small = Enumerable.Repeat((byte)'s', 10_000).ToArray();
        byte[] large = Enumerable.Repeat((byte)'L', 400_000).ToArray();
        string[] names = ["one.bin", "two.bin", "nested/three.bin", "nested/deeper/four.bin"];
        foreach (string name in names)
        {
            await _storage.UploadAsync(Container, name, new MemoryStream(small));
        }

        var problems = new ConcurrentQueue<string>();
        int uploads = 0;
        using var stop = new CancellationTokenSource();
        // Writers keep replacing every blob, alternating sizes, until the readers are done.
        var writers = names.Select(name => Task.Run(async () =>
        {
            for (int round = 0; !stop.IsCancellationRequested; round++)
            {
                await _storage.UploadAsync(Container, name, new TricklingStream(round % 2 == 0 ? large : small));
                Interlocked.Increment(ref uploads);
            }
        })).ToArray();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            // Enough passes, over enough replacements; bounded in time.
            var deadline = Stopwatch.StartNew();
            for (int pass = 0; (pass < 40 || Volatile.Read(ref uploads) < 5 * names.Length) && deadline.Elapsed < TimeSpan.FromSeconds(30); pass++)
            {
                await foreach (var blob in _storage.ListBlobsAsync(Container))
                {
                    if (!names.Contains(blob.Name))
                    {
                        problems.Enqueue($"listed '{blob.Name}'");
                    }

                    if (blob.Length != small.Length && blob.Length != large.Length)
                    {
                        problems.Enqueue($"'{blob.Name}' listed with {blob.Length} bytes");
                    }

                    try
                    {
                        byte[] content = await ReadAllAsync(blob.Name);
                        if (!content.AsSpan().SequenceEqual(small) && !content.AsSpan().SequenceEqual(large))
                        {
                            problems.Enqueue($"'{blob.Name}' read as {content.Length} bytes");
                        }
                    }
                    catch (BlobStorageException ex)
                    {
                        problems.Enqueue($"'{blob.Name}' listed but not readable: {ex.Message}");
                    }
                }
            }
        })).ToArray();

        await Task.WhenAll(readers);
        int uploadsWhileReading = Volatile.Read(ref uploads);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.That(problems.Distinct().Take(10), Is.Empty);
        Assert.That(uploadsWhileReading, Is.GreaterThanOrEqualTo(5 * names.Length), "the blobs were replaced while being read");
        Assert.That(Directory.GetFiles(ContainerFolder, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Has.None.EndsWith(".partial"), "no temporary file is left");
    }

    [Test]
    public async Task UploadAsync_SeveralWritersWithoutOverwriteOnOneBlob_ExactlyOneWins()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        var noOverwrite = new BlobStorageUploadOptions { Overwrite = false };

        for (int round = 0; round < 10; round++)
        {
            string name = $"race-{round}.txt";
            int[] winners = await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
            {
                try
                {
                    await _storage.UploadAsync(Container, name, new MemoryStream(Encoding.UTF8.GetBytes($"writer {writer}")), noOverwrite);
                    return writer;
                }
                catch (BlobStorageException ex) when (ex.Kind == BlobStorageErrorKind.AlreadyExists)
                {
                    return -1;
                }
            })));

            int[] won = [.. winners.Where(w => w >= 0)];
            Assert.That(won, Has.Length.EqualTo(1), $"round {round}");
            Assert.That(Encoding.UTF8.GetString(await ReadAllAsync(name)), Is.EqualTo($"writer {won[0]}"));
        }
    }

    [Test]
    public async Task UploadAsync_CancelledMidStream_KeepsTheOldBlobAndLeavesNoTemporaryFile()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync("dir/blob.txt", "old");
        using var cts = new CancellationTokenSource();
        var content = new CancelAfterFirstReadStream(new byte[1_000_000], cts);

        Assert.CatchAsync<OperationCanceledException>(() => _storage.UploadAsync(Container, "dir/blob.txt", content, null, cts.Token));

        Assert.That(content.Reads, Is.GreaterThan(0), "the upload had started");
        Assert.That(Encoding.UTF8.GetString(await ReadAllAsync("dir/blob.txt")), Is.EqualTo("old"));
        Assert.That(Directory.GetFiles(ContainerFolder, "*", SearchOption.AllDirectories), Is.EqualTo(new[] { Path.Combine(ContainerFolder, "dir", "blob.txt") }));
    }

    [Test]
    public async Task DownloadToFileAsync_CancelledMidCopy_RemovesThePartialFile()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        using (var file = File.Create(Path.Combine(ContainerFolder, "big.bin")))
        {
            // A sparse file: large to copy, free to create.
            file.SetLength(128L * 1024 * 1024);
        }

        string destination = Path.Combine(_sandbox, "copy.bin");
        using var cts = new CancellationTokenSource();

        var download = _storage.DownloadToFileAsync(Container, "big.bin", destination, cts.Token);
        while (PartialDownloads().Length == 0 && !download.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1), TimeProvider.System);
        }

        // Part-way, the copy is a hidden temporary file: a process killed now leaves nothing under the destination's name.
        bool destinationSeenPartWay = File.Exists(destination);
        await cts.CancelAsync();
        try
        {
            await download;
            Assert.Inconclusive("The download finished before it could be cancelled.");
        }
        catch (OperationCanceledException)
        {
        }

        Assert.That(destinationSeenPartWay, Is.False);
        Assert.That(File.Exists(destination), Is.False);
        Assert.That(PartialDownloads(), Is.Empty);
    }

    [Test]
    public async Task DownloadToFileAsync_ManyAtOnceToOneDestination_ExactlyOneWritesItWhole()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        string content = string.Concat(Enumerable.Repeat("0123456789", 20_000));
        await UploadAsync("blob.txt", content);
        string destination = Path.Combine(_sandbox, "copy.txt");

        var downloads = Enumerable.Range(0, 8).Select(_ => Task.Run(() => _storage.DownloadToFileAsync(Container, "blob.txt", destination))).ToList();
        var outcomes = new List<Exception?>();
        foreach (var download in downloads)
        {
            try
            {
                await download;
                outcomes.Add(null);
            }
            catch (BlobStorageException ex)
            {
                outcomes.Add(ex);
            }
        }

        Assert.That(outcomes.Count(e => e is null), Is.EqualTo(1), "one wins");
        Assert.That(outcomes.OfType<BlobStorageException>().Select(e => e.Kind), Has.All.EqualTo(BlobStorageErrorKind.DestinationExists));
        Assert.That(await File.ReadAllTextAsync(destination), Is.EqualTo(content));
        Assert.That(PartialDownloads(), Is.Empty);
    }

    private string[] PartialDownloads() => Directory.GetFiles(_sandbox, ".download.*.partial");

    [Test]
    public async Task DownloadToFileAsync_DestinationFolderMissing_FailsWithoutCreatingIt()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync("blob.txt", "x");
        string destination = Path.Combine(_sandbox, "missing", "copy.txt");

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => _storage.DownloadToFileAsync(Container, "blob.txt", destination));

        Assert.That(ex!.Message, Does.Contain("does not exist"));
        Assert.That(Directory.Exists(Path.Combine(_sandbox, "missing")), Is.False);
    }

    [Test]
    public async Task UploadAsync_BlobNamedLikeAFolderOfBlobs_FailsAndKeepsBoth()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync("a/b.txt", "nested");
        await UploadAsync("file", "plain");

        var folderAsBlob = Assert.ThrowsAsync<BlobStorageException>(() => UploadAsync("a", "clash"));
        var blobAsFolder = Assert.ThrowsAsync<BlobStorageException>(() => UploadAsync("file/inner.txt", "clash"));

        Assert.That(folderAsBlob!.Message, Does.Contain("cannot share its name"));
        Assert.That(blobAsFolder!.BlobName, Is.EqualTo("file/inner.txt"));
        Assert.That(await ListNamesAsync(), Is.EqualTo(new[] { "a/b.txt", "file" }));
    }

    // ---- Time -------------------------------------------------------------------------------------

    [Test]
    public async Task UploadAsync_StampsLastModifiedFromTheTimeProvider()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        _time.Advance(TimeSpan.FromMinutes(5));

        await UploadAsync("blob.txt", "x");

        var blob = await SingleBlobAsync();
        Assert.That(blob.LastModified, Is.EqualTo(Start.AddMinutes(5)));
        Assert.That(blob.ContentMd5, Is.Null, "the MD5 is not reported by listings");
    }

    [Test]
    public async Task UploadAsync_SkippedBecauseContentMatches_KeepsTheBlobUntouched()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        await UploadAsync("app.zip", "application", skip);
        _time.Advance(TimeSpan.FromHours(1));

        var result = await UploadAsync("app.zip", "application", skip);

        Assert.That(result, Is.EqualTo(BlobUploadResult.Skipped));
        Assert.That((await SingleBlobAsync()).LastModified, Is.EqualTo(Start), "the blob was not rewritten");
        Assert.That(Directory.GetFiles(ContainerFolder), Has.Length.EqualTo(1), "no temporary file is left");
    }

    // ---- URLs -------------------------------------------------------------------------------------

    [Test]
    public async Task GetBlobReadUrlAsync_ReturnsFileUrlOfTheBlobWithReadOnlyLimits()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        const string name = "dir/na me #1 100% ?.txt";

        var url = await _storage.GetBlobReadUrlAsync(Container, name, Start.AddHours(1));

        Assert.That(url.IsFile, Is.True);
        Assert.That(url.LocalPath, Is.EqualTo(Path.Combine(ContainerFolder, "dir", "na me #1 100% ?.txt")));
        Assert.That(url.Query, Is.EqualTo("?se=2026-11-29T13%3A00%3A00Z&sr=b&sp=r"));
        Assert.That(url.Fragment, Is.Empty);
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_ReturnsFileUrlOfTheContainerWithCreateWriteLimits()
    {
        var url = await _storage.GetContainerWriteUrlAsync(Container, Start.AddHours(1));

        Assert.That(url.IsFile, Is.True);
        Assert.That(url.LocalPath, Is.EqualTo(ContainerFolder));
        Assert.That(url.Query, Is.EqualTo("?se=2026-11-29T13%3A00%3A00Z&sr=c&sp=cw"));
    }

    [Test]
    public async Task GetBlobReadUrlAsync_ExpiryWithOffset_IsWrittenInUtc()
    {
        var url = await _storage.GetBlobReadUrlAsync(Container, "b.txt", new DateTimeOffset(2026, 11, 29, 15, 30, 0, TimeSpan.FromHours(2)));

        Assert.That(url.Query, Does.Contain("se=2026-11-29T13%3A30%3A00Z"));
    }

    [Test]
    public async Task GetBlobReadUrlAsync_ExpiryPassesOnTheClock_DownloadBecomesForbidden()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        await UploadAsync("input.txt", "data");
        var url = await _storage.GetBlobReadUrlAsync(Container, "input.txt", Start.AddHours(1));
        using var transfer = new UrlTransfer(timeProvider: _time);

        await transfer.DownloadAsync(url, Path.Combine(_sandbox, "before.txt"));
        _time.Advance(TimeSpan.FromHours(1));
        var ex = Assert.ThrowsAsync<UrlTransferException>(() => transfer.DownloadAsync(url, Path.Combine(_sandbox, "after.txt")));

        Assert.That(await File.ReadAllTextAsync(Path.Combine(_sandbox, "before.txt")), Is.EqualTo("data"));
        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
        Assert.That(File.Exists(Path.Combine(_sandbox, "after.txt")), Is.False);
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_ExpiryPassesOnTheClock_UploadBecomesForbidden()
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        var url = await _storage.GetContainerWriteUrlAsync(Container, Start.AddMinutes(30));
        string source = Path.Combine(_sandbox, "out.txt");
        await File.WriteAllTextAsync(source, "output");
        using var transfer = new UrlTransfer(timeProvider: _time);

        await transfer.UploadAsync(url, "task-1/out.txt", source);
        _time.Advance(TimeSpan.FromMinutes(31));
        var ex = Assert.ThrowsAsync<UrlTransferException>(() => transfer.UploadAsync(url, "task-2/out.txt", source));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
        Assert.That(await ListNamesAsync(), Is.EqualTo(new[] { "task-1/out.txt" }));
    }

    // ---- Helpers ----------------------------------------------------------------------------------

    private Task<BlobUploadResult> UploadAsync(string name, string text, BlobStorageUploadOptions? options = null)
        => _storage.UploadAsync(Container, name, new MemoryStream(Encoding.UTF8.GetBytes(text)), options);

    private async Task<List<string>> ListNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in _storage.ListBlobsAsync(Container))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    private async Task<BlobItemInfo> SingleBlobAsync()
    {
        var blobs = new List<BlobItemInfo>();
        await foreach (var blob in _storage.ListBlobsAsync(Container))
        {
            blobs.Add(blob);
        }

        Assert.That(blobs, Has.Count.EqualTo(1));
        return blobs[0];
    }

    private async Task<byte[]> ReadAllAsync(string name)
    {
        var stream = await _storage.OpenReadAsync(Container, name);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }

    /// <summary>Serves its bytes in small pieces, yielding between them, so uploads stay in progress while others read.</summary>
    private sealed class TricklingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return await base.ReadAsync(buffer[..Math.Min(buffer.Length, 8192)], cancellationToken);
        }
    }

    /// <summary>Serves its bytes, and cancels the upload's token after the first read.</summary>
    private sealed class CancelAfterFirstReadStream(byte[] data, CancellationTokenSource cts) : MemoryStream(data, writable: false)
    {
        public int Reads { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = await base.ReadAsync(buffer, cancellationToken);
            Reads++;
            await cts.CancelAsync();
            return read;
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(300)]
    [TestCase(81919)]
    [TestCase(81920)]
    [TestCase(81921)]
    [TestCase(300_000)]
    public async Task UploadFile_ThenDownloadToFile_KeepsEveryByte_WhateverTheSizeAgainstTheCopyBuffer(int size)
    {
        await _storage.CreateContainerIfNotExistsAsync(Container);
        byte[] content = new byte[size];
        new Random(size).NextBytes(content);
        string source = Path.Combine(_sandbox, "source.bin");
        await File.WriteAllBytesAsync(source, content);
        await _storage.UploadFileAsync(Container, "sized.bin", source);
        string destination = Path.Combine(_sandbox, "sized.bin");

        await _storage.DownloadToFileAsync(Container, "sized.bin", destination);

        Assert.That(await File.ReadAllBytesAsync(destination), Is.EqualTo(content));
    }
}
