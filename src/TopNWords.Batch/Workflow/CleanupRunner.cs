using Microsoft.Extensions.Logging;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch;

/// <summary>
/// The <see cref="BatchRunStage.CleaningUp"/> stage of a run: deletes what the run created (its job, its own pool,
/// its containers; never what the caller owns), by the run's <see cref="CleanupPolicy"/>, under the
/// <see cref="WorkflowTimeouts.Cleanup"/> time limit and never the caller's token, so that it also runs after a
/// failure or a cancellation. A deletion that fails is reported, not thrown.
/// </summary>
internal sealed class CleanupRunner
{
    private readonly WorkflowContext _context;

    public CleanupRunner(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>Deletes what the run created, by policy, under its own time limit: never the caller's token.</summary>
    /// <param name="run">The run.</param>
    /// <param name="succeeded">Whether the run and all its tasks succeeded (for <see cref="CleanupPolicy.OnSuccess"/>).</param>
    /// <returns>One line per resource that could not be deleted.</returns>
    public async Task<IReadOnlyList<string>> CleanupAsync(RunState run, bool succeeded)
    {
        _context.Report(run, BatchRunStage.CleaningUp);
        var policy = run.Definition.Cleanup;
        var owned = new List<string>();
        if (run.OwnsJob)
        {
            owned.Add($"job '{run.Names.JobId}'");
        }

        if (run.OwnsPool)
        {
            owned.Add($"pool '{run.PoolId}'");
        }

        owned.AddRange(run.Containers.Select(c => $"container '{c}'"));
        if (owned.Count == 0)
        {
            return [];
        }

        if (policy == CleanupPolicy.Never || (policy == CleanupPolicy.OnSuccess && !succeeded))
        {
            if (_context.Logger.IsEnabled(LogLevel.Information))
            {
                string resources = string.Join(", ", owned);
                WorkflowLog.CleanupSkipped(_context.Logger, run.Names.RunId, resources, policy);
            }

            return [];
        }

        var compute = _context.Compute;
        var failures = new List<string>();
        using var cts = new CancellationTokenSource(run.Definition.Timeouts.Cleanup, _context.Time);
        if (run.OwnsJob)
        {
            await TryDeleteAsync(run, WorkflowOperation.DeleteJob, $"job '{run.Names.JobId}'", ct => compute.DeleteJobAsync(run.Names.JobId, ct), failures, cts.Token).ConfigureAwait(false);
        }

        if (run.OwnsPool)
        {
            await TryDeleteAsync(run, WorkflowOperation.DeletePool, $"pool '{run.PoolId}'", ct => compute.DeletePoolAsync(run.PoolId, ct), failures, cts.Token).ConfigureAwait(false);
        }

        foreach (string container in run.Containers)
        {
            await TryDeleteAsync(run, WorkflowOperation.DeleteContainer, $"container '{container}'", ct => _context.Storage.DeleteContainerIfExistsAsync(container, ct), failures, cts.Token).ConfigureAwait(false);
        }

        return failures;
    }

    private async Task TryDeleteAsync(RunState run, WorkflowOperation kind, string resource, Func<CancellationToken, Task<bool>> delete, List<string> failures, CancellationToken cancellationToken)
    {
        try
        {
            await _context.CallAsync(run, kind, $"delete {resource}", delete, cancellationToken).ConfigureAwait(false);
            WorkflowLog.Deleted(_context.Logger, run.Names.RunId, resource);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            string reason = ex is OperationCanceledException
                ? $"the Cleanup timeout ({run.Definition.Timeouts.Cleanup}) ran out"
                : SecretRedaction.RedactText(ex.Message);
            failures.Add($"{resource}: {reason}");
            WorkflowLog.CleanupFailed(_context.Logger, run.Names.RunId, resource, reason);
        }
    }
}
