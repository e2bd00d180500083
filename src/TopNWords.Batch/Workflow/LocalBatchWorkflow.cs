using Microsoft.Extensions.Logging;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch;

/// <summary>Options of <see cref="LocalBatchWorkflow"/>.</summary>
public sealed class LocalBatchWorkflowOptions
{
    /// <summary>
    /// Gets or sets the folder that holds the local storage (<c>storage/</c>) and the durable local compute (<c>compute/</c>:
    /// its pools, jobs and tasks survive the process, so that a run resumes by its id after a crash). One process drives a
    /// root at a time; another one opening it gets a read-only compute (status and listing work, runs do not).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="DefaultRootDirectory"/>, a per-user state folder.</value>
    public string? RootDirectory { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the local compute opens the root read-only (see
    /// <see cref="LocalProcessComputeOptions.OpenReadOnly"/>): for <see cref="BatchWorkflow.GetStatusAsync"/> and
    /// <see cref="BatchWorkflow.ListRunsAsync"/> from a process that must not drive anything. Runs, cancellations and sweeps
    /// that need to change the compute then fail naming the folder.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ReadOnly { get; set; }

    /// <summary>Gets or sets a value indicating whether the root folder is kept on dispose.</summary>
    /// <value>The default value is <see langword="false"/>. The root is durable now and never deleted, so this has no effect.</value>
    [Obsolete("The root folder is durable (runs resume from it) and never deleted on dispose; delete it yourself when no run needs it.")]
    public bool KeepFiles { get; set; }

    /// <summary>
    /// Gets the default root: <c>$XDG_STATE_HOME/topnwords-batch</c> (else <c>~/.local/state/topnwords-batch</c>) on Linux and
    /// macOS, <c>%LOCALAPPDATA%\TopNWords.Batch</c> on Windows.
    /// </summary>
    public static string DefaultRootDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "TopNWords.Batch");
            }

            string? state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (string.IsNullOrEmpty(state) || !Path.IsPathRooted(state))
            {
                state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            }

            return Path.Combine(state, "topnwords-batch");
        }
    }

    /// <summary>Gets or sets the storage to stage in instead of the local folder, e.g. Azure Blob storage (tasks then fetch inputs and upload outputs through its SAS URLs).</summary>
    /// <value>The default value is <see langword="null"/>: local folder storage under the root folder.</value>
    public IBlobStorage? Storage { get; set; }

    /// <summary>
    /// Gets or sets the options of the workflow engine. Leave its <see cref="BatchWorkflowOptions.TimeProvider"/> and
    /// <see cref="BatchWorkflowOptions.LoggerFactory"/> at their defaults: the engine gets <see cref="TimeProvider"/> and
    /// <see cref="LoggerFactory"/> of these options, as the storage and the compute do.
    /// </summary>
    /// <value>The default value polls task counts every 250 ms (local calls are cheap).</value>
    public BatchWorkflowOptions Workflow { get; set; } = new() { MonitorPollInterval = TimeSpan.FromMilliseconds(250) };

    /// <summary>Gets or sets the logger factory of the engine and the local compute.</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the one clock of the engine, the local storage and the local compute.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets the names of further environment variables of this process that every task and start task receives,
    /// on top of the basic set (see <see cref="LocalProcessComputeOptions.PassThroughEnvironmentVariables"/>, which
    /// they are passed to). Tasks never inherit the whole environment, so a connection string, key or token in it
    /// does not reach task code unless named here.
    /// </summary>
    /// <remarks>
    /// Names must be non-empty, without <c>=</c>, and not <c>AZ_BATCH_*</c>; the constructor of
    /// <see cref="LocalBatchWorkflow"/> throws <see cref="ArgumentException"/> otherwise and copies the names.
    /// </remarks>
    /// <value>The default value is an empty collection: tasks receive the basic set only.</value>
    public ICollection<string> PassThroughEnvironmentVariables { get; } = new List<string>();

    /// <summary>Checks the options; the constructor of <see cref="LocalBatchWorkflow"/> calls it, before it creates any folder.</summary>
    /// <exception cref="ArgumentNullException"><see cref="Workflow"/> or <see cref="TimeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="RootDirectory"/> is empty or white space, or <see cref="Workflow"/> has a clock or a logger factory of its
    /// own (set them here instead), or an option of <see cref="Workflow"/> is invalid (see <see cref="BatchWorkflowOptions.Validate"/>).
    /// The exception's <see cref="ArgumentException.ParamName"/> names the option.
    /// </exception>
    public void Validate()
    {
        if (RootDirectory is not null && string.IsNullOrWhiteSpace(RootDirectory))
        {
            throw new ArgumentException("LocalBatchWorkflowOptions.RootDirectory is empty: set a folder path, or leave it null for a new temporary folder.", nameof(RootDirectory));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "LocalBatchWorkflowOptions.TimeProvider is null: leave it at TimeProvider.System, or set the clock to use (such as a FakeTimeProvider in tests).");
        }

        if (Workflow is null)
        {
            throw new ArgumentNullException(nameof(Workflow), "LocalBatchWorkflowOptions.Workflow is null: leave the default, or set a BatchWorkflowOptions.");
        }

        if (Workflow.TimeProvider != TimeProvider.System && Workflow.TimeProvider != TimeProvider)
        {
            throw new ArgumentException("LocalBatchWorkflowOptions.Workflow.TimeProvider is set to another clock than LocalBatchWorkflowOptions.TimeProvider: set the clock once, on LocalBatchWorkflowOptions.TimeProvider (the engine, the storage and the compute share it).", nameof(Workflow));
        }

        if (Workflow.LoggerFactory is not null && Workflow.LoggerFactory != LoggerFactory)
        {
            throw new ArgumentException("LocalBatchWorkflowOptions.Workflow.LoggerFactory is set to another logger factory than LocalBatchWorkflowOptions.LoggerFactory: set it once, on LocalBatchWorkflowOptions.LoggerFactory (the engine and the compute share it).", nameof(Workflow));
        }

        Workflow.Validate();
    }
}

