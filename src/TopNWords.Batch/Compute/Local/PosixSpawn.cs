using System.ComponentModel;
using System.Runtime.InteropServices;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Starts a program in a new session (its own process group) with glibc's <c>posix_spawn</c>
/// (<c>POSIX_SPAWN_SETSID</c>, glibc 2.26; <c>posix_spawn_file_actions_addchdir_np</c>, glibc 2.29): one process start
/// per task, where <c>setsid</c> and a shell cost two more. Stdin is <c>/dev/null</c>, stdout and stderr the given
/// files, every signal at its default disposition and none blocked (as <see cref="System.Diagnostics.Process"/> leaves
/// them); the caller reaps the process with <see cref="WaitForExitAsync"/>. <see cref="IsSupported"/> is false on any other
/// C library or operating system, where the caller starts processes as before.
/// </summary>
internal static class PosixSpawn
{
    private const int OpenReadOnly = 0;
    private const short SetSignalDefaults = 0x04;
    private const short SetSignalMask = 0x08;
    private const short SetSession = 0x80;
    private const int Interrupted = 4; // EINTR
    private const int NoHang = 1; // WNOHANG
    private const int StructureSize = 1024; // posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128 on glibc x86-64

    private static readonly Lazy<Functions?> Libc = new(Load);

    private delegate int SpawnFunction(out int pid, nint path, nint fileActions, nint attributes, nint argv, nint envp);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
    private delegate int PointerFunction(nint pointer);

    private delegate int AddOpenFunction(nint fileActions, int fd, nint path, int flags, int mode);

    private delegate int AddDup2Function(nint fileActions, int fd, int newFd);

    private delegate int AddChdirFunction(nint fileActions, nint path);

    private delegate int SetFlagsFunction(nint attributes, short flags);

    private delegate int SetSignalsFunction(nint attributes, nint signals);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
    private delegate int WaitFunction(int pid, out int status, int options);

    /// <summary>Gets a value indicating whether processes can be started this way here.</summary>
    public static bool IsSupported => Libc.Value is not null;

    /// <summary>Starts a program in a new session.</summary>
    /// <param name="program">The program's full path.</param>
    /// <param name="arguments">Its arguments (after the program).</param>
    /// <param name="environment">Its whole environment.</param>
    /// <param name="workingDirectory">Its working directory.</param>
    /// <param name="stdout">The file its standard output goes to.</param>
    /// <param name="stderr">The file its standard error goes to.</param>
    /// <returns>Its process id, which is also its process group and session id.</returns>
    /// <exception cref="Win32Exception">It could not be started (no such file, not executable...).</exception>
    public static int Start(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory, SafeHandle stdout, SafeHandle stderr)
    {
        var libc = Libc.Value ?? throw new PlatformNotSupportedException("posix_spawn with POSIX_SPAWN_SETSID is not available.");
        var strings = new List<nint>(arguments.Count + environment.Count + 4);
        nint Utf8(string value)
        {
            nint p = Marshal.StringToCoTaskMemUTF8(value);
            strings.Add(p);
            return p;
        }

        nint fileActions = Marshal.AllocHGlobal(StructureSize);
        nint attributes = Marshal.AllocHGlobal(StructureSize);
        nint signals = Marshal.AllocHGlobal(StructureSize);
        nint argv = Marshal.AllocHGlobal(nint.Size * (arguments.Count + 2));
        nint envp = Marshal.AllocHGlobal(nint.Size * (environment.Count + 1));
        bool outAdded = false;
        bool errAdded = false;
        bool fileActionsReady = false;
        bool attributesReady = false;
        try
        {
            nint path = Utf8(program);
            Marshal.WriteIntPtr(argv, 0, path);
            for (int i = 0; i < arguments.Count; i++)
            {
                Marshal.WriteIntPtr(argv, nint.Size * (i + 1), Utf8(arguments[i]));
            }

            Marshal.WriteIntPtr(argv, nint.Size * (arguments.Count + 1), 0);
            int n = 0;
            foreach (var (key, value) in environment)
            {
                Marshal.WriteIntPtr(envp, nint.Size * n++, Utf8($"{key}={value}"));
            }

            Marshal.WriteIntPtr(envp, nint.Size * n, 0);

            Check(libc.FileActionsInit(fileActions));
            fileActionsReady = true;
            stdout.DangerousAddRef(ref outAdded);
            stderr.DangerousAddRef(ref errAdded);
            Check(libc.AddOpen(fileActions, 0, Utf8("/dev/null"), OpenReadOnly, 0));
            Check(libc.AddDup2(fileActions, (int)stdout.DangerousGetHandle(), 1));
            Check(libc.AddDup2(fileActions, (int)stderr.DangerousGetHandle(), 2));
            Check(libc.AddChdir(fileActions, Utf8(workingDirectory)));

            Check(libc.AttrInit(attributes));
            attributesReady = true;
            Check(libc.SetFlags(attributes, SetSession | SetSignalDefaults | SetSignalMask));
            Check(libc.SigFillSet(signals) == 0 ? 0 : Marshal.GetLastPInvokeError());
            Check(libc.SetSigDefault(attributes, signals));
            Check(libc.SigEmptySet(signals) == 0 ? 0 : Marshal.GetLastPInvokeError());
            Check(libc.SetSigMask(attributes, signals));

            Check(libc.Spawn(out int pid, path, fileActions, attributes, argv, envp));
            return pid;
        }
        finally
        {
            if (attributesReady)
            {
                libc.AttrDestroy(attributes);
            }

            if (fileActionsReady)
            {
                libc.FileActionsDestroy(fileActions);
            }

            if (outAdded)
            {
                stdout.DangerousRelease();
            }

            if (errAdded)
            {
                stderr.DangerousRelease();
            }

            foreach (nint p in strings)
            {
                Marshal.FreeCoTaskMem(p);
            }

            Marshal.FreeHGlobal(fileActions);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(signals);
            Marshal.FreeHGlobal(argv);
            Marshal.FreeHGlobal(envp);
        }
    }

