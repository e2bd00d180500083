using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TopNWords.Samples.Azure;

/// <summary>
/// The sample's settings, bound from the configuration section <c>TopNWords</c>: <c>appsettings.json</c> (in the current folder,
/// else next to the sample), overridden by the environment (the documented <c>TOPNWORDS_*</c> names, or <c>TopNWords__Setting</c>),
/// overridden by the command line for the settings that are not secrets. Secrets are never printed.
/// </summary>
internal sealed class SampleSettings
{
    public const string SectionName = "TopNWords";

    public const string Help = """
        Set these environment variables (or the same settings in appsettings.json, section "TopNWords", or TopNWords__BatchUrl and the
        like); the options --batch-url, --batch-account, --pool-vm-size, --pool-nodes and --taskrunner-publish-dir override them:
          TOPNWORDS_BATCH_URL                  (BatchUrl)                    the Batch account endpoint, e.g. https://myaccount.westeurope.batch.azure.com;
                                                                             http only on a loopback address (the emulator, e.g. http://127.0.0.1:PORT)
          TOPNWORDS_BATCH_KEY                  (BatchKey)                    the account's access key; leave unset to sign in with DefaultAzureCredential
                                                                             (az login, managed identity, ...), which needs a Batch role on the account
          TOPNWORDS_BATCH_ACCOUNT              (BatchAccount)                the account name, for the key; by default the endpoint's first label
                                                                             (required with a loopback endpoint, which needs the key too over http)
          TOPNWORDS_STORAGE_CONNECTION_STRING  (StorageConnectionString)     the storage account's connection string
          TOPNWORDS_POOL_VM_SIZE               (PoolVmSize)                  optional; default STANDARD_D2S_V3
          TOPNWORDS_POOL_NODES                 (PoolNodes)                   optional; default 2
          TOPNWORDS_TASKRUNNER_PUBLISH_DIR     (TaskRunnerPublishDirectory)  optional; default out/taskrunner-linux-x64 if it exists, made with
            dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 -p:PublishAot=true -o out/taskrunner-linux-x64
                                                                             (else the runner the TopNWords.Batch package puts next to the sample)
        Keep keys and connection strings out of source control: prefer environment variables or Microsoft Entra ID.
        """;

    private const string DefaultPublishDirectory = "out/taskrunner-linux-x64";

    /// <summary>Each setting with its documented environment variable, and its command-line option unless it is a secret.</summary>
    private static readonly (string Key, string Variable, string? Option)[] Names =
    [
        (nameof(BatchUrl), "TOPNWORDS_BATCH_URL", "--batch-url"),
        (nameof(BatchAccount), "TOPNWORDS_BATCH_ACCOUNT", "--batch-account"),
        (nameof(BatchKey), "TOPNWORDS_BATCH_KEY", null),
        (nameof(StorageConnectionString), "TOPNWORDS_STORAGE_CONNECTION_STRING", null),
        (nameof(PoolVmSize), "TOPNWORDS_POOL_VM_SIZE", "--pool-vm-size"),
        (nameof(PoolNodes), "TOPNWORDS_POOL_NODES", "--pool-nodes"),
        (nameof(TaskRunnerPublishDirectory), "TOPNWORDS_TASKRUNNER_PUBLISH_DIR", "--taskrunner-publish-dir"),
    ];

    public string? BatchUrl { get; set => field = Clean(value); }

    public string? BatchAccount { get; set => field = Clean(value); }

    public string? BatchKey { get; set => field = Clean(value); }

    public string? StorageConnectionString { get; set => field = Clean(value); }

    public string? PoolVmSize { get; set => field = Clean(value); }

    public int PoolNodes { get; set; } = 2;

    public string TaskRunnerPublishDirectory { get; set => field = Clean(value) ?? DefaultPublishDirectory; } = DefaultPublishDirectory;

    /// <summary>The command-line options of the settings that are not secrets (every verb takes them).</summary>
    public static Option<string>[] CreateOptions() =>
        [.. Names.Where(n => n.Option is not null).Select(n => new Option<string>(n.Option!) { Recursive = true, HelpName = "VALUE", Description = $"Overrides {n.Variable} ({n.Key})." })];

