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
          TOPNWORDS_BATCH_URL                  (BatchUrl)                    the Batch account endpoint, e.g. https://myaccount.westeurope.batch.azure.com
          TOPNWORDS_BATCH_KEY                  (BatchKey)                    the account's access key; leave unset to sign in with DefaultAzureCredential
                                                                             (az login, managed identity, ...), which needs a Batch role on the account
          TOPNWORDS_BATCH_ACCOUNT              (BatchAccount)                the account name, for the key; by default the endpoint's first label
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

    public static SampleSettings Load()
    {
        var settings = new SampleSettings();
        Dictionary<string, string> file = ReadAppSettings(settings.Problems);
        string? Get(string variable, string key)
        {
            string? value = Environment.GetEnvironmentVariable(variable);
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
        else if (!Uri.TryCreate(settings.BatchUrl, UriKind.Absolute, out Uri? url) || url.Scheme != Uri.UriSchemeHttps)
        {
            settings.Problems.Add($"TOPNWORDS_BATCH_URL '{settings.BatchUrl}' is not an https URL such as https://myaccount.westeurope.batch.azure.com.");
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

    private static Dictionary<string, string> ReadAppSettings(List<string> problems)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? path = new[] { Path.Combine(Environment.CurrentDirectory, "appsettings.json"), Path.Combine(AppContext.BaseDirectory, "appsettings.json") }
            .FirstOrDefault(File.Exists);
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

/// <summary>The sample's command line.</summary>
internal sealed record SampleArguments(IReadOnlyList<string> Inputs, int NumWords, bool Keep)
{
    private const string Usage = "usage: TopNWords.Samples.Azure [files or folders] [--numwords N] [--keep]";

    public static SampleArguments? Parse(string[] args)
    {
        var inputs = new List<string>();
        int numWords = 3;
        bool keep = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--numwords":
                    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out numWords) || numWords < 1)
                    {
                        return Fail("--numwords needs a whole number of at least 1.");
                    }

                    i++;
                    break;
                case "--keep":
                    keep = true;
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    Console.WriteLine(SampleSettings.Help);
                    return null;
                case "--":
                    inputs.AddRange(args[(i + 1)..]);
                    i = args.Length;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        return Fail($"unknown option '{args[i]}'.");
                    }

                    inputs.Add(args[i]);
                    break;
            }
        }

        if (inputs.Count == 0)
        {
            inputs.Add(Path.Combine(AppContext.BaseDirectory, "data"));
        }

        foreach (string input in inputs)
        {
            if (!File.Exists(input) && !Directory.Exists(input))
            {
                return Fail($"input '{input}' is neither a file nor a folder.");
            }
        }

        return new SampleArguments(inputs, numWords, keep);
    }

    private static SampleArguments? Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(Usage);
        return null;
    }
}

/// <summary>Prints each stage once and each task's completion.</summary>
internal sealed class ConsoleProgress : IProgress<TopNWords.Batch.BatchRunProgress>
{
    private TopNWords.Batch.BatchRunStage? _stage;

    public void Report(TopNWords.Batch.BatchRunProgress value)
    {
        if (value.CompletedTask is { } task)
        {
            Console.Error.WriteLine($"  {(task.Result == TopNWords.Batch.Compute.TaskExecutionResult.Success ? "done" : "FAILED")}: {task.Input.Name} ({value.Counts.Completed}/{value.Counts.Total})");
        }
        else if (value.Stage != _stage)
        {
            _stage = value.Stage;
            Console.Error.WriteLine($"[{value.Stage}]");
        }
    }
}
