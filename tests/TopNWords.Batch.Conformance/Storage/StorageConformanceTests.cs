using System.Security.Cryptography;
using System.Text;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Conformance.Storage;

/// <summary>
/// The behaviour every <see cref="IBlobStorage"/> backend shares. A backend's test project inherits this
/// class, marks it <c>[TestFixture]</c> and implements <see cref="CreateStorageAsync"/>; every test then
/// runs against that backend, through the <see cref="IBlobStorage"/> contract and <see cref="IUrlTransfer"/> only.
/// </summary>
/// <remarks>
/// Each test works in containers named by <see cref="NewContainerName"/>, all deleted after the test, and
/// in a local scratch folder (<see cref="WorkDirectory"/>). Tests that need a capability the backend does
/// not declare in <see cref="IBlobStorage.Capabilities"/> are ignored, saying which capability is missing.
/// </remarks>
public abstract class StorageConformanceTests
{
    /// <summary>Names that the awkward-name tests round-trip: shell metacharacters, quotes, URL delimiters, non-ASCII.</summary>
    protected static readonly string[] AwkwardBlobNames =
    [
        "name with spaces.txt",
        "it's \"quoted\".txt",
        "-n 3 $(echo hi) `x`.txt",
        "--leading-dashes",
        "données été 日本.txt",
        "hash#percent%25 and %.txt",
        "question?mark&amp=equals;semi+plus.txt",
        "nested dir/sub (1)/[brackets] {braces} @!~*'.txt",
    ];

    /// <summary>Container names that break the naming rules.</summary>
    protected static readonly string[] InvalidContainerNames =
    [
        "ab",
        "UpperCase",
        "under_score",
        "-leading",
        "trailing-",
        "double--hyphen",
        "dot.ted",
        "a234567890123456789012345678901234567890123456789012345678901234",
    ];

    /// <summary>Blob names that break the naming rules (and would escape a folder if they did not).</summary>
    protected static readonly string[] InvalidBlobNames =
    [
        "/rooted.txt",
        "trailing/",
        "trailing.",
        "double//slash.txt",
        "a/../escape.txt",
        "../escape.txt",
        "..",
        "./here.txt",
        "back\\slash.txt",
        "tab\tname.txt",
    ];

    private readonly List<string> _containers = [];
    private CancellationTokenSource? _timeout;
    private IBlobStorage? _storage;
    private IUrlTransfer? _transfer;
    private string? _workDirectory;

    /// <summary>Gets the backend under test, created for each test.</summary>
    protected IBlobStorage Storage => _storage ?? throw new InvalidOperationException("The storage is created in SetUp.");

    /// <summary>Gets the transfer that uses the backend's URLs, created for each test.</summary>
    protected IUrlTransfer Transfer => _transfer ?? throw new InvalidOperationException("The transfer is created in SetUp.");

    /// <summary>Gets a local scratch folder for the test's source and destination files, deleted after the test.</summary>
    protected string WorkDirectory => _workDirectory ?? throw new InvalidOperationException("The work folder is created in SetUp.");

    /// <summary>Gets a token that cancels the test's operations after <see cref="TestTimeout"/>.</summary>
    protected CancellationToken Token => _timeout?.Token ?? CancellationToken.None;

    /// <summary>Gets how long one test may take before its operations are cancelled.</summary>
    protected virtual TimeSpan TestTimeout => TimeSpan.FromMinutes(2);

    /// <summary>Gets the clock URL expiries are computed from; it must agree with whatever enforces them.</summary>
    protected virtual TimeProvider TimeProvider => TimeProvider.System;

    /// <summary>
    /// Gets what the backend knows that must never leak: account keys, connection strings, tokens. No URL
    /// and no exception message (including inner exceptions) may contain any of them.
    /// </summary>
    protected virtual IEnumerable<string> Secrets => [];

    /// <summary>Creates the backend under test. Called once per test.</summary>
    /// <returns>The storage.</returns>
    protected abstract Task<IBlobStorage> CreateStorageAsync();

    /// <summary>Creates the transfer that exercises the backend's URLs.</summary>
    /// <returns>The transfer.</returns>
    protected virtual IUrlTransfer CreateUrlTransfer() => new UrlTransfer(timeProvider: TimeProvider);

