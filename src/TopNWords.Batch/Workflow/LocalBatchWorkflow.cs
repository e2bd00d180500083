using Microsoft.Extensions.Logging;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch;

/// <summary>Options of <see cref="LocalBatchWorkflow"/>.</summary>
public sealed class LocalBatchWorkflowOptions
{
    /// <summary>Gets or sets the folder that holds the local storage (<c>storage/</c>) and the nodes (<c>compute/</c>).</summary>
    /// <value>The default value is <see langword="null"/>: a new folder under the temporary folder, deleted on dispose.</value>
    public string? RootDirectory { get; set; }

    /// <summary>Gets or sets a value indicating whether the root folder is kept on dispose (a folder the caller named is always kept).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool KeepFiles { get; set; }

    /// <summary>Gets or sets the storage to stage in instead of the local folder, e.g. Azure Blob storage (tasks then fetch inputs and upload outputs through its SAS URLs).</summary>
    /// <value>The default value is <see langword="null"/>: local folder storage under the root folder.</value>
    public IBlobStorage? Storage { get; set; }

    /// <summary>Gets or sets the options of the workflow engine.</summary>
    /// <value>The default value polls task counts every 250 ms (local calls are cheap).</value>
    public BatchWorkflowOptions Workflow { get; set; } = new() { MonitorPollInterval = TimeSpan.FromMilliseconds(250) };

    /// <summary>Gets or sets the logger factory, or <see langword="null"/> for no logging.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the clock.</summary>
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
}

/// <summary>
/// The embedded default: the whole workflow on this machine, with local folder storage and local process
/// compute (Azure Batch's semantics: nodes, task slots, start task, <c>AZ_BATCH_*</c> variables, retries,
/// wall-clock limits). No account, no setup beyond the .NET SDK. Dispose it to stop every process it started.
/// </summary>
public sealed class LocalBatchWorkflow : IBatchWorkflow, IAsyncDisposable
{
    private readonly BatchWorkflow _workflow;
    private readonly bool _deleteRoot;

    /// <summary>Initializes a new instance of the <see cref="LocalBatchWorkflow"/> class.</summary>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">An option of the local compute is invalid, such as a name in <see cref="LocalBatchWorkflowOptions.PassThroughEnvironmentVariables"/> (the exception names it).</exception>
    public LocalBatchWorkflow(LocalBatchWorkflowOptions? options = null)
    {
        options ??= new LocalBatchWorkflowOptions();
        var computeOptions = new LocalProcessComputeOptions
        {
            DeleteRootOnDispose = false,
            TimeProvider = options.TimeProvider,
            LoggerFactory = options.LoggerFactory,
        };
        foreach (string name in options.PassThroughEnvironmentVariables)
        {
            computeOptions.PassThroughEnvironmentVariables.Add(name);
        }

        computeOptions.Validate(); // before any folder is created
        _deleteRoot = options.RootDirectory is null && !options.KeepFiles;
        RootDirectory = options.RootDirectory is null
            ? Directory.CreateTempSubdirectory("topnwords-").FullName
            : Directory.CreateDirectory(options.RootDirectory).FullName;
        Storage = options.Storage ?? new LocalFolderStorage(Path.Combine(RootDirectory, "storage"), new LocalFolderStorageOptions { TimeProvider = options.TimeProvider });
        computeOptions.RootPath = Path.Combine(RootDirectory, "compute");
        Compute = new LocalProcessCompute(computeOptions);
        _workflow = new BatchWorkflow(Storage, Compute, options.Workflow, options.LoggerFactory?.CreateLogger<BatchWorkflow>(), options.TimeProvider);
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

    /// <summary>Stops every process the local compute started and, unless asked to keep it, deletes the root folder.</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await Compute.DisposeAsync().ConfigureAwait(false);
        if (_deleteRoot)
        {
            try
            {
                Directory.Delete(RootDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort: the folder is under the temporary folder.
            }
        }
    }
}