/// <summary>
/// The embedded default: the whole workflow on this machine, with local folder storage and local process
/// compute (Azure Batch's semantics: nodes, task slots, start task, <c>AZ_BATCH_*</c> variables, retries,
/// wall-clock limits). No account, no setup beyond the .NET SDK. Dispose it to stop every process it started.
/// </summary>
public sealed class LocalBatchWorkflow : IBatchWorkflow, IAsyncDisposable, IDisposable
{
    private readonly BatchWorkflow _workflow;

    /// <summary>Initializes a new instance of the <see cref="LocalBatchWorkflow"/> class.</summary>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="LocalBatchWorkflowOptions.Validate"/>), such as a name in <see cref="LocalBatchWorkflowOptions.PassThroughEnvironmentVariables"/>; the exception names it.</exception>
    public LocalBatchWorkflow(LocalBatchWorkflowOptions? options = null)
    {
        options ??= new LocalBatchWorkflowOptions();
        options.Validate();
        var computeOptions = new LocalProcessComputeOptions
        {
            DeleteRootOnDispose = false,
            Durable = true,
            OpenReadOnly = options.ReadOnly,
            TimeProvider = options.TimeProvider,
            LoggerFactory = options.LoggerFactory,
        };
        foreach (string name in options.PassThroughEnvironmentVariables)
        {
            computeOptions.PassThroughEnvironmentVariables.Add(name);
        }

        string root = Path.GetFullPath(options.RootDirectory ?? LocalBatchWorkflowOptions.DefaultRootDirectory);
        computeOptions.RootPath = Path.Combine(root, "compute");
        computeOptions.Validate(); // before any folder is created
        RootDirectory = Directory.CreateDirectory(root).FullName;
        Storage = options.Storage ?? new LocalFolderStorage(Path.Combine(RootDirectory, "storage"), new LocalFolderStorageOptions { TimeProvider = options.TimeProvider });
        Compute = new LocalProcessCompute(computeOptions);
        _workflow = new BatchWorkflow(Storage, Compute, options.Workflow, options.LoggerFactory, options.TimeProvider);
    }

    /// <summary>Gets the folder that holds the local storage and the nodes.</summary>
    public string RootDirectory { get; }

    /// <summary>Gets the storage the workflow stages in.</summary>
    public IBlobStorage Storage { get; }

    /// <summary>Gets the local compute.</summary>
    public LocalProcessCompute Compute { get; }

    /// <inheritdoc />
    public Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => _workflow.RunAsync(definition, progress, cancellationToken);

    /// <inheritdoc />
    public Task<BatchRunStatus> SubmitAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => _workflow.SubmitAsync(definition, progress, cancellationToken);

    /// <inheritdoc />
    public Task<BatchRunResult> AttachAsync(string runId, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
        => _workflow.AttachAsync(runId, progress, cancellationToken);

    /// <inheritdoc />
    public Task<BatchRunStatus> GetStatusAsync(string runId, CancellationToken cancellationToken = default)
        => _workflow.GetStatusAsync(runId, cancellationToken);

    /// <inheritdoc />
    public Task<BatchRunStatus> CancelAsync(string runId, CancellationToken cancellationToken = default)
        => _workflow.CancelAsync(runId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BatchRunStatus>> ListRunsAsync(CancellationToken cancellationToken = default)
        => _workflow.ListRunsAsync(cancellationToken);

    /// <inheritdoc />
    public Task<BatchSweepResult> SweepAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
        => _workflow.SweepAsync(olderThan, cancellationToken);

    /// <summary>Stops every process the local compute started. The root folder stays: runs resume from it.</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await Compute.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops every process the local compute started, blocking until they have; prefer <see cref="DisposeAsync"/>. For
    /// callers that dispose synchronously, such as a dependency-injection container disposed with <c>Dispose()</c>.
    /// </summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
