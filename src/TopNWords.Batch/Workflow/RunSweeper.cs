using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch;

/// <summary>
/// <see cref="IBatchWorkflow.SweepAsync"/>: deletes what runs left behind. A run's resources are known from its manifest
/// (its job, its own pool, its containers); pools and jobs are recognised as this library's by the metadata it puts on
/// them (<see cref="PoolProvisioner.RunIdMetadata"/>), so a caller's pool or anything else in the account is never touched.
/// </summary>
internal sealed class RunSweeper
{
    private readonly WorkflowContext _context;
    private readonly RunStore _store;
    private readonly List<string> _deleted = [];
    private readonly List<string> _kept = [];
    private readonly List<string> _failures = [];

    public RunSweeper(WorkflowContext context, RunStore store)
    {
        _context = context;
        _store = store;
    }

    public async Task<BatchSweepResult> SweepAsync(DateTimeOffset cutoff, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var compute = _context.Compute;
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string runId in await _store.ListRunIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            known.Add(runId);
            var manifest = await _store.ReadManifestAsync(runId, cancellationToken).ConfigureAwait(false);
            if (manifest is null)
            {
                continue;
            }

            var record = await _store.ReadRecordAsync(runId, cancellationToken).ConfigureAwait(false);
            if (manifest.CreatedAt > cutoff)
            {
                _kept.Add($"run '{runId}': submitted {manifest.CreatedAt:u}, less than {olderThan} ago");
                continue;
            }

            if (RunStore.IsLive(record?.Holder, _context.Time.GetUtcNow()))
            {
                _kept.Add($"run '{runId}': attached to {record!.Holder}");
                continue;
            }

            string owner = $"(run '{runId}')";
            bool ok = await TryDeleteAsync(runId, WorkflowOperation.DeleteJob, $"job '{manifest.JobId}' {owner}", ct => compute.DeleteJobAsync(manifest.JobId, ct), cancellationToken).ConfigureAwait(false);
            if (manifest.OwnsPool)
            {
                ok &= await TryDeleteAsync(runId, WorkflowOperation.DeletePool, $"pool '{manifest.PoolId}' {owner}", ct => compute.DeletePoolAsync(manifest.PoolId, ct), cancellationToken).ConfigureAwait(false);
            }

            foreach (string container in manifest.Containers)
            {
                ok &= await TryDeleteAsync(runId, WorkflowOperation.DeleteContainer, $"container '{container}' {owner}", ct => _context.Storage.DeleteContainerIfExistsAsync(container, ct), cancellationToken).ConfigureAwait(false);
            }

            if (ok)
            {
                // The record goes last: while anything of the run is left, its record is what finds it again.
                await _store.DeleteAsync(runId, cancellationToken).ConfigureAwait(false);
                _deleted.Add($"record of run '{runId}'");
            }
        }

        await SweepOrphansAsync(known, cutoff, cancellationToken).ConfigureAwait(false);
        return new BatchSweepResult(_deleted, _kept, _failures);
    }

    /// <summary>Pools and jobs marked as this library's whose run has no record (it was deleted, or never written), older than the cutoff.</summary>
    private async Task SweepOrphansAsync(HashSet<string> known, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var compute = _context.Compute;
        var jobs = await ListAsync(WorkflowOperation.ListJobs, "jobs", ct => compute.ListJobsAsync(ct), cancellationToken).ConfigureAwait(false);
        foreach (var job in jobs ?? [])
        {
            if (IsOrphan(job.Metadata, job.CreationTime, known, cutoff, out string runId))
            {
                await TryDeleteAsync(runId, WorkflowOperation.DeleteJob, $"job '{job.Id}' (orphan of run '{runId}')", ct => compute.DeleteJobAsync(job.Id, ct), cancellationToken).ConfigureAwait(false);
            }
        }

        var pools = await ListAsync(WorkflowOperation.ListPools, "pools", ct => compute.ListPoolsAsync(ct), cancellationToken).ConfigureAwait(false);
        foreach (var pool in pools ?? [])
        {
            if (IsOrphan(pool.Metadata, pool.CreationTime, known, cutoff, out string runId))
            {
                await TryDeleteAsync(runId, WorkflowOperation.DeletePool, $"pool '{pool.Id}' (orphan of run '{runId}')", ct => compute.DeletePoolAsync(pool.Id, ct), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsOrphan(IReadOnlyDictionary<string, string> metadata, DateTimeOffset? created, HashSet<string> known, DateTimeOffset cutoff, out string runId)
    {
        runId = metadata.TryGetValue(PoolProvisioner.RunIdMetadata, out string? id) ? id : string.Empty;
        return runId.Length > 0 && !known.Contains(runId) && created is { } c && c <= cutoff;
    }

    private async Task<List<T>?> ListAsync<T>(WorkflowOperation kind, string what, Func<CancellationToken, IAsyncEnumerable<T>> list, CancellationToken cancellationToken)
    {
        try
        {
            return await _context.CallAsync(
                "*",
                kind,
                $"list the {what} of '{_context.Compute.DisplayName}'",
                ct => list(ct).ToListAsync(ct).AsTask(),
                null,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NotSupportedException or BatchComputeException)
        {
            _failures.Add($"the {what} of '{_context.Compute.DisplayName}' could not be listed, so orphaned {what} were not looked for: {SecretRedaction.RedactText(ex.Message)}");
            return null;
        }
    }

    private async Task<bool> TryDeleteAsync(string runId, WorkflowOperation kind, string resource, Func<CancellationToken, Task<bool>> delete, CancellationToken cancellationToken)
    {
        try
        {
            if (await _context.CallAsync(runId, kind, $"delete {resource}", delete, null, cancellationToken).ConfigureAwait(false))
            {
                _deleted.Add(resource);
                WorkflowLog.Swept(_context.Logger, resource);
            }

            return true;
        }
        catch (Exception ex) when (ex is BatchComputeException or Storage.BlobStorageException)
        {
            _failures.Add($"{resource}: {SecretRedaction.RedactText(ex.Message)}");
            return false;
        }
    }
}