    /// <summary>Releases the backend after the test's containers are deleted. Disposes it when it is disposable.</summary>
    /// <param name="storage">The storage.</param>
    /// <returns>A task that completes when it is released.</returns>
    protected virtual async Task DisposeStorageAsync(IBlobStorage storage)
    {
        if (storage is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else if (storage is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>A valid container name no other test uses, deleted after the test.</summary>
    /// <returns>A lower-case name of 37 characters.</returns>
    protected string NewContainerName()
    {
        string name = $"conf-{Guid.NewGuid():N}";
        _containers.Add(name);
        return name;
    }

    [SetUp]
    public async Task SetUpStorageConformanceAsync()
    {
        _containers.Clear();
        _timeout = new CancellationTokenSource(TestTimeout, TimeProvider.System);
        _workDirectory = Directory.CreateTempSubdirectory("topnwords-conformance-").FullName;
        _storage = await CreateStorageAsync();
        _transfer = CreateUrlTransfer();
    }

    [TearDown]
    public async Task TearDownStorageConformanceAsync()
    {
        var failures = new List<string>();
        if (_storage is not null)
        {
            // Cleanup gets its own token: a timed-out test still removes its containers.
            using var cleanup = new CancellationTokenSource(TimeSpan.FromMinutes(1), TimeProvider.System);
            foreach (string container in _containers)
            {
                try
                {
                    await _storage.DeleteContainerIfExistsAsync(container, cleanup.Token);
                }
                catch (Exception ex)
                {
                    failures.Add($"{container}: {ex.Message}");
                }
            }

            await DisposeStorageAsync(_storage);
            _storage = null;
        }

        (_transfer as IDisposable)?.Dispose();
        _transfer = null;
        _timeout?.Dispose();
        _timeout = null;
        if (_workDirectory is not null && Directory.Exists(_workDirectory))
        {
            Directory.Delete(_workDirectory, recursive: true);
        }

        _workDirectory = null;
        if (failures.Count > 0)
        {
            // Reported after a passing test only: a failing test's own error matters more than its cleanup.
            TestContext.Out.WriteLine("Container cleanup failed: " + string.Join("; ", failures));
            if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Passed)
            {
                Assert.Fail("Container cleanup failed: " + string.Join("; ", failures));
            }
        }
    }

    // ---- Containers -------------------------------------------------------------------------------

    [Test]
    public async Task CreateContainerIfNotExistsAsync_NewThenExisting_ReturnsTrueThenFalse()
    {
        string container = NewContainerName();

        bool first = await Storage.CreateContainerIfNotExistsAsync(container, Token);
        bool second = await Storage.CreateContainerIfNotExistsAsync(container, Token);

        Assert.That(first, Is.True, "the first call creates the container");
        Assert.That(second, Is.False, "the second call finds it already there");
        Assert.That(await Storage.ContainerExistsAsync(container, Token), Is.True);
    }

    [Test]
    public async Task ContainerExistsAsync_NeverCreated_ReturnsFalse()
    {
        Assert.That(await Storage.ContainerExistsAsync(NewContainerName(), Token), Is.False);
    }

    [Test]
    public async Task DeleteContainerIfExistsAsync_ExistingThenDeleted_ReturnsTrueThenFalse()
    {
        string container = await NewContainerAsync();

        bool first = await Storage.DeleteContainerIfExistsAsync(container, Token);
        bool second = await Storage.DeleteContainerIfExistsAsync(container, Token);

        Assert.That(first, Is.True, "the first call deletes the container");
        Assert.That(second, Is.False, "the second call finds nothing to delete");
        Assert.That(await Storage.ContainerExistsAsync(container, Token), Is.False);
    }

    [Test]
    public async Task ListContainersAsync_WithAPrefix_ListsExactlyTheContainersThatStartWithIt_InNameOrder()
    {
        string first = await NewContainerAsync();
        string second = await NewContainerAsync();
        string prefix = first[..Math.Min(first.Length, second.Length)];
        while (!second.StartsWith(prefix, StringComparison.Ordinal))
        {
            prefix = prefix[..^1];
        }

        var listed = new List<string>();
        await foreach (string name in Storage.ListContainersAsync(prefix, Token))
        {
            listed.Add(name);
        }

        Assert.That(listed, Does.Contain(first).And.Contain(second));
        Assert.That(listed, Has.All.StartsWith(prefix));
        Assert.That(listed, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        await Storage.DeleteContainerIfExistsAsync(first, Token);
        var after = new List<string>();
        await foreach (string name in Storage.ListContainersAsync(first, Token))
        {
            after.Add(name);
        }

        Assert.That(after, Does.Not.Contain(first), "a deleted container is not listed");
    }

    [Test]
    public async Task DeleteBlobIfExistsAsync_ExistingThenDeleted_ReturnsTrueThenFalse_AndLeavesOtherBlobs()
    {
        string container = await NewContainerAsync();
        await Storage.UploadAsync(container, "keep.txt", new MemoryStream([1, 2, 3]), cancellationToken: Token);
        await Storage.UploadAsync(container, "run/state.json", new MemoryStream([4]), cancellationToken: Token);

        bool first = await Storage.DeleteBlobIfExistsAsync(container, "run/state.json", Token);
        bool second = await Storage.DeleteBlobIfExistsAsync(container, "run/state.json", Token);
        bool noContainer = await Storage.DeleteBlobIfExistsAsync(NewContainerName(), "x.txt", Token);

        Assert.That(first, Is.True);
        Assert.That(second, Is.False);
        Assert.That(noContainer, Is.False, "a missing container is nothing to delete, not an error");
        var names = new List<string>();
        await foreach (var blob in Storage.ListBlobsAsync(container, null, Token))
        {
            names.Add(blob.Name);
        }

        Assert.That(names, Is.EqualTo(new[] { "keep.txt" }));
    }

    [Test]
    public async Task DeleteContainerIfExistsAsync_ContainerWithBlobs_RemovesTheBlobs()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "top.txt", Bytes("top"));
        await UploadBytesAsync(container, "a/b/nested.txt", Bytes("nested"));

        Assert.That(await Storage.DeleteContainerIfExistsAsync(container, Token), Is.True);

        await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => ReadAllAsync(container, "top.txt"));
        await CreateContainerWhenItIsGoneAsync(container);
        Assert.That(await ListNamesAsync(container), Is.Empty, "a container created again under the same name starts empty");
    }

