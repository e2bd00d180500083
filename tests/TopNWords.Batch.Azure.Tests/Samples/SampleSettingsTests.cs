using Microsoft.Extensions.Configuration;
using TopNWords.Samples.Azure;

namespace TopNWords.Batch.Azure.Tests.Samples;

/// <summary>
/// The Azure sample's settings: https everywhere, http only on a loopback address (the emulator); appsettings.json, then the
/// environment, then the command line.
/// </summary>
[TestFixture]
public class SampleSettingsTests
{
    private const string Connection = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.windows.net";

    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-settings-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    private static (SampleSettings Settings, IReadOnlyList<string> Problems) Load(string? url, string? account = null, string? key = "a2V5")
    {
        var environment = new Dictionary<string, string?>
        {
            ["TOPNWORDS_BATCH_URL"] = url,
            ["TOPNWORDS_BATCH_ACCOUNT"] = account,
            ["TOPNWORDS_BATCH_KEY"] = key,
            ["TOPNWORDS_STORAGE_CONNECTION_STRING"] = Connection,
        };

        // No appsettings.json: only these values count, whatever the machine has.
        return SampleSettings.Load([], Variables(environment), []);
    }

    private static IConfiguration Variables(IDictionary<string, string?> variables) => new ConfigurationBuilder().AddInMemoryCollection(variables).Build();

    [Test]
    public void Load_HttpsEndpoint_TakesTheAccountFromTheHostsFirstLabel()
    {
        var (settings, problems) = Load("https://myaccount.westeurope.batch.azure.com");

        Assert.That(problems, Is.Empty);
        Assert.That(settings.BatchAccount, Is.EqualTo("myaccount"));
    }

    [TestCase("http://127.0.0.1:8080")]
    [TestCase("http://[::1]:8080")]
    [TestCase("http://localhost:8080")]
    [TestCase("http://LOCALHOST:8080/")]
    public void Load_HttpOnLoopbackWithAccountAndKey_IsAccepted(string url)
    {
        var (settings, problems) = Load(url, account: "devbatch");

        Assert.That(problems, Is.Empty);
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
        var (_, problems) = Load(url, account: "devbatch");

        Assert.That(problems, Has.One.Contains("is not an https URL").And.Contains("loopback"));
    }

    [TestCase("http://127.0.0.1:8080")]
    [TestCase("https://localhost:8443")]
    public void Load_LoopbackWithoutAccount_IsRefusedAskingForTheAccount(string url)
    {
        var (_, problems) = Load(url, account: null);

        Assert.That(problems, Has.One.Contains("TOPNWORDS_BATCH_ACCOUNT is not set").And.Contains(url));
    }

    [Test]
    public void Load_HttpLoopbackWithoutKey_IsRefusedAskingForTheKey()
    {
        var (_, problems) = Load("http://127.0.0.1:8080", account: "devbatch", key: null);

        Assert.That(problems, Has.One.Contains("TOPNWORDS_BATCH_KEY is not set").And.Contains("needs https"));
    }

    [Test]
    public void Load_AppSettingsThenEnvironmentThenCommandLine_EachOverridesTheOneBefore()
    {
        string file = Path.Combine(_work, "appsettings.json");
        File.WriteAllText(file, """
            {
              // comments and trailing commas are accepted, as before
              "TopNWords": {
                "BatchUrl": "https://fromfile.westeurope.batch.azure.com",
                "BatchKey": "a2V5",
                "StorageConnectionString": "UseDevelopmentStorage=true",
                "PoolVmSize": "STANDARD_D4S_V3",
                "PoolNodes": 5,
                "TaskRunnerPublishDirectory": "",
              },
            }
            """);
        var environment = Variables(new Dictionary<string, string?>
        {
            ["TOPNWORDS_POOL_VM_SIZE"] = "STANDARD_D8S_V3",
            ["TOPNWORDS_STORAGE_CONNECTION_STRING"] = "   ", // blank: the file's value stays
            ["TopNWords__PoolNodes"] = "4", // the .NET convention works too (the documented name wins over it)
            ["TOPNWORDS_POOL_NODES"] = "3",
        });

        var (settings, problems) = SampleSettings.Load(
            [Path.Combine(_work, "no-such.json"), file],
            environment,
            ["--batch-url", "https://fromcommandline.westeurope.batch.azure.com"]);

        Assert.That(problems, Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(settings.BatchUrl, Is.EqualTo("https://fromcommandline.westeurope.batch.azure.com"));
            Assert.That(settings.BatchAccount, Is.EqualTo("fromcommandline"));
            Assert.That(settings.StorageConnectionString, Is.EqualTo("UseDevelopmentStorage=true"));
            Assert.That(settings.PoolVmSize, Is.EqualTo("STANDARD_D8S_V3"));
            Assert.That(settings.PoolNodes, Is.EqualTo(3));
            Assert.That(settings.TaskRunnerPublishDirectory, Is.EqualTo("out/taskrunner-linux-x64"), "blank: the default");
        });
    }

    [TestCase("x")]
    [TestCase("0")]
    [TestCase("-1")]
    public void Load_PoolNodesNotAWholeNumber_IsAProblemListedWithTheOthers(string nodes)
    {
        var (_, problems) = SampleSettings.Load([], Variables(new Dictionary<string, string?> { ["TOPNWORDS_POOL_NODES"] = nodes }), []);

        Assert.That(problems, Is.EqualTo(new[]
        {
            "TOPNWORDS_BATCH_URL is not set.",
            "TOPNWORDS_STORAGE_CONNECTION_STRING is not set.",
            $"TOPNWORDS_POOL_NODES '{nodes}' is not a whole number of at least 1.",
        }));
    }

    [Test]
    public void Load_InvalidJson_NamesTheFileAndLineButNoContent()
    {
        string file = Path.Combine(_work, "appsettings.json");
        File.WriteAllText(file, "{\n  \"TopNWords\": {\n    \"BatchKey\": c2VjcmV0\n  }\n}\n");

        var (_, problems) = SampleSettings.Load([file], Variables(new Dictionary<string, string?>()), []);

        Assert.That(problems, Is.EqualTo(new[] { $"'{file}' is not valid JSON (line 3)." }));
    }

    [Test]
    public void CreateOptions_AreTheNonSecretSettingsOnly()
    {
        Assert.That(SampleSettings.CreateOptions().Select(o => o.Name), Is.EqualTo(new[] { "--batch-url", "--batch-account", "--pool-vm-size", "--pool-nodes", "--taskrunner-publish-dir" }));
    }

    [Test]
    public void Validation_IsTheOptionsValidator_WithTheSameProblems()
    {
        var result = new SampleSettings.Validation().Validate(null, new SampleSettings { BatchUrl = "http://10.0.0.1", PoolNodes = 0 });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.Failures, Has.Some.Contains("is not an https URL").And.Some.Contains("TOPNWORDS_STORAGE_CONNECTION_STRING is not set").And.Some.Contains("TOPNWORDS_POOL_NODES '0'"));
    }
}
