using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace TopNWords.Batch.Compute.Local;

/// <summary>What to start: a program (already resolved), its arguments, where, and with which environment.</summary>
/// <param name="Program">The program's full path.</param>
/// <param name="Arguments">The arguments after the program.</param>
/// <param name="WorkingDirectory">The working directory.</param>
/// <param name="Environment">The whole environment of the process.</param>
/// <param name="StdoutPath">The file standard output is streamed to (replaced; a link in its place is removed, never written through).</param>
/// <param name="StderrPath">The file standard error is streamed to (replaced; a link in its place is removed, never written through).</param>
internal sealed record ProcessLaunch(
    string Program,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment,
    string StdoutPath,
    string StderrPath);

/// <summary>How a process ended.</summary>
/// <param name="ProcessId">Its id.</param>
/// <param name="ExitCode">Its exit code (128 + signal when a signal ended it).</param>
/// <param name="TimedOut">Whether it was killed because it ran past its wall-clock limit.</param>
/// <param name="Stopped">Whether it was killed because the caller's stop token fired.</param>
internal readonly record struct ProcessOutcome(int ProcessId, int ExitCode, bool TimedOut, bool Stopped);

/// <summary>
/// Runs one program as Batch runs a task's command line: directly (no shell), stdin empty, stdout and stderr
/// streamed to files. On Linux each process starts in its own process group (through <c>setsid</c>), led by a
/// small watchdog shell that kills the group when this process dies (see <see cref="WatchdogScript"/>), so
/// that killing it reaches every process it started, even those orphaned by their parent's exit, and none
/// outlives a killed client; elsewhere the process tree is killed (on Windows, a killed client leaves its tasks running).
/// </summary>
internal sealed class LocalProcessRunner : IDisposable
{
    /// <summary>Where <c>setsid</c> may be installed.</summary>
    private static readonly string[] SetsidPaths = ["/usr/bin/setsid", "/bin/setsid"];

    /// <summary>
    /// The watchdog that leads each process group on Linux (run as <c>sh -c WatchdogScript topnwords-watchdog
    /// keep|unset program args…</c>): it keeps this process's end of its stdin pipe on fd 3 and reads it in the
    /// background (an asynchronous list gets <c>/dev/null</c> as stdin, hence the explicit fd 3); end of file means
    /// this process is gone (killed, even with SIGKILL: the kernel closes the pipe's write end), and the reader kills
    /// the whole group (<c>kill -KILL 0</c>), so no task outlives its client as an orphan. The program runs in the
    /// background with stdin from <c>/dev/null</c> and without fd 3; the script waits for it and exits with its exit
    /// status (128 + signal when a signal ended it, as the shell reports it). <c>PWD</c>, which the shell exports on
    /// its own, is removed unless the launch environment set it.
    /// </summary>
    /// <remarks>
    /// .NET 10 has no way to have the kernel kill a child when its parent dies (Linux's <c>PR_SET_PDEATHSIG</c> must be
    /// set in the child between fork and exec, which managed code cannot reach), hence the watchdog. Windows keeps
    /// killing the process tree only: a task there can outlive a client that is killed (a job object would be the
    /// way; not done).
    /// </remarks>
    private const string WatchdogScript = """
        exec 3<&0
        { while read -r _ <&3; do :; done; kill -KILL 0; } </dev/null >/dev/null 2>&1 &
        w=$!
        [ "$1" = keep ] || unset PWD
        shift
        "$@" </dev/null 3<&- &
        p=$!
        exec 3<&-
        wait "$p"
        s=$?
        kill -KILL "$w" 2>/dev/null
        exit "$s"
        """;

    /// <summary>The shell that runs <see cref="WatchdogScript"/>.</summary>
    private const string Shell = "/bin/sh";

    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _drainTimeout;
    private readonly string? _setsid;

    /// <summary>With glibc: tasks start with <see cref="PosixSpawn"/> in sessions of their own, watched by one shell (no per-task <c>setsid</c> and watchdog shell).</summary>
    private readonly ProcessGroupWatchdog? _watchdog;

    public LocalProcessRunner(TimeProvider timeProvider, TimeSpan drainTimeout, bool useProcessGroups)
    {
        _timeProvider = timeProvider;
        _drainTimeout = drainTimeout;
        bool groups = useProcessGroups && OperatingSystem.IsLinux() && PosixSignals.IsSupported && File.Exists(Shell);
        _setsid = groups ? Array.Find(SetsidPaths, File.Exists) : null;
        _watchdog = groups && PosixSpawn.IsSupported ? new ProcessGroupWatchdog(_setsid) : null;
    }

    /// <summary>Gets a value indicating whether processes run in their own process groups.</summary>
    public bool UsesProcessGroups => _setsid is not null || _watchdog is not null;

    /// <summary>Gets the shell that kills the tasks' groups when this process dies, when tasks start with <see cref="PosixSpawn"/> (for tests).</summary>
    internal ProcessGroupWatchdog? Watchdog => _watchdog;

