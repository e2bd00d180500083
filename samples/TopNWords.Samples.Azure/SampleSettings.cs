using System.Globalization;
using System.Text.Json;

namespace TopNWords.Samples.Azure;

/// <summary>
/// The sample's configuration: each setting from its environment variable, else from the <c>TopNWords</c> section
/// of <c>appsettings.json</c> (in the current folder, else next to the sample). Secrets are never printed.
/// </summary>
internal sealed class SampleSettings
{
    public const string Help = """
        Set these environment variables (or the same settings in appsettings.json, section "TopNWords"):
          TOPNWORDS_BATCH_URL                  (BatchUrl)                    the Batch account endpoint, e.g. https://myaccount.westeurope.batch.azure.com;
                                                                             http only on a loopback address (the emulator, e.g. http://127.0.0.1:PORT)
          TOPNWORDS_BATCH_KEY                  (BatchKey)                    the account's access key; leave unset to sign in with DefaultAzureCredential
                                                                             (az login, managed identity, ...), which needs a Batch role on the account
          TOPNWORDS_BATCH_ACCOUNT              (BatchAccount)                the account name, for the key; by default the endpoint's first label
                                                                             (required with a loopback endpoint, which needs the key too over http)
          TOPNWORDS_STORAGE_CONNECTION_STRING  (StorageConnectionString)     the storage account's connection string
          TOPNWORDS_POOL_VM_SIZE               (PoolVmSize)                  optional; default STANDARD_D2S_V3
          TOPNWORDS_POOL_NODES                 (PoolNodes)                   optional; default 2
          TOPNWORDS_TASKRUNNER_PUBLISH_DIR     (TaskRunnerPublishDirectory)  optional; default out/taskrunner-linux-x64, made with
            dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o out/taskrunner-linux-x64
        Keep keys and connection strings out of source control: prefer environment variables or Microsoft Entra ID.
        """;

    private SampleSettings()
    {
    }

    public string? BatchUrl { get; private set; }

    public string? BatchAccount { get; private set; }

    public string? BatchKey { get; private set; }

    public string? StorageConnectionString { get; private set; }

    public string? PoolVmSize { get; private set; }

    public int PoolNodes { get; private set; } = 2;

    public string TaskRunnerPublishDirectory { get; private set; } = "out/taskrunner-linux-x64";

    /// <summary>What is missing or wrong; empty when the sample can run.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Reads the settings from the environment and <c>appsettings.json</c> (in the current folder, else next to the sample).</summary>
    public static SampleSettings Load() => Load(
        Environment.GetEnvironmentVariable,
        [Path.Combine(Environment.CurrentDirectory, "appsettings.json"), Path.Combine(AppContext.BaseDirectory, "appsettings.json")]);

    /// <summary>Reads the settings from <paramref name="getEnvironmentVariable"/>, else from the first existing settings file.</summary>
    /// <param name="getEnvironmentVariable">Returns an environment variable's value, or <see langword="null"/>.</param>
    /// <param name="appSettingsFiles">The <c>appsettings.json</c> files to look for, in order.</param>
    internal static SampleSettings Load(Func<string, string?> getEnvironmentVariable, IEnumerable<string> appSettingsFiles)
    {
        var settings = new SampleSettings();
        Dictionary<string, string> file = ReadAppSettings(appSettingsFiles, settings.Problems);
        string? Get(string variable, string key)
        {
            string? value = getEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                value = file.GetValueOrDefault(key);
            }

            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }

        settings.BatchUrl = Get("TOPNWORDS_BATCH_URL", "BatchUrl");
        settings.BatchKey = Get("TOPNWORDS_BATCH_KEY", "BatchKey");
        settings.BatchAccount = Get("TOPNWORDS_BATCH_ACCOUNT", "BatchAccount");
        settings.StorageConnectionString = Get("TOPNWORDS_STORAGE_CONNECTION_STRING", "StorageConnectionString");
        settings.PoolVmSize = Get("TOPNWORDS_POOL_VM_SIZE", "PoolVmSize");
        settings.TaskRunnerPublishDirectory = Get("TOPNWORDS_TASKRUNNER_PUBLISH_DIR", "TaskRunnerPublishDirectory") ?? settings.TaskRunnerPublishDirectory;

        if (settings.BatchUrl is null)
        {
            settings.Problems.Add("TOPNWORDS_BATCH_URL is not set.");
        }
        else if (!Uri.TryCreate(settings.BatchUrl, UriKind.Absolute, out Uri? url)
            || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback)))
        {
            settings.Problems.Add($"TOPNWORDS_BATCH_URL '{settings.BatchUrl}' is not an https URL such as https://myaccount.westeurope.batch.azure.com (http is accepted only on a loopback address, 127.0.0.1, ::1 or localhost, for the emulator).");
        }
        else if (url.IsLoopback)
        {
            // The emulator: its host (127.0.0.1, localhost) says nothing about the account's name.
            if (settings.BatchAccount is null)
            {
                settings.Problems.Add($"TOPNWORDS_BATCH_ACCOUNT is not set: with the loopback endpoint '{settings.BatchUrl}' (the emulator) the account name cannot be taken from the host; set it to the emulator's account name (its --account).");
            }

            if (url.Scheme == Uri.UriSchemeHttp && settings.BatchKey is null)
            {
                settings.Problems.Add($"TOPNWORDS_BATCH_KEY is not set: Microsoft Entra ID sign-in needs https, so the http endpoint '{settings.BatchUrl}' (the emulator) needs the account key; set it to the emulator's key.");
            }
        }
        else
        {
            settings.BatchAccount ??= url.Host.Split('.')[0];
        }

        if (settings.StorageConnectionString is null)
        {
            settings.Problems.Add("TOPNWORDS_STORAGE_CONNECTION_STRING is not set.");
        }

        if (Get("TOPNWORDS_POOL_NODES", "PoolNodes") is { } nodes)
        {
            if (int.TryParse(nodes, NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count >= 1)
            {
                settings.PoolNodes = count;
            }
            else
            {
                settings.Problems.Add($"TOPNWORDS_POOL_NODES '{nodes}' is not a whole number of at least 1.");
            }
        }

        return settings;
    }

    private static Dictionary<string, string> ReadAppSettings(IEnumerable<string> candidates, List<string> problems)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            return values;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("TopNWords", out JsonElement section) && section.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty property in section.EnumerateObject())
                {
                    values[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString() ?? string.Empty,
                        JsonValueKind.Number => property.Value.GetRawText(),
                        _ => string.Empty,
                    };
                }
            }
        }
        catch (JsonException ex)
        {
            // The position only: the file may hold a key.
            problems.Add($"'{path}' is not valid JSON (line {ex.LineNumber + 1}).");
        }

        return values;
    }
}
