using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Faults;

/// <summary>Decides, deterministically from the faults' seed, which requests and nodes fail. Thread-safe.</summary>
internal sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private BatchEmulatorFaults _faults;
    private Random _random;
    private long _faultableRequests;
    private int _burstRemaining;
    private int _dropsRemaining;

    public FaultInjector(BatchEmulatorFaults faults)
    {
        _faults = faults.Clone();
        _random = new Random(faults.Seed);
        _dropsRemaining = faults.DropConnectionAfterAddTaskCollection;
    }

    /// <summary>Gets a copy of the current faults (with the drops still to come).</summary>
    public BatchEmulatorFaults Current
    {
        get
        {
            lock (_gate)
            {
                var copy = _faults.Clone();
                copy.DropConnectionAfterAddTaskCollection = _dropsRemaining;
                return copy;
            }
        }
    }

    /// <summary>Gets the largest request body served.</summary>
    public long RequestBodyLimit
    {
        get
        {
            lock (_gate)
            {
                return _faults.RequestBodyLimitBytes;
            }
        }
    }

    /// <summary>Gets how long a deleted pool or job stays deleting after it has stopped.</summary>
    public TimeSpan DeletionDelay
    {
        get
        {
            lock (_gate)
            {
                return TimeSpan.FromSeconds(_faults.DeletionDelaySeconds);
            }
        }
    }

    /// <summary>Replaces the faults and restarts the random sequence from their seed.</summary>
    public void Set(BatchEmulatorFaults faults)
    {
        faults.Validate();
        lock (_gate)
        {
            _faults = faults.Clone();
            _random = new Random(faults.Seed);
            _faultableRequests = 0;
            _burstRemaining = 0;
            _dropsRemaining = faults.DropConnectionAfterAddTaskCollection;
        }
    }

    /// <summary>The fault to answer a Batch request with instead of serving it, if any.</summary>
    public BatchRequestException? ForRequest(string operation)
    {
        lock (_gate)
        {
            if (_faults.FaultOperations.Count > 0 && !_faults.FaultOperations.Contains(operation, StringComparer.OrdinalIgnoreCase))
            {
                return null;
            }

            _faultableRequests++;
            if (_burstRemaining > 0)
            {
                _burstRemaining--;
                return BatchErrorResponses.TooManyRequests(_faults.RetryAfterSeconds);
            }

            if (_faults.ThrottleBurstEvery > 0 && _faultableRequests % _faults.ThrottleBurstEvery == 0)
            {
                _burstRemaining = _faults.ThrottleBurstLength - 1;
                return BatchErrorResponses.TooManyRequests(_faults.RetryAfterSeconds);
            }

            if (_faults.ServerBusyRate > 0 && _random.NextDouble() < _faults.ServerBusyRate)
            {
                return BatchErrorResponses.ServerBusy();
            }

            if (_faults.TooManyRequestsRate > 0 && _random.NextDouble() < _faults.TooManyRequestsRate)
            {
                return BatchErrorResponses.TooManyRequests(_faults.RetryAfterSeconds);
            }

            return null;
        }
    }

    /// <summary>Whether one task of an add-task-collection request is answered <c>servererror</c>.</summary>
    public bool TaskAddServerError()
    {
        lock (_gate)
        {
            return _faults.TaskAddServerErrorRate > 0 && _random.NextDouble() < _faults.TaskAddServerErrorRate;
        }
    }

    /// <summary>Whether this add-task-collection request's connection is dropped after the tasks were added (uses one).</summary>
    public bool TakeConnectionDrop()
    {
        lock (_gate)
        {
            if (_dropsRemaining <= 0)
            {
                return false;
            }

            _dropsRemaining--;
            return true;
        }
    }

    /// <summary>What a node does as it starts (called by the local compute engine).</summary>
    public LocalNodeFault ForNode(string poolId, string nodeId)
    {
        lock (_gate)
        {
            if (_faults.UnusableNodes.Any(p => Matches(p, poolId, nodeId)))
            {
                return LocalNodeFault.Unusable;
            }

            return _faults.StartTaskFailureNodes.Any(p => Matches(p, poolId, nodeId)) ? LocalNodeFault.StartTaskFailure : LocalNodeFault.None;
        }
    }

    /// <summary>After how many completed tasks a node turns unusable, if it does.</summary>
    public int? UnusableAfterTasks(string poolId, string nodeId)
    {
        lock (_gate)
        {
            foreach (KeyValuePair<string, int> entry in _faults.UnusableNodesAfterTasks)
            {
                if (Matches(entry.Key, poolId, nodeId))
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    /// <summary>Whether a node pattern (<c>node</c>, <c>pool/node</c>, parts may be <c>*</c>) matches.</summary>
    internal static bool Matches(string pattern, string poolId, string nodeId)
    {
        int slash = pattern.IndexOf('/', StringComparison.Ordinal);
        string poolPart = slash < 0 ? "*" : pattern[..slash];
        string nodePart = slash < 0 ? pattern : pattern[(slash + 1)..];
        return Part(poolPart, poolId) && Part(nodePart, nodeId);

        static bool Part(string part, string value) => part == "*" || string.Equals(part, value, StringComparison.OrdinalIgnoreCase);
    }
}
