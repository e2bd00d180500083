using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Starts a node: its folders, the simulated boot time, the host's injected faults, then its start task
/// (retried as its spec says) before the node takes tasks, as a Batch node does.
/// </summary>
internal sealed class LocalNodeStarter
{
    private readonly LocalScheduler _scheduler;
    private readonly LocalComputeState _state;
    private readonly LocalCommandRunner _commands;
    private readonly TimeSpan _startupDelay;
    private readonly Func<string, string, LocalNodeFault>? _faults;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="LocalNodeStarter"/> class.</summary>
    /// <param name="scheduler">Dispatches tasks onto the node once it is ready, or takes it out of service.</param>
    /// <param name="state">The model.</param>
    /// <param name="commands">Runs the start task.</param>
    /// <param name="startupDelay">The simulated boot time.</param>
    /// <param name="faults">The host's node fault hook, or <see langword="null"/>.</param>
    /// <param name="logger">The logger.</param>
    public LocalNodeStarter(LocalScheduler scheduler, LocalComputeState state, LocalCommandRunner commands, TimeSpan startupDelay, Func<string, string, LocalNodeFault>? faults, ILogger logger)
    {
        _scheduler = scheduler;
        _state = state;
        _commands = commands;
        _startupDelay = startupDelay;
        _faults = faults;
        _logger = logger;
    }

