using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Tests.Transfer;

[TestFixture]
public class UrlTransferTests
{
    private string _root = null!;
    private FakeTimeProvider _time = null!;
    private UrlTransfer _transfer = null!;

    [SetUp]
    public void SetUp()
    {
        _root = Directory.CreateTempSubdirectory("topnwords-transfer-").FullName;
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        _transfer = new UrlTransfer(timeProvider: _time);
    }

    [TearDown]
    public void TearDown()
    {
        _transfer.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private Uri FileUrl(string relative, string query) => new UriBuilder(new Uri(Path.Combine(_root, relative))) { Query = query }.Uri;

    [Test]
    public async Task DownloadAsync_FileUrlWithReadPermission_CopiesTheFile()
    {
        File.WriteAllText(Path.Combine(_root, "in file.txt"), "hello");

        await _transfer.DownloadAsync(FileUrl("in file.txt", "sp=r&se=2026-11-29T13:00:00Z"), Path.Combine(_root, "out", "copy.txt"));

        Assert.That(File.ReadAllText(Path.Combine(_root, "out", "copy.txt")), Is.EqualTo("hello"));
    }

    [Test]
    public void DownloadAsync_ExpiredFileUrl_IsForbidden()
    {
        File.WriteAllText(Path.Combine(_root, "in.txt"), "hello");
        _time.Advance(TimeSpan.FromHours(2));

        var ex = Assert.ThrowsAsync<UrlTransferException>(() => _transfer.DownloadAsync(FileUrl("in.txt", "sp=r&se=2026-11-29T13:00:00Z"), Path.Combine(_root, "copy.txt")));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
        Assert.That(ex.Message, Does.Contain("expired"));
        Assert.That(File.Exists(Path.Combine(_root, "copy.txt")), Is.False);
    }

    [Test]
    public void DownloadAsync_WriteOnlyFileUrl_IsForbidden()
    {
        File.WriteAllText(Path.Combine(_root, "in.txt"), "hello");

        var ex = Assert.ThrowsAsync<UrlTransferException>(() => _transfer.DownloadAsync(FileUrl("in.txt", "sp=cw"), Path.Combine(_root, "copy.txt")));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
    }

    [Test]
    public void DownloadAsync_MissingFile_IsNotFound()
    {
        var ex = Assert.ThrowsAsync<UrlTransferException>(() => _transfer.DownloadAsync(FileUrl("nope.txt", "sp=r"), Path.Combine(_root, "copy.txt")));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.NotFound));
    }

    [Test]
    public async Task UploadAsync_FileContainerUrlWithCreate_WritesUnderTheContainer()
    {
        Directory.CreateDirectory(Path.Combine(_root, "out"));
        string source = Path.Combine(_root, "src.txt");
        File.WriteAllText(source, "data");

        await _transfer.UploadAsync(FileUrl("out", "sp=cw&se=2026-11-29T13:00:00Z"), "task-1/été result.txt", source);

        Assert.That(File.ReadAllText(Path.Combine(_root, "out", "task-1", "été result.txt")), Is.EqualTo("data"));
    }

    [Test]
    public void UploadAsync_ReadOnlyContainerUrl_IsForbidden()
    {
        Directory.CreateDirectory(Path.Combine(_root, "out"));
        string source = Path.Combine(_root, "src.txt");
        File.WriteAllText(source, "data");

        var ex = Assert.ThrowsAsync<UrlTransferException>(() => _transfer.UploadAsync(FileUrl("out", "sp=r"), "x.txt", source));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
        Assert.That(File.Exists(Path.Combine(_root, "out", "x.txt")), Is.False);
    }

    [Test]
    public void UploadAsync_BlobNameEscapingTheContainer_IsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "out"));
        string source = Path.Combine(_root, "src.txt");
        File.WriteAllText(source, "data");

        Assert.ThrowsAsync<UrlTransferException>(() => _transfer.UploadAsync(FileUrl("out", "sp=cw"), "../escaped.txt", source));
        Assert.That(File.Exists(Path.Combine(_root, "escaped.txt")), Is.False);
    }

    [Test]
    public void DownloadAsync_UnreadableExpiry_IsTreatedAsExpired()
    {
        File.WriteAllText(Path.Combine(_root, "in.txt"), "hello");

        var ex = Assert.ThrowsAsync<UrlTransferException>(() => _transfer.DownloadAsync(FileUrl("in.txt", "sp=r&se=not-a-date"), Path.Combine(_root, "copy.txt")));

        Assert.That(ex!.Kind, Is.EqualTo(UrlTransferErrorKind.Forbidden));
    }

    [Test]
    public async Task UploadAsync_VeryLongBlobName_Works()
    {
        Directory.CreateDirectory(Path.Combine(_root, "out"));
        string source = Path.Combine(_root, "src.txt");
        File.WriteAllText(source, "data");
        string name = new string('n', 240) + ".txt";

        await _transfer.UploadAsync(FileUrl("out", "sp=cw"), name, source);

        Assert.That(File.ReadAllText(Path.Combine(_root, "out", name)), Is.EqualTo("data"));
    }

    [Test]
    public void BlobUrl_EscapesEachSegmentAndKeepsTheQuery()
    {
        var url = UrlTransfer.BlobUrl(new Uri("https://a.blob.core.windows.net/out?sv=x&sp=cw&sig=s"), "t 1/é#.txt");

        Assert.That(url.AbsoluteUri, Is.EqualTo("https://a.blob.core.windows.net/out/t%201/%C3%A9%23.txt?sv=x&sp=cw&sig=s"));
    }
}
