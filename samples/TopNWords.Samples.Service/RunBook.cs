using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace TopNWords.Samples.Service;

/// <summary>What the service records about a run it accepted, before the workflow has (<c>run.json</c>).</summary>
/// <param name="RunId">The run id.</param>
/// <param name="CreatedAt">When the request came.</param>
/// <param name="NumWords">Top words per input.</param>
/// <param name="Inputs">The input names.</param>
/// <param name="Submitted">Whether <c>SubmitAsync</c> returned (the client got its 202).</param>
internal sealed record RunTicket(string RunId, DateTimeOffset CreatedAt, int NumWords, IReadOnlyList<string> Inputs, bool Submitted);

/// <summary>
/// The service's own folder: one folder per run it accepted (<c>runs/&lt;id&gt;/</c>) with <c>run.json</c>, the uploaded
/// inputs (<c>uploads/</c>), the downloaded outputs (<c>output/</c>) and, once the run has ended, <c>result.json</c>: the
/// outcome stays answerable after the workflow deleted the run's record (a clean run leaves nothing behind).
/// </summary>
internal sealed partial class RunBook
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly string _runs;
    private readonly Lock _gate = new();

    public RunBook(ServiceSettings settings)
    {
        _runs = Path.Combine(settings.StatePath, "runs");
        Directory.CreateDirectory(_runs);
    }

    /// <summary>Gets the service's folder.</summary>
    public string RunsPath => _runs;

    /// <summary>Whether <paramref name="runId"/> is a run id (3 to 40 lower-case letters, digits and single hyphens): checked before it names a folder.</summary>
    public static bool IsRunId(string? runId) => runId is { Length: >= 3 and <= 40 } && RunIdPattern().IsMatch(runId);

    /// <summary>A new run id: <c>tnw-yyyyMMdd-HHmmss-xxxxxx</c> (UTC, random suffix), as the library makes them.</summary>
    public static string NewRunId(TimeProvider time) =>
        $"tnw-{time.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Creates the folder of a new run; false when the service already has a run of that id.</summary>
    public bool TryCreate(string runId)
    {
        lock (_gate)
        {
            string folder = FolderOf(runId);
            if (Directory.Exists(folder))
            {
                return false;
            }

            Directory.CreateDirectory(folder);
            return true;
        }
    }

    public bool Knows(string runId) => IsRunId(runId) && File.Exists(Path.Combine(FolderOf(runId), "run.json"));

    public IEnumerable<string> ListRunIds() =>
        Directory.EnumerateDirectories(_runs).Select(Path.GetFileName).OfType<string>().Where(IsRunId).Order(StringComparer.Ordinal);

    public string UploadsOf(string runId) => Path.Combine(FolderOf(runId), "uploads");

    public string OutputOf(string runId) => Path.Combine(FolderOf(runId), "output");

    public void WriteTicket(RunTicket ticket) => Write(ticket.RunId, "run.json", ticket);

    public RunTicket? ReadTicket(string runId) => Read<RunTicket>(runId, "run.json");

    /// <summary>Records a run's outcome, unless one is recorded already (the first outcome stands); true when this one was.</summary>
    public bool WriteResult(RunView view)
    {
        lock (_gate)
        {
            if (File.Exists(Path.Combine(FolderOf(view.RunId), "result.json")))
            {
                return false;
            }

            Write(view.RunId, "result.json", view);
        }

        DeleteFolder(UploadsOf(view.RunId)); // the run has ended: its inputs are no longer needed to resume it
        return true;
    }

    public RunView? ReadResult(string runId) => Read<RunView>(runId, "result.json");

    /// <summary>Forgets a run that was never accepted.</summary>
    public void Delete(string runId) => DeleteFolder(FolderOf(runId));

    private string FolderOf(string runId) =>
        IsRunId(runId) ? Path.Combine(_runs, runId) : throw new ArgumentException($"'{runId}' is not a run id.", nameof(runId));

    private void Write<T>(string runId, string name, T value)
    {
        string path = Path.Combine(FolderOf(runId), name);
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(value, Json));
        File.Move(temporary, path, overwrite: true);
    }

    private T? Read<T>(string runId, string name)
        where T : class
    {
        string path = Path.Combine(FolderOf(runId), name);
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}