    /// <summary>Ends the watchdog shell (call once every process has ended).</summary>
    public void Dispose() => _watchdog?.Dispose();

    /// <summary>
    /// Finds the program of a command line: a path with <c>/</c> is taken relative to the working directory;
    /// a bare name is looked up on <c>PATH</c> (as <c>execvp</c> does, empty entries meaning the working directory).
    /// </summary>
    /// <param name="program">The first word of the command line.</param>
    /// <param name="workingDirectory">The working directory.</param>
    /// <param name="path">The <c>PATH</c> of the process's environment.</param>
    /// <returns>The program's full path, or <see langword="null"/> when there is no such executable file.</returns>
    public static string? ResolveProgram(string program, string workingDirectory, string? path)
    {
        if (program.Contains('/', StringComparison.Ordinal) || (OperatingSystem.IsWindows() && program.Contains('\\', StringComparison.Ordinal)))
        {
            string full = Path.GetFullPath(Path.Combine(workingDirectory, program));
            return File.Exists(full) ? full : null;
        }

        if (OperatingSystem.IsWindows())
        {
            return program; // Process.Start applies PATH and PATHEXT
        }

        foreach (string entry in (path ?? string.Empty).Split(':'))
        {
            string folder = entry.Length == 0 ? workingDirectory : Path.Combine(workingDirectory, entry);
            string candidate = Path.GetFullPath(Path.Combine(folder, program));
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts the process and waits until it ends, killing it (with every process it started) at the wall-clock limit or when <paramref name="stop"/> fires.</summary>
    /// <param name="launch">What to start.</param>
    /// <param name="maxWallClockTime">The wall-clock limit, or <see langword="null"/>.</param>
    /// <param name="onStarted">Called with the process id once it runs and its wall clock is ticking.</param>
    /// <param name="stop">Kills the process.</param>
    /// <returns>How it ended.</returns>
    /// <exception cref="Win32Exception">The program could not be started.</exception>
    public async Task<ProcessOutcome> RunAsync(ProcessLaunch launch, TimeSpan? maxWallClockTime, Action<int>? onStarted, CancellationToken stop)
    {
        if (_watchdog is not null)
        {
            return await RunSpawnedAsync(_watchdog, launch, maxWallClockTime, onStarted, stop).ConfigureAwait(false);
        }

        var startInfo = new ProcessStartInfo
        {
            FileName = _setsid ?? launch.Program,
            WorkingDirectory = launch.WorkingDirectory,
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (_setsid is not null)
        {
            // setsid execs the watchdog shell in place (same pid, which leads a new process group); the shell starts the program
            startInfo.ArgumentList.Add(Shell);
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(WatchdogScript);
            startInfo.ArgumentList.Add("topnwords-watchdog");
            startInfo.ArgumentList.Add(launch.Environment.ContainsKey("PWD") ? "keep" : "unset");
            startInfo.ArgumentList.Add(launch.Program);
        }

        foreach (string argument in launch.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        foreach (var (key, value) in launch.Environment)
        {
            startInfo.Environment[key] = value;
        }

        var stdout = OpenOutput(launch.StdoutPath);
        var stderr = OpenOutput(launch.StderrPath);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch
        {
            await stdout.DisposeAsync().ConfigureAwait(false);
            await stderr.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        int pid = process.Id;
        using var drain = new CancellationTokenSource();
        Task copyOut = CopyAndCloseAsync(process.StandardOutput.BaseStream, stdout, drain.Token);
        Task copyErr = CopyAndCloseAsync(process.StandardError.BaseStream, stderr, drain.Token);
        bool timedOut = false;
        bool stopped = false;
        try
        {
            if (_setsid is null)
            {
                try
                {
                    process.StandardInput.Close(); // no watchdog: stdin is closed at once
                }
                catch (IOException)
                {
                    // the process exited already
                }
            }

            // With the watchdog, this process keeps the pipe's write end open (writing nothing) until the process exits:
            // the pipe's end of file tells the watchdog that this process is gone. The task itself reads /dev/null.
            using var wallClock = maxWallClockTime is { } limit ? new CancellationTokenSource(limit, _timeProvider) : null;
            onStarted?.Invoke(pid); // after the wall clock started: whoever sees the process running sees it timed
            using var linked = wallClock is null ? null : CancellationTokenSource.CreateLinkedTokenSource(stop, wallClock.Token);
            try
            {
                await process.WaitForExitAsync(linked?.Token ?? stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                stopped = stop.IsCancellationRequested;
                timedOut = !stopped;
                Kill(process, pid);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            // Whatever the process left behind in its group goes with it, so nothing keeps its output open.
            KillGroup(pid);
            try
            {
                await Task.WhenAll(copyOut, copyErr).WaitAsync(_drainTimeout, _timeProvider, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await drain.CancelAsync().ConfigureAwait(false); // a process outside its group still holds the output: stop copying
                await Task.WhenAll(copyOut, copyErr).ConfigureAwait(false);
            }
        }

        return new ProcessOutcome(pid, process.ExitCode, timedOut, stopped);
    }

    /// <summary>
    /// <see cref="RunAsync"/> with <see cref="PosixSpawn"/>: the program itself leads its session and process group, writes
    /// straight into its output files, and is listed with the watchdog shell while it runs; it is reaped when it exits (<see cref="PosixSpawn.WaitForExitAsync"/>).
    /// </summary>
    private async Task<ProcessOutcome> RunSpawnedAsync(ProcessGroupWatchdog watchdog, ProcessLaunch launch, TimeSpan? maxWallClockTime, Action<int>? onStarted, CancellationToken stop)
    {
        int pid;
        using (var stdout = OpenOutputHandle(launch.StdoutPath))
        using (var stderr = OpenOutputHandle(launch.StderrPath))
        {
            pid = PosixSpawn.Start(launch.Program, launch.Arguments, launch.Environment, launch.WorkingDirectory, stdout, stderr);
        }

        // Running (and timed) at once: the program writes its output files itself, so whoever sees output sees it running.
        using var wallClock = maxWallClockTime is { } limit ? new CancellationTokenSource(limit, _timeProvider) : null;
        onStarted?.Invoke(pid);

        // Listed before anything can reap it (until then its id cannot be reused), then reaped when it exits
        // (System.Diagnostics.Process reaps the processes it started, not this one).
        try
        {
            watchdog.Add(pid);
        }
        catch
        {
            KillGroup(pid);
            _ = PosixSpawn.WaitForExitAsync(pid);
            throw;
        }

        var exit = PosixSpawn.WaitForExitAsync(pid);

        bool timedOut = false;
        bool stopped = false;
        try
        {
            using var linked = wallClock is null ? null : CancellationTokenSource.CreateLinkedTokenSource(stop, wallClock.Token);
            try
            {
                await exit.WaitAsync(linked?.Token ?? stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!exit.IsCompleted)
            {
                stopped = stop.IsCancellationRequested;
                timedOut = !stopped;
                KillTree(pid);
                KillGroup(pid);
            }

            return new ProcessOutcome(pid, await exit.ConfigureAwait(false), timedOut, stopped);
        }
        finally
        {
            // Whatever the process left behind in its group goes with it.
            KillGroup(pid);
            if (exit.IsCompleted)
            {
                watchdog.Remove(pid); // reaped: the id may be reused, the list must not name it
            }
        }
    }

    /// <summary>Kills a process that is not a <see cref="Process"/> of this one, with every process it started.</summary>
    private static void KillTree(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // exited already
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenOutputHandle(string path)
    {
        LocalFolders.RemoveLink(path); // a link an earlier attempt left in place of its output file: written through, its target would be replaced
        return File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    /// <summary>Kills a process and every process it started.</summary>
    /// <param name="process">The process.</param>
    /// <param name="pid">Its id (the id of its process group, when it has one).</param>
    public void Kill(Process process, int pid)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // exited already
        }
        catch (Win32Exception)
        {
            // exited while being killed
        }

        KillGroup(pid);
    }

    private void KillGroup(int pid)
    {
        if (_setsid is not null)
        {
            PosixSignals.KillProcessGroup(pid);
        }
    }

    private static FileStream OpenOutput(string path)
    {
        LocalFolders.RemoveLink(path); // a link an earlier attempt left in place of its output file: written through, its target would be replaced
        return new(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
    }

    private static async Task CopyAndCloseAsync(Stream source, FileStream destination, CancellationToken cancellationToken)
    {
        await using (destination.ConfigureAwait(false))
        {
            try
            {
                await source.CopyToAsync(destination, 16 * 1024, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopped by the drain timeout: what was copied stays
            }
            catch (IOException)
            {
                // the pipe broke: what was copied stays
            }
        }
    }

    /// <summary>Sends signals to process groups through libc's <c>kill</c>.</summary>
    private static class PosixSignals
    {
        private const int SigKill = 9;

        private static readonly Lazy<KillFunction?> KillExport = new(Load);

        private delegate int KillFunction(int pid, int signal);

        public static bool IsSupported => KillExport.Value is not null;

        /// <summary>Sends SIGKILL to every process of a process group.</summary>
        public static void KillProcessGroup(int processGroupId)
        {
            if (processGroupId > 1 && KillExport.Value is { } kill)
            {
                _ = kill(-processGroupId, SigKill); // ESRCH when the group is empty already
            }
        }

        private static KillFunction? Load()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            foreach (string library in new[] { "libc.so.6", "libc.so", "libc" })
            {
                if (NativeLibrary.TryLoad(library, out nint handle) && NativeLibrary.TryGetExport(handle, "kill", out nint export))
                {
                    return Marshal.GetDelegateForFunctionPointer<KillFunction>(export);
                }
            }

            return null;
        }
    }
}
