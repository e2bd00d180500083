namespace TopNWords.Batch.Emulator.State;

/// <summary>Counts Batch requests per operation. Thread-safe.</summary>
internal sealed class RequestCounter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BatchEmulatorOperationCount> _operations = new(StringComparer.Ordinal);
    private long _total;
    private long _faults;

    public void Count(string operation, int status, bool injectedFault)
    {
        lock (_gate)
        {
            if (!_operations.TryGetValue(operation, out var count))
            {
                count = new BatchEmulatorOperationCount();
                _operations.Add(operation, count);
            }

            count.Requests++;
            _total++;
            if (injectedFault)
            {
                count.InjectedFaults++;
                _faults++;
            }

            if (status >= 400 || injectedFault)
            {
                count.Errors++;
            }
        }
    }

    public BatchEmulatorRequestCounts Snapshot()
    {
        lock (_gate)
        {
            return new BatchEmulatorRequestCounts
            {
                Total = _total,
                InjectedFaults = _faults,
                Operations = _operations.ToDictionary(
                    e => e.Key,
                    e => new BatchEmulatorOperationCount { Requests = e.Value.Requests, InjectedFaults = e.Value.InjectedFaults, Errors = e.Value.Errors },
                    StringComparer.Ordinal),
            };
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _operations.Clear();
            _total = 0;
            _faults = 0;
        }
    }
}
