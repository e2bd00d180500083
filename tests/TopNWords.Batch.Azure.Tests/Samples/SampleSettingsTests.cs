using TopNWords.Samples.Azure;

namespace TopNWords.Batch.Azure.Tests.Samples;

/// <summary>The Azure sample's settings: https everywhere, http only on a loopback address (the emulator).</summary>
[TestFixture]
public class SampleSettingsTests
{
    private const string Connection = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net";

    private static SampleSettings Load(string? url, string? account = null, string? key = "a2V5")
    {
        var environment = new Dictionary<string, string?>
        {
            ["TOPNWORDS_BATCH_URL"] = url,
            ["TOPNWORDS_BATCH_ACCOUNT"] = account,
            ["TOPNWORDS_BATCH_KEY"] = key,
            ["TOPNWORDS_STORAGE_CONNECTION_STRING"] = Connection,
        };

        // No appsettings.json: only these values count, whatever the machine has.
        return SampleSettings.Load(name => environment.GetValueOrDefault(name), []);
    }

    [Test]
    public void Load_HttpsEndpoint_TakesTheAccountFromTheHostsFirstLabel()
    {
        var settings = Load("https://myaccount.westeurope.batch.azure.com");

        Assert.That(settings.Problems, Is.Empty);
        Assert.That(settings.BatchAccount, Is.EqualTo("myaccount"));
    }

    [TestCase("http://127.0.0.1:8080")]
    [TestCase("http://[::1]:8080")]
    [TestCase("http://localhost:8080")]
    [TestCase("http://LOCALHOST:8080/")]
    public void Load_HttpOnLoopbackWithAccountAndKey_IsAccepted(string url)
    {
        var settings = Load(url, account: "devbatch");

        Assert.That(settings.Problems, Is.Empty);
        Assert.That(settings.BatchAccount, Is.EqualTo("devbatch"));
        Assert.That(settings.BatchUrl, Is.EqualTo(url));
    }

    [TestCase("http://myaccount.westeurope.batch.azure.com")]
    [TestCase("http://10.0.0.1:8080")]
    [TestCase("http://127.0.0.1.example.com:8080")]
    [TestCase("ftp://127.0.0.1")]
    [TestCase("not a url")]
    public void Load_HttpAnywhereElse_IsRefusedSayingHttpsIsNeeded(string url)
    {
        var settings = Load(url, account: "devbatch");

        Assert.That(settings.Problems, Has.One.Contains("is not an https URL").And.Contains("loopback"));
    }

    [TestCase("http://127.0.0.1:8080")]
    [TestCase("https://localhost:8443")]
    public void Load_LoopbackWithoutAccount_IsRefusedAskingForTheAccount(string url)
    {
        var settings = Load(url, account: null);

        Assert.That(settings.Problems, Has.One.Contains("TOPNWORDS_BATCH_ACCOUNT is not set").And.Contains(url));
    }

    [Test]
    public void Load_HttpLoopbackWithoutKey_IsRefusedAskingForTheKey()
    {
        var settings = Load("http://127.0.0.1:8080", account: "devbatch", key: null);

        Assert.That(settings.Problems, Has.One.Contains("TOPNWORDS_BATCH_KEY is not set").And.Contains("needs https"));
    }
}
