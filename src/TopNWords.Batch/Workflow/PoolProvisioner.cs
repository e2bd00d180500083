using System.Globalization;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>
/// The compute side a run's tasks need, before they are added: the <see cref="BatchRunStage.CreatingPool"/> and
/// <see cref="BatchRunStage.WaitingForPool"/> stages (the run's own pool, or the caller's named one) and the
/// <see cref="BatchRunStage.CreatingJob"/> stage. What already exists under the run's names (a re-run of a
/// named run) is reused.
/// </summary>
internal sealed class PoolProvisioner
{
    private readonly WorkflowContext _context;

    public PoolProvisioner(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>
    /// Creates the run's pool (or checks that the caller's exists) and waits until it is ready, all under the
    /// <see cref="WorkflowTimeouts.PoolReady"/> timeout (which also bounds the retries of these calls).
    /// </summary>
    public async Task PreparePoolAsync(RunState run, CancellationToken cancellationToken)
    {
        var compute = _context.Compute;
        _context.Report(run, BatchRunStage.CreatingPool);
        var pool = run.Definition.Pool;
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.PoolReady),
            run.Definition.Timeouts.PoolReady,
            async ct =>
            {
                if (pool.ExistingPoolId is not null)
                {
                    var existing = await _context.CallAsync(run, WorkflowOperation.GetPool, $"get pool '{pool.ExistingPoolId}'", t => compute.GetPoolAsync(pool.ExistingPoolId, t), ct).ConfigureAwait(false);
                    if (existing is null)
                    {
                        throw new BatchWorkflowException(
                            BatchRunStage.CreatingPool,
                            run.Names.RunId,
                            $"Pool '{pool.ExistingPoolId}' (PoolDefinition.ExistingPoolId) does not exist on '{compute.DisplayName}'. Create it first, or leave ExistingPoolId empty so that the run creates its own pool.");
                    }
                }
                else
                {
                    var spec = PoolSpecOf(run);
                    spec.StartTask = TaskCommands.StartTask(run.Definition.Application, run.ApplicationUrls);
                    run.OwnsPool = true; // named after the run: ours even if a crashed earlier attempt created it
                    await CreateOnceAsync(run, WorkflowOperation.CreatePool, $"create pool '{run.PoolId}'", t => compute.CreatePoolAsync(spec, t), ct).ConfigureAwait(false);
                }

                _context.Report(run, BatchRunStage.WaitingForPool);
                await _context.CallAsync(run, WorkflowOperation.WaitForPoolReady, $"wait for pool '{run.PoolId}'", t => compute.WaitForPoolReadyAsync(run.PoolId, t), ct).ConfigureAwait(false);
            },
            () => run.Stage == BatchRunStage.CreatingPool
                ? (pool.ExistingPoolId is null ? $"creating pool '{run.PoolId}'" : $"looking up pool '{pool.ExistingPoolId}'")
                : $"waiting for pool '{run.PoolId}' to have {(pool.ExistingPoolId is null ? pool.NodeCount.ToString(CultureInfo.InvariantCulture) : "all its")} node(s) ready",
            cancellationToken).ConfigureAwait(false);
        WorkflowLog.PoolReady(_context.Logger, run.Names.RunId, run.PoolId);
    }

    /// <summary>Creates the run's job on its pool, under the <see cref="WorkflowTimeouts.PoolReady"/> timeout.</summary>
    public async Task CreateJobAsync(RunState run, CancellationToken cancellationToken)
    {
        _context.Report(run, BatchRunStage.CreatingJob);
        run.OwnsJob = true;
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.PoolReady),
            run.Definition.Timeouts.PoolReady,
            ct => CreateOnceAsync(run, WorkflowOperation.CreateJob, $"create job '{run.Names.JobId}'", t => _context.Compute.CreateJobAsync(JobSpecOf(run), t), ct),
            () => $"creating job '{run.Names.JobId}' on pool '{run.PoolId}'",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The metadata name that carries the id of the run that created a pool or job (how a sweep recognises them).</summary>
    public const string RunIdMetadata = "topnwords-run-id";

    /// <summary>The metadata name that carries the library and version that created a pool or job.</summary>
    public const string CreatedByMetadata = "topnwords-created-by";

    /// <summary>The pool the run creates (without its start task, which needs the staged application's URLs), marked as the run's.</summary>
    public static PoolSpec PoolSpecOf(RunState run)
    {
        var pool = run.Definition.Pool;
        var spec = new PoolSpec(run.PoolId, pool.NodeCount)
        {
            TaskSlotsPerNode = pool.TaskSlotsPerNode,
            VirtualMachineSize = pool.VirtualMachineSize,
        };
        Mark(spec.Metadata, run);
        return spec;
    }

    private static JobSpec JobSpecOf(RunState run)
    {
        var spec = new JobSpec(run.Names.JobId, run.PoolId) { UsesTaskDependencies = run.ReducePlan is not null };
        Mark(spec.Metadata, run);
        return spec;
    }

    private static void Mark(IDictionary<string, string> metadata, RunState run)
    {
        metadata[RunIdMetadata] = run.Names.RunId;
        metadata[CreatedByMetadata] = "TopNWords.Batch/" + RunManifest.ThisLibraryVersion;
    }

    /// <summary>
    /// Creates a pool or job named after the run, through the resilience pipeline. <c>AlreadyExists</c> means it is ours
    /// when the run was named by the caller (re-attaching to the run: its pool or job is already there, and its tasks keep
    /// their ids), and when an earlier attempt of this call failed transiently: that attempt may have reached the service
    /// before its answer was lost, so the resent create finds what it made.
    /// </summary>
    private async Task CreateOnceAsync(RunState run, WorkflowOperation kind, string operation, Func<CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        int attempts = 0;
        await _context.CallAsync(
            run,
            kind,
            operation,
            async ct =>
            {
                attempts++;
                try
                {
                    await create(ct).ConfigureAwait(false);
                }
                catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.AlreadyExists && (run.Definition.RunId is not null || attempts > 1))
                {
                    // Ours: see above.
                }
            },
            cancellationToken).ConfigureAwait(false);
    }
}
