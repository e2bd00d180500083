namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// A state change inside <see cref="LocalProcessCompute"/>, raised through
/// <see cref="LocalProcessCompute.Changed"/> in the order the changes happen, so that a host (such as a Batch
/// emulator) can mirror nodes and tasks without polling.
/// </summary>
/// <remarks>
/// The engine raises <see cref="LocalNodeChange"/> and <see cref="LocalTaskChange"/>; later versions may add
/// kinds, so a handler ignores the kinds it does not know.
/// </remarks>
/// <param name="Time">When it happened, from the compute's <see cref="TimeProvider"/>.</param>
public abstract record LocalComputeChange(DateTimeOffset Time);

/// <summary>A node was created or changed state, or its start task made progress.</summary>
/// <param name="Time">When, from the compute's <see cref="TimeProvider"/>.</param>
/// <param name="PoolId">The node's pool.</param>
/// <param name="Node">The node after the change.</param>
public sealed record LocalNodeChange(DateTimeOffset Time, string PoolId, ComputeNodeInfo Node) : LocalComputeChange(Time);

/// <summary>A task was added or changed state (or was retried).</summary>
/// <param name="Time">When, from the compute's <see cref="TimeProvider"/>.</param>
/// <param name="JobId">The task's job.</param>
/// <param name="Task">The task after the change.</param>
public sealed record LocalTaskChange(DateTimeOffset Time, string JobId, BatchTaskInfo Task) : LocalComputeChange(Time);

/// <summary>A fault a host injects into a node as it starts (see <see cref="LocalProcessComputeOptions.NodeFaultInjector"/>).</summary>
public enum LocalNodeFault
{
    /// <summary>The node starts normally.</summary>
    None = 0,

    /// <summary>The node turns <see cref="ComputeNodeState.Unusable"/> instead of running its start task.</summary>
    Unusable = 1,

    /// <summary>
    /// The node's start task fails with exit code 1 without running (a start task is simulated when the
    /// pool has none), and the node turns <see cref="ComputeNodeState.StartTaskFailed"/>.
    /// </summary>
    StartTaskFailure = 2,
}
