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

    /// <summary>Creates the run's pool (or checks that the caller's exists) and waits until it is ready.</summary>
    public async Task PreparePoolAsync(RunState run, CancellationToken cancellationToken)
    {
        var compute = _context.Compute;
        _context.Report(run, BatchRunStage.CreatingPool);
        var pool = run.Definition.Pool;
        if (pool.ExistingPoolId is not null)
        {
            if (await compute.GetPoolAsync(pool.ExistingPoolId, cancellationToken).ConfigureAwait(false) is null)
            {
                throw new BatchWorkflowException(
                    BatchRunStage.CreatingPool,
                    run.Names.RunId,
                    $"Pool '{pool.ExistingPoolId}' (PoolDefinition.ExistingPoolId) does not exist on '{compute.DisplayName}'. Create it first, or leave ExistingPoolId empty so that the run creates its own pool.");
            }
        }
        else
        {
            var spec = new PoolSpec(run.PoolId, pool.NodeCount)
            {
                TaskSlotsPerNode = pool.TaskSlotsPerNode,
                VirtualMachineSize = pool.VirtualMachineSize,
                StartTask = TaskCommands.StartTask(run.Definition.Application, run.ApplicationUrls),
            };
            run.OwnsPool = true; // named after the run: ours even if a crashed earlier attempt created it
            try
            {
                await compute.CreatePoolAsync(spec, cancellationToken).ConfigureAwait(false);
            }
            catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.AlreadyExists && run.Definition.RunId is not null)
            {
                // Re-attaching to a run: its pool is already there.
            }
        }

        _context.Report(run, BatchRunStage.WaitingForPool);
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.PoolReady),
            run.Definition.Timeouts.PoolReady,
            ct => compute.WaitForPoolReadyAsync(run.PoolId, ct),
            () => $"waiting for pool '{run.PoolId}' to have {(pool.ExistingPoolId is null ? pool.NodeCount.ToString(CultureInfo.InvariantCulture) : "all its")} node(s) ready",
            cancellationToken).ConfigureAwait(false);
        WorkflowLog.PoolReady(_context.Logger, run.Names.RunId, run.PoolId);
    }

    /// <summary>Creates the run's job on its pool.</summary>
    public async Task CreateJobAsync(RunState run, CancellationToken cancellationToken)
    {
        _context.Report(run, BatchRunStage.CreatingJob);
        run.OwnsJob = true;
        try
        {
            await _context.Compute.CreateJobAsync(new JobSpec(run.Names.JobId, run.PoolId), cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException ex) when (ex.Kind == BatchComputeErrorKind.AlreadyExists && run.Definition.RunId is not null)
        {
            // Re-attaching to a run: its job is already there, and its tasks keep their ids.
        }
    }
}
