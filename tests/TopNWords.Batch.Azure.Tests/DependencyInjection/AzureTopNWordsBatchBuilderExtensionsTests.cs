using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Moq;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.DependencyInjection;

/// <summary>AddTopNWordsBatch(...).AddAzure(): binding, credentials from configuration or the container, start-up validation. No network.</summary>
[TestFixture]
public class AzureTopNWordsBatchBuilderExtensionsTests
{
    /// <summary>Key-shaped test values (base64), never real keys: the tests look for them in messages.</summary>
    // Keys made per run: no key-shaped literal in the source.
    private static readonly string BatchKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private static readonly string StorageKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private const string BatchEndpoint = "https://myaccount.westeurope.batch.azure.com";
    private const string StorageUri = "https://mystorage.blob.core.windows.net";

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(1), TimeProvider.System).Token;

    private static IConfigurationSection Section(Dictionary<string, string?> settings)
        => new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("TopNWords");

    private static Dictionary<string, string?> AzureWithKeys() => new()
    {
        ["TopNWords:Backend"] = "Azure",
        ["TopNWords:Azure:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
        ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint,
        ["TopNWords:Azure:Batch:AccountKey"] = BatchKey,
    };

    private static ServiceProvider Build(Dictionary<string, string?> settings, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        more?.Invoke(services);
        services.AddTopNWordsBatch(Section(settings)).AddAzure();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    private static OptionsValidationException StartupFailure(IServiceProvider provider)
        => Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate())!;

    [Test]
    public async Task AddAzure_KeysInConfiguration_ResolvesAzureBatchComputeAndAzureBlobStorage()
    {
        await using var provider = Build(AzureWithKeys());

        provider.GetRequiredService<IStartupValidator>().Validate();
        var storage = provider.GetRequiredKeyedService<IBlobStorage>("Azure");
        var compute = provider.GetRequiredKeyedService<IBatchCompute>("Azure");
        Assert.That(storage, Is.InstanceOf<AzureBlobStorage>());
        Assert.That(compute, Is.InstanceOf<AzureBatchCompute>());
        Assert.That(compute.DisplayName, Is.EqualTo("myaccount.westeurope.batch.azure.com"));
        Assert.That(((AzureBlobStorage)storage).AccountName, Is.EqualTo("devstoreaccount1"));
        Assert.That(((AzureBlobStorage)storage).MaxUrlLifetime, Is.Null, "signed with the account key");
        var workflow = provider.GetRequiredService<IBatchWorkflow>();
        Assert.That(workflow, Is.InstanceOf<BatchWorkflow>());
        Assert.That(provider.GetRequiredService<IBatchWorkflow>(), Is.SameAs(workflow));
    }

    [Test]
    public async Task AddAzure_ServiceUriWithAccountKey_BuildsKeyStorageNamedAfterTheAccount()
    {
        var settings = AzureWithKeys();
        settings.Remove("TopNWords:Azure:Storage:ConnectionString");
        settings["TopNWords:Azure:Storage:ServiceUri"] = StorageUri;
        settings["TopNWords:Azure:Storage:AccountKey"] = StorageKey;
        await using var provider = Build(settings);

        provider.GetRequiredService<IStartupValidator>().Validate();
        var storage = (AzureBlobStorage)provider.GetRequiredKeyedService<IBlobStorage>("Azure");
        Assert.That(storage.AccountName, Is.EqualTo("mystorage"), "the account name comes from the host");
        Assert.That(storage.MaxUrlLifetime, Is.Null);
    }

    [Test]
    public async Task AddAzure_NoKeys_UsesTheContainersTokenCredentialForBatchAndStorage()
    {
        var credential = new Mock<TokenCredential>(MockBehavior.Strict);
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("test credential: no token"));
        credential.Setup(c => c.GetToken(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .Throws(new InvalidOperationException("test credential: no token"));
        var settings = new Dictionary<string, string?>
        {
            ["TopNWords:Backend"] = "Azure",
            ["TopNWords:Azure:Storage:ServiceUri"] = StorageUri,
            ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint,
        };
        await using var provider = Build(settings, services => services.AddSingleton(credential.Object));

        provider.GetRequiredService<IStartupValidator>().Validate();
        var storage = (AzureBlobStorage)provider.GetRequiredKeyedService<IBlobStorage>("Azure");
        var compute = provider.GetRequiredKeyedService<IBatchCompute>("Azure");
        Assert.That(storage.MaxUrlLifetime, Is.EqualTo(TimeSpan.FromDays(7)), "URLs are user delegation SAS: the storage signs in with a token");

        // The credential is asked for a token before any request leaves: its failure ends the call with no network.
        Assert.That(async () => await compute.GetPoolAsync("pool", Deadline()), Throws.Exception);
        Assert.That(async () => await storage.ContainerExistsAsync("container", Deadline()), Throws.Exception);
        credential.Verify(c => c.GetTokenAsync(It.Is<TokenRequestContext>(r => r.Scopes.Any(s => s.Contains("batch", StringComparison.OrdinalIgnoreCase))), It.IsAny<CancellationToken>()), Times.AtLeastOnce());
        credential.Verify(c => c.GetTokenAsync(It.Is<TokenRequestContext>(r => r.Scopes.Any(s => s.Contains("storage", StringComparison.OrdinalIgnoreCase))), It.IsAny<CancellationToken>()), Times.AtLeastOnce());
    }

    [Test]
    public async Task AddAzure_ComputeAndStorageSettings_ReachTheOptions()
    {
        var settings = AzureWithKeys();
        settings["TopNWords:Azure:Batch:VirtualMachineSize"] = "STANDARD_D4S_V3";
        settings["TopNWords:Azure:Batch:ImageOffer"] = "ubuntu-22_04-lts";
        settings["TopNWords:Azure:Batch:PoolPollInterval"] = "00:00:30";
        settings["TopNWords:Azure:Batch:MaxParallelAddTaskRequests"] = "2";
        settings["TopNWords:Azure:Storage:MaxParallelism"] = "4";
        settings["TopNWords:Azure:Storage:SasClockSkew"] = "00:02:00";
        settings["TopNWords:Azure:TaskRunnerPath"] = null;
        await using var provider = Build(settings);

        var options = provider.GetRequiredService<IOptions<TopNWordsAzureOptions>>().Value;
        var compute = options.Batch.ApplyTo(new AzureBatchComputeOptions());
        Assert.That(compute.VirtualMachineSize, Is.EqualTo("STANDARD_D4S_V3"));
        Assert.That(compute.ImageOffer, Is.EqualTo("ubuntu-22_04-lts"));
        Assert.That(compute.ImagePublisher, Is.EqualTo(AzureBatchComputeOptions.DefaultImagePublisher));
        Assert.That(compute.PoolPollInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(compute.MaxParallelAddTaskRequests, Is.EqualTo(2));
        var storage = options.Storage.ApplyTo(new AzureBlobStorageOptions());
        Assert.That(storage.MaxParallelism, Is.EqualTo(4));
        Assert.That(storage.SasClockSkew, Is.EqualTo(TimeSpan.FromMinutes(2)));
        Assert.That(storage.TransferBlockSize, Is.EqualTo(new AzureBlobStorageOptions().TransferBlockSize));
    }

    [Test]
    public void ValidateOnStart_NothingConfigured_NamesEveryMissingKey()
    {
        using var provider = Build(new Dictionary<string, string?> { ["TopNWords:Backend"] = "Azure" });

        var failures = StartupFailure(provider).Failures.ToList();
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Storage:ConnectionString or TopNWords:Azure:Storage:ServiceUri must be set"));
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Batch:Endpoint must be set"));
    }

    [Test]
    public void ValidateOnStart_NoKeyAndNoCredential_SaysToRegisterATokenCredential()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            ["TopNWords:Backend"] = "Azure",
            ["TopNWords:Azure:Storage:ServiceUri"] = StorageUri,
            ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint,
        });

        var failures = StartupFailure(provider).Failures.ToList();
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Storage:AccountKey is not set and the container has no TokenCredential"));
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Batch:AccountKey is not set and the container has no TokenCredential"));
    }

    [Test]
    public void ValidateOnStart_LoopbackEndpointWithKey_NeedsTheAccountName()
    {
        var settings = AzureWithKeys();
        settings["TopNWords:Azure:Batch:Endpoint"] = "http://127.0.0.1:5555";
        using var provider = Build(settings);

        Assert.That(StartupFailure(provider).Failures, Has.Some.Contains("TopNWords:Azure:Batch:AccountName must be set with TopNWords:Azure:Batch:AccountKey"));

        settings["TopNWords:Azure:Batch:AccountName"] = "emulated";
        using var fixedProvider = Build(settings);
        fixedProvider.GetRequiredService<IStartupValidator>().Validate();
        Assert.That(fixedProvider.GetRequiredKeyedService<IBatchCompute>("Azure").DisplayName, Is.EqualTo("127.0.0.1"));
    }

    [TestCase("TopNWords:Azure:Batch:PoolPollInterval", "00:00:00", "TopNWords:Azure:Batch:PoolPollInterval")]
    [TestCase("TopNWords:Azure:Batch:MaxTaskAddAttempts", "0", "TopNWords:Azure:Batch:MaxTaskAddAttempts")]
    [TestCase("TopNWords:Azure:Batch:VirtualMachineSize", " ", "TopNWords:Azure:Batch:VirtualMachineSize")]
    [TestCase("TopNWords:Azure:Batch:ManagementResourceId", "/not/a/batch/account", "TopNWords:Azure:Batch:ManagementResourceId")]
    [TestCase("TopNWords:Azure:Storage:TransferBlockSize", "1024", "TopNWords:Azure:Storage:TransferBlockSize must be at least 64 KiB")]
    [TestCase("TopNWords:Azure:Storage:UserDelegationKeyLifetime", "8.00:00:00", "TopNWords:Azure:Storage:UserDelegationKeyLifetime must be between")]
    [TestCase("TopNWords:Azure:Batch:Endpoint", "http://batch.example.com", "TopNWords:Azure:Batch:Endpoint must be an absolute https URL")]
    [TestCase("TopNWords:Azure:TaskRunnerPath", "/no/such/folder", "TopNWords:Azure:TaskRunnerPath")]
    public void ValidateOnStart_BadSetting_NamesItsKey(string key, string value, string expected)
    {
        var settings = AzureWithKeys();
        settings[key] = value;
        using var provider = Build(settings);

        Assert.That(StartupFailure(provider).Failures, Has.Some.Contains(expected));
    }

    [Test]
    public void ValidateOnStart_BadSecrets_NeverEchoTheirValues()
    {
        string secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        const string notBase64 = "not-base64-secret-value!";
        var cases = new[]
        {
            // A connection string without an account name, and one that is not a connection string at all.
            new Dictionary<string, string?> { ["TopNWords:Backend"] = "Azure", ["TopNWords:Azure:Storage:ConnectionString"] = $"DefaultEndpointsProtocol=https;AccountKey={secret}", ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint, ["TopNWords:Azure:Batch:AccountKey"] = notBase64 },
            new Dictionary<string, string?> { ["TopNWords:Backend"] = "Azure", ["TopNWords:Azure:Storage:ConnectionString"] = secret, ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint, ["TopNWords:Azure:Batch:AccountKey"] = secret },
            // Both a connection string and a service URI with a malformed key.
            new Dictionary<string, string?> { ["TopNWords:Backend"] = "Azure", ["TopNWords:Azure:Storage:ConnectionString"] = $"AccountName=a;AccountKey={secret}", ["TopNWords:Azure:Storage:ServiceUri"] = StorageUri, ["TopNWords:Azure:Storage:AccountKey"] = notBase64, ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint, ["TopNWords:Azure:Batch:AccountKey"] = BatchKey },
            new Dictionary<string, string?> { ["TopNWords:Backend"] = "Azure", ["TopNWords:Azure:Storage:ServiceUri"] = StorageUri, ["TopNWords:Azure:Storage:AccountKey"] = notBase64, ["TopNWords:Azure:Batch:Endpoint"] = BatchEndpoint, ["TopNWords:Azure:Batch:AccountKey"] = BatchKey },
        };

        foreach (var settings in cases)
        {
            using var provider = Build(settings);
            var ex = StartupFailure(provider);
            Assert.That(ex.Failures, Is.Not.Empty);
            Assert.That(ex.ToString(), Does.Not.Contain(secret).And.Not.Contain(notBase64).And.Not.Contain(BatchKey).And.Not.Contain(secret[..8]));
        }
    }

    [Test]
    public void ValidateOnStart_MalformedKeys_SayWhichKeyIsWrong()
    {
        var settings = AzureWithKeys();
        settings["TopNWords:Azure:Batch:AccountKey"] = "not base64!";
        settings["TopNWords:Azure:Storage:ConnectionString"] = "AccountName=a;AccountKey=short";
        using var provider = Build(settings);

        var failures = StartupFailure(provider).Failures.ToList();
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Batch:AccountKey is not valid base64 (its value is not shown)"));
        Assert.That(failures, Has.Some.Contains("TopNWords:Azure:Storage:ConnectionString is not a valid Azure Storage connection string"));
    }

    [Test]
    public async Task ValidateOnStart_ThroughAHost_FailsTheStartNamingTheKey()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["TopNWords:Backend"] = "azure", ["TopNWords:Azure:Storage:ConnectionString"] = "UseDevelopmentStorage=true" });
        builder.Services.AddTopNWordsBatch(builder.Configuration.GetSection("TopNWords")).AddAzure();
        using var host = builder.Build();

        var ex = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Deadline()))!;
        Assert.That(ex.Message, Does.Contain("TopNWords:Azure:Batch:Endpoint must be set"));
        await host.StopAsync(Deadline());
    }

    [Test]
    public void ValidateOnStart_LocalBackend_DoesNotCheckTheAzureSettings()
    {
        using var provider = Build(new Dictionary<string, string?> { ["TopNWords:Local:RootDirectory"] = Path.Combine(Path.GetTempPath(), "topnwords-di-unused") });

        Assert.That(() => provider.GetRequiredService<IStartupValidator>().Validate(), Throws.Nothing);
    }

    [Test]
    public void AddAzure_SettingsInCode_AreValidatedAndUsed()
    {
        var services = new ServiceCollection();
        services.AddTopNWordsBatch(options => options.Backend = "Azure").AddAzure(azure =>
        {
            azure.Storage.ConnectionString = "UseDevelopmentStorage=true";
            azure.Batch.Endpoint = new Uri(BatchEndpoint);
            azure.Batch.AccountKey = BatchKey;
        });
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.That(provider.GetRequiredKeyedService<IBatchCompute>("Azure"), Is.InstanceOf<AzureBatchCompute>());
    }

    [Test]
    public void TaskRunnerProvider_TaskRunnerPathConfigured_GivesThatSelfContainedPublish()
    {
        string publish = Directory.CreateTempSubdirectory("topnwords-di-runner-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(publish, AzureTaskApplications.TaskRunnerExecutable), [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0]);
            var settings = AzureWithKeys();
            settings["TopNWords:Azure:TaskRunnerPath"] = publish;
            using var provider = Build(settings);

            provider.GetRequiredService<IStartupValidator>().Validate();
            var runner = provider.GetRequiredService<ITaskRunnerProvider>().GetTaskRunner();
            Assert.That(runner.Name, Is.EqualTo(AzureTaskApplications.TaskRunnerName));
            Assert.That(runner.EntryPoint, Is.EqualTo(new[] { "{app}/" + AzureTaskApplications.TaskRunnerExecutable }));
            Assert.That(runner.Files.Select(f => f.LocalPath), Is.EqualTo(new[] { Path.Combine(publish, AzureTaskApplications.TaskRunnerExecutable) }));
        }
        finally
        {
            Directory.Delete(publish, recursive: true);
        }
    }
}