    /// <summary>Starts a node, up to <see cref="ComputeNodeState.Idle"/> or a failed state.</summary>
    /// <param name="node">The node.</param>
    /// <param name="stop">Fires when the node leaves the pool (or the compute is disposed).</param>
    /// <returns>A task that completes when the node is ready, failed, or left the pool.</returns>
    public async Task InitializeNodeAsync(NodeEntry node, CancellationToken stop)
    {
        var pool = node.Pool;
        try
        {
            Directory.CreateDirectory(node.SharedDirectory);
            Directory.CreateDirectory(node.StartupDirectory);
            Directory.CreateDirectory(node.WorkItemsDirectory);
            Task? boot = null;
            lock (_state.Gate)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                pool.CurrentNodeCount++;
                if (pool.CurrentNodeCount == pool.Nodes.Count)
                {
                    pool.Allocation = PoolAllocationState.Steady;
                }

                if (_startupDelay > TimeSpan.Zero)
                {
                    boot = Task.Delay(_startupDelay, _state.Time, stop); // timed from the moment the node is seen Starting
                }

                _state.SetNodeStateLocked(node, ComputeNodeState.Starting);
            }

            if (boot is not null)
            {
                await boot.ConfigureAwait(false);
            }

            switch (_faults?.Invoke(pool.Id, node.Id) ?? LocalNodeFault.None)
            {
                case LocalNodeFault.Unusable:
                    CancellationTokenSource? toCancel;
                    lock (_state.Gate)
                    {
                        toCancel = _scheduler.MarkUnusableLocked(node, BatchErrorCodes.NodeFaultInjected, "The host injected a fault that makes this node unusable.");
                    }

                    LocalScheduler.Cancel(toCancel);
                    return;
                case LocalNodeFault.StartTaskFailure:
                    await SimulateStartTaskFailureAsync(node, stop).ConfigureAwait(false);
                    return;
            }

            if (pool.StartTask is { } startTask)
            {
                await RunStartTaskAsync(node, startTask, stop).ConfigureAwait(false);
                return;
            }

            lock (_state.Gate)
            {
                if (node.State == ComputeNodeState.Starting)
                {
                    _state.SetNodeStateLocked(node, ComputeNodeState.Idle);
                    _scheduler.DispatchLocked(pool.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // the node left the pool
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            CancellationTokenSource? toCancel;
            lock (_state.Gate)
            {
                toCancel = _scheduler.MarkUnusableLocked(node, BatchErrorCodes.NodeFileSystemError, $"The node's folders could not be prepared: {ex.Message}");
            }

            LocalScheduler.Cancel(toCancel);
        }
    }

    private async Task RunStartTaskAsync(NodeEntry node, StartTaskDefinition startTask, CancellationToken stop)
    {
        var pool = node.Pool;
        string folder = node.StartupDirectory;
        string what = $"the start task of node '{node.Id}' in pool '{pool.Id}'";
        lock (_state.Gate)
        {
            if (node.State != ComputeNodeState.Starting)
            {
                return;
            }

            node.StartTask = new StartTaskInfo(false, null, null, 0, null, null);
            _state.SetNodeStateLocked(node, startTask.WaitForSuccess ? ComputeNodeState.WaitingForStartTask : ComputeNodeState.Idle);
            if (!startTask.WaitForSuccess)
            {
                _scheduler.DispatchLocked(pool.Id);
            }
        }

        for (int retry = 0; ; retry++)
        {
            int attempt = retry;
            DateTimeOffset started = default;
            var run = new CommandRun(startTask, node, folder, null, null, what, null,
                Prepared: () =>
                {
                    started = _state.Time.GetUtcNow();
                    lock (_state.Gate)
                    {
                        node.StartTask = new StartTaskInfo(false, null, null, attempt, started, null);
                        _state.NotifyNodeLocked(node);
                    }

                    return attempt;
                },
                Started: null,
                DescribeStop: static () => "the node left the pool or the compute was disposed");
            var result = await _commands.RunAsync(run, stop).ConfigureAwait(false);
            switch (result.Kind)
            {
                case CommandResultKind.Stopped:
                    return;
                case CommandResultKind.ResourceFileFailed:
                    var failedAt = _state.Time.GetUtcNow();
                    CancellationTokenSource? toCancel;
                    lock (_state.Gate)
                    {
                        node.StartTask = new StartTaskInfo(true, null, result.Failure, retry, failedAt, failedAt);
                        toCancel = _scheduler.MarkUnusableLocked(node, result.Failure!.Code, result.Failure.Message);
                    }

                    LocalScheduler.Cancel(toCancel);
                    return;
                case CommandResultKind.Exited when result.ExitCode == 0:
                    lock (_state.Gate)
                    {
                        node.StartTask = new StartTaskInfo(true, 0, null, retry, started, _state.Time.GetUtcNow());
                        if (startTask.WaitForSuccess && node.State == ComputeNodeState.WaitingForStartTask)
                        {
                            _state.SetNodeStateLocked(node, ComputeNodeState.Idle);
                            _scheduler.DispatchLocked(pool.Id);
                        }
                        else
                        {
                            _state.NotifyNodeLocked(node);
                        }
                    }

                    LocalComputeLog.StartTaskSucceeded(_logger, pool.Id, node.Id, retry);
                    return;
                case CommandResultKind.Exited when startTask.MaxTaskRetryCount == -1 || retry < startTask.MaxTaskRetryCount:
                    continue;
            }

            var failure = result.Failure ?? LocalCommandRunner.FailureExitCode;
            lock (_state.Gate)
            {
                node.StartTask = new StartTaskInfo(true, result.ExitCode, failure, retry, started, _state.Time.GetUtcNow());
                if (startTask.WaitForSuccess && node.State == ComputeNodeState.WaitingForStartTask)
                {
                    _state.SetNodeStateLocked(node, ComputeNodeState.StartTaskFailed);
                }
                else
                {
                    _state.NotifyNodeLocked(node);
                }
            }

            LocalComputeLog.StartTaskFailed(_logger, pool.Id, node.Id, result.ExitCode, failure.Code, failure.Message, retry, Path.Combine(folder, "stderr.txt"));
            return;
        }
    }

    private async Task SimulateStartTaskFailureAsync(NodeEntry node, CancellationToken stop)
    {
        string stderr = Path.Combine(node.StartupDirectory, "stderr.txt");
        await File.WriteAllTextAsync(Path.Combine(node.StartupDirectory, "stdout.txt"), string.Empty, stop).ConfigureAwait(false);
        await File.WriteAllTextAsync(stderr, "The start task failed: the host injected a start-task fault into this node.\n", stop).ConfigureAwait(false);
        var now = _state.Time.GetUtcNow();
        lock (_state.Gate)
        {
            node.StartTask = new StartTaskInfo(true, 1, LocalCommandRunner.FailureExitCode, 0, now, now);
            if (node.State == ComputeNodeState.Starting)
            {
                _state.SetNodeStateLocked(node, ComputeNodeState.StartTaskFailed);
            }
        }

        LocalComputeLog.StartTaskFailed(_logger, node.Pool.Id, node.Id, 1, LocalCommandRunner.FailureExitCode.Code, "fault injected by the host", 0, stderr);
    }
}
