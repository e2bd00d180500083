using System.ComponentModel;
using Microsoft.Extensions.Logging;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

/// <summary>How a run of a command ended.</summary>
internal enum CommandResultKind
{
    /// <summary>The process exited by itself.</summary>
    Exited,

    /// <summary>The process was killed at its wall-clock limit.</summary>
    TimedOut,

    /// <summary>A resource file could not be fetched; no process started.</summary>
    ResourceFileFailed,

    /// <summary>The program was not found or could not be started.</summary>
    LaunchFailed,

    /// <summary>The run was stopped (job terminated or deleted, node lost, compute disposed).</summary>
    Stopped,
}

/// <summary>How a run of a command ended.</summary>
/// <param name="Kind">How.</param>
/// <param name="ExitCode">The process's exit code, when a process ran.</param>
/// <param name="Failure">Why it failed, for <see cref="CommandResultKind.ResourceFileFailed"/> and <see cref="CommandResultKind.LaunchFailed"/>.</param>
internal readonly record struct CommandResult(CommandResultKind Kind, int? ExitCode, TaskFailureInfo? Failure);

/// <summary>One run of a start task, or one attempt of a task, on a node.</summary>
/// <param name="Command">What runs.</param>
/// <param name="Node">The node it runs on.</param>
/// <param name="TaskDirectory">Its folder on the node, which holds its working folder, <c>stdout.txt</c> and <c>stderr.txt</c>.</param>
/// <param name="JobId">The job, or <see langword="null"/> for a start task.</param>
/// <param name="TaskId">The task, or <see langword="null"/> for a start task.</param>
/// <param name="What">What runs, for messages (<c>task 'x' of job 'y'</c>).</param>
/// <param name="MaxWallClockTime">The wall-clock limit, or <see langword="null"/>.</param>
/// <param name="Prepared">
/// Called once the resource files are in place: returns the retry count the process runs with
/// (<c>AZ_BATCH_TASK_RETRY_COUNT</c>), or <see langword="null"/> when the run was stopped meanwhile.
/// </param>
/// <param name="Started">Called with the process id and the retry count once the process runs and its wall clock ticks.</param>
/// <param name="DescribeStop">Says, for the log, why the process was killed when the stop token fired.</param>
internal sealed record CommandRun(
    CommandDefinition Command,
    NodeEntry Node,
    string TaskDirectory,
    string? JobId,
    string? TaskId,
    string What,
    TimeSpan? MaxWallClockTime,
    Func<int?> Prepared,
    Action<int, int>? Started,
    Func<string> DescribeStop);

/// <summary>
/// Runs a command on a node the same way for start tasks and tasks: working folder, resource files,
/// <c>AZ_BATCH_*</c> environment, program lookup, launch, then exit, wall-clock timeout or stop.
/// What the result means (retry, complete, node state) is the caller's business.
/// </summary>
internal sealed class LocalCommandRunner
{
    /// <summary>The name of a task's working folder inside its folder.</summary>
    public const string WorkingDirectoryName = "wd";

    /// <summary>Batch's failure category for failures the task's spec or program caused.</summary>
    public const string UserError = "UserError";

    /// <summary>The failure of a process that exited with a non-zero exit code.</summary>
    public static readonly TaskFailureInfo FailureExitCode = new(UserError, BatchErrorCodes.FailureExitCode, "The task process exited with an exit code representing a failure");

    private readonly LocalProcessRunner _processes;
    private readonly TaskFileStager _files;
    private readonly LocalTaskEnvironment _environment;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LocalCommandRunner"/> class.</summary>
    /// <param name="processes">Starts the processes.</param>
    /// <param name="files">Fetches the resource files.</param>
    /// <param name="environment">Builds each process's environment.</param>
    /// <param name="logger">The logger.</param>
    public LocalCommandRunner(LocalProcessRunner processes, TaskFileStager files, LocalTaskEnvironment environment, ILogger logger)
    {
        _processes = processes;
        _files = files;
        _environment = environment;
        _logger = logger;
    }

    /// <summary>Gets the name of the file a stream of a task's or start task's output is kept in.</summary>
    /// <param name="stream">The stream.</param>
    /// <returns><c>stdout.txt</c> or <c>stderr.txt</c>.</returns>
    public static string OutputFileName(TaskOutputStream stream) => stream == TaskOutputStream.StandardError ? "stderr.txt" : "stdout.txt";