    [TestCaseSource(nameof(InvalidContainerNames))]
    public async Task EveryOperation_InvalidContainerName_ThrowsInvalidNameBeforeTouchingAnything(string container)
    {
        var content = new MemoryStream(Bytes("content"));
        string source = WriteLocalFile(Bytes("content"));
        string destination = NewLocalPath();

        var operations = new (string Name, Func<Task> Call)[]
        {
            ("CreateContainerIfNotExistsAsync", () => Storage.CreateContainerIfNotExistsAsync(container, Token)),
            ("DeleteContainerIfExistsAsync", () => Storage.DeleteContainerIfExistsAsync(container, Token)),
            ("ContainerExistsAsync", () => Storage.ContainerExistsAsync(container, Token)),
            ("UploadAsync", () => Storage.UploadAsync(container, "blob.txt", content, null, Token)),
            ("UploadFileAsync", () => Storage.UploadFileAsync(container, "blob.txt", source, null, Token)),
            ("ListBlobsAsync", () => ListNamesAsync(container)),
            ("OpenReadAsync", () => ReadAllAsync(container, "blob.txt")),
            ("DownloadToFileAsync", () => Storage.DownloadToFileAsync(container, "blob.txt", destination, Token)),
            ("GetBlobReadUrlAsync", () => Storage.GetBlobReadUrlAsync(container, "blob.txt", InOneHour(), Token)),
            ("GetContainerWriteUrlAsync", () => Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token)),
            ("GetContainerReadUrlAsync", () => Storage.GetContainerReadUrlAsync(container, InOneHour(), Token)),
        };

        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, call) in operations)
            {
                var ex = await AssertStorageFailsAsync(BlobStorageErrorKind.InvalidName, call, name);
                Assert.That(ex?.ContainerName, Is.EqualTo(container), $"{name} names the container");
            }

            Assert.That(content.Position, Is.Zero, "the upload content was not read");
            Assert.That(File.Exists(destination), Is.False, "no download file was created");
        }
    }

    // ---- Names ------------------------------------------------------------------------------------

    [TestCaseSource(nameof(InvalidBlobNames))]
    public async Task EveryBlobOperation_InvalidBlobName_ThrowsInvalidNameAndCreatesNothing(string blobName)
    {
        string container = await NewContainerAsync();
        var content = new MemoryStream(Bytes("content"));
        string source = WriteLocalFile(Bytes("content"));
        string destination = NewLocalPath();

        var operations = new (string Name, Func<Task> Call)[]
        {
            ("UploadAsync", () => Storage.UploadAsync(container, blobName, content, null, Token)),
            ("UploadFileAsync", () => Storage.UploadFileAsync(container, blobName, source, null, Token)),
            ("OpenReadAsync", () => ReadAllAsync(container, blobName)),
            ("DownloadToFileAsync", () => Storage.DownloadToFileAsync(container, blobName, destination, Token)),
            ("GetBlobReadUrlAsync", () => Storage.GetBlobReadUrlAsync(container, blobName, InOneHour(), Token)),
        };

        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, call) in operations)
            {
                var ex = await AssertStorageFailsAsync(BlobStorageErrorKind.InvalidName, call, name);
                Assert.That(ex?.BlobName, Is.EqualTo(blobName), $"{name} names the blob");
            }

            Assert.That(content.Position, Is.Zero, "the upload content was not read");
            Assert.That(File.Exists(destination), Is.False, "no download file was created");
        }

        Assert.That(await ListNamesAsync(container), Is.Empty, "nothing was written to the container");
    }

    [TestCaseSource(nameof(AwkwardBlobNames))]
    public async Task UploadAsync_AwkwardName_RoundTripsThroughListDownloadAndReadUrl(string blobName)
    {
        string container = await NewContainerAsync();
        byte[] data = Bytes("content of " + blobName);

        await UploadBytesAsync(container, blobName, data);

        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { blobName }));
        Assert.That(await DownloadBytesAsync(container, blobName), Is.EqualTo(data), "DownloadToFileAsync");
        Assert.That(await ReadAllAsync(container, blobName), Is.EqualTo(data), "OpenReadAsync");
        var url = await Storage.GetBlobReadUrlAsync(container, blobName, InOneHour(), Token);
        string copy = NewLocalPath();
        await Transfer.DownloadAsync(url, copy, Token);
        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(data), "the read URL");
    }

    [TestCaseSource(nameof(AwkwardBlobNames))]
    public async Task GetContainerWriteUrlAsync_AwkwardName_UploadLandsUnderThatName(string blobName)
    {
        string container = await NewContainerAsync();
        byte[] data = Bytes("written through the URL: " + blobName);
        var url = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);

        await Transfer.UploadAsync(url, blobName, WriteLocalFile(data), Token);

        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { blobName }));
        Assert.That(await ReadAllAsync(container, blobName), Is.EqualTo(data));
    }

    // ---- Upload and download ----------------------------------------------------------------------

    [Test]
    public async Task UploadAsync_EmptyContent_RoundTripsAsEmptyBlob()
    {
        string container = await NewContainerAsync();

        var result = await UploadBytesAsync(container, "empty.txt", []);

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        var listed = await ListAsync(container);
        Assert.That(listed.Select(b => (b.Name, b.Length)), Is.EqualTo(new[] { ("empty.txt", 0L) }));
        Assert.That(await DownloadBytesAsync(container, "empty.txt"), Is.Empty);
        Assert.That(await ReadAllAsync(container, "empty.txt"), Is.Empty);
    }

    [Test]
    public async Task UploadAsync_EveryByteValue_RoundTripsExactly()
    {
        string container = await NewContainerAsync();
        byte[] data = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(Enumerable.Range(0, 256).Select(i => (byte)(255 - i))).ToArray();

        await UploadBytesAsync(container, "binary.bin", data);

        Assert.That(await DownloadBytesAsync(container, "binary.bin"), Is.EqualTo(data));
        Assert.That(await ReadAllAsync(container, "binary.bin"), Is.EqualTo(data));
        Assert.That((await ListAsync(container)).Single().Length, Is.EqualTo(data.Length));
    }

    [Test]
    public async Task UploadAsync_FiveMegabytesFromNonSeekableStream_RoundTrips()
    {
        string container = await NewContainerAsync();
        const long size = (5 * 1024 * 1024) + 4321;
        byte[] expectedHash = await SHA256.HashDataAsync(new PatternStream(size, seed: 7), Token);

        var result = await Storage.UploadAsync(container, "big.bin", new PatternStream(size, seed: 7), null, Token);

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That((await ListAsync(container)).Single().Length, Is.EqualTo(size));
        string downloaded = NewLocalPath();
        await Storage.DownloadToFileAsync(container, "big.bin", downloaded, Token);
        Assert.That(new FileInfo(downloaded).Length, Is.EqualTo(size));
        Assert.That(await HashFileAsync(downloaded), Is.EqualTo(expectedHash), "DownloadToFileAsync");
        var stream = await Storage.OpenReadAsync(container, "big.bin", Token);
        await using (stream)
        {
            Assert.That(await SHA256.HashDataAsync(stream, Token), Is.EqualTo(expectedHash), "OpenReadAsync");
        }
    }

    [Test]
    public async Task UploadFileAsync_LocalFile_RoundTrips()
    {
        string container = await NewContainerAsync();
        byte[] data = Bytes(string.Concat(Enumerable.Repeat("a line of the task application\n", 5000)));

        var result = await Storage.UploadFileAsync(container, "app/runner.dll", WriteLocalFile(data), null, Token);

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(await DownloadBytesAsync(container, "app/runner.dll"), Is.EqualTo(data));
    }

    [Test]
    public async Task UploadAsync_StreamNotAtStart_UploadsFromItsPosition()
    {
        string container = await NewContainerAsync();
        var content = new MemoryStream(Bytes("skipped|kept"));
        content.Position = "skipped|".Length;

        await Storage.UploadAsync(container, "tail.txt", content, null, Token);

        Assert.That(await ReadAllAsync(container, "tail.txt"), Is.EqualTo(Bytes("kept")));
    }

    [Test]
    public async Task UploadAsync_NestedName_ListedWithSlashesAndReadable()
    {
        string container = await NewContainerAsync();

        await UploadBytesAsync(container, "a/b/c.txt", Bytes("deep"));
        await UploadBytesAsync(container, "a/top.txt", Bytes("shallow"));

        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { "a/b/c.txt", "a/top.txt" }));
        Assert.That(await ReadAllAsync(container, "a/b/c.txt"), Is.EqualTo(Bytes("deep")));
    }

    [Test]
    public async Task UploadAsync_ExistingBlobByDefault_ReplacesIt()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "blob.txt", Bytes("first version, longer"));

        var result = await UploadBytesAsync(container, "blob.txt", Bytes("second"));

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(await ReadAllAsync(container, "blob.txt"), Is.EqualTo(Bytes("second")));
    }

    [Test]
    public async Task UploadAsync_ExistingBlobWithoutOverwrite_ThrowsAlreadyExistsAndKeepsContent()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "blob.txt", Bytes("original"));
        var noOverwrite = new BlobStorageUploadOptions { Overwrite = false };

        var ex = await AssertStorageFailsAsync(BlobStorageErrorKind.AlreadyExists, () => UploadBytesAsync(container, "blob.txt", Bytes("replacement"), noOverwrite));
        await AssertStorageFailsAsync(BlobStorageErrorKind.AlreadyExists, () => Storage.UploadFileAsync(container, "blob.txt", WriteLocalFile(Bytes("replacement")), noOverwrite, Token));

        Assert.That(ex?.BlobName, Is.EqualTo("blob.txt"));
        Assert.That(await ReadAllAsync(container, "blob.txt"), Is.EqualTo(Bytes("original")));
        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { "blob.txt" }));
    }

    [Test]
    public async Task UploadAsync_NewBlobWithoutOverwrite_Uploads()
    {
        string container = await NewContainerAsync();

        var result = await UploadBytesAsync(container, "blob.txt", Bytes("new"), new BlobStorageUploadOptions { Overwrite = false });

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(await ReadAllAsync(container, "blob.txt"), Is.EqualTo(Bytes("new")));
    }

    [Test]
    public async Task UploadAsync_SkipIfContentMatches_SkipsIdenticalAndUploadsChanged()
    {
        string container = await NewContainerAsync();
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };

        var first = await UploadBytesAsync(container, "app.zip", Bytes("version 1"), skip);
        var same = await UploadBytesAsync(container, "app.zip", Bytes("version 1"), skip);
        var sameLength = await UploadBytesAsync(container, "app.zip", Bytes("version 2"), skip);
        Assert.That(await ReadAllAsync(container, "app.zip"), Is.EqualTo(Bytes("version 2")), "same length, different bytes: uploaded");
        var longer = await UploadBytesAsync(container, "app.zip", Bytes("version 3, longer"), skip);

        Assert.That(first, Is.EqualTo(BlobUploadResult.Uploaded), "nothing to compare with");
        Assert.That(same, Is.EqualTo(BlobUploadResult.Skipped), "identical content");
        Assert.That(sameLength, Is.EqualTo(BlobUploadResult.Uploaded), "same length, different bytes");
        Assert.That(longer, Is.EqualTo(BlobUploadResult.Uploaded), "different length");
        Assert.That(await ReadAllAsync(container, "app.zip"), Is.EqualTo(Bytes("version 3, longer")));
    }

    [Test]
    public async Task UploadFileAsync_SkipIfContentMatches_SkipsIdenticalFile()
    {
        string container = await NewContainerAsync();
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        string file = WriteLocalFile(Enumerable.Range(0, 100_000).Select(i => (byte)(i * 31)).ToArray());

        var first = await Storage.UploadFileAsync(container, "app.zip", file, skip, Token);
        var second = await Storage.UploadFileAsync(container, "app.zip", file, skip, Token);

        Assert.That(first, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(second, Is.EqualTo(BlobUploadResult.Skipped));
        Assert.That(await DownloadBytesAsync(container, "app.zip"), Is.EqualTo(File.ReadAllBytes(file)));
    }

    [Test]
    public async Task UploadAsync_ConcurrentUploadsOfDifferentBlobs_AllArriveIntact()
    {
        string container = await NewContainerAsync();
        var names = Enumerable.Range(0, 16).Select(i => $"part-{i:D2}/data.bin").ToArray();

        await Task.WhenAll(names.Select((name, i) => Task.Run(() => Storage.UploadAsync(container, name, new PatternStream(100_000 + i, seed: i), null, Token), Token)));

        Assert.That(await ListNamesAsync(container), Is.EqualTo(names));
        for (int i = 0; i < names.Length; i++)
        {
            Assert.That(await ReadAllAsync(container, names[i]), Is.EqualTo(PatternStream.Bytes(100_000 + i, seed: i)), names[i]);
        }
    }

    [Test]
    public async Task UploadAsync_MissingContainer_ThrowsNotFoundNamingIt()
    {
        string container = NewContainerName();

        var ex = await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => UploadBytesAsync(container, "blob.txt", Bytes("x")));
        await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => Storage.UploadFileAsync(container, "blob.txt", WriteLocalFile(Bytes("x")), null, Token));

        Assert.That(ex?.ContainerName, Is.EqualTo(container));
        Assert.That(ex?.Message, Does.Contain(container));
        Assert.That(await Storage.ContainerExistsAsync(container, Token), Is.False, "an upload never creates the container");
    }

    [Test]
    public async Task ReadOperations_MissingContainer_ThrowNotFound()
    {
        string container = NewContainerName();
        string destination = NewLocalPath();

        using (Assert.EnterMultipleScope())
        {
            await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => ListNamesAsync(container), "ListBlobsAsync");
            await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => ReadAllAsync(container, "blob.txt"), "OpenReadAsync");
            await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => Storage.DownloadToFileAsync(container, "blob.txt", destination, Token), "DownloadToFileAsync");
            Assert.That(File.Exists(destination), Is.False, "no download file was left");
        }
    }

    [Test]
    public async Task ReadOperations_MissingBlob_ThrowNotFoundNamingItAndCreateNoFile()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "other.txt", Bytes("other"));
        string destination = NewLocalPath();

        var openEx = await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => ReadAllAsync(container, "missing.txt"));
        var downloadEx = await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => Storage.DownloadToFileAsync(container, "missing.txt", destination, Token));

        Assert.That(openEx?.BlobName, Is.EqualTo("missing.txt"));
        Assert.That(downloadEx?.BlobName, Is.EqualTo("missing.txt"));
        Assert.That(File.Exists(destination), Is.False, "no download file was left");
    }

    [Test]
    public async Task OpenReadAsync_FolderOfNestedBlobs_IsNotABlob()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "dir/file.txt", Bytes("x"));

        await AssertStorageFailsAsync(BlobStorageErrorKind.NotFound, () => ReadAllAsync(container, "dir"));
    }

    [Test]
    public async Task DownloadToFileAsync_DestinationExists_ThrowsDestinationExistsAndLeavesFileUntouched()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "blob.txt", Bytes("from storage"));
        string destination = WriteLocalFile(Bytes("precious local data"));
        var before = File.GetLastWriteTimeUtc(destination);

        var ex = await AssertStorageFailsAsync(BlobStorageErrorKind.DestinationExists, () => Storage.DownloadToFileAsync(container, "blob.txt", destination, Token));

        Assert.That(ex?.BlobName, Is.EqualTo("blob.txt"));
        Assert.That(File.ReadAllBytes(destination), Is.EqualTo(Bytes("precious local data")));
        Assert.That(File.GetLastWriteTimeUtc(destination), Is.EqualTo(before));
    }

    // ---- Listing ----------------------------------------------------------------------------------

    [Test]
    public async Task ListBlobsAsync_EmptyContainer_ReturnsNothing()
    {
        string container = await NewContainerAsync();

        Assert.That(await ListAsync(container), Is.Empty);
    }

    [Test]
    public async Task ListBlobsAsync_ManyNames_ReturnsOrdinalOrderWithLengths()
    {
        string container = await NewContainerAsync();
        string[] uploadOrder = ["c.txt", "a/x.txt", "é.txt", "a-b.txt", "a/b/c.txt", "ab.txt", "B.txt", "a.txt", "a/b.txt", "_under.txt", "1.txt"];
        foreach (string name in uploadOrder)
        {
            await UploadBytesAsync(container, name, Bytes("content of " + name));
        }

        var listed = await ListAsync(container);

        string[] expected = ["1.txt", "B.txt", "_under.txt", "a-b.txt", "a.txt", "a/b.txt", "a/b/c.txt", "a/x.txt", "ab.txt", "c.txt", "é.txt"];
        Assert.That(expected, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "the expectation itself is in ordinal order");
        Assert.That(listed.Select(b => b.Name), Is.EqualTo(expected));
        Assert.That(listed.Select(b => b.Length), Is.EqualTo(expected.Select(n => (long)Bytes("content of " + n).Length)));
    }

    [TestCase("a/", new[] { "a/b.txt", "a/b/c.txt", "a/x.txt" })]
    [TestCase("a", new[] { "a-b.txt", "a.txt", "a/b.txt", "a/b/c.txt", "a/x.txt", "ab.txt" })]
    [TestCase("a/b", new[] { "a/b.txt", "a/b/c.txt" })]
    [TestCase("a/b/", new[] { "a/b/c.txt" })]
    [TestCase("é", new[] { "é.txt" })]
    [TestCase("zzz", new string[0])]
    [TestCase("a/missing/", new string[0])]
    [TestCase("../", new string[0])]
    [TestCase("", new[] { "B.txt", "a-b.txt", "a.txt", "a/b.txt", "a/b/c.txt", "a/x.txt", "ab.txt", "c.txt", "é.txt" })]
    public async Task ListBlobsAsync_Prefix_ReturnsOnlyMatchingNamesInOrder(string prefix, string[] expected)
    {
        string container = await NewContainerAsync();
        foreach (string name in new[] { "c.txt", "a/x.txt", "é.txt", "a-b.txt", "a/b/c.txt", "ab.txt", "B.txt", "a.txt", "a/b.txt" })
        {
            await UploadBytesAsync(container, name, Bytes(name));
        }

        Assert.That(await ListNamesAsync(container, prefix), Is.EqualTo(expected));
    }

    // ---- URLs -------------------------------------------------------------------------------------

    [Test]
    public async Task GetBlobReadUrlAsync_Url_DownloadsThatBlob()
    {
        string container = await NewContainerAsync();
        byte[] data = Bytes("input for the task");
        await UploadBytesAsync(container, "inputs/taskdata1.txt", data);
        await UploadBytesAsync(container, "inputs/taskdata2.txt", Bytes("another input"));

        var url = await Storage.GetBlobReadUrlAsync(container, "inputs/taskdata1.txt", InOneHour(), Token);
        string copy = NewLocalPath();
        await Transfer.DownloadAsync(url, copy, Token);

        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(data));
    }

    [Test]
    public async Task GetBlobReadUrlAsync_BlobNotYetUploaded_UrlFailsNotFoundThenWorksOnceUploaded()
    {
        string container = await NewContainerAsync();
        var url = await Storage.GetBlobReadUrlAsync(container, "later.txt", InOneHour(), Token);
        string copy = NewLocalPath();

        await AssertTransferFailsAsync(UrlTransferErrorKind.NotFound, url, () => Transfer.DownloadAsync(url, copy, Token));
        Assert.That(File.Exists(copy), Is.False);
        await UploadBytesAsync(container, "later.txt", Bytes("now here"));
        await Transfer.DownloadAsync(url, copy, Token);

        Assert.That(File.ReadAllBytes(copy), Is.EqualTo(Bytes("now here")));
    }

    [Test]
    public async Task GetBlobReadUrlAsync_UsedToUpload_IsForbiddenAndWritesNothing()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "input.txt", Bytes("original"));
        var url = await Storage.GetBlobReadUrlAsync(container, "input.txt", InOneHour(), Token);
        var asContainerUrl = WithoutLastSegments(url, 1);
        string source = WriteLocalFile(Bytes("tampered"));

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, asContainerUrl, () => Transfer.UploadAsync(asContainerUrl, "new.txt", source, Token));
        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, asContainerUrl, () => Transfer.UploadAsync(asContainerUrl, "input.txt", source, Token));

        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { "input.txt" }), "no blob was created");
        Assert.That(await ReadAllAsync(container, "input.txt"), Is.EqualTo(Bytes("original")), "the blob was not overwritten");
    }

    [Test]
    public async Task GetBlobReadUrlAsync_PathEditedToAnotherBlob_IsForbidden()
    {
        if (!Storage.Capabilities.HasFlag(StorageCapabilities.SignedUrls))
        {
            Assert.Ignore($"{Storage.GetType().Name} does not declare StorageCapabilities.SignedUrls: nothing binds its URLs to one path, so an edited path is not refused (its URLs are only ever given to this machine's own tasks).");
        }

        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "public.txt", Bytes("shared"));
        await UploadBytesAsync(container, "private.txt", Bytes("not shared"));
        var url = await Storage.GetBlobReadUrlAsync(container, "public.txt", InOneHour(), Token);
        var edited = WithBlob(WithoutLastSegments(url, 1), "private.txt");
        string copy = NewLocalPath();

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, edited, () => Transfer.DownloadAsync(edited, copy, Token));

        Assert.That(File.Exists(copy), Is.False);
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_Url_UploadsNewBlobs()
    {
        string container = await NewContainerAsync();
        var url = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);

        await Transfer.UploadAsync(url, "task-1/taskdata1_OUTPUT.txt", WriteLocalFile(Bytes("output 1")), Token);
        await Transfer.UploadAsync(url, "task-2/taskdata2_OUTPUT.txt", WriteLocalFile(Bytes("output 2")), Token);

        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { "task-1/taskdata1_OUTPUT.txt", "task-2/taskdata2_OUTPUT.txt" }));
        Assert.That(await ReadAllAsync(container, "task-2/taskdata2_OUTPUT.txt"), Is.EqualTo(Bytes("output 2")));
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_UsedToReadBlobs_IsForbidden()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "existing.txt", Bytes("written by the workflow"));
        var url = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);
        await Transfer.UploadAsync(url, "written.txt", WriteLocalFile(Bytes("written by a task")), Token);
        string copy = NewLocalPath();

        foreach (string blob in new[] { "written.txt", "existing.txt" })
        {
            var blobUrl = WithBlob(url, blob);
            await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, blobUrl, () => Transfer.DownloadAsync(blobUrl, copy, Token), blob);
        }

        Assert.That(File.Exists(copy), Is.False);
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_UsedToList_IsForbidden()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "existing.txt", Bytes("x"));
        var url = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);
        var listUrl = WithExtraQuery(url, "restype=container&comp=list");
        string copy = NewLocalPath();

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, listUrl, () => Transfer.DownloadAsync(listUrl, copy, Token));

        Assert.That(File.Exists(copy), Is.False);
    }

    [Test]
    public async Task GetContainerReadUrlAsync_Url_ListsTheBlobsUnderAPrefixInOrderAndReadsThem()
    {
        string container = await NewContainerAsync();
        string[] names = ["out/b.txt", "out/a é.txt", "out/sub/c.txt", "out2/d.txt", "other/e.txt"];
        foreach (string name in names)
        {
            await UploadBytesAsync(container, name, Bytes("content of " + name));
        }

        var url = await Storage.GetContainerReadUrlAsync(container, InOneHour(), Token);

        var all = await ListWithUrlAsync(url, null);
        var underFolder = await ListWithUrlAsync(url, "out/");
        var underPartialName = await ListWithUrlAsync(url, "out");
        var none = await ListWithUrlAsync(url, "nothing/");
        string copy = NewLocalPath();
        await Transfer.DownloadAsync(WithBlob(url, "out/a é.txt"), copy, Token);

        Assert.Multiple(() =>
        {
            Assert.That(all, Is.EqualTo(names.Order(StringComparer.Ordinal)));
            Assert.That(underFolder, Is.EqualTo(new[] { "out/a é.txt", "out/b.txt", "out/sub/c.txt" }));
            Assert.That(underPartialName, Is.EqualTo(new[] { "out/a é.txt", "out/b.txt", "out/sub/c.txt", "out2/d.txt" }));
            Assert.That(none, Is.Empty);
            Assert.That(File.ReadAllBytes(copy), Is.EqualTo(Bytes("content of out/a é.txt")));
        });
    }

    [Test]
    public async Task GetContainerReadUrlAsync_Url_GrantsReadAndListOnly()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "existing.txt", Bytes("x"));
        var url = await Storage.GetContainerReadUrlAsync(container, InOneHour(), Token);

        Assert.That(QueryValue(url, "sp"), Is.EqualTo("rl"), "the URL's permissions");
        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => Transfer.UploadAsync(url, "new.txt", WriteLocalFile(Bytes("y")), Token));
        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => Transfer.UploadAsync(url, "existing.txt", WriteLocalFile(Bytes("y")), Token));
        Assert.That(await ListNamesAsync(container), Is.EqualTo(new[] { "existing.txt" }));
    }

    [Test]
    public async Task GetContainerReadUrlAsync_ExpiryInThePast_ListingIsForbiddenAndShowsNoQuery()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "input.txt", Bytes("x"));
        var url = await Storage.GetContainerReadUrlAsync(container, TimeProvider.GetUtcNow().AddHours(-1), Token);

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => ListWithUrlAsync(url, null));

        var ex = Assert.CatchAsync<UrlTransferException>(() => ListWithUrlAsync(url, null));
        Assert.That(ex!.ToString(), Does.Contain(container).And.Not.Contain(url.Query.TrimStart('?')), "the failure names the container but not the URL's query");
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_UsedAsAContainerReadUrl_ListingIsForbidden()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "input.txt", Bytes("x"));
        var url = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => ListWithUrlAsync(url, null));
    }

    [Test]
    public async Task GetContainerReadUrlAsync_ContainerDoesNotExist_ListingFailsNotFound()
    {
        string container = NewContainerName();
        var url = await Storage.GetContainerReadUrlAsync(container, InOneHour(), Token);

        await AssertTransferFailsAsync(UrlTransferErrorKind.NotFound, url, () => ListWithUrlAsync(url, null));
    }

    [Test]
    public async Task GetBlobReadUrlAsync_ExpiryInThePast_DownloadIsForbidden()
    {
        string container = await NewContainerAsync();
        await UploadBytesAsync(container, "input.txt", Bytes("x"));
        var url = await Storage.GetBlobReadUrlAsync(container, "input.txt", TimeProvider.GetUtcNow().AddHours(-1), Token);
        string copy = NewLocalPath();

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => Transfer.DownloadAsync(url, copy, Token));

        Assert.That(File.Exists(copy), Is.False);
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_ExpiryInThePast_UploadIsForbiddenAndWritesNothing()
    {
        string container = await NewContainerAsync();
        var url = await Storage.GetContainerWriteUrlAsync(container, TimeProvider.GetUtcNow().AddHours(-1), Token);

        await AssertTransferFailsAsync(UrlTransferErrorKind.Forbidden, url, () => Transfer.UploadAsync(url, "late.txt", WriteLocalFile(Bytes("too late")), Token));

        Assert.That(await ListNamesAsync(container), Is.Empty);
    }

    [Test]
    public async Task Urls_NeverContainBackendSecrets()
    {
        string[] secrets = [.. Secrets.Where(s => !string.IsNullOrEmpty(s))];
        if (secrets.Length == 0)
        {
            Assert.Ignore($"{Storage.GetType().Name} declares no secrets (Secrets is empty): there is nothing its URLs could leak.");
        }

        string container = await NewContainerAsync();
        var readUrl = await Storage.GetBlobReadUrlAsync(container, "blob.txt", InOneHour(), Token);
        var writeUrl = await Storage.GetContainerWriteUrlAsync(container, InOneHour(), Token);
        var containerReadUrl = await Storage.GetContainerReadUrlAsync(container, InOneHour(), Token);

        foreach (var url in new[] { readUrl, writeUrl, containerReadUrl })
        {
            foreach (string secret in secrets)
            {
                Assert.That(url.OriginalString, Does.Not.Contain(secret));
                Assert.That(Uri.UnescapeDataString(url.OriginalString), Does.Not.Contain(secret));
            }
        }

        foreach (string secret in secrets)
        {
            Assert.That(Storage.DisplayName, Does.Not.Contain(secret));
        }
    }

    // ---- Helpers ----------------------------------------------------------------------------------

    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>An expiry one hour from now.</summary>
    protected DateTimeOffset InOneHour() => TimeProvider.GetUtcNow().AddHours(1);

    /// <summary>Creates a new container for the test.</summary>
    protected async Task<string> NewContainerAsync()
    {
        string container = NewContainerName();
        Assert.That(await Storage.CreateContainerIfNotExistsAsync(container, Token), Is.True, $"container {container} was created");
        return container;
    }

    /// <summary>Uploads bytes as a blob.</summary>
    protected Task<BlobUploadResult> UploadBytesAsync(string container, string blobName, byte[] data, BlobStorageUploadOptions? options = null)
        => Storage.UploadAsync(container, blobName, new MemoryStream(data, writable: false), options, Token);

    /// <summary>Lists a container.</summary>
    protected async Task<List<BlobItemInfo>> ListAsync(string container, string? prefix = null)
    {
        var blobs = new List<BlobItemInfo>();
        await foreach (var blob in Storage.ListBlobsAsync(container, prefix, Token))
        {
            blobs.Add(blob);
        }

        return blobs;
    }

    /// <summary>Lists the names in a container.</summary>
    protected async Task<List<string>> ListNamesAsync(string container, string? prefix = null)
        => [.. (await ListAsync(container, prefix)).Select(b => b.Name)];

    /// <summary>Reads a blob through <see cref="IBlobStorage.OpenReadAsync"/>.</summary>
    protected async Task<byte[]> ReadAllAsync(string container, string blobName)
    {
        var stream = await Storage.OpenReadAsync(container, blobName, Token);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Token);
            return copy.ToArray();
        }
    }

    /// <summary>Reads a blob through <see cref="IBlobStorage.DownloadToFileAsync"/>.</summary>
    protected async Task<byte[]> DownloadBytesAsync(string container, string blobName)
    {
        string destination = NewLocalPath();
        await Storage.DownloadToFileAsync(container, blobName, destination, Token);
        return File.ReadAllBytes(destination);
    }

    /// <summary>A path in <see cref="WorkDirectory"/> where no file exists yet.</summary>
    protected string NewLocalPath() => Path.Combine(WorkDirectory, $"{Guid.NewGuid():N}.dat");

    /// <summary>Writes bytes to a new file in <see cref="WorkDirectory"/>.</summary>
    protected string WriteLocalFile(byte[] data)
    {
        string path = NewLocalPath();
        File.WriteAllBytes(path, data);
        return path;
    }

    /// <summary>Asserts that an operation fails with a <see cref="BlobStorageException"/> of <paramref name="kind"/> whose text holds no secret.</summary>
    protected async Task<BlobStorageException?> AssertStorageFailsAsync(BlobStorageErrorKind kind, Func<Task> operation, string? what = null)
    {
        string label = what is null ? string.Empty : what + ": ";
        try
        {
            await operation();
        }
        catch (BlobStorageException ex)
        {
            Assert.That(ex.Kind, Is.EqualTo(kind), $"{label}{ex.Message}");
            AssertNoSecrets(ex, label);
            return ex;
        }
        catch (Exception ex) when (ex is not AssertionException)
        {
            Assert.Fail($"{label}expected a BlobStorageException ({kind}) but got {ex.GetType().Name}: {ex.Message}");
            return null;
        }

        Assert.Fail($"{label}expected a BlobStorageException ({kind}) but the operation succeeded.");
        return null;
    }

    /// <summary>
    /// Asserts that a transfer fails with a <see cref="UrlTransferException"/> of <paramref name="kind"/> whose text
    /// holds no secret and not the signature of <paramref name="url"/>.
    /// </summary>
    protected async Task AssertTransferFailsAsync(UrlTransferErrorKind kind, Uri url, Func<Task> operation, string? what = null)
    {
        string label = what is null ? string.Empty : what + ": ";
        try
        {
            await operation();
        }
        catch (UrlTransferException ex)
        {
            Assert.That(ex.Kind, Is.EqualTo(kind), $"{label}{ex.Message}");
            AssertNoSecrets(ex, label);
            string? signature = QueryValue(url, "sig");
            if (!string.IsNullOrEmpty(signature))
            {
                Assert.That(ex.ToString(), Does.Not.Contain(signature).And.Not.Contain(Uri.UnescapeDataString(signature)), $"{label}the message shows the URL's signature");
            }

            return;
        }
        catch (Exception ex) when (ex is not AssertionException)
        {
            Assert.Fail($"{label}expected a UrlTransferException ({kind}) but got {ex.GetType().Name}: {ex.Message}");
            return;
        }

        Assert.Fail($"{label}expected a UrlTransferException ({kind}) but the transfer succeeded.");
    }

    /// <summary>Asserts that no <see cref="Secrets"/> appear in an exception, its inner exceptions or its stack.</summary>
    protected void AssertNoSecrets(Exception exception, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string text = exception.ToString();
        foreach (string secret in Secrets.Where(s => !string.IsNullOrEmpty(s)))
        {
            Assert.That(text, Does.Not.Contain(secret), $"{what}the exception leaks a secret");
        }
    }

    /// <summary>The URL with its last <paramref name="count"/> path segments removed (a blob URL made into its container's), query kept.</summary>
    protected static Uri WithoutLastSegments(Uri url, int count)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = new UriBuilder(url);
        string path = builder.Path.TrimEnd('/');
        for (int i = 0; i < count; i++)
        {
            path = path[..path.LastIndexOf('/')];
        }

        builder.Path = path;
        return builder.Uri;
    }

    /// <summary>Lists a container through a container URL with <see cref="Transfer"/>.</summary>
    protected async Task<List<string>> ListWithUrlAsync(Uri containerUrl, string? prefix)
    {
        var names = new List<string>();
        await foreach (string name in Transfer.ListBlobsAsync(containerUrl, prefix, Token))
        {
            names.Add(name);
        }

        return names;
    }

    /// <summary>The URL of blob <paramref name="blobName"/> in the container at <paramref name="containerUrl"/>, query kept.</summary>
    protected static Uri WithBlob(Uri containerUrl, string blobName)
    {
        ArgumentNullException.ThrowIfNull(containerUrl);
        ArgumentNullException.ThrowIfNull(blobName);
        var builder = new UriBuilder(containerUrl);
        builder.Path = builder.Path.TrimEnd('/') + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
        return builder.Uri;
    }

    /// <summary>The URL with more query parameters.</summary>
    protected static Uri WithExtraQuery(Uri url, string query)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = new UriBuilder(url);
        string existing = builder.Query.TrimStart('?');
        builder.Query = existing.Length == 0 ? query : existing + "&" + query;
        return builder.Uri;
    }

    private static string? QueryValue(Uri url, string key)
    {
        foreach (string part in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq] == key)
            {
                return part[(eq + 1)..];
            }
        }

        return null;
    }

    private static async Task<byte[]> HashFileAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return await SHA256.HashDataAsync(stream);
    }

    private async Task CreateContainerWhenItIsGoneAsync(string container)
    {
        // A deleted Azure container can refuse re-creation for a while; a backend may need a moment.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await Storage.CreateContainerIfNotExistsAsync(container, Token);
                return;
            }
            catch (BlobStorageException) when (attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, Token);
            }
        }
    }

    /// <summary>A read-only, non-seekable stream of deterministic pseudo-random bytes: proves uploads stream.</summary>
    protected sealed class PatternStream : Stream
    {
        private readonly long _length;
        private uint _state;
        private long _position;

        /// <summary>Initializes a new instance of the <see cref="PatternStream"/> class.</summary>
        public PatternStream(long length, int seed)
        {
            _length = length;
            _state = (uint)seed * 2654435761u + 1;
        }

        /// <inheritdoc />
        public override bool CanRead => true;

        /// <inheritdoc />
        public override bool CanSeek => false;

        /// <inheritdoc />
        public override bool CanWrite => false;

        /// <inheritdoc />
        public override long Length => throw new NotSupportedException();

        /// <inheritdoc />
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>The bytes a stream of this length and seed produces.</summary>
        public static byte[] Bytes(long length, int seed)
        {
            using var stream = new PatternStream(length, seed);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        /// <inheritdoc />
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        /// <inheritdoc />
        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, _length - _position);
            for (int i = 0; i < n; i++)
            {
                // xorshift32: cheap, deterministic, no runs an upload could compress away.
                _state ^= _state << 13;
                _state ^= _state >> 17;
                _state ^= _state << 5;
                buffer[i] = (byte)_state;
            }

            _position += n;
            return n;
        }

        /// <inheritdoc />
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(Read(buffer.Span));
        }

        /// <inheritdoc />
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <inheritdoc />
        public override void Flush()
        {
        }

        /// <inheritdoc />
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        /// <inheritdoc />
        public override void SetLength(long value) => throw new NotSupportedException();

        /// <inheritdoc />
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
