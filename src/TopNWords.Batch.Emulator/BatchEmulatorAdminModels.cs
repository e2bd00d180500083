namespace TopNWords.Batch.Emulator;

/// <summary>How many requests the emulator received, per operation (from <c>GET /admin/requests</c>).</summary>
public sealed class BatchEmulatorRequestCounts
{
    /// <summary>Gets or sets the number of Batch requests (admin requests not included).</summary>
    public long Total { get; set; }

    /// <summary>Gets or sets the number of Batch requests answered with an injected fault (503, 429, dropped connection).</summary>
    public long InjectedFaults { get; set; }

    /// <summary>Gets or sets the counts per operation, keyed by the swagger operation id (e.g. <c>Tasks_ListTasks</c>).</summary>
    public IDictionary<string, BatchEmulatorOperationCount> Operations { get; set; } = new Dictionary<string, BatchEmulatorOperationCount>(StringComparer.Ordinal);

    /// <summary>Gets the number of requests of one operation (0 when none came).</summary>
    /// <param name="operation">The swagger operation id.</param>
    /// <returns>The number of requests.</returns>
    public long this[string operation] => Operations.TryGetValue(operation, out var count) ? count.Requests : 0;
}

/// <summary>The requests of one operation.</summary>
public sealed class BatchEmulatorOperationCount
{
    /// <summary>Gets or sets the number of requests (injected faults included).</summary>
    public long Requests { get; set; }

    /// <summary>Gets or sets how many of them were answered with an injected fault.</summary>
    public long InjectedFaults { get; set; }

    /// <summary>Gets or sets how many of them were answered with an error status (4xx or 5xx, injected faults included).</summary>
    public long Errors { get; set; }
}

/// <summary>The pools and jobs that exist in the emulator (from <c>GET /admin/resources</c>), being deleted ones included.</summary>
public sealed class BatchEmulatorResources
{
    /// <summary>Gets or sets the pool ids.</summary>
    public IList<string> Pools { get; set; } = [];

    /// <summary>Gets or sets the job ids.</summary>
    public IList<string> Jobs { get; set; } = [];
}