    /// <summary>Runs the command once.</summary>
    /// <param name="run">What to run, where, and the caller's hooks.</param>
    /// <param name="stop">Kills the process; while files are fetched, it throws <see cref="OperationCanceledException"/> instead.</param>
    /// <returns>How the run ended.</returns>
    /// <exception cref="IOException">The working folder could not be created, or a folder on its way is a link that leads out of the node's folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The working folder could not be created.</exception>
    public async Task<CommandResult> RunAsync(CommandRun run, CancellationToken stop)
    {
        string workingDirectory = Path.Combine(run.TaskDirectory, WorkingDirectoryName);
        PrepareFolders(run.Node.RootDirectory, run.TaskDirectory, workingDirectory);
        var fetchFailure = await _files.FetchResourceFilesAsync(run.Command.ResourceFiles, workingDirectory, run.What, stop).ConfigureAwait(false);
        if (fetchFailure is not null)
        {
            return new CommandResult(CommandResultKind.ResourceFileFailed, null, fetchFailure);
        }

        if (run.Prepared() is not int retry)
        {
            return new CommandResult(CommandResultKind.Stopped, null, null);
        }

        var environment = _environment.BuildEnvironment(run.Node, run.TaskDirectory, workingDirectory, run.JobId, run.TaskId, retry, run.Command.Environment);
        // `/bin/sh -c 'exec "$VAR"/program "$@"' name args` runs the program directly (see ShellExecShortcut)
        var arguments = ShellExecShortcut.TryUnwrap(run.Command.Arguments, environment, workingDirectory) ?? run.Command.Arguments;
        string programName = arguments[0];
        string? program = LocalProcessRunner.ResolveProgram(programName, workingDirectory, environment.GetValueOrDefault("PATH"));
        if (program is null)
        {
            return new CommandResult(CommandResultKind.LaunchFailed, null, ProgramNotFound(programName, run.What));
        }

        try
        {
            var launch = new ProcessLaunch(program, [.. arguments.Skip(1)], workingDirectory, environment, Path.Combine(run.TaskDirectory, "stdout.txt"), Path.Combine(run.TaskDirectory, "stderr.txt"));
            Action<int>? onStarted = run.Started is { } started ? pid => started(pid, retry) : null;
            var outcome = await _processes.RunAsync(launch, run.MaxWallClockTime, onStarted, stop).ConfigureAwait(false);
            if (outcome.Stopped)
            {
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    string reason = run.DescribeStop();
                    LocalComputeLog.ProcessKilled(_logger, outcome.ProcessId, run.What, reason);
                }

                return new CommandResult(CommandResultKind.Stopped, outcome.ExitCode, null);
            }

            if (outcome.TimedOut)
            {
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    string reason = $"it ran past its maximum wall-clock time of {run.MaxWallClockTime}";
                    LocalComputeLog.ProcessKilled(_logger, outcome.ProcessId, run.What, reason);
                }

                return new CommandResult(CommandResultKind.TimedOut, outcome.ExitCode, null);
            }

            return new CommandResult(CommandResultKind.Exited, outcome.ExitCode, null);
        }
        catch (Win32Exception ex)
        {
            return new CommandResult(CommandResultKind.LaunchFailed, null, new TaskFailureInfo(UserError, BatchErrorCodes.CommandLaunchFailed, $"The program '{programName}' of {run.What} could not be started: {ex.Message}"));
        }
    }

    /// <summary>
    /// Makes the task's folder and its working folder real folders inside the node's folder before anything is
    /// written there: a link an earlier attempt left in place of either is removed (never its target) and the folder
    /// made anew, and a folder on the way that is a link leading out of the node's folder stops the run.
    /// </summary>
    private static void PrepareFolders(string nodeDirectory, string taskDirectory, string workingDirectory)
    {
        LocalFolders.RemoveLink(taskDirectory);
        LocalFolders.RemoveLink(workingDirectory);
        string existing = taskDirectory;
        while (!Path.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            existing = parent;
        }

        if (ConfinedPath.Resolve(nodeDirectory) is { } node && ConfinedPath.ResolveInside(existing, node, out bool outside) is null && outside)
        {
            throw new IOException($"The folder '{existing}' is reached through a symbolic link that leads outside the node's folder.");
        }

        Directory.CreateDirectory(workingDirectory);
    }

    private static TaskFailureInfo ProgramNotFound(string program, string what) => new(
        UserError,
        BatchErrorCodes.CommandProgramNotFound,
        program.Contains('/', StringComparison.Ordinal)
            ? $"The program '{program}' of {what} was not found (a relative path is taken from the working directory). Check the command line and that the application was staged."
            : $"The program '{program}' of {what} was not found on PATH. Check the command line, or give the program's path.");
}
