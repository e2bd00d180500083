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

    /// <summary>The task runner's native executable (Native AOT, no extension).</summary>
    public const string TaskRunnerExecutable = "TopNWords.TaskRunner";

    /// <summary>
    /// The folder, in the build and publish output of an application that references the TopNWords.Batch package, that
    /// holds the task runner: <c>managed/</c> (framework-dependent) and <c>linux-x64/</c> (Native AOT). It is also the
    /// application's folder name on the nodes.
    /// </summary>
    public const string TaskRunnerFolder = "topnwords-taskrunner";

    /// <summary>The runtime identifier of the native task runner in the package (<c>linux-x64</c>).</summary>
    public const string NativeRuntimeIdentifier = "linux-x64";

    private const string ManagedFolder = "managed";

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
    /// The word-count task runner (<c>TopNWords.TaskRunner</c>) for runs whose nodes are this machine (the local compute
    /// backend, the emulator): the fastest-starting build found next to this application.
    /// </summary>
    /// <remarks>
    /// <para>With <paramref name="directory"/> <see langword="null"/>, the first of these that exists:</para>
    /// <list type="number">
    /// <item><description>On Linux x64 with an x86-64-v3 processor (AVX2; what the native build is compiled for), the Native AOT executable the TopNWords.Batch package copies to
    /// <c>topnwords-taskrunner/linux-x64/TopNWords.TaskRunner</c> under <see cref="AppContext.BaseDirectory"/>: one file,
    /// no .NET runtime needed, entry point <c>{app}/TopNWords.TaskRunner</c>. It starts fastest.</description></item>
    /// <item><description>The framework-dependent runner the package copies to <c>topnwords-taskrunner/managed</c>, run
    /// as <c>dotnet {app}/TopNWords.TaskRunner.dll</c>: every other operating system and architecture (Windows, macOS,
    /// Linux on Arm64), where the package has no native build.</description></item>
    /// <item><description>The framework-dependent runner in <see cref="AppContext.BaseDirectory"/> itself, where a
    /// project reference to <c>TopNWords.TaskRunner</c> puts it (inside this repository).</description></item>
    /// </list>
    /// <para>With a <paramref name="directory"/>, the framework-dependent runner in that folder.</para>
    /// </remarks>
    /// <param name="directory">The folder holding <c>TopNWords.TaskRunner.dll</c> and its files, or <see langword="null"/>
    /// to look next to this application as described.</param>
    /// <returns>The application.</returns>
    /// <exception cref="FileNotFoundException">The task runner's files are not in the folder; the message says where it looked.</exception>
    public static TaskApplication TopNWordsTaskRunner(string? directory = null) => directory is null
        ? FindTaskRunner(AppContext.BaseDirectory, OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 && CanRunNativeTaskRunner)
        : ManagedTaskRunner(directory);

    /// <summary>
    /// Gets a value indicating whether this processor runs the packaged native runner, which is compiled for x86-64-v3 (AVX2,
    /// BMI1/2, LZCNT, FMA: Intel since 2013, AMD Zen); an older processor gets the managed runner instead.
    /// </summary>
    internal static bool CanRunNativeTaskRunner =>
        System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Bmi1.IsSupported && System.Runtime.Intrinsics.X86.Bmi2.IsSupported
        && System.Runtime.Intrinsics.X86.Lzcnt.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>The task runner next to an application: native (when <paramref name="linuxX64"/>: Linux on an x86-64-v3 processor), packaged managed, or in the folder itself.</summary>
    internal static TaskApplication FindTaskRunner(string baseDirectory, bool linuxX64)
    {
        string packaged = Path.Combine(baseDirectory, TaskRunnerFolder);
        string native = Path.Combine(packaged, NativeRuntimeIdentifier, TaskRunnerExecutable);
        if (linuxX64 && File.Exists(native))
        {
            return new TaskApplication(TaskRunnerFolder, [new ApplicationFile(native, TaskRunnerExecutable)], [$"{AppPlaceholder}/{TaskRunnerExecutable}"]);
        }

        string managed = Path.Combine(packaged, ManagedFolder);
        return ManagedTaskRunner(File.Exists(Path.Combine(managed, TaskRunnerAssembly)) ? managed : baseDirectory);
    }

    private static TaskApplication ManagedTaskRunner(string directory)
    {
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
                    $"The task runner file '{name}' was not found in '{directory}'. Reference the TopNWords.Batch package (it copies the runner to {TaskRunnerFolder}/ in your build and publish output) or the TopNWords.TaskRunner project, or pass the folder that holds the runner's build output.",
                    path);
            }
        }

        return new TaskApplication(TaskRunnerFolder, files, ["dotnet", $"{AppPlaceholder}/{TaskRunnerAssembly}"]);
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
