namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// Task applications for Azure Batch's Linux nodes, which have no .NET runtime: <see cref="LinuxTaskRunner"/> (one
/// Native AOT file, from the TopNWords.Batch package) or <see cref="SelfContainedTaskRunner"/> (a publish folder).
/// </summary>
public static class AzureTaskApplications
{
    /// <summary>The task runner's executable: the Native AOT file, or the one in a self-contained Linux publish folder.</summary>
    public const string TaskRunnerExecutable = "TopNWords.TaskRunner";

    /// <summary>The folder name of the task runner on the nodes (under <c>$AZ_BATCH_NODE_SHARED_DIR</c>).</summary>
    public const string TaskRunnerName = "topnwords-taskrunner";

    /// <summary>The <c>dotnet publish</c> command that builds the Native AOT Linux runner from this repository's source.</summary>
    public const string NativePublishCommand = "dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 -p:PublishAot=true -o out/taskrunner-linux-x64";

    /// <summary>
    /// The word-count task runner for Linux (x64) nodes, for <see cref="AzureBatchCompute"/>: the single Native AOT
    /// executable the TopNWords.Batch package carries, with the entry point <c>["{app}/TopNWords.TaskRunner"]</c>. The
    /// pool's start task downloads this one file (about 1.9 MB) instead of a self-contained publish folder.
    /// </summary>
    /// <remarks>
    /// <para>
    /// By default it is the file the package copies into the build and publish output of every application that
    /// references TopNWords.Batch (directly or through TopNWords.Batch.Azure):
    /// <c>topnwords-taskrunner/linux-x64/TopNWords.TaskRunner</c> under <see cref="AppContext.BaseDirectory"/>. From
    /// this repository's source, publish it with <see cref="NativePublishCommand"/> and pass the file or its folder.
    /// </para>
    /// <para>
    /// The file needs no execute bit here (NuGet does not keep one): Batch downloads resource files to Linux nodes with
    /// mode <c>0770</c>, as the local compute backend and the emulator do, and the start task's <c>cp -R</c> keeps it.
    /// </para>
    /// </remarks>
    /// <param name="path">The executable, or the folder that holds <c>TopNWords.TaskRunner</c>; <see langword="null"/> for
    /// the packaged one next to this application.</param>
    /// <returns>The application.</returns>
    /// <exception cref="FileNotFoundException">There is no executable at the path; the message says how to get one.</exception>
    /// <exception cref="InvalidOperationException">The file is not a Linux x64 (ELF) program, or it is the launcher of a
    /// framework-dependent build.</exception>
    public static TaskApplication LinuxTaskRunner(string? path = null)
    {
        string executable = path is null
            ? Path.Combine(AppContext.BaseDirectory, TaskApplication.TaskRunnerFolder, TaskApplication.NativeRuntimeIdentifier, TaskRunnerExecutable)
            : Directory.Exists(path) ? Path.Combine(path, TaskRunnerExecutable) : path;
        if (!File.Exists(executable))
        {
            string how = path is null
                ? $"Reference the TopNWords.Batch package (directly or through TopNWords.Batch.Azure): it copies the runner to {TaskApplication.TaskRunnerFolder}/{TaskApplication.NativeRuntimeIdentifier}/ in your build and publish output. Or publish it from this repository's source with '{NativePublishCommand}' and pass the file."
                : $"Publish it from this repository's source with '{NativePublishCommand}' and pass the file or its folder, or pass no path to use the one the TopNWords.Batch package puts next to your application.";
            throw new FileNotFoundException($"The Linux task runner '{executable}' does not exist. {how}", executable);
        }

        if (!IsElf(executable, out bool x64))
        {
            throw new InvalidOperationException($"'{executable}' is not a Linux program; Azure Batch pools of this library run Linux. Publish it with '{NativePublishCommand}'.");
        }

        if (!x64)
        {
            throw new InvalidOperationException($"'{executable}' is a Linux program for another processor than x64; the pools of this library run x64 virtual machines. Publish it with '{NativePublishCommand}'.");
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(executable))!;
        if (File.Exists(Path.Combine(directory, TaskApplication.TaskRunnerAssembly)))
        {
            throw new InvalidOperationException($"'{executable}' is the launcher of a framework-dependent build (it needs {TaskApplication.TaskRunnerAssembly} and the .NET runtime, which the nodes lack). Publish the native runner with '{NativePublishCommand}'.");
        }

        return new TaskApplication(TaskRunnerName, [new ApplicationFile(executable, TaskRunnerExecutable)], [TaskApplication.AppPlaceholder + "/" + TaskRunnerExecutable]);
    }

