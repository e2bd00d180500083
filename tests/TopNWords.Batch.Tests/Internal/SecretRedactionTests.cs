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
}
