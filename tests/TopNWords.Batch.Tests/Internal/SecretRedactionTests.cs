using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

[TestFixture]
public class SecretRedactionTests
{
    [Test]
    public void Redact_SasUrl_HidesOnlyTheSignature()
    {
        var url = new Uri("https://acct.blob.core.windows.net/c/b.txt?sv=2021-12-02&se=2026-11-29T00%3A00%3A00Z&sp=r&sig=abc%2Bdef%3D");

        string redacted = SecretRedaction.Redact(url);

        Assert.That(redacted, Does.Not.Contain("abc"));
        Assert.That(redacted, Does.Contain("sig=REDACTED").And.Contain("sp=r").And.Contain("/c/b.txt"));
    }

    [Test]
    public void RedactText_ConnectionStringAndSharedKeyHeader_AreHidden()
    {
        string text = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFl==;BlobEndpoint=x Authorization: SharedKey acct:AbCd+/12=";

        string redacted = SecretRedaction.RedactText(text);

        Assert.That(redacted, Does.Not.Contain("Eby8vdM02xNOcqFl").And.Not.Contain("AbCd+/12="));
        Assert.That(redacted, Does.Contain("AccountName=devstoreaccount1").And.Contain("SharedKey acct:REDACTED"));
    }

    [TestCase("https://a.blob.core.windows.net/c/f?sv=1&sig=abc%2B%3D&se=2", "https://a.blob.core.windows.net/c/f?sv=1&sig=REDACTED&se=2")]
    [TestCase("https://a.blob.core.windows.net/c?sig=abc", "https://a.blob.core.windows.net/c?sig=REDACTED")]
    [TestCase("url 'https://a/c?SIG=abc' failed", "url 'https://a/c?SIG=REDACTED' failed")]
    [TestCase("encoded https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3Dabc%252B", "encoded https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3DREDACTED")]
    [TestCase("Authorization: SharedKey acct:AbC+/d==", "Authorization: SharedKey acct:REDACTED")]
    [TestCase("Authorization: Bearer eyJ.abc-def_g", "Authorization: Bearer REDACTED")]
    [TestCase("The MAC signature found in the HTTP request 'xyz=' is not the same", "The MAC signature found in the HTTP request 'REDACTED' is not the same")]
    [TestCase("design=1&signal=2", "design=1&signal=2")]
    [TestCase("", "")]
    public void RedactText_RemovesSecrets(string input, string expected)
        => Assert.That(SecretRedaction.RedactText(input), Is.EqualTo(expected));

    [Test]
    public void RedactText_KnownSecrets_AreRemovedVerbatim()
        => Assert.That(SecretRedaction.RedactText("echo: s3cr3t-value-123 end", ["s3cr3t-value-123"]), Is.EqualTo("echo: REDACTED end"));
}
