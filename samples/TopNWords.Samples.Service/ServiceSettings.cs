using TopNWords.Batch;

namespace TopNWords.Samples.Service;

/// <summary>The service's own settings (section <c>Service</c>); the workflow's are in section <c>TopNWords</c>.</summary>
internal sealed class ServiceSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Service";

    /// <summary>Gets or sets the folder that <c>POST /runs</c> input paths are relative to; by default <c>data/</c> next to the service (the tutorial's files).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// Gets or sets the service's own folder (each run's uploads, outputs and outcome); by default <c>service/</c> under the local root
    /// (<c>TopNWords:Local:RootDirectory</c>, else the per-user default), also when the runs are on Azure.
    /// </summary>
    public string? StateDirectory { get; set; }

    /// <summary>Gets or sets the largest request body, uploads included, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Gets or sets the most inputs one run may have.</summary>
    public int MaxInputs { get; set; } = 1000;

    /// <summary>Gets or sets the largest <c>numWords</c>.</summary>
    public int MaxNumWords { get; set; } = 1000;

    /// <summary>Gets or sets the nodes of each run's pool.</summary>
    public int NodeCount { get; set; } = 2;

    /// <summary>Gets or sets the task slots per node of each run's pool.</summary>
    public int TaskSlotsPerNode { get; set; } = 1;

    /// <summary>Gets the data folder, full path.</summary>
    public string DataPath { get; private set; } = string.Empty;

    /// <summary>Gets the state folder, full path.</summary>
    public string StatePath { get; private set; } = string.Empty;

    /// <summary>Reads and checks the settings.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="contentRoot">The folder relative paths are taken from.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="InvalidOperationException">A setting is unusable; the message names it and says what to do.</exception>
    public static ServiceSettings Load(IConfiguration configuration, string contentRoot)
    {
        var settings = new ServiceSettings();
        configuration.GetSection(SectionName).Bind(settings);
        settings.DataPath = Path.GetFullPath(settings.DataDirectory ?? "data", contentRoot);
        string root = configuration["TopNWords:Local:RootDirectory"] is { Length: > 0 } configured ? configured : LocalBatchWorkflowOptions.DefaultRootDirectory;
        settings.StatePath = settings.StateDirectory is { Length: > 0 } state
            ? Path.GetFullPath(state, contentRoot)
            : Path.Combine(Path.GetFullPath(root), "service"); // beside the workflow's storage/ and compute/, resolved as the workflow does
        if (!Directory.Exists(settings.DataPath))
        {
            throw new InvalidOperationException($"The data folder '{settings.DataPath}' (setting {SectionName}:DataDirectory) does not exist: create it, or set {SectionName}:DataDirectory to a folder that does.");
        }

        Check(settings.MaxRequestBytes >= 1024, nameof(MaxRequestBytes), "at least 1024");
        Check(settings.MaxInputs >= 1, nameof(MaxInputs), "at least 1");
        Check(settings.MaxNumWords >= 1, nameof(MaxNumWords), "at least 1");
        Check(settings.NodeCount >= 1, nameof(NodeCount), "at least 1");
        Check(settings.TaskSlotsPerNode >= 1, nameof(TaskSlotsPerNode), "at least 1");
        return settings;

        static void Check(bool ok, string name, string rule)
        {
            if (!ok)
            {
                throw new InvalidOperationException($"Setting {SectionName}:{name} must be {rule}.");
            }
        }
    }
}
