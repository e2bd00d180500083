using System.Net.Sockets;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>What <see cref="AzureBlobStorage"/> does beyond the shared suite, against Azurite.</summary>
[TestFixture]
public sealed class AzureBlobStorageTests : AzuriteTestBase
{
    private const int SmallBlock = 64 * 1024;

    [Test]
    public void DisplayNameAndCapabilities_AreTheAccountAndSignedRemoteUrls()
    {
        var storage = NewStorage();

        Assert.That(storage.DisplayName, Is.EqualTo(AzuriteServer.AccountName));
        Assert.That(storage.AccountName, Is.EqualTo(AzuriteServer.AccountName));
        Assert.That(storage.ServiceEndpoint, Is.EqualTo(Server.BlobEndpoint));
        Assert.That(storage.Capabilities, Is.EqualTo(StorageCapabilities.SignedUrls | StorageCapabilities.RemotelyReachableUrls));
    }

    [Test]
    public async Task FromAccountKey_AzuriteEndpoint_WorksLikeTheConnectionString()
    {
        var storage = AzureBlobStorage.FromAccountKey(AzuriteServer.AccountName, AzuriteServer.AccountKey, Server.BlobEndpoint);
        string container = await NewContainerAsync(storage);

        await storage.UploadAsync(container, "blob.txt", new MemoryStream(Bytes("via the key")), null, Token);

        Assert.That((await RawService.GetBlobContainerClient(container).GetBlobClient("blob.txt").DownloadContentAsync(Token)).Value.Content.ToString(), Is.EqualTo("via the key"));
    }

    // ---- Content-MD5 and SkipIfContentMatches -------------------------------------------------

    [TestCase(false, 1_000, TestName = "UploadAsync_SeekableSmall_RecordsContentMd5")]
    [TestCase(false, 300_000, TestName = "UploadAsync_SeekableInBlocks_RecordsContentMd5")]
    [TestCase(true, 1_000, TestName = "UploadAsync_NonSeekableSmall_RecordsContentMd5")]
    [TestCase(true, 300_000, TestName = "UploadAsync_NonSeekableInBlocks_RecordsContentMd5")]
    public async Task UploadAsync_AnyStream_RecordsContentMd5(bool nonSeekable, int size)
    {
        var storage = NewStorage(new AzureBlobStorageOptions { TransferBlockSize = SmallBlock });
        string container = await NewContainerAsync(storage);
        byte[] data = Pattern(size);
        Stream content = nonSeekable ? new NonSeekableStream(data) : new MemoryStream(data);

        await storage.UploadAsync(container, "blob.bin", content, null, Token);

        var listed = await ListAsync(storage, container);
        Assert.That(listed.Single().Length, Is.EqualTo(size));
        Assert.That(listed.Single().ContentMd5?.ToArray(), Is.EqualTo(MD5.HashData(data)), "the listing reports the MD5 of the whole content");
        var properties = (await RawService.GetBlobContainerClient(container).GetBlobClient("blob.bin").GetPropertiesAsync(cancellationToken: Token)).Value;
        Assert.That(properties.ContentType, Is.EqualTo("application/octet-stream"));
    }

