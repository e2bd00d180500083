using System.Globalization;
using System.Text;

namespace TopNWords.Batch.Compute;

/// <summary>
/// The one way every compute backend waits for a pool: poll the pool and its nodes until all nodes are
/// ready, and fail fast, with per-node diagnostics, as soon as allocation reports errors or a node's start
/// task fails or a node turns unusable.
/// </summary>
/// <remarks>
/// A backend implements <see cref="IBatchCompute.WaitForPoolReadyAsync"/> by calling
/// <see cref="WaitForPoolReadyAsync(IBatchCompute, string, TimeSpan, TimeProvider?, CancellationToken)"/> with its own
/// poll interval and clock, so that every backend reports a broken pool the same way.
/// </remarks>
public static class PoolReadiness
{
    /// <summary>How much of a failed start task's stderr is shown.</summary>
    internal const int StderrTailBytes = 2048;

    /// <summary>
    /// Polls a pool and its nodes (through <see cref="IBatchCompute.GetPoolAsync"/> and
    /// <see cref="IBatchCompute.ListNodesAsync"/>) until the pool is allocated and every node is
    /// <see cref="ComputeNodeState.Idle"/> or <see cref="ComputeNodeState.Running"/>.
    /// </summary>
    /// <param name="compute">The compute that runs the pool.</param>
    /// <param name="poolId">The pool id.</param>
    /// <param name="pollInterval">How long to wait between two looks at the pool.</param>
    /// <param name="timeProvider">The clock the waits use, or <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (the caller's timeout is applied through it).</param>
    /// <returns>The ready pool.</returns>
    /// <exception cref="PoolNotReadyException">
    /// Allocation stopped with resize errors, or a node's start task failed or a node turned unusable; the
    /// exception carries per-node diagnostics, with the end of each failed start task's stderr.
    /// </exception>
    /// <exception cref="BatchComputeException">The pool does not exist (<c>PoolNotFound</c>) or is being deleted (<c>PoolBeingDeleted</c>).</exception>
    public static Task<PoolInfo> WaitForPoolReadyAsync(this IBatchCompute compute, string poolId, TimeSpan pollInterval, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        return WaitAsync(compute, poolId, pollInterval, timeProvider ?? TimeProvider.System, cancellationToken);
    }

    private static async Task<PoolInfo> WaitAsync(IBatchCompute compute, string poolId, TimeSpan pollInterval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pool = await compute.GetPoolAsync(poolId, cancellationToken).ConfigureAwait(false)
                ?? throw new BatchComputeException(BatchComputeErrorKind.NotFound, $"Pool '{poolId}' does not exist (was it deleted while the run waited for it?). Create it again, or let the workflow create its own pool.", poolId, BatchErrorCodes.PoolNotFound);
            if (pool.IsBeingDeleted)
            {
                throw new BatchComputeException(BatchComputeErrorKind.Conflict, $"Pool '{poolId}' is being deleted and cannot run tasks. Wait for the deletion to finish and create the pool again, or use another pool id.", poolId, BatchErrorCodes.PoolBeingDeleted);
            }

            var nodes = await compute.ListNodesAsync(poolId, cancellationToken).ConfigureAwait(false);
            var broken = nodes.Where(n => n.State is ComputeNodeState.StartTaskFailed or ComputeNodeState.Unusable).ToList();
            bool resizeFailed = pool.ResizeErrors.Count > 0 && pool.AllocationState == PoolAllocationState.Steady;
            if (broken.Count > 0 || resizeFailed)
            {
                var diagnostics = new List<NodeDiagnostics>(broken.Count);
                foreach (var node in broken)
                {
                    string? tail = null;
                    if (node.StartTask is not null)
                    {
                        tail = await TryGetStderrTailAsync(compute, poolId, node.Id, cancellationToken).ConfigureAwait(false);
                    }

                    diagnostics.Add(new NodeDiagnostics(node.Id, node.State, node.StartTask?.ExitCode, node.StartTask?.FailureInfo, tail, node.Errors));
                }

                throw new PoolNotReadyException(poolId, DescribeFailure(poolId, pool, diagnostics), pool.ResizeErrors, diagnostics);
            }

            bool allocated = pool.AllocationState == PoolAllocationState.Steady
                && pool.CurrentNodeCount >= pool.TargetNodeCount
                && nodes.Count >= pool.TargetNodeCount;
            if (allocated && nodes.All(n => n.State is ComputeNodeState.Idle or ComputeNodeState.Running))
            {
                return pool;
            }

            await Task.Delay(pollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Describes why a pool is not ready, one node per line.</summary>
    internal static string DescribeFailure(string poolId, PoolInfo pool, IReadOnlyList<NodeDiagnostics> nodes)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Pool '{poolId}' cannot run tasks");
        if (pool.ResizeErrors.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $": allocation stopped at {pool.CurrentNodeCount} of {pool.TargetNodeCount} node(s) with ");
            sb.Append(string.Join("; ", pool.ResizeErrors.Select(e => $"{e.Code}: {e.Message}")));
        }

        foreach (var node in nodes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}  node '{node.NodeId}' is {node.State}");
            if (node.StartTaskExitCode is int code)
            {
                sb.Append(CultureInfo.InvariantCulture, $"; start task exit code {code}");
            }

            if (node.FailureInfo is { } f)
            {
                sb.Append(CultureInfo.InvariantCulture, $"; {f.Category} {f.Code}: {f.Message}");
            }

            foreach (string error in node.Errors)
            {
                sb.Append("; ").Append(error);
            }

            if (!string.IsNullOrWhiteSpace(node.StartTaskStderrTail))
            {
                sb.Append(CultureInfo.InvariantCulture, $"{Environment.NewLine}    start task stderr (end): {node.StartTaskStderrTail.Trim()}");
            }
        }

        sb.Append(Environment.NewLine).Append(pool.ResizeErrors.Count > 0
            ? "Check the account's quotas and the pool's VM size and image, then run again."
            : "Fix the start task (its command line and application files), then run again.");
        return sb.ToString();
    }

    private static async Task<string?> TryGetStderrTailAsync(IBatchCompute compute, string poolId, string nodeId, CancellationToken cancellationToken)
    {
        try
        {
            return await compute.GetStartTaskOutputTailAsync(poolId, nodeId, TaskOutputStream.StandardError, StderrTailBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BatchComputeException)
        {
            return null; // diagnostics are best effort: the node's state already says what failed
        }
    }
}
