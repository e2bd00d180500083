using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Azure.Tests.Samples;

/// <summary>
/// The Azure sample as its own process, up to its settings: secrets refused on the command line without being printed, the
/// non-secret settings overridden by options, and the help. Nothing here reaches a service (the settings are refused first).
/// </summary>
[TestFixture]
[NonParallelizable]
public class AzureSampleCommandLineTests
{
    private const string SampleDll = "TopNWords.Samples.Azure.dll";

    /// <summary>Stands for an account key: it must never be printed (a marker, not key-shaped: the refusal never parses it).</summary>
    private const string SecretKey = "stand-in-for-an-account-key-never-printed";

    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-azure-sample-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    [TestCase("--batch-key", SecretKey)]
    [TestCase("--batch-key=" + SecretKey)]
    [TestCase("status", "some-run", "--batch-key", SecretKey)]
    public async Task Sample_BatchKeyOnTheCommandLine_ExitsTwoWithoutPrintingIt(params string[] args)
    {
        var result = await RunAsync(args);

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("error: --batch-key is not supported: secrets are not taken on the command line").And.Contain("TOPNWORDS_BATCH_KEY"));
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain(SecretKey));
    }

    [Test]
    public async Task Sample_SettingOptions_OverrideTheEnvironmentAndAreValidatedLikeIt()
    {
        var result = await RunAsync(
            ["list", "--batch-url", "http://10.0.0.1:8080", "--pool-nodes", "x"],
            new Dictionary<string, string?> { ["TOPNWORDS_BATCH_URL"] = "https://myaccount.westeurope.batch.azure.com", ["TOPNWORDS_BATCH_KEY"] = SecretKey });

        Assert.That(result.ExitCode, Is.EqualTo(2), result.Stdout + result.Stderr);
        Assert.That(result.Stderr, Does.Contain("The Azure sample is not configured:"));
        Assert.That(result.Stderr, Does.Contain("TOPNWORDS_BATCH_URL 'http://10.0.0.1:8080' is not an https URL"), "the option wins over the variable");
        Assert.That(result.Stderr, Does.Contain("TOPNWORDS_POOL_NODES 'x' is not a whole number of at least 1."));
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain(SecretKey));
    }

    [Test]
    public async Task Sample_Help_ListsTheSettingOptionsAndVariablesButNoSecretOption()
    {
        var result = await RunAsync(["--help"]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        Assert.That(result.Stdout, Does.Contain("--batch-url").And.Contain("--pool-nodes").And.Contain("TOPNWORDS_BATCH_KEY").And.Contain("sweep"));
        Assert.That(result.Stdout, Does.Not.Contain("--batch-key").And.Not.Contain("--storage-connection-string"));
    }

    private async Task<SampleProcessResult> RunAsync(IEnumerable<string> args, Dictionary<string, string?>? environment = null)
    {
        // Whatever the machine has: only the variables the test sets count (a null value removes one).
        var variables = new Dictionary<string, string?>
        {
            ["TOPNWORDS_BATCH_URL"] = null,
            ["TOPNWORDS_BATCH_ACCOUNT"] = null,
            ["TOPNWORDS_BATCH_KEY"] = null,
            ["TOPNWORDS_POOL_NODES"] = null,
            ["TOPNWORDS_POOL_VM_SIZE"] = null,
            ["TOPNWORDS_TASKRUNNER_PUBLISH_DIR"] = null,
        };
        foreach ((string name, string? value) in environment ?? [])
        {
            variables[name] = value;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2), TimeProvider.System);
        return await SampleProcess.RunAsync(SampleDll, _work, args, variables, cancellationToken: deadline.Token);
    }
}