    /// <summary>
    /// Completes when a process started by <see cref="Start"/> exits, and reaps it. No thread waits: the processes being
    /// waited for are checked (<c>waitpid</c> with <c>WNOHANG</c>) whenever a child of this process changes state
    /// (<c>SIGCHLD</c>), once when listed (it may have exited already), and every second in case a signal was missed;
    /// the continuations run on the thread pool.
    /// </summary>
    /// <param name="pid">The process.</param>
    /// <returns>Its exit code, or 128 + the signal that ended it; faulted with a <see cref="Win32Exception"/> when it
    /// cannot be waited for (reaped by someone else).</returns>
    public static Task<int> WaitForExitAsync(int pid)
    {
        if (!OperatingSystem.IsLinux() || Libc.Value is null)
        {
            throw new PlatformNotSupportedException("waitpid is not available.");
        }

        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (ReapGate)
        {
            s_childSignal ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, static _ => ReapExited());
            s_backstop ??= TimeProvider.System.CreateTimer(static _ => ReapExited(), null, BackstopPeriod, BackstopPeriod);
            Unreaped.Add(pid, exited);
            if (TryReap(pid, exited))
            {
                RemoveLocked(pid);
            }
        }

        return exited.Task;
    }

    private static readonly Lock ReapGate = new();
    private static readonly Dictionary<int, TaskCompletionSource<int>> Unreaped = [];
    private static readonly TimeSpan BackstopPeriod = TimeSpan.FromSeconds(1);
    private static PosixSignalRegistration? s_childSignal;
    private static ITimer? s_backstop;

    /// <summary>Reaps every listed process that has exited.</summary>
    private static void ReapExited()
    {
        lock (ReapGate)
        {
            List<int>? reaped = null;
            foreach (var (pid, exited) in Unreaped)
            {
                if (TryReap(pid, exited))
                {
                    (reaped ??= []).Add(pid);
                }
            }

            foreach (int pid in reaped ?? [])
            {
                RemoveLocked(pid);
            }
        }
    }

    /// <summary>Stops listening when nothing is waited for (a new wait starts it again).</summary>
    private static void RemoveLocked(int pid)
    {
        Unreaped.Remove(pid);
        if (Unreaped.Count == 0)
        {
            s_backstop?.Dispose();
            s_backstop = null;
        }
    }

    /// <returns>Whether the wait is over (exited and reaped, or failed).</returns>
    private static bool TryReap(int pid, TaskCompletionSource<int> exited)
    {
        while (true)
        {
            int result = Libc.Value!.WaitPid(pid, out int status, NoHang);
            if (result == pid)
            {
                int signal = status & 0x7f;
                exited.TrySetResult(signal == 0 ? (status >> 8) & 0xff : 128 + signal);
                return true;
            }

            if (result == 0)
            {
                return false; // still running
            }

            int error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
            {
                exited.TrySetException(new Win32Exception(error, $"Process {pid} could not be waited for."));
                return true;
            }
        }
    }

    private static void Check(int error)
    {
        if (error != 0)
        {
            throw new Win32Exception(error);
        }
    }

    private static Functions? Load()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libc.so.6", out nint libc))
        {
            return null;
        }

        T? Get<T>(string name)
            where T : Delegate => NativeLibrary.TryGetExport(libc, name, out nint export) ? Marshal.GetDelegateForFunctionPointer<T>(export) : null;

        var functions = new Functions(
            Get<SpawnFunction>("posix_spawn"),
            Get<PointerFunction>("posix_spawn_file_actions_init"),
            Get<PointerFunction>("posix_spawn_file_actions_destroy"),
            Get<AddOpenFunction>("posix_spawn_file_actions_addopen"),
            Get<AddDup2Function>("posix_spawn_file_actions_adddup2"),
            Get<AddChdirFunction>("posix_spawn_file_actions_addchdir_np"),
            Get<PointerFunction>("posix_spawnattr_init"),
            Get<PointerFunction>("posix_spawnattr_destroy"),
            Get<SetFlagsFunction>("posix_spawnattr_setflags"),
            Get<SetSignalsFunction>("posix_spawnattr_setsigdefault"),
            Get<SetSignalsFunction>("posix_spawnattr_setsigmask"),
            Get<PointerFunction>("sigfillset"),
            Get<PointerFunction>("sigemptyset"),
            Get<WaitFunction>("waitpid"));
        if (!functions.IsComplete)
        {
            return null;
        }

        // A C library that does not know POSIX_SPAWN_SETSID refuses the flag.
        nint attributes = Marshal.AllocHGlobal(StructureSize);
        try
        {
            if (functions.AttrInit(attributes) != 0)
            {
                return null;
            }

            int refused = functions.SetFlags(attributes, SetSession | SetSignalDefaults | SetSignalMask);
            functions.AttrDestroy(attributes);
            return refused == 0 ? functions : null;
        }
        finally
        {
            Marshal.FreeHGlobal(attributes);
        }
    }

    private sealed record Functions(
        SpawnFunction? SpawnOrNull,
        PointerFunction? FileActionsInitOrNull,
        PointerFunction? FileActionsDestroyOrNull,
        AddOpenFunction? AddOpenOrNull,
        AddDup2Function? AddDup2OrNull,
        AddChdirFunction? AddChdirOrNull,
        PointerFunction? AttrInitOrNull,
        PointerFunction? AttrDestroyOrNull,
        SetFlagsFunction? SetFlagsOrNull,
        SetSignalsFunction? SetSigDefaultOrNull,
        SetSignalsFunction? SetSigMaskOrNull,
        PointerFunction? SigFillSetOrNull,
        PointerFunction? SigEmptySetOrNull,
        WaitFunction? WaitPidOrNull)
    {
        public bool IsComplete => SpawnOrNull is not null && FileActionsInitOrNull is not null && FileActionsDestroyOrNull is not null && AddOpenOrNull is not null
            && AddDup2OrNull is not null && AddChdirOrNull is not null && AttrInitOrNull is not null && AttrDestroyOrNull is not null && SetFlagsOrNull is not null
            && SetSigDefaultOrNull is not null && SetSigMaskOrNull is not null && SigFillSetOrNull is not null && SigEmptySetOrNull is not null && WaitPidOrNull is not null;

        public SpawnFunction Spawn => SpawnOrNull!;

        public PointerFunction FileActionsInit => FileActionsInitOrNull!;

        public PointerFunction FileActionsDestroy => FileActionsDestroyOrNull!;

        public AddOpenFunction AddOpen => AddOpenOrNull!;

        public AddDup2Function AddDup2 => AddDup2OrNull!;

        public AddChdirFunction AddChdir => AddChdirOrNull!;

        public PointerFunction AttrInit => AttrInitOrNull!;

        public PointerFunction AttrDestroy => AttrDestroyOrNull!;

        public SetFlagsFunction SetFlags => SetFlagsOrNull!;

        public SetSignalsFunction SetSigDefault => SetSigDefaultOrNull!;

        public SetSignalsFunction SetSigMask => SetSigMaskOrNull!;

        public PointerFunction SigFillSet => SigFillSetOrNull!;

        public PointerFunction SigEmptySet => SigEmptySetOrNull!;

        public WaitFunction WaitPid => WaitPidOrNull!;
    }
}
