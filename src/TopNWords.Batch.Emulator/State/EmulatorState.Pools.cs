using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.State;

/// <content>Pools and nodes.</content>
internal sealed partial class EmulatorState
{
    /// <summary>Who a task or start task without a user identity runs as: the service's non-admin auto user unique to the task.</summary>
    private static readonly BatchUserIdentity DefaultIdentity = new()
    {
        AutoUser = new BatchAutoUserSpecification { Scope = BatchAutoUserScope.Task, ElevationLevel = BatchElevationLevel.NonAdmin },
    };

    /// <summary>Creates a pool; its nodes are allocated and start in the background.</summary>
    /// <returns>The new pool's entity tag and time.</returns>
    public (string ETag, DateTimeOffset LastModified) CreatePool(BatchPoolCreateContent content, PoolSpecTemplate template)
    {
        int target = template.TargetDedicated + template.TargetLowPriority;
        int engineNodes = Math.Min(target, _maxNodesPerPool);
        PoolRecord pool;
        lock (_gate)
        {
            if (_pools.TryGetValue(content.Id, out var existing))
            {
                throw existing.State == BatchPoolState.Deleting ? BatchErrorResponses.PoolBeingDeleted() : BatchErrorResponses.PoolExists();
            }

            var now = _time.GetUtcNow();
            pool = new PoolRecord(content.Id, content, engineNodes, template.TargetDedicated, template.TargetLowPriority, now, ++_sequence);
            pool.ETag = NextETag(now);
            _pools.Add(pool.Id, pool);
        }

        var spec = new PoolSpec(content.Id, engineNodes)
        {
            TaskSlotsPerNode = template.TaskSlotsPerNode,
            StartTask = template.StartTask,
            VirtualMachineSize = content.VmSize,
        };
        try
        {
            _engine.CreatePoolAsync(spec).GetAwaiter().GetResult(); // synchronous: it only registers the pool
        }
        catch (BatchComputeException ex)
        {
            lock (_gate)
            {
                _pools.Remove(pool.Id);
            }

            throw BatchErrorResponses.InvalidPropertyValue("pool", content.Id, ex.Message);
        }

        return (pool.ETag, pool.LastModified);
    }

