namespace TopNWords.Batch.Azure.BatchRest.Models;

/// <summary>The body of create pool (<c>POST /pools</c>).</summary>
public sealed class BatchPoolCreateContent
{
    /// <summary>Gets or sets the pool id: 1 to 64 letters, digits, hyphens and underscores, unique in the account (case-insensitively).</summary>
    public required string Id { get; set; }

    /// <summary>Gets or sets a display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the nodes' VM size, such as <c>STANDARD_D2S_V3</c>.</summary>
    public required string VmSize { get; set; }

    /// <summary>Gets or sets the nodes' image and node agent.</summary>
    public BatchVirtualMachineConfiguration? VirtualMachineConfiguration { get; set; }

    /// <summary>Gets or sets how long allocation may take before a resize error; at least 5 minutes (the service's default is 15).</summary>
    public TimeSpan? ResizeTimeout { get; set; }

    /// <summary>Gets or sets how many dedicated nodes the pool asks for.</summary>
    public int? TargetDedicatedNodes { get; set; }

    /// <summary>Gets or sets how many Spot/low-priority nodes the pool asks for.</summary>
    public int? TargetLowPriorityNodes { get; set; }

    /// <summary>Gets or sets a value indicating whether an autoscale formula sizes the pool.</summary>
    public bool? EnableAutoScale { get; set; }

    /// <summary>Gets or sets a value indicating whether the nodes can talk to each other directly.</summary>
    public bool? EnableInterNodeCommunication { get; set; }

    /// <summary>Gets or sets the task every node runs when it joins the pool.</summary>
    public BatchStartTask? StartTask { get; set; }

    /// <summary>Gets or sets how many tasks run at once on a node (the service's default is 1).</summary>
    public int? TaskSlotsPerNode { get; set; }

    /// <summary>Gets or sets how tasks are spread over the nodes.</summary>
    public BatchTaskSchedulingPolicy? TaskSchedulingPolicy { get; set; }

    /// <summary>Gets or sets name/value pairs the service keeps with the pool.</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>A pool, as get pool returns it.</summary>
public sealed class BatchPool
{
    /// <summary>Gets or sets the pool id.</summary>
    public string? Id { get; set; }

    /// <summary>Gets or sets the display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the pool's URL.</summary>
    public string? Url { get; set; }

    /// <summary>Gets or sets the entity tag.</summary>
    public string? ETag { get; set; }

    /// <summary>Gets or sets when the pool last changed.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Gets or sets when the pool was created.</summary>
    public DateTimeOffset? CreationTime { get; set; }

    /// <summary>Gets or sets the pool's state.</summary>
    public BatchPoolState? State { get; set; }

    /// <summary>Gets or sets when the pool entered its state.</summary>
    public DateTimeOffset? StateTransitionTime { get; set; }

    /// <summary>Gets or sets whether the pool is resizing.</summary>
    public BatchAllocationState? AllocationState { get; set; }

    /// <summary>Gets or sets when the pool entered its allocation state.</summary>
    public DateTimeOffset? AllocationStateTransitionTime { get; set; }

    /// <summary>Gets or sets the nodes' VM size.</summary>
    public string? VmSize { get; set; }

    /// <summary>Gets or sets the nodes' image and node agent.</summary>
    public BatchVirtualMachineConfiguration? VirtualMachineConfiguration { get; set; }

    /// <summary>Gets or sets how long allocation may take before a resize error.</summary>
    public TimeSpan? ResizeTimeout { get; set; }

    /// <summary>Gets or sets the errors of the last resize (for example <c>AllocationFailed</c>, quota exceeded).</summary>
    public IList<BatchResizeError>? ResizeErrors { get; set; }

    /// <summary>Gets or sets how many dedicated nodes the pool has.</summary>
    public int? CurrentDedicatedNodes { get; set; }

    /// <summary>Gets or sets how many Spot/low-priority nodes the pool has.</summary>
    public int? CurrentLowPriorityNodes { get; set; }

    /// <summary>Gets or sets how many dedicated nodes the pool asks for.</summary>
    public int? TargetDedicatedNodes { get; set; }

