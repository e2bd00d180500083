namespace TopNWords.Batch;

/// <summary>
/// The program every task runs: its files, staged once per node into the node's shared folder by the
/// pool's start task, and its entry point.
/// </summary>
public sealed class TaskApplication
{
    /// <summary>The placeholder in <see cref="EntryPoint"/> replaced, on the node, by the application's folder.</summary>
    public const string AppPlaceholder = "{app}";

    /// <summary>The task runner's main assembly.</summary>
    public const string TaskRunnerAssembly = "TopNWords.TaskRunner.dll";

    private static readonly string[] TaskRunnerFiles =
    [
        TaskRunnerAssembly,
        "TopNWords.TaskRunner.runtimeconfig.json",
        "TopNWords.TaskRunner.deps.json",
        "TopNWords.WordCount.dll",
    ];

    /// <summary>Initializes a new instance of the <see cref="TaskApplication"/> class.</summary>
    /// <param name="name">The application's folder name on the node: 1 to 64 letters, digits, <c>-</c>, <c>_</c> and <c>.</c>.</param>
    /// <param name="files">The files; their relative paths are kept under the application folder.</param>
    /// <param name="entryPoint">The program and its first arguments; <see cref="AppPlaceholder"/> is replaced by the
    /// application folder on the node, e.g. <c>["dotnet", "{app}/MyTask.dll"]</c>.</param>
    public TaskApplication(string name, IEnumerable<ApplicationFile> files, IEnumerable<string> entryPoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(entryPoint);
        Name = name;
        Files = [.. files];
        EntryPoint = [.. entryPoint];
    }

    /// <summary>Gets the application's folder name on the node.</summary>
    public string Name { get; }

    /// <summary>Gets the files.</summary>
    public IReadOnlyList<ApplicationFile> Files { get; }

    /// <summary>Gets the program and its first arguments.</summary>
    public IReadOnlyList<string> EntryPoint { get; }

    /// <summary>
    /// The word-count task runner (<c>TopNWords.TaskRunner</c>), framework-dependent, run with <c>dotnet</c>:
    /// for nodes that have the .NET runtime, such as the local compute backend.
    /// </summary>
    /// <param name="directory">The folder holding <c>TopNWords.TaskRunner.dll</c> and its files; by default the
    /// application's base folder (where a project or package reference to the task runner puts them).</param>
    /// <returns>The application.</returns>
    /// <exception cref="FileNotFoundException">The task runner's files are not in the folder; the message says where it looked.</exception>
    public static TaskApplication TopNWordsTaskRunner(string? directory = null)
    {
        directory ??= AppContext.BaseDirectory;
        var files = new List<ApplicationFile>();
        foreach (string name in TaskRunnerFiles)
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                files.Add(new ApplicationFile(path, name));
            }
            else if (name != "TopNWords.TaskRunner.deps.json")
            {
                throw new FileNotFoundException(
                    $"The task runner file '{name}' was not found in '{directory}'. Reference the TopNWords.TaskRunner project (or package) from your application, or pass the folder that holds its build output.",
                    path);
            }
        }

        return new TaskApplication("topnwords-taskrunner", files, ["dotnet", $"{AppPlaceholder}/{TaskRunnerAssembly}"]);
    }

    /// <summary>Every file of a folder (recursively), with paths relative to it.</summary>
    /// <param name="name">The application's folder name on the node.</param>
    /// <param name="directory">The local folder.</param>
    /// <param name="entryPoint">The program and its first arguments.</param>
    /// <returns>The application.</returns>
    public static TaskApplication FromDirectory(string name, string directory, params string[] entryPoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The application folder '{directory}' does not exist.");
        }

        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new ApplicationFile(f, Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/')));
        return new TaskApplication(name, files, entryPoint);
    }
}

/// <summary>One file of a <see cref="TaskApplication"/>.</summary>
/// <param name="LocalPath">The local file.</param>
/// <param name="RelativePath">Its path under the application folder, with <c>/</c> separators.</param>
public sealed record ApplicationFile(string LocalPath, string RelativePath);
