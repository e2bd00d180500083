using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The workflow engine: runs a <see cref="BatchRunDefinition"/> on any <see cref="IBlobStorage"/> and
/// <see cref="IBatchCompute"/>. Thread-safe: several runs may share one instance.
/// </summary>
/// <remarks>
/// It walks a run through its stages, each done by a collaborator that takes the run's state: staging
/// (<see cref="RunStager"/>), pool and job (<see cref="PoolProvisioner"/>), tasks (<see cref="TaskMonitor"/>),
/// outputs (<see cref="OutputDownloader"/>), and cleanup (<see cref="CleanupRunner"/>), which runs whatever
/// happened before it. Every storage and compute call goes through one resilience pipeline
/// (<see cref="BatchWorkflowOptions.Resilience"/>, by default <see cref="WorkflowResilience.CreateDefaultPipeline"/>), under
/// the current stage's timeout: transient failures are retried until that timeout runs out, other failures end the run.
/// </remarks>
public sealed class BatchWorkflow : IBatchWorkflow
{
    /// <summary>The folder, in each task's working directory, that holds the task's input.</summary>
    public const string InputFolder = "input";

    private readonly IBlobStorage _storage;
    private readonly IBatchCompute _compute;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly WorkflowContext _context;
    private readonly RunStager _stager;
    private readonly PoolProvisioner _provisioner;
    private readonly TaskMonitor _tasks;
    private readonly OutputDownloader _outputs;
    private readonly CleanupRunner _cleanup;

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflow"/> class.</summary>
    /// <param name="storage">Where the application, inputs and outputs are staged.</param>
    /// <param name="compute">Where tasks run.</param>
    /// <param name="options">Options (among them the clock and the logger factory), or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="storage"/> or <paramref name="compute"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="BatchWorkflowOptions.Validate"/>); the exception names it.</exception>
    public BatchWorkflow(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions? options = null)
        : this(storage, compute, options ?? new BatchWorkflowOptions(), loggerFactory: null, timeProvider: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflow"/> class with a clock and a logger factory that win over the options' own.</summary>
    internal BatchWorkflow(IBlobStorage storage, IBatchCompute compute, BatchWorkflowOptions options, ILoggerFactory? loggerFactory, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(compute);
        options.Validate();
        _storage = storage;
        _compute = compute;
        _logger = (ILogger?)(loggerFactory ?? options.LoggerFactory)?.CreateLogger<BatchWorkflow>() ?? NullLogger.Instance;
        _time = timeProvider ?? options.TimeProvider;

        // One context, so that every stage logs under this class's category and waits on this clock.
        _context = new WorkflowContext(storage, compute, options, _logger, _time, options.Resilience ?? WorkflowResilience.Create(_time, _logger));
        _stager = new RunStager(_context);
        _provisioner = new PoolProvisioner(_context);
        _tasks = new TaskMonitor(_context);
        _outputs = new OutputDownloader(_context);
        _cleanup = new CleanupRunner(_context);
    }

    /// <inheritdoc />
    public async Task<BatchRunResult> RunAsync(BatchRunDefinition definition, IProgress<BatchRunProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunDefinitionValidator.Validate(definition, _storage, _compute);
        cancellationToken.ThrowIfCancellationRequested();

        var run = new RunState(definition, new RunNames(definition.RunId ?? RunNames.NewRunId(_time)), progress, _time.GetUtcNow());
        run.DownloadDirectory = Path.GetFullPath(definition.DownloadDirectory ?? Path.Combine("topnwords-output", run.Names.RunId));
        WorkflowLog.RunStarting(_logger, run.Names.RunId, definition.Inputs.Count, _storage.DisplayName, _compute.DisplayName);
        if (_compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes) && definition.Application.EntryPoint is ["dotnet", ..])
        {
            WorkflowLog.FrameworkDependentOnRemoteNodes(_logger, run.Names.RunId, definition.Application.Name);
        }

        ExceptionDispatchInfo? failure = null;
        try
        {
            await _stager.StageAsync(run, cancellationToken).ConfigureAwait(false);
            await _provisioner.PreparePoolAsync(run, cancellationToken).ConfigureAwait(false);
            await _provisioner.CreateJobAsync(run, cancellationToken).ConfigureAwait(false);
            await _tasks.RunTasksAsync(run, cancellationToken).ConfigureAwait(false);
            await _outputs.DownloadOutputsAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            WorkflowLog.RunCancelled(_logger, run.Names.RunId, run.Stage);
            failure = ExceptionDispatchInfo.Capture(ex);
        }
        catch (Exception ex) when (ex is not ArgumentException)
        {
            var wrapped = ex as BatchWorkflowException ?? new BatchWorkflowException(run.Stage, run.Names.RunId, DescribeFailure(run, ex), ex);
            WorkflowLog.RunFailed(_logger, run.Names.RunId, run.Stage, SecretRedaction.RedactText(wrapped.Message));
            failure = ExceptionDispatchInfo.Capture(wrapped);
        }

        bool succeeded = failure is null && run.Outcomes.All(o => o.Succeeded);
        var cleanupFailures = await _cleanup.CleanupAsync(run, succeeded).ConfigureAwait(false);
        _context.Report(run, BatchRunStage.Completed);

        if (failure is not null)
        {
            if (failure.SourceException is BatchWorkflowException workflowException)
            {
                workflowException.CleanupFailures = cleanupFailures;
            }

            failure.Throw();
        }

        var result = new BatchRunResult(run.Names.RunId, run.PoolId, run.Names.JobId, run.Outcomes, run.StartTime, _time.GetUtcNow(), run.DownloadDirectory, cleanupFailures);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            int succeededTasks = result.Tasks.Count(t => t.Succeeded);
            WorkflowLog.RunFinished(_logger, run.Names.RunId, succeededTasks, result.Tasks.Count, result.Elapsed);
        }

        return result;
    }

    private static string DescribeFailure(RunState run, Exception ex)
    {
        string what = run.Stage switch
        {
            BatchRunStage.Staging => "staging the application and inputs in storage",
            BatchRunStage.CreatingPool => $"creating pool '{run.PoolId}'",
            BatchRunStage.WaitingForPool => $"waiting for pool '{run.PoolId}'",
            BatchRunStage.CreatingJob => $"creating job '{run.Names.JobId}'",
            BatchRunStage.AddingTasks => $"adding tasks to job '{run.Names.JobId}'",
            BatchRunStage.Monitoring => $"monitoring job '{run.Names.JobId}'",
            BatchRunStage.Downloading => "downloading outputs",
            _ => run.Stage.ToString(),
        };
        return $"Run '{run.Names.RunId}' failed while {what}: {SecretRedaction.RedactText(ex.Message)}";
    }
}