    /// <summary>Gets or sets how many Spot/low-priority nodes the pool asks for.</summary>
    public int? TargetLowPriorityNodes { get; set; }

    /// <summary>Gets or sets a value indicating whether an autoscale formula sizes the pool.</summary>
    public bool? EnableAutoScale { get; set; }

    /// <summary>Gets or sets a value indicating whether the nodes can talk to each other directly.</summary>
    public bool? EnableInterNodeCommunication { get; set; }

    /// <summary>Gets or sets the task every node runs when it joins the pool.</summary>
    public BatchStartTask? StartTask { get; set; }

    /// <summary>Gets or sets how many tasks run at once on a node.</summary>
    public int? TaskSlotsPerNode { get; set; }

    /// <summary>Gets or sets how tasks are spread over the nodes.</summary>
    public BatchTaskSchedulingPolicy? TaskSchedulingPolicy { get; set; }

    /// <summary>Gets or sets name/value pairs the service keeps with the pool.</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }
}

/// <summary>
/// The body of update pool (<c>PATCH /pools/{poolId}</c>): only the properties that are set change; the others keep
/// their values. A list that is set (even empty) replaces the pool's list. The service changes <see cref="VmSize"/>,
/// <see cref="VirtualMachineConfiguration"/>, <see cref="TaskSlotsPerNode"/>, <see cref="TaskSchedulingPolicy"/> and
/// <see cref="EnableInterNodeCommunication"/> only while the pool has no nodes.
/// </summary>
public sealed class BatchPoolUpdateContent
{
    /// <summary>Gets or sets a display name.</summary>
    public string? DisplayName { get; set; }

    /// <summary>Gets or sets the nodes' VM size (only while the pool has no nodes).</summary>
    public string? VmSize { get; set; }

    /// <summary>Gets or sets a value indicating whether the nodes can talk to each other directly (only while the pool has no nodes).</summary>
    public bool? EnableInterNodeCommunication { get; set; }

    /// <summary>Gets or sets the start task: nodes that join (or reboot or are reimaged) after the update run it.</summary>
    public BatchStartTask? StartTask { get; set; }

    /// <summary>Gets or sets the pool's metadata: replaces all of it when set; an empty list removes it.</summary>
    public IList<BatchNameValuePair>? Metadata { get; set; }

    /// <summary>Gets or sets the nodes' image and node agent (only while the pool has no nodes).</summary>
    public BatchVirtualMachineConfiguration? VirtualMachineConfiguration { get; set; }

    /// <summary>Gets or sets how many tasks run at once on a node (only while the pool has no nodes).</summary>
    public int? TaskSlotsPerNode { get; set; }

    /// <summary>Gets or sets how tasks are spread over the nodes (only while the pool has no nodes).</summary>
    public BatchTaskSchedulingPolicy? TaskSchedulingPolicy { get; set; }
}

/// <summary>The numbers of a pool's nodes by state (<c>GET /nodecounts</c>), dedicated and Spot/low-priority apart.</summary>
public sealed class BatchPoolNodeCounts
{
    /// <summary>Gets or sets the pool id.</summary>
    public string? PoolId { get; set; }

    /// <summary>Gets or sets the numbers of dedicated nodes per state.</summary>
    public BatchNodeCounts? Dedicated { get; set; }

    /// <summary>Gets or sets the numbers of Spot/low-priority nodes per state.</summary>
    public BatchNodeCounts? LowPriority { get; set; }
}

/// <summary>Numbers of nodes per state.</summary>
public sealed class BatchNodeCounts
{
    /// <summary>Gets or sets the number of nodes being created.</summary>
    public int Creating { get; set; }

    /// <summary>Gets or sets the number of idle nodes.</summary>
    public int Idle { get; set; }

    /// <summary>Gets or sets the number of offline nodes.</summary>
    public int Offline { get; set; }

    /// <summary>Gets or sets the number of preempted nodes.</summary>
    public int Preempted { get; set; }

    /// <summary>Gets or sets the number of rebooting nodes.</summary>
    public int Rebooting { get; set; }

