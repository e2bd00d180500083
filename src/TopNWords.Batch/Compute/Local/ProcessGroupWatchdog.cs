using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// One small shell per compute, in a session of its own, that kills the process groups of the running tasks when
/// this process is gone: it reads <c>+ PGID</c> and <c>- PGID</c> lines on its stdin, a pipe this process holds the
/// write end of, and at end of file (this process exited or was killed, even with SIGKILL: the kernel closes the pipe)
/// sends SIGKILL to every group still listed, then exits. The tasks started with <see cref="PosixSpawn"/> are thus
/// bound to this process's life as the per-task watchdogs bind them, with one shell per compute instead of one per task.
/// </summary>
/// <remarks>
/// A group is listed right after its process starts: were this process killed in the microseconds between the two, that
/// one task would run to its end unwatched (it is not killed). Disposing closes the pipe: the shell kills what is
/// still listed (nothing, once the compute has stopped its tasks) and exits.
/// </remarks>
internal sealed class ProcessGroupWatchdog : IDisposable
{
    private const string Script = """
        exec >/dev/null 2>&1
        trap '' INT HUP QUIT TERM
        g=' '
        while read -r o p; do
          case $o in
            +) g="$g$p " ;;
            -) case $g in *" $p "*) g="${g%%" $p "*} ${g#*" $p "}" ;; esac ;;
          esac
        done
        for p in $g; do kill -KILL -"$p"; done
        """;

    private readonly Lock _gate = new();
    private readonly string? _setsid;
    private Process? _process;
    private StreamWriter? _input;
    private bool _disposed;

    /// <summary>Initializes a new instance of the <see cref="ProcessGroupWatchdog"/> class.</summary>
    /// <param name="setsid">The <c>setsid</c> program that puts the shell in a session of its own, or <see langword="null"/> (it then ignores the terminal's signals).</param>
    public ProcessGroupWatchdog(string? setsid)
    {
        _setsid = setsid;
    }

    /// <summary>Gets the watchdog shell's process id, or <see langword="null"/> before the first group (for tests).</summary>
    public int? ProcessId
    {
        get
        {
            lock (_gate)
            {
                return _process?.Id;
            }
        }
    }

    /// <summary>Lists a process group (starting the shell on first use).</summary>
    /// <param name="processGroupId">The group.</param>
    /// <exception cref="Win32Exception">The shell could not be started.</exception>
    public void Add(int processGroupId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_input is null)
            {
                Start();
            }

            Send('+', processGroupId);
        }
    }

    /// <summary>Takes a group off the list (its processes are gone).</summary>
    /// <param name="processGroupId">The group.</param>
    public void Remove(int processGroupId)
    {
        lock (_gate)
        {
            if (_input is not null)
            {
                Send('-', processGroupId);
            }
        }
    }

    /// <summary>Closes the pipe: the shell kills what is still listed and exits; waits a little for it.</summary>
    public void Dispose()
    {
        Process? process;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                _input?.Dispose();
            }
            catch (IOException)
            {
                // the shell is gone already
            }

            _input = null;
            process = _process;
            _process = null;
        }

        if (process is not null)
        {
            process.WaitForExit(TimeSpan.FromSeconds(5));
            process.Dispose();
        }
    }

    private void Start()
    {
        var startInfo = new ProcessStartInfo
        {
            FileName = _setsid ?? "/bin/sh",
            WorkingDirectory = "/",
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardInput = true,
        };
        if (_setsid is not null)
        {
            startInfo.ArgumentList.Add("/bin/sh");
        }

        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(Script);
        startInfo.ArgumentList.Add("topnwords-watchdog");
        var process = Process.Start(startInfo) ?? throw new Win32Exception("The process-group watchdog shell did not start.");
        _process = process;
        _input = process.StandardInput;
        _input.AutoFlush = true;
        _input.NewLine = "\n";
    }

    private void Send(char operation, int processGroupId)
    {
        try
        {
            _input!.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{operation} {processGroupId}"));
        }
        catch (IOException)
        {
            // the shell is gone (killed by someone): the groups are no longer watched, the tasks run on
        }
    }
}
