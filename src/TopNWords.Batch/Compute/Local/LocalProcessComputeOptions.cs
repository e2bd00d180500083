using Microsoft.Extensions.Logging;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Compute.Local;

/// <summary>Options of <see cref="LocalProcessCompute"/>.</summary>
public sealed class LocalProcessComputeOptions
{
    /// <summary>
    /// Gets or sets the folder that holds the pools' node folders
    /// (<c>&lt;root&gt;/pools/&lt;poolId&gt;/nodes/&lt;nodeId&gt;/</c>), and, when <see cref="Durable"/>, the journal
    /// and owner lock (<c>&lt;root&gt;/state/</c>). It is created when missing.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a new folder under the temporary directory.</value>
    public string? RootPath { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the compute keeps its pools, jobs and tasks in its root folder, so that a
    /// new compute (in this or a later process) opening the same <see cref="RootPath"/> sees them again, as a new client
    /// of Azure Batch sees the account's pools, jobs and tasks. It requires <see cref="RootPath"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The model is journaled to <c>&lt;root&gt;/state/journal.jsonl</c>, one line per change. A reopened compute starts
    /// the pools' nodes again (start task included, as rebooted nodes); completed tasks keep their results; a task
    /// whose process had exited is finished (output files uploaded) without running again; a task that was running
    /// (its process died with the old compute) is queued again; queued tasks queue again, in their order.
    /// </para>
    /// <para>
    /// One compute owns a root at a time: it holds an exclusive lock on <c>&lt;root&gt;/state/owner.lock</c>, which
    /// the operating system frees when its process ends, however it ends. A compute opened on a root another live
    /// process owns is read-only (<see cref="LocalProcessCompute.IsReadOnly"/>): it answers queries from the owner's
    /// journal and refuses changes. The journal holds the tasks' specs, container and resource file URLs included;
    /// on Unix the state folder is readable by its user only.
    /// </para>
    /// </remarks>
    /// <value>The default value is <see langword="false"/>: the model lives in memory and goes with the compute.</value>
    public bool Durable { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a <see cref="Durable"/> compute opens its root read-only even when no other
    /// process owns it: it answers queries from the journal and never takes ownership, so it neither restarts pools nor runs
    /// tasks (for a status or a listing from a second process).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: the compute owns the root unless another live process does.</value>
    public bool OpenReadOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether the root folder is deleted when the compute is disposed.</summary>
    /// <value>The default value is <see langword="null"/>: deleted only when <see cref="RootPath"/> was not set (the compute created it).</value>
    public bool? DeleteRootOnDispose { get; set; }

    /// <summary>Gets or sets the clock for state times, wall-clock limits and waits.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets how resource files are fetched and output files uploaded.</summary>
    /// <value>The default value is <see langword="null"/>: a new <see cref="Transfer.UrlTransfer"/> (with <see cref="TimeProvider"/>), disposed with the compute.</value>
    public IUrlTransfer? UrlTransfer { get; set; }

    /// <summary>Gets or sets the logger factory the compute creates its logger from.</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets how often <see cref="LocalProcessCompute.WaitForPoolReadyAsync"/> looks at the pool's nodes.</summary>
    /// <value>The default value is 250 milliseconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets a simulated boot time: how long each node stays <see cref="ComputeNodeState.Starting"/> before its start task runs.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan NodeStartupDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets or sets how long, after a task's process has exited, its output is still copied to
    /// <c>stdout.txt</c>/<c>stderr.txt</c> while a process it detached (outside its process group) holds it open.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan OutputDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets the names of further environment variables of this process that every task and start task receives,
    /// on top of the basic set. Names are exact (case-insensitive on Windows); a variable not set here is skipped.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A task does not inherit this process's environment, so a connection string, key or token in it never
    /// reaches task code. As on a Batch node, a task receives only the basic set: <c>PATH</c>, <c>HOME</c>,
    /// <c>USER</c>, <c>LOGNAME</c>, <c>SHELL</c>, <c>LANG</c>, <c>LC_*</c>, <c>TZ</c>, <c>TMPDIR</c>, <c>TEMP</c>,
    /// <c>TMP</c>, <c>DOTNET_ROOT</c> (and <c>DOTNET_ROOT_&lt;ARCH&gt;</c>, <c>DOTNET_ROOT(x86)</c>, so framework-dependent
    /// .NET task applications find the runtime), and on Windows also <c>SystemRoot</c>, <c>windir</c>,
    /// <c>SystemDrive</c>, <c>COMSPEC</c>, <c>PATHEXT</c>, <c>USERPROFILE</c>, <c>USERNAME</c>, <c>HOMEDRIVE</c>,
    /// <c>HOMEPATH</c>, <c>APPDATA</c>, <c>LOCALAPPDATA</c>, <c>ProgramData</c>, <c>ProgramFiles</c>,
    /// <c>ProgramFiles(x86)</c>, <c>ProgramW6432</c>, <c>CommonProgramFiles</c>, <c>CommonProgramFiles(x86)</c>,
    /// <c>CommonProgramW6432</c>, <c>COMPUTERNAME</c>, <c>OS</c>, <c>PROCESSOR_ARCHITECTURE</c> and
    /// <c>NUMBER_OF_PROCESSORS</c>; then the node's and task's <c>AZ_BATCH_*</c> variables; then the task's own
    /// environment settings, which win over everything.
    /// </para>
    /// <para>
    /// Names must be non-empty, without <c>=</c>, and not <c>AZ_BATCH_*</c> (those are the compute's own); the
    /// constructor of <see cref="LocalProcessCompute"/> throws <see cref="ArgumentException"/> otherwise and copies the
    /// names, so later changes to this collection have no effect. The constructor also reads the values, once: as the
    /// environment of a Batch node's agent is set when the node starts, a variable this process sets or changes later
    /// does not reach the tasks of that compute.
    /// </para>
    /// </remarks>
    /// <value>The default value is an empty collection: tasks receive the basic set only.</value>
    public ICollection<string> PassThroughEnvironmentVariables { get; } = new List<string>();

    /// <summary>
    /// Gets or sets a fault hook for hosts and tests (such as an emulator's fault injection): called once for
    /// each node as it starts, after its simulated boot time and before its start task, with the pool id and
    /// the node id, it says whether the node starts normally or fails, and how.
    /// </summary>
    /// <remarks>
    /// It is called on a background thread, without the compute's lock held, possibly for several nodes at
    /// once; it must be thread-safe and quick, must not throw, and must not call back into the compute.
    /// </remarks>
    /// <value>The default value is <see langword="null"/>: every node starts normally.</value>
    public Func<string, string, LocalNodeFault>? NodeFaultInjector { get; set; }

    /// <summary>Gets or sets a value indicating whether, on Linux, each process starts in its own process group (through <c>setsid</c>).</summary>
    internal bool UseProcessGroups { get; set; } = true;

    /// <summary>Checks the options; <see cref="LocalProcessCompute"/> calls it when it is created.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the exception's <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        if (Durable && string.IsNullOrEmpty(RootPath))
        {
            throw new ArgumentException("Durable needs a RootPath: the folder that keeps the pools, jobs and tasks between processes. Set RootPath to a stable folder, or turn Durable off.", nameof(RootPath));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeStartupDelay, TimeSpan.Zero, nameof(NodeStartupDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(OutputDrainTimeout, TimeSpan.Zero, nameof(OutputDrainTimeout));
        ArgumentNullException.ThrowIfNull(PassThroughEnvironmentVariables, nameof(PassThroughEnvironmentVariables));
        foreach (string? name in PassThroughEnvironmentVariables)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"PassThroughEnvironmentVariables holds an invalid name '{name}': names must be non-empty, without '=' or NUL.", nameof(PassThroughEnvironmentVariables));
            }

            if (name.StartsWith("AZ_BATCH_", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"PassThroughEnvironmentVariables holds '{name}': AZ_BATCH_* variables are set by the compute for each task and cannot be passed through.", nameof(PassThroughEnvironmentVariables));
            }
        }
    }
}
