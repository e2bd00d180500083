using TopNWords.Batch.Azure.BatchRest;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

[TestFixture]
public class SecretRedactorTests
{
    [TestCase("https://a.blob.core.windows.net/c/f?sv=1&sig=abc%2B%3D&se=2", "https://a.blob.core.windows.net/c/f?sv=1&sig=REDACTED&se=2")]
    [TestCase("https://a.blob.core.windows.net/c?sig=abc", "https://a.blob.core.windows.net/c?sig=REDACTED")]
    [TestCase("url 'https://a/c?SIG=abc' failed", "url 'https://a/c?SIG=REDACTED' failed")]
    [TestCase("encoded https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3Dabc%252B", "encoded https%3A%2F%2Fa%2Fc%3Fsv%3D1%26sig%3DREDACTED")]
    [TestCase("Authorization: SharedKey acct:AbC+/d==", "Authorization: SharedKey acct:REDACTED")]
    [TestCase("Authorization: Bearer eyJ.abc-def_g", "Authorization: Bearer REDACTED")]
    [TestCase("The MAC signature found in the HTTP request 'xyz=' is not the same", "The MAC signature found in the HTTP request 'REDACTED' is not the same")]
    [TestCase("design=1&signal=2", "design=1&signal=2")]
    [TestCase("", "")]
    public void Redact_RemovesSecrets(string input, string expected)
        => Assert.That(SecretRedactor.Redact(input), Is.EqualTo(expected));

    [Test]
    public void Redact_KnownSecrets_AreRemovedVerbatim()
        => Assert.That(SecretRedactor.Redact("echo: s3cr3t-value-123 end", ["s3cr3t-value-123"]), Is.EqualTo("echo: REDACTED end"));
}