    /// <summary>
    /// Builds the configuration and binds and validates the settings: the first existing of <paramref name="appSettingsFiles"/>,
    /// then <paramref name="environment"/>, then <paramref name="commandLine"/> (<c>--option value</c> pairs of <see cref="CreateOptions"/>).
    /// </summary>
    /// <returns>The settings, and what is missing or wrong (empty when the sample can run).</returns>
    public static (SampleSettings Settings, IReadOnlyList<string> Problems) Load(IEnumerable<string> appSettingsFiles, IConfiguration environment, IEnumerable<string> commandLine)
    {
        var builder = new ConfigurationBuilder();
        string? file = appSettingsFiles.FirstOrDefault(File.Exists);
        if (file is not null)
        {
            builder.AddJsonFile(file, optional: true);
        }

        IConfiguration configuration;
        try
        {
            configuration = builder
                .AddConfiguration(environment)
                .AddInMemoryCollection(Names.Select(n => new KeyValuePair<string, string?>($"{SectionName}:{n.Key}", environment[n.Variable])).Where(p => !string.IsNullOrWhiteSpace(p.Value)))
                .AddCommandLine([.. commandLine], Names.Where(n => n.Option is not null).ToDictionary(n => n.Option!, n => $"{SectionName}:{n.Key}"))
                .Build();
        }
        catch (InvalidDataException ex) when (ex.GetBaseException() is JsonException json)
        {
            // The position only: the file may hold a key.
            return (new SampleSettings(), [$"'{file}' is not valid JSON (line {json.LineNumber + 1})."]);
        }

        return Load(configuration);
    }

    /// <summary>Binds the <c>TopNWords</c> section of <paramref name="configuration"/> and validates it.</summary>
    public static (SampleSettings Settings, IReadOnlyList<string> Problems) Load(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        string? nodes = section[nameof(PoolNodes)]?.Trim();
        bool nodesValid = string.IsNullOrEmpty(nodes) || (int.TryParse(nodes, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1);
        if (!nodesValid || string.IsNullOrEmpty(nodes))
        {
            // The default: a bad value is reported below with the other problems (the binder would throw on it).
            section[nameof(PoolNodes)] = new SampleSettings().PoolNodes.ToString(CultureInfo.InvariantCulture);
        }

        var settings = section.Get<SampleSettings>() ?? new SampleSettings();
        if (settings.BatchAccount is null && Uri.TryCreate(settings.BatchUrl, UriKind.Absolute, out Uri? url) && !url.IsLoopback)
        {
            settings.BatchAccount = url.Host.Split('.')[0]; // the account's endpoint starts with its name
        }

        List<string> problems = [.. new Validation().Validate(Options.DefaultName, settings).Failures ?? []];
        if (!nodesValid)
        {
            problems.Add($"TOPNWORDS_POOL_NODES '{nodes}' is not a whole number of at least 1.");
        }

        return (settings, problems);
    }

    /// <summary>Blank is unset; values are trimmed.</summary>
    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>What is missing or wrong: https everywhere, http only on a loopback address (the emulator).</summary>
    internal sealed class Validation : IValidateOptions<SampleSettings>
    {
        public ValidateOptionsResult Validate(string? name, SampleSettings options)
        {
            List<string> problems = [];
            if (options.BatchUrl is null)
            {
                problems.Add("TOPNWORDS_BATCH_URL is not set.");
            }
            else if (!Uri.TryCreate(options.BatchUrl, UriKind.Absolute, out Uri? url)
                || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
            {
                problems.Add($"TOPNWORDS_BATCH_URL '{options.BatchUrl}' is not an https URL such as https://myaccount.westeurope.batch.azure.com (http is accepted only on a loopback address, 127.0.0.1, ::1 or localhost, for the emulator).");
            }
            else if (url.IsLoopback)
            {
                // The emulator: its host (127.0.0.1, localhost) says nothing about the account's name.
                if (options.BatchAccount is null)
                {
                    problems.Add($"TOPNWORDS_BATCH_ACCOUNT is not set: with the loopback endpoint '{options.BatchUrl}' (the emulator) the account name cannot be taken from the host; set it to the emulator's account name (its --account).");
                }

                if (url.Scheme == Uri.UriSchemeHttp && options.BatchKey is null)
                {
                    problems.Add($"TOPNWORDS_BATCH_KEY is not set: Microsoft Entra ID sign-in needs https, so the http endpoint '{options.BatchUrl}' (the emulator) needs the account key; set it to the emulator's key.");
                }
            }

            if (options.StorageConnectionString is null)
            {
                problems.Add("TOPNWORDS_STORAGE_CONNECTION_STRING is not set.");
            }

            if (options.PoolNodes < 1)
            {
                problems.Add($"TOPNWORDS_POOL_NODES '{options.PoolNodes}' is not a whole number of at least 1.");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
