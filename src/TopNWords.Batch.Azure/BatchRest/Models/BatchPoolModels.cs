namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The body of create pool (<c>POST /pools</c>).</summary>
internal sealed class BatchPoolCreateContent
{
    public required string Id { get; set; }

    public string? DisplayName { get; set; }

    public required string VmSize { get; set; }

    public BatchVirtualMachineConfiguration? VirtualMachineConfiguration { get; set; }

    /// <summary>How long allocation may take before a resize error; at least 5 minutes (the service's default is 15).</summary>
    public TimeSpan? ResizeTimeout { get; set; }

    public int? TargetDedicatedNodes { get; set; }

    public int? TargetLowPriorityNodes { get; set; }

    public bool? EnableAutoScale { get; set; }

    public bool? EnableInterNodeCommunication { get; set; }

    public BatchStartTask? StartTask { get; set; }

    public int? TaskSlotsPerNode { get; set; }

    public BatchTaskSchedulingPolicy? TaskSchedulingPolicy { get; set; }

    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>A pool, as get pool returns it.</summary>
internal sealed class BatchPool
{
    public string? Id { get; set; }

    public string? DisplayName { get; set; }

    public string? Url { get; set; }

    public string? ETag { get; set; }

    public DateTimeOffset? LastModified { get; set; }

    public DateTimeOffset? CreationTime { get; set; }

    public BatchPoolState? State { get; set; }

    public DateTimeOffset? StateTransitionTime { get; set; }

    public BatchAllocationState? AllocationState { get; set; }

    public DateTimeOffset? AllocationStateTransitionTime { get; set; }

    public string? VmSize { get; set; }

    public BatchVirtualMachineConfiguration? VirtualMachineConfiguration { get; set; }

    public TimeSpan? ResizeTimeout { get; set; }

    /// <summary>Errors of the last resize (for example <c>AllocationFailed</c>, quota exceeded).</summary>
    public IList<BatchResizeError>? ResizeErrors { get; set; }

    public int? CurrentDedicatedNodes { get; set; }

    public int? CurrentLowPriorityNodes { get; set; }

    public int? TargetDedicatedNodes { get; set; }

    public int? TargetLowPriorityNodes { get; set; }

    public bool? EnableAutoScale { get; set; }

    public bool? EnableInterNodeCommunication { get; set; }

    public BatchStartTask? StartTask { get; set; }

    public int? TaskSlotsPerNode { get; set; }

    public BatchTaskSchedulingPolicy? TaskSchedulingPolicy { get; set; }

    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>An error of a pool resize.</summary>
internal sealed class BatchResizeError
{
    public string? Code { get; set; }

    public string? Message { get; set; }

    public IList<BatchNameValuePair>? Values { get; set; }
}

/// <summary>The task that runs on every node when it joins the pool (or restarts).</summary>
internal sealed class BatchStartTask
{
    public string? CommandLine { get; set; }

    public IList<BatchResourceFile>? ResourceFiles { get; set; }

    public IList<BatchEnvironmentSetting>? EnvironmentSettings { get; set; }

    public BatchUserIdentity? UserIdentity { get; set; }

    /// <summary>Retries after the first run; -1 retries without limit.</summary>
    public int? MaxTaskRetryCount { get; set; }

    /// <summary>Whether the node waits for the start task to succeed before it takes tasks.</summary>
    public bool? WaitForSuccess { get; set; }
}

/// <summary>How tasks are spread over a pool's nodes.</summary>
internal sealed class BatchTaskSchedulingPolicy
{
    public BatchNodeFillType? NodeFillType { get; set; }
}

/// <summary>A VM image that Azure Batch supports, with its node agent SKU.</summary>
internal sealed class BatchSupportedImage
{
    [System.Text.Json.Serialization.JsonPropertyName("nodeAgentSKUId")]
    public string? NodeAgentSkuId { get; set; }

    public BatchImageReference? ImageReference { get; set; }

    public BatchOSType? OsType { get; set; }

    public IList<string>? Capabilities { get; set; }

    public DateTimeOffset? BatchSupportEndOfLife { get; set; }

    public BatchImageVerificationType? VerificationType { get; set; }
}