    /// <summary>
    /// The word-count task runner, published self-contained for Linux, for <see cref="AzureBatchCompute"/>:
    /// every file of <paramref name="publishDirectory"/> (kept with its relative path) and the entry point
    /// <c>["{app}/TopNWords.TaskRunner"]</c>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Kept for compatibility: <see cref="LinuxTaskRunner"/> stages one native file instead of a folder. Publish it first
    /// (add <c>-p:PublishSingleFile=true</c> for one file instead of a few hundred):
    /// </para>
    /// <code>dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o out/taskrunner-linux-x64</code>
    /// <para>
    /// The pool's start task copies the files into the node's shared folder with <c>cp -R</c>. Batch downloads
    /// resource files to Linux nodes with mode <c>0770</c>, and <c>cp</c> keeps it (less the umask), so the
    /// executable needs no <c>chmod</c>. Tasks and the start task run as the same (pool) user.
    /// </para>
    /// </remarks>
    /// <param name="publishDirectory">The publish output folder (<c>-o</c>).</param>
    /// <returns>The application.</returns>
    /// <exception cref="ArgumentException"><paramref name="publishDirectory"/> is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds no <c>TopNWords.TaskRunner</c> executable.</exception>
    /// <exception cref="InvalidOperationException">The executable is not a Linux (ELF) program, or the publish is framework-dependent.</exception>
    public static TaskApplication SelfContainedTaskRunner(string publishDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publishDirectory);
        string publish = $"dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o {publishDirectory}";
        if (!Directory.Exists(publishDirectory))
        {
            throw new DirectoryNotFoundException($"The task runner publish folder '{publishDirectory}' does not exist. Create it with: {publish}");
        }

        string executable = Path.Combine(publishDirectory, TaskRunnerExecutable);
        if (!File.Exists(executable))
        {
            throw new FileNotFoundException(
                $"'{publishDirectory}' holds no '{TaskRunnerExecutable}' executable (a Linux self-contained publish has one, without extension). Create it with: {publish}",
                executable);
        }

        if (!IsElf(executable, out _))
        {
            throw new InvalidOperationException($"'{executable}' is not a Linux program; Azure Batch pools of this library run Linux. Publish for a Linux runtime: {publish}");
        }

        string runtimeConfig = Path.Combine(publishDirectory, TaskRunnerExecutable + ".runtimeconfig.json");
        if (File.Exists(runtimeConfig) && !File.ReadAllText(runtimeConfig).Contains("\"includedFrameworks\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The task runner in '{publishDirectory}' is framework-dependent, but the nodes have no .NET runtime. Publish it self-contained: {publish}");
        }

        return TaskApplication.FromDirectory(TaskRunnerName, publishDirectory, TaskApplication.AppPlaceholder + "/" + TaskRunnerExecutable);
    }

    /// <summary>
    /// The task runner at <paramref name="path"/>, whichever way it was published for Linux: a self-contained publish folder
    /// (it has <c>TopNWords.TaskRunner.runtimeconfig.json</c>; <see cref="SelfContainedTaskRunner"/>), else the Native AOT
    /// executable or its folder (<see cref="LinuxTaskRunner"/>).
    /// </summary>
    /// <param name="path">The file or folder.</param>
    /// <returns>The application.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="IOException">There is no task runner at the path; the message says how to publish one.</exception>
    /// <exception cref="InvalidOperationException">The program there is not a Linux x64 program, or is framework-dependent.</exception>
    public static TaskApplication TaskRunnerAt(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        bool selfContained = Directory.Exists(path) && File.Exists(Path.Combine(path, TaskRunnerExecutable + ".runtimeconfig.json"));
        return selfContained ? SelfContainedTaskRunner(path) : LinuxTaskRunner(path);
    }

    private static bool IsElf(string path, out bool x64)
    {
        // The ELF header: the magic, then e_machine (little-endian) at offset 18; 0x3E is x86-64.
        Span<byte> header = stackalloc byte[20];
        using FileStream stream = File.OpenRead(path);
        int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        x64 = read == header.Length && header[18] == 0x3E && header[19] == 0;
        return read >= 4 && header[0] == 0x7F && header[1] == (byte)'E' && header[2] == (byte)'L' && header[3] == (byte)'F';
    }
}