    [Test]
    public async Task UploadFileAsync_UnchangedApplicationFile_IsNotUploadedTwice()
    {
        var storage = NewStorage(new AzureBlobStorageOptions { TransferBlockSize = SmallBlock });
        string container = await NewContainerAsync(storage);
        string file = Path.Combine(Path.GetTempPath(), $"topnwords-app-{Guid.NewGuid():N}.dll");
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        var blob = RawService.GetBlobContainerClient(container).GetBlobClient("app/TopNWords.TaskRunner.dll");
        try
        {
            await File.WriteAllBytesAsync(file, Pattern(200_000), Token); // several blocks of 64 KiB
            var first = await storage.UploadFileAsync(container, "app/TopNWords.TaskRunner.dll", file, skip, Token);
            var before = (await blob.GetPropertiesAsync(cancellationToken: Token)).Value;

            var second = await storage.UploadFileAsync(container, "app/TopNWords.TaskRunner.dll", file, skip, Token);
            var after = (await blob.GetPropertiesAsync(cancellationToken: Token)).Value;

            Assert.That(first, Is.EqualTo(BlobUploadResult.Uploaded));
            Assert.That(second, Is.EqualTo(BlobUploadResult.Skipped));
            Assert.That(after.ETag, Is.EqualTo(before.ETag), "the blob was not written again");
            Assert.That(after.LastModified, Is.EqualTo(before.LastModified));

            byte[] changed = Pattern(200_000);
            changed[123_456] ^= 0xFF;
            await File.WriteAllBytesAsync(file, changed, Token);
            var third = await storage.UploadFileAsync(container, "app/TopNWords.TaskRunner.dll", file, skip, Token);

            Assert.That(third, Is.EqualTo(BlobUploadResult.Uploaded), "same length, one byte changed");
            Assert.That((await blob.GetPropertiesAsync(cancellationToken: Token)).Value.ETag, Is.Not.EqualTo(before.ETag));
            Assert.That((await blob.DownloadContentAsync(Token)).Value.Content.ToArray(), Is.EqualTo(changed));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task UploadAsync_SkipIfContentMatchesWithNonSeekableStream_SkipsIdenticalContent()
    {
        var storage = NewStorage(new AzureBlobStorageOptions { TransferBlockSize = SmallBlock });
        string container = await NewContainerAsync(storage);
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };

        var first = await storage.UploadAsync(container, "blob.bin", new NonSeekableStream(Pattern(150_000)), skip, Token);
        var second = await storage.UploadAsync(container, "blob.bin", new NonSeekableStream(Pattern(150_000)), skip, Token);

        Assert.That(first, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(second, Is.EqualTo(BlobUploadResult.Skipped));
    }

    [Test]
    public async Task UploadAsync_SkipIfContentMatchesWithoutOverwriteAndOtherContent_ThrowsAlreadyExists()
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        var options = new BlobStorageUploadOptions { SkipIfContentMatches = true, Overwrite = false };
        await storage.UploadAsync(container, "blob.txt", new MemoryStream(Bytes("original")), options, Token);

        var same = await storage.UploadAsync(container, "blob.txt", new MemoryStream(Bytes("original")), options, Token);
        var ex = Assert.ThrowsAsync<BlobStorageException>(() => storage.UploadAsync(container, "blob.txt", new MemoryStream(Bytes("other")), options, Token));

        Assert.That(same, Is.EqualTo(BlobUploadResult.Skipped));
        Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.AlreadyExists));
        Assert.That(ex.Message, Does.Contain("blob.txt").And.Contain(container).And.Contain(AzuriteServer.AccountName));
    }

    // ---- Downloads ----------------------------------------------------------------------------

    [Test]
    public async Task DownloadToFileAsync_NetworkFailsMidway_ThrowsUnavailableAndLeavesNoFile()
    {
        var failure = new FailNthGetPolicy(3, () => throw new IOException("injected: connection reset", new SocketException((int)SocketError.ConnectionReset)));
        var storage = NewStorage(new AzureBlobStorageOptions
        {
            TransferBlockSize = SmallBlock,
            MaxParallelism = 1,
            Retry = { MaxRetries = 0 },
            ConfigureClientOptions = o => o.AddPolicy(failure, HttpPipelinePosition.PerRetry),
        });
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "big.bin", new MemoryStream(Pattern(6 * SmallBlock)), null, Token);
        string folder = Directory.CreateTempSubdirectory("topnwords-download-").FullName;
        try
        {
            var ex = Assert.ThrowsAsync<BlobStorageException>(() => storage.DownloadToFileAsync(container, "big.bin", Path.Combine(folder, "big.bin"), Token));

            Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.Unavailable), ex.Message);
            Assert.That(ex.Message, Does.Contain("big.bin").And.Contain(container).And.Contain(AzuriteServer.AccountName));
            Assert.That(failure.Fired, Is.True, "the failure was injected mid-download");
            Assert.That(Directory.GetFileSystemEntries(folder), Is.Empty, "neither the file nor a partial file is left");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task DownloadToFileAsync_CancelledMidway_LeavesNoFile()
    {
        using var cancel = new CancellationTokenSource();
        var cancelling = new FailNthGetPolicy(3, cancel.Cancel);
        var storage = NewStorage(new AzureBlobStorageOptions
        {
            TransferBlockSize = SmallBlock,
            MaxParallelism = 1,
            ConfigureClientOptions = o => o.AddPolicy(cancelling, HttpPipelinePosition.PerRetry),
        });
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "big.bin", new MemoryStream(Pattern(6 * SmallBlock)), null, Token);
        string folder = Directory.CreateTempSubdirectory("topnwords-download-").FullName;
        try
        {
            Assert.CatchAsync<OperationCanceledException>(() => storage.DownloadToFileAsync(container, "big.bin", Path.Combine(folder, "big.bin"), cancel.Token));

            Assert.That(cancelling.Fired, Is.True);
            Assert.That(Directory.GetFileSystemEntries(folder), Is.Empty, "neither the file nor a partial file is left");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task DownloadToFileAsync_ManyBlocksInParallel_WritesTheExactContent()
    {
        var storage = NewStorage(new AzureBlobStorageOptions { TransferBlockSize = SmallBlock, MaxParallelism = 4 });
        string container = await NewContainerAsync(storage);
        byte[] data = Pattern((10 * SmallBlock) + 17);
        await storage.UploadAsync(container, "big.bin", new MemoryStream(data), null, Token);
        string folder = Directory.CreateTempSubdirectory("topnwords-download-").FullName;
        try
        {
            string destination = Path.Combine(folder, "big.bin");
            await storage.DownloadToFileAsync(container, "big.bin", destination, Token);

            Assert.That(await File.ReadAllBytesAsync(destination, Token), Is.EqualTo(data));
            Assert.That(Directory.GetFileSystemEntries(folder), Is.EqualTo(new[] { destination }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task DownloadToFileAsync_MissingFolder_ThrowsNamingIt()
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "blob.txt", new MemoryStream(Bytes("x")), null, Token);
        string destination = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}", "blob.txt");

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => storage.DownloadToFileAsync(container, "blob.txt", destination, Token));

        Assert.That(ex.Message, Does.Contain(Path.GetDirectoryName(destination)!));
    }

    // ---- Failing fast, without secrets ----------------------------------------------------------

    [Test]
    public void EveryOperation_UnreachableEndpoint_FailsUnavailableNamingTheAccountNotTheKey()
    {
        // The defaults: a refused connection is retried MaxRetries (3) times, with 0.5 s, 1 s, 2 s between.
        int port = ClosedPort();
        var endpoint = new Uri($"http://127.0.0.1:{port}/{AzuriteServer.AccountName}");
        var storage = AzureBlobStorage.FromAccountKey(AzuriteServer.AccountName, AzuriteServer.AccountKey, endpoint);

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => storage.CreateContainerIfNotExistsAsync("runs", Token));

        Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.Unavailable), ex.Message);
        Assert.That(ex.ContainerName, Is.EqualTo("runs"));
        Assert.That(ex.Message, Does.Contain($"'{AzuriteServer.AccountName}'").And.Contain($"127.0.0.1:{port}").And.Contain("container 'runs'"));
        AssertNoSecrets(ex, AzuriteServer.AccountKey);
    }

    [Test]
    public async Task EveryOperation_UnreachableEndpointFromConnectionString_NeverShowsTheConnectionString()
    {
        int port = ClosedPort();
        string connectionString = $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.AccountName};AccountKey={AzuriteServer.AccountKey};BlobEndpoint=http://127.0.0.1:{port}/{AzuriteServer.AccountName};";
        var storage = AzureBlobStorage.FromConnectionString(connectionString, new AzureBlobStorageOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } });
        string file = Path.Combine(Path.GetTempPath(), $"topnwords-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "x", Token);
        try
        {
            var operations = new (string Name, Func<Task> Call)[]
            {
                ("ContainerExistsAsync", () => storage.ContainerExistsAsync("runs", Token)),
                ("UploadFileAsync", () => storage.UploadFileAsync("runs", "blob.txt", file, new BlobStorageUploadOptions { SkipIfContentMatches = true }, Token)),
                ("ListBlobsAsync", () => ListAsync(storage, "runs")),
                ("OpenReadAsync", () => storage.OpenReadAsync("runs", "blob.txt", Token)),
                ("DownloadToFileAsync", () => storage.DownloadToFileAsync("runs", "blob.txt", file + ".copy", Token)),
                ("DeleteContainerIfExistsAsync", () => storage.DeleteContainerIfExistsAsync("runs", Token)),
            };

            foreach (var (name, call) in operations)
            {
                var ex = Assert.ThrowsAsync<BlobStorageException>(() => call(), name);
                Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.Unavailable), $"{name}: {ex.Message}");
                Assert.That(ex.Message, Does.Contain(AzuriteServer.AccountName), name);
                AssertNoSecrets(ex, AzuriteServer.AccountKey, connectionString);
            }

            Assert.That(File.Exists(file + ".copy"), Is.False);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public async Task EveryOperation_WrongKey_FailsForbiddenNamingTheAccountNotTheKey()
    {
        string wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var storage = AzureBlobStorage.FromAccountKey(AzuriteServer.AccountName, wrongKey, Server.BlobEndpoint);
        string container = NewContainerName();
        await RawService.GetBlobContainerClient(container).CreateAsync(cancellationToken: Token);
        await RawService.GetBlobContainerClient(container).GetBlobClient("blob.txt").UploadAsync(BinaryData.FromString("x"), Token);

        var operations = new (string Name, Func<Task> Call)[]
        {
            ("CreateContainerIfNotExistsAsync", () => storage.CreateContainerIfNotExistsAsync(NewContainerName(), Token)),
            ("ContainerExistsAsync", () => storage.ContainerExistsAsync(container, Token)),
            ("UploadAsync", () => storage.UploadAsync(container, "new.txt", new MemoryStream(Bytes("x")), null, Token)),
            ("ListBlobsAsync", () => ListAsync(storage, container)),
            ("OpenReadAsync", () => storage.OpenReadAsync(container, "blob.txt", Token)),
        };

        foreach (var (name, call) in operations)
        {
            var ex = Assert.ThrowsAsync<BlobStorageException>(() => call(), name);
            Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.Forbidden), $"{name}: {ex.Message}");
            Assert.That(ex.Message, Does.Contain($"Storage account '{AzuriteServer.AccountName}' refused").And.Contain("account name and key"), name);
            AssertNoSecrets(ex, wrongKey, AzuriteServer.AccountKey);
        }
    }

    [Test]
    public void FromConnectionString_WithoutAccountKey_IsRefusedWithoutShowingIt()
    {
        const string Signature = "c2VjcmV0LXNpZ25hdHVyZQ%3D%3D";
        string connectionString = $"BlobEndpoint={Server.BlobEndpoint};SharedAccessSignature=sv=2021-12-02&ss=b&srt=sco&sp=rwdlac&se=2099-01-01T00:00:00Z&sig={Signature}";

        var ex = Assert.Throws<ArgumentException>(() => AzureBlobStorage.FromConnectionString(connectionString));

        Assert.That(ex.Message, Does.Contain("no account key"));
        AssertNoSecrets(ex, Signature, Uri.UnescapeDataString(Signature), connectionString);
    }

    [Test]
    public void FromConnectionString_Malformed_IsRefusedWithoutShowingIt()
    {
        const string Key = "bm90LWEtcmVhbC1rZXktYnV0LXN0aWxsLWEtc2VjcmV0";
        string connectionString = $"this is not;AccountKey={Key};a connection string";

        var ex = Assert.Throws<ArgumentException>(() => AzureBlobStorage.FromConnectionString(connectionString));

        AssertNoSecrets(ex, Key, connectionString);
    }

    // ---- Logging --------------------------------------------------------------------------------

    [Test]
    public async Task Logs_NeverHoldKeysConnectionStringsOrSignatures()
    {
        var collector = new FakeLogCollector();
        using var loggerFactory = new LoggerFactory([new FakeLoggerProvider(collector)]);
        var storage = NewStorage(new AzureBlobStorageOptions { LoggerFactory = loggerFactory, Retry = { MaxRetries = 0 } });
        string container = await NewContainerAsync(storage);
        var skip = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        await storage.UploadAsync(container, "app.zip", new MemoryStream(Bytes("app")), skip, Token);
        await storage.UploadAsync(container, "app.zip", new MemoryStream(Bytes("app")), skip, Token);
        var urls = new List<Uri>
        {
            await storage.GetBlobReadUrlAsync(container, "app.zip", TimeProvider.System.GetUtcNow().AddHours(1), Token),
            await storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1), Token),
        };
        string folder = Directory.CreateTempSubdirectory("topnwords-download-").FullName;
        try
        {
            await storage.DownloadToFileAsync(container, "app.zip", Path.Combine(folder, "app.zip"), Token);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.ThrowsAsync<BlobStorageException>(() => storage.OpenReadAsync(container, "missing.txt", Token));
        await storage.DeleteContainerIfExistsAsync(container, Token);

        var records = collector.GetSnapshot();
        Assert.That(records.Select(r => r.Category).Distinct(), Is.EqualTo(new[] { typeof(AzureBlobStorage).FullName }), "the storage logs under its own category");
        Assert.That(records.Select(r => r.Id.Id), Is.SupersetOf(new[] { 4100, 4102, 4103, 4104, 4105, 4107, 4101 }), "every kind of event was logged");
        string[] signatures = [.. urls.Select(u => QueryValue(u, "sig")!)];
        Assert.That(signatures, Has.All.Not.Empty);
        foreach (var record in records)
        {
            string text = record.Message + " " + string.Join(" ", record.StructuredState?.Select(kv => kv.Value) ?? []);
            Assert.That(text, Does.Not.Contain(AzuriteServer.AccountKey).And.Not.Contain("sig=").And.Not.Contain("AccountKey"), record.Message);
            foreach (string signature in signatures)
            {
                Assert.That(text, Does.Not.Contain(signature), record.Message);
            }
        }
    }

    // ---- Helpers --------------------------------------------------------------------------------

    private static void AssertNoSecrets(Exception ex, params string[] secrets)
    {
        string text = ex.ToString();
        foreach (string secret in secrets)
        {
            Assert.That(text, Does.Not.Contain(secret), "the exception shows a secret");
        }

        Assert.That(text, Does.Not.Contain("sig="), "the exception shows a signature");
    }

    private async Task<List<BlobItemInfo>> ListAsync(IBlobStorage storage, string container)
    {
        var blobs = new List<BlobItemInfo>();
        await foreach (var blob in storage.ListBlobsAsync(container, cancellationToken: Token))
        {
            blobs.Add(blob);
        }

        return blobs;
    }

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    /// <summary>Runs <c>onFire</c> when the <c>n</c>th GET of a blob's content is sent.</summary>
    private sealed class FailNthGetPolicy(int n, Action onFire) : HttpPipelinePolicy
    {
        private int _count;

        public bool Fired => Volatile.Read(ref _count) >= n;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Check(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && !message.Request.Uri.Query.Contains("comp=", StringComparison.Ordinal) && Interlocked.Increment(ref _count) == n)
            {
                onFire();
            }
        }
    }

    /// <summary>A read-only stream over bytes that cannot seek.</summary>
    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data, writable: false);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
