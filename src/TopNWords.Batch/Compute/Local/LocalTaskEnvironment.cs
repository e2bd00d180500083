using System.Collections;
using System.Globalization;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// The environment a start task or task runs with, as on a Batch node: a basic set of this process's variables
/// (never all of them: a connection string, key or token in the host's environment must not reach task code),
/// the names the caller opted in, the <c>AZ_BATCH_*</c> variables of Azure Batch, and the spec's settings.
/// </summary>
internal sealed class LocalTaskEnvironment
{
    private static readonly StringComparison NameComparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static readonly StringComparer NameComparer = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The variables of this process that every task receives (plus <c>LC_*</c> and <c>DOTNET_ROOT_*</c>).</summary>
    private static readonly HashSet<string> BasicVariables = new(
        ["PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TMPDIR", "TEMP", "TMP", "DOTNET_ROOT", "DOTNET_ROOT(x86)"],
        NameComparer);

    /// <summary>What a process needs on Windows to start and find its folders.</summary>
    private static readonly HashSet<string> WindowsBasicVariables = new(
        [
            "SystemRoot", "windir", "SystemDrive", "COMSPEC", "PATHEXT", "USERPROFILE", "USERNAME", "HOMEDRIVE", "HOMEPATH",
            "APPDATA", "LOCALAPPDATA", "ProgramData", "ProgramFiles", "ProgramFiles(x86)", "ProgramW6432", "CommonProgramFiles",
            "CommonProgramFiles(x86)", "CommonProgramW6432", "COMPUTERNAME", "OS", "PROCESSOR_ARCHITECTURE", "NUMBER_OF_PROCESSORS",
        ],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The variables of this process that tasks receive, read once (as a Batch node's own environment is set when it starts).</summary>
    private readonly KeyValuePair<string, string>[] _hostVariables;

    /// <summary>Initializes a new instance of the <see cref="LocalTaskEnvironment"/> class, reading the variables of this process that tasks receive.</summary>
    /// <param name="passThrough">Further variables of this process that tasks receive (validated by <see cref="LocalProcessComputeOptions.Validate"/>); copied.</param>
    public LocalTaskEnvironment(IEnumerable<string> passThrough)
    {
        var names = new HashSet<string>(passThrough, NameComparer);
        var variables = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (!name.StartsWith("AZ_BATCH_", StringComparison.OrdinalIgnoreCase) && (IsBasicVariable(name) || names.Contains(name)))
            {
                variables.Add(new(name, variable.Value as string ?? string.Empty));
            }
        }

        _hostVariables = [.. variables];
    }

    /// <summary>
    /// The process environment: the basic set and the opted-in variables of this process as they were when the compute was created (never its
    /// <c>AZ_BATCH_*</c> variables), then the node's and task's <c>AZ_BATCH_*</c> variables, then the spec's settings.
    /// </summary>
    public Dictionary<string, string> BuildEnvironment(NodeEntry node, string taskDirectory, string workingDirectory, string? jobId, string? taskId, int retryCount, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var environment = new Dictionary<string, string>(_hostVariables.Length + 12 + settings.Count, NameComparer);
        foreach (var (name, value) in _hostVariables)
        {
            environment[name] = value;
        }

        environment["AZ_BATCH_NODE_ID"] = node.Id;
        environment["AZ_BATCH_POOL_ID"] = node.Pool.Id;
        environment["AZ_BATCH_NODE_IS_DEDICATED"] = "true";
        environment["AZ_BATCH_NODE_ROOT_DIR"] = node.RootDirectory;
        environment["AZ_BATCH_NODE_SHARED_DIR"] = node.SharedDirectory;
        environment["AZ_BATCH_NODE_STARTUP_DIR"] = node.StartupDirectory;
        environment["AZ_BATCH_TASK_DIR"] = taskDirectory;
        environment["AZ_BATCH_TASK_WORKING_DIR"] = workingDirectory;
        environment["AZ_BATCH_TASK_RETRY_COUNT"] = retryCount.ToString(CultureInfo.InvariantCulture);
        if (jobId is not null && taskId is not null)
        {
            environment["AZ_BATCH_JOB_ID"] = jobId;
            environment["AZ_BATCH_TASK_ID"] = taskId;
        }

        if (!OperatingSystem.IsWindows())
        {
            environment["PWD"] = workingDirectory;
        }

        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>Whether a variable of this process is in the basic set every task receives.</summary>
    private static bool IsBasicVariable(string name) =>
        BasicVariables.Contains(name)
        || (OperatingSystem.IsWindows() && WindowsBasicVariables.Contains(name))
        || name.StartsWith("LC_", NameComparison)
        || name.StartsWith("DOTNET_ROOT_", NameComparison);
}
