using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Tests.Storage.Local;

[TestFixture]
public class SignedFileUrlTests
{
    private static readonly DateTimeOffset Expiry = new(2026, 11, 29, 13, 0, 0, TimeSpan.Zero);

    [TestCase("/tmp/a b/c#d", '/', "file:///tmp/a%20b/c%23d?sp=r")]
    [TestCase(@"C:\data\x y\box", '\\', "file:///C:/data/x%20y/box?sp=r")]
    [TestCase(@"\\server\share\x%y", '\\', "file://server/share/x%25y?sp=r")]
    public void Create_PathOfAnyPlatform_EscapesEachSegment(string path, char separator, string expected)
    {
        Assert.That(SignedFileUrl.Create(path, "sp=r", separator).AbsoluteUri, Is.EqualTo(expected));
    }

    [Test]
    public void Parse_BlobReadUrl_ReadsBackWhatWasWritten()
    {
        var url = SignedFileUrl.ForBlobRead(Path.Combine(Path.GetTempPath(), "box", "a b.txt"), Expiry);

        var limits = SignedFileUrl.Parse(url);

        Assert.That(limits, Is.EqualTo(new SignedFileUrl("r", Expiry)));
        Assert.That(limits!.AllowsRead, Is.True);
        Assert.That(limits.AllowsCreate, Is.False);
        Assert.That(limits.AllowsOverwrite, Is.False);
    }

    [Test]
    public void Parse_ContainerWriteUrl_AllowsCreatingAndOverwritingButNotReading()
    {
        var limits = SignedFileUrl.Parse(SignedFileUrl.ForContainerWrite(Path.Combine(Path.GetTempPath(), "box"), Expiry));

        Assert.That(limits, Is.EqualTo(new SignedFileUrl("cw", Expiry)));
        Assert.That(limits!.AllowsCreate && limits.AllowsOverwrite, Is.True);
        Assert.That(limits.AllowsRead, Is.False);
    }

    [Test]
    public void Parse_CreateOnly_DoesNotAllowOverwriting()
    {
        var limits = SignedFileUrl.Parse(new Uri("file:///tmp/box?sp=c"));

        Assert.That(limits!.AllowsCreate, Is.True);
        Assert.That(limits.AllowsOverwrite, Is.False);
        Assert.That(limits.ExpiresOn, Is.Null);
    }

    [Test]
    public void Parse_NoPermissions_IsAPlainFileUrlWithoutLimits()
    {
        Assert.That(SignedFileUrl.Parse(new Uri("file:///tmp/box/a.txt")), Is.Null);
        Assert.That(SignedFileUrl.Parse(new Uri("file:///tmp/box/a.txt?se=2026-11-29T13%3A00%3A00Z")), Is.Null);
    }

    [Test]
    public void Parse_UnreadableExpiry_CountsAsExpired()
    {
        var limits = SignedFileUrl.Parse(new Uri("file:///tmp/box/a.txt?sp=r&se=not-a-date"));

        Assert.That(limits!.IsExpiredAt(DateTimeOffset.MinValue), Is.True);
    }

    [Test]
    public void IsExpiredAt_FromTheExpiryOn_IsTrue()
    {
        var limits = new SignedFileUrl("r", Expiry);

        Assert.That(limits.IsExpiredAt(Expiry.AddTicks(-1)), Is.False);
        Assert.That(limits.IsExpiredAt(Expiry), Is.True);
        Assert.That(new SignedFileUrl("r", null).IsExpiredAt(DateTimeOffset.MaxValue), Is.False);
    }
}
