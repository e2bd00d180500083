namespace TopNWords.Batch.Azure.Compute;

/// <summary>Task applications for Azure Batch's Linux nodes, which have no .NET runtime.</summary>
public static class AzureTaskApplications
{
    /// <summary>The task runner's executable in a self-contained Linux publish folder.</summary>
    public const string TaskRunnerExecutable = "TopNWords.TaskRunner";

    /// <summary>The folder name of the task runner on the nodes (under <c>$AZ_BATCH_NODE_SHARED_DIR</c>).</summary>
    public const string TaskRunnerName = "topnwords-taskrunner";

    /// <summary>
    /// The word-count task runner, published self-contained for Linux, for <see cref="AzureBatchCompute"/>:
    /// every file of <paramref name="publishDirectory"/> (kept with its relative path) and the entry point
    /// <c>["{app}/TopNWords.TaskRunner"]</c>.
    /// </summary>
    /// <remarks>
    /// <para>Publish it first (add <c>-p:PublishSingleFile=true</c> for one file instead of a few hundred):</para>
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

        if (!IsElf(executable))
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

    private static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using FileStream stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4
            && magic[0] == 0x7F && magic[1] == (byte)'E' && magic[2] == (byte)'L' && magic[3] == (byte)'F';
    }
}
