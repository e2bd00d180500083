using Azure;
using Azure.Core;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.BatchRest;

/// <content>Listing, updating and counting the nodes of pools and jobs, as operators and other SDKs use them.</content>
public partial class BatchRestClient
{
    /// <summary>Lists the pools of the account (<c>GET /pools</c>).</summary>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>startswith(id, 'topn-')</c> or <c>state eq 'active'</c>.</param>
    /// <param name="select">An OData <c>$select</c>, such as <c>id,state,metadata</c>.</param>
    /// <param name="expand">An OData <c>$expand</c>: <c>stats</c> or <c>metadata</c>.</param>
    /// <param name="maxResults">The most pools per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The pools, fetched page by page.</returns>
    public virtual AsyncPageable<BatchPool> ListPoolsAsync(string? filter = null, string? select = null, string? expand = null, int? maxResults = null, CancellationToken cancellationToken = default)
        => _pager.List(
            "List pools",
            null,
            ["pools"],
            [("$filter", filter), ("$select", select), ("$expand", expand)],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchPool,
            cancellationToken);

    /// <summary>Lists the jobs of the account (<c>GET /jobs</c>).</summary>
    /// <param name="filter">An OData <c>$filter</c>, such as <c>startswith(id, 'topn-')</c> or <c>state eq 'active'</c>.</param>
    /// <param name="select">An OData <c>$select</c>, such as <c>id,state,poolInfo</c>.</param>
    /// <param name="expand">An OData <c>$expand</c>: <c>stats</c> or <c>metadata</c>.</param>
    /// <param name="maxResults">The most jobs per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The jobs, fetched page by page.</returns>
    public virtual AsyncPageable<BatchJob> ListJobsAsync(string? filter = null, string? select = null, string? expand = null, int? maxResults = null, CancellationToken cancellationToken = default)
        => _pager.List(
            "List jobs",
            null,
            ["jobs"],
            [("$filter", filter), ("$select", select), ("$expand", expand)],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchJob,
            cancellationToken);

    /// <summary>
    /// Updates some properties of a pool (<c>PATCH /pools/{poolId}</c>): those set in <paramref name="pool"/> change,
    /// the others keep their values.
    /// </summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="pool">The properties to change.</param>
    /// <param name="ifMatch">The pool's entity tag the update requires (sent as <c>If-Match</c>; 412 <c>ConditionNotMet</c> when the pool changed); <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service updated the pool (200).</returns>
    public virtual async Task PatchPoolAsync(string poolId, BatchPoolUpdateContent pool, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(pool);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Patch, ["pools", poolId], json: true);
        SetIfMatch(message, ifMatch);
        BatchRequestFactory.SetJsonBody(message, pool, BatchJsonContext.Default.BatchPoolUpdateContent);
        await _sender.SendAsync(message, "Update pool", poolId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Updates some properties of a job (<c>PATCH /jobs/{jobId}</c>): those set in <paramref name="job"/> change,
    /// the others keep their values.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="job">The properties to change.</param>
    /// <param name="ifMatch">The job's entity tag the update requires (sent as <c>If-Match</c>; 412 <c>ConditionNotMet</c> when the job changed); <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service updated the job (200).</returns>
    public virtual async Task PatchJobAsync(string jobId, BatchJobUpdateContent job, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(job);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Patch, ["jobs", jobId], json: true);
        SetIfMatch(message, ifMatch);
        BatchRequestFactory.SetJsonBody(message, job, BatchJsonContext.Default.BatchJobUpdateContent);
        await _sender.SendAsync(message, "Update job", jobId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Lists the numbers of nodes by state of each pool (<c>GET /nodecounts</c>), dedicated and Spot/low-priority
    /// apart; cheaper than listing nodes.
    /// </summary>
    /// <param name="filter">An OData <c>$filter</c> on the pool id, such as <c>poolId eq 'topn-pool'</c>.</param>
    /// <param name="maxResults">The most pools per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The node counts of each pool, fetched page by page.</returns>
    public virtual AsyncPageable<BatchPoolNodeCounts> ListPoolNodeCountsAsync(string? filter = null, int? maxResults = null, CancellationToken cancellationToken = default)
        => _pager.List(
            "List pool node counts",
            null,
            ["nodecounts"],
            [("$filter", filter)],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchPoolNodeCounts,
            cancellationToken);

    private static void SetIfMatch(HttpMessage message, ETag? ifMatch)
    {
        if (ifMatch is ETag value)
        {
            message.Request.Headers.SetValue(HttpHeader.Names.IfMatch, value.ToString("H"));
        }
    }
}