    /// <summary>Gets or sets the number of reimaging nodes.</summary>
    public int Reimaging { get; set; }

    /// <summary>Gets or sets the number of nodes running tasks.</summary>
    public int Running { get; set; }

    /// <summary>Gets or sets the number of starting nodes.</summary>
    public int Starting { get; set; }

    /// <summary>Gets or sets the number of nodes whose start task failed.</summary>
    public int StartTaskFailed { get; set; }

    /// <summary>Gets or sets the number of nodes leaving the pool.</summary>
    public int LeavingPool { get; set; }

    /// <summary>Gets or sets the number of nodes in an unknown state.</summary>
    public int Unknown { get; set; }

    /// <summary>Gets or sets the number of unusable nodes.</summary>
    public int Unusable { get; set; }

    /// <summary>Gets or sets the number of nodes waiting for their start task.</summary>
    public int WaitingForStartTask { get; set; }

    /// <summary>Gets or sets the number of deallocated nodes.</summary>
    public int Deallocated { get; set; }

    /// <summary>Gets or sets the number of nodes being deallocated.</summary>
    public int Deallocating { get; set; }

    /// <summary>Gets or sets the number of nodes whose OS is being upgraded (<c>upgradingOS</c>).</summary>
    public int UpgradingOS { get; set; }

    /// <summary>Gets or sets the number of nodes in all states.</summary>
    public int Total { get; set; }
}

/// <summary>An error of a pool resize.</summary>
public sealed class BatchResizeError
{
    /// <summary>Gets or sets the error's code, such as <c>AccountCoreQuotaReached</c>.</summary>
    public string? Code { get; set; }

    /// <summary>Gets or sets the error's message.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets further details of the error.</summary>
    public IList<BatchNameValuePair>? Values { get; set; }
}

/// <summary>The task that runs on every node when it joins the pool (or restarts).</summary>
public sealed class BatchStartTask
{
    /// <summary>Gets or sets the command line, run without a shell unless it invokes one.</summary>
    public string? CommandLine { get; set; }

    /// <summary>Gets or sets the files downloaded to the start task's working directory first.</summary>
    public IList<BatchResourceFile>? ResourceFiles { get; set; }

    /// <summary>Gets or sets the start task's environment variables.</summary>
    public IList<BatchEnvironmentSetting>? EnvironmentSettings { get; set; }

    /// <summary>Gets or sets the user the start task runs as.</summary>
    public BatchUserIdentity? UserIdentity { get; set; }

    /// <summary>Gets or sets the retries after the first run; -1 retries without limit.</summary>
    public int? MaxTaskRetryCount { get; set; }

    /// <summary>Gets or sets a value indicating whether the node waits for the start task to succeed before it takes tasks.</summary>
    public bool? WaitForSuccess { get; set; }
}

/// <summary>How tasks are spread over a pool's nodes.</summary>
public sealed class BatchTaskSchedulingPolicy
{
    /// <summary>Gets or sets whether tasks spread evenly or fill each node first.</summary>
    public BatchNodeFillType? NodeFillType { get; set; }
}

/// <summary>A VM image that Azure Batch supports, with its node agent SKU.</summary>
public sealed class BatchSupportedImage
{
    /// <summary>Gets or sets the node agent SKU that matches the image (<c>nodeAgentSKUId</c>).</summary>
    [System.Text.Json.Serialization.JsonPropertyName("nodeAgentSKUId")]
    public string? NodeAgentSkuId { get; set; }

    /// <summary>Gets or sets the image.</summary>
    public BatchImageReference? ImageReference { get; set; }

    /// <summary>Gets or sets the image's operating system.</summary>
    public BatchOSType? OsType { get; set; }

    /// <summary>Gets or sets the image's capabilities, such as <c>DockerCompatible</c>.</summary>
    public IList<string>? Capabilities { get; set; }

    /// <summary>Gets or sets when Azure Batch stops supporting the image, when announced.</summary>
    public DateTimeOffset? BatchSupportEndOfLife { get; set; }

    /// <summary>Gets or sets whether Azure Batch verified the image.</summary>
    public BatchImageVerificationType? VerificationType { get; set; }
}