    /// <summary>Gets a pool in the wire format.</summary>
    public (BatchPool Pool, string ETag, DateTimeOffset LastModified) GetPool(string poolId, string baseUrl)
    {
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            return (ToWire(pool, baseUrl), pool.ETag, pool.LastModified);
        }
    }

    /// <summary>Whether a pool exists (being deleted counts).</summary>
    public bool PoolExists(string poolId)
    {
        lock (_gate)
        {
            return _pools.ContainsKey(poolId);
        }
    }

    /// <summary>Starts deleting a pool: it is <c>deleting</c> until every node has left, then it is gone.</summary>
    public void DeletePool(string poolId)
    {
        string id;
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            if (pool.State == BatchPoolState.Deleting)
            {
                throw BatchErrorResponses.PoolBeingDeleted();
            }

            var now = _time.GetUtcNow();
            pool.State = BatchPoolState.Deleting;
            pool.StateTransitionTime = now;
            pool.AllocationState = BatchAllocationState.Resizing;
            pool.AllocationStateTransitionTime = now;
            pool.LastModified = now;
            pool.ETag = NextETag(now);
            id = pool.Id;
        }

        DeleteInBackground($"delete pool '{id}'", () => _engine.DeletePoolAsync(id), () =>
        {
            if (_pools.TryGetValue(id, out var current) && current.State == BatchPoolState.Deleting)
            {
                _pools.Remove(id);
            }
        });
    }

    /// <summary>A pool's nodes in the wire format (each with its sequence number for paging), plus extra members the client model lacks.</summary>
    public IReadOnlyList<(long Sequence, BatchNode Node, string AffinityId)> ListNodes(string poolId, string baseUrl)
    {
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            var running = RunningTasksByNode(pool.Id);
            return [.. pool.Nodes.Select(n => (n.Sequence, ToWire(pool, n, running.GetValueOrDefault(n.Id), baseUrl), "TVM:" + n.Id))];
        }
    }

    /// <summary>The folder of a node (for its files).</summary>
    public string NodeDirectory(string poolId, string nodeId)
    {
        lock (_gate)
        {
            var pool = _pools.GetValueOrDefault(poolId) ?? throw BatchErrorResponses.PoolNotFound();
            if (pool.Nodes.Find(n => Same(n.Id, nodeId)) is null)
            {
                throw BatchErrorResponses.NodeNotFound();
            }
        }

        return _engine.GetNodeDirectory(poolId, nodeId) ?? throw BatchErrorResponses.NodeNotFound();
    }

    private Dictionary<string, int> RunningTasksByNode(string poolId)
    {
        var running = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var job in _jobs.Values)
        {
            if (!Same(job.PoolId, poolId))
            {
                continue;
            }

            foreach (var task in job.Order)
            {
                if (task.State is ComputeTaskState.Preparing or ComputeTaskState.Running && task.Info?.NodeId is { } nodeId)
                {
                    running[nodeId] = running.GetValueOrDefault(nodeId) + 1;
                }
            }
        }

        return running;
    }

    private static BatchPool ToWire(PoolRecord pool, string baseUrl)
    {
        var content = pool.Content;
        int current = pool.State == BatchPoolState.Deleting ? pool.Nodes.Count : pool.Nodes.Count(n => n.State != ComputeNodeState.Creating);
        int currentDedicated = Math.Min(current, pool.TargetDedicated);
        return new BatchPool
        {
            Id = pool.Id,
            DisplayName = pool.DisplayName,
            Url = $"{baseUrl}/pools/{pool.Id}",
            ETag = pool.ETag,
            LastModified = pool.LastModified,
            CreationTime = pool.CreationTime,
            State = pool.State,
            StateTransitionTime = pool.StateTransitionTime,
            AllocationState = pool.AllocationState,
            AllocationStateTransitionTime = pool.AllocationStateTransitionTime,
            VmSize = content.VmSize,
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference
                {
                    Publisher = content.VirtualMachineConfiguration?.ImageReference?.Publisher,
                    Offer = content.VirtualMachineConfiguration?.ImageReference?.Offer,
                    Sku = content.VirtualMachineConfiguration?.ImageReference?.Sku,
                    Version = content.VirtualMachineConfiguration?.ImageReference?.Version ?? "latest",
                },
                NodeAgentSkuId = content.VirtualMachineConfiguration?.NodeAgentSkuId,
            },
            ResizeTimeout = content.ResizeTimeout ?? TimeSpan.FromMinutes(15),
            ResizeErrors = pool.ResizeErrors.Count > 0 ? [.. pool.ResizeErrors] : null,
            CurrentDedicatedNodes = currentDedicated,
            CurrentLowPriorityNodes = current - currentDedicated,
            TargetDedicatedNodes = pool.TargetDedicated,
            TargetLowPriorityNodes = pool.TargetLowPriority,
            EnableAutoScale = false,
            EnableInterNodeCommunication = content.EnableInterNodeCommunication ?? false,
            StartTask = WireStartTask(pool.StartTask),
            TaskSlotsPerNode = content.TaskSlotsPerNode ?? 1,
            TaskSchedulingPolicy = content.TaskSchedulingPolicy ?? new BatchTaskSchedulingPolicy { NodeFillType = BatchNodeFillType.Spread },
            Metadata = pool.Metadata,
        };
    }

    private static BatchStartTask? WireStartTask(BatchStartTask? start) => start is null ? null : new BatchStartTask
    {
        CommandLine = start.CommandLine,
        ResourceFiles = start.ResourceFiles,
        EnvironmentSettings = start.EnvironmentSettings,
        UserIdentity = start.UserIdentity ?? DefaultIdentity,
        MaxTaskRetryCount = start.MaxTaskRetryCount ?? 0,
        WaitForSuccess = start.WaitForSuccess ?? true,
    };

    /// <summary>The node as the service reports it: the mapping's id, state, start task information and errors, and what only the emulator knows.</summary>
    private static BatchNode ToWire(PoolRecord pool, NodeRecord node, int running, string baseUrl)
    {
        BatchNode wire = BatchWireMapping.ToWire(new ComputeNodeInfo(node.Id, node.State, node.StartTask, node.Errors));
        wire.Url = $"{baseUrl}/pools/{pool.Id}/nodes/{node.Id}";
        wire.StateTransitionTime = node.StateTransitionTime;
        wire.LastBootTime = node.LastBootTime;
        wire.AllocationTime = node.AllocationTime;
        wire.IpAddress = "10.0.0." + (4 + node.Index).ToString(System.Globalization.CultureInfo.InvariantCulture);
        wire.VmSize = pool.Content.VmSize;
        wire.TotalTasksRun = node.TotalTasksRun;
        wire.TotalTasksSucceeded = node.TotalTasksSucceeded;
        wire.RunningTasksCount = running;
        wire.RunningTaskSlotsCount = running;
        wire.IsDedicated = node.Index < pool.TargetDedicated;
        wire.StartTask = WireStartTask(pool.Content.StartTask);
        if (wire.StartTaskInfo is { } startTaskInfo)
        {
            startTaskInfo.LastRetryTime = node.StartTaskLastRetryTime;
        }

        return wire;
    }
}

/// <summary>What a validated create-pool request asks of the engine.</summary>
/// <param name="TargetDedicated">Dedicated nodes asked for.</param>
/// <param name="TargetLowPriority">Spot/low-priority nodes asked for.</param>
/// <param name="TaskSlotsPerNode">Task slots per node.</param>
/// <param name="StartTask">The start task, if any.</param>
internal sealed record PoolSpecTemplate(int TargetDedicated, int TargetLowPriority, int TaskSlotsPerNode, StartTaskSpec? StartTask);
