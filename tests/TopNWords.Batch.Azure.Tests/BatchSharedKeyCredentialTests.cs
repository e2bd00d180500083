namespace TopNWords.Batch.Azure.Tests;

[TestFixture]
public class BatchSharedKeyCredentialTests
{
    private const string Key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    [Test]
    public void ToString_NamesTheAccountButNeverTheKey()
    {
        var credential = new BatchSharedKeyCredential("testaccount", Key);

        Assert.Multiple(() =>
        {
            Assert.That(credential.ToString(), Does.Contain("testaccount"));
            Assert.That(credential.ToString(), Does.Not.Contain(Key));
            Assert.That(credential.AccountName, Is.EqualTo("testaccount"));
        });
    }

    [Test]
    public void Constructor_InvalidBase64Key_ThrowsWithoutEchoingIt()
    {
        const string notBase64 = "this-is-a-secret-but-not-base64!";

        var ex = Assert.Throws<ArgumentException>(() => _ = new BatchSharedKeyCredential("testaccount", notBase64));

        Assert.That(ex!.ToString(), Does.Not.Contain(notBase64));
        Assert.That(ex.ParamName, Is.EqualTo("base64Key"));
    }

    [Test]
    public void Constructor_InvalidArguments_Throw()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => _ = new BatchSharedKeyCredential(null!, Key));
            Assert.Throws<ArgumentException>(() => _ = new BatchSharedKeyCredential(" ", Key));
            Assert.Throws<ArgumentNullException>(() => _ = new BatchSharedKeyCredential("a", null!));
            Assert.Throws<ArgumentException>(() => _ = new BatchSharedKeyCredential("a", string.Empty));
            Assert.Throws<ArgumentException>(() => new BatchSharedKeyCredential("a", Key).SetAccountKey("%%%"));
        });
    }
}
