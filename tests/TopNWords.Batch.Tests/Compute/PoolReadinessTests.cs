using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Tests.Workflow;

namespace TopNWords.Batch.Tests.Compute;

/// <summary><see cref="PoolReadiness.WaitForPoolReadyAsync"/> over a mocked compute and a fake clock: nothing sleeps for real.</summary>
[TestFixture]
public class PoolReadinessTests
{
    private const string PoolId = "pool-1";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    private ManualClock _time = null!;
    private Mock<IBatchCompute> _compute = null!;
    private Queue<(PoolInfo Pool, ComputeNodeInfo[] Nodes)> _looks = null!;
    private int _polls;

    [SetUp]
    public void SetUp()
    {
        _time = new ManualClock();
        _compute = new Mock<IBatchCompute>(MockBehavior.Strict);
        _looks = new Queue<(PoolInfo, ComputeNodeInfo[])>();
        _polls = 0;
        (PoolInfo Pool, ComputeNodeInfo[] Nodes) current = (null!, []);
        _compute.Setup(c => c.GetPoolAsync(PoolId, It.IsAny<CancellationToken>())).ReturnsAsync(() =>
        {
            _polls++;
            current = _looks.Count > 1 ? _looks.Dequeue() : _looks.Peek();
            return current.Pool;
        });
        _compute.Setup(c => c.ListNodesAsync(PoolId, It.IsAny<CancellationToken>())).ReturnsAsync(() => current.Nodes);
    }

    [Test]
    public async Task WaitForPoolReadyAsync_NodesBecomeIdle_ReturnsThePoolAfterPollingOnTheGivenClock()
    {
        Look(Pool(PoolAllocationState.Resizing, current: 0), []);
        Look(Pool(PoolAllocationState.Steady, current: 2), Node("n1", ComputeNodeState.Starting), Node("n2", ComputeNodeState.WaitingForStartTask));
        var ready = Pool(PoolAllocationState.Steady, current: 2);
        Look(ready, Node("n1", ComputeNodeState.Idle), Node("n2", ComputeNodeState.Running));

        var wait = _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time);

        await _time.WaitForTimerAsync(PollInterval);
        Assert.That(wait.IsCompleted, Is.False, "allocating: it waits for the next poll");
        _time.Advance(PollInterval - TimeSpan.FromTicks(1));
        Assert.That(_polls, Is.EqualTo(1), "no poll before the interval is up");
        _time.Advance(TimeSpan.FromTicks(1));
        await _time.WaitForTimerAsync(PollInterval);
        Assert.That(_polls, Is.EqualTo(2));
        Assert.That(wait.IsCompleted, Is.False, "nodes still starting");
        _time.Advance(PollInterval);
        Assert.That(await wait, Is.SameAs(ready));
        Assert.That(_polls, Is.EqualTo(3));
    }

    [Test]
    public async Task WaitForPoolReadyAsync_FewerNodesThanTargeted_KeepsWaiting()
    {
        Look(Pool(PoolAllocationState.Steady, current: 1), Node("n1", ComputeNodeState.Idle));
        Look(Pool(PoolAllocationState.Steady, current: 2), Node("n1", ComputeNodeState.Idle), Node("n2", ComputeNodeState.Idle));

        var wait = _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time);

        await _time.WaitForTimerAsync(PollInterval);
        Assert.That(wait.IsCompleted, Is.False, "one of two nodes is not a ready pool");
        _time.Advance(PollInterval);
        Assert.That((await wait).CurrentNodeCount, Is.EqualTo(2));
    }

    [Test]
    public void WaitForPoolReadyAsync_StartTaskFailed_ThrowsAtOnceWithTheNodeExitCodeAndStderrTail()
    {
        var failure = new TaskFailureInfo("UserError", "FailureExitCode", "The task exited with an exit code representing a failure");
        Look(
            Pool(PoolAllocationState.Steady, current: 2),
            Node("n1", ComputeNodeState.Idle),
            new ComputeNodeInfo("n2", ComputeNodeState.StartTaskFailed, new StartTaskInfo(true, 3, failure, 0, null, null), []));
        _compute
            .Setup(c => c.GetStartTaskOutputTailAsync(PoolId, "n2", TaskOutputStream.StandardError, PoolReadiness.StderrTailBytes, It.IsAny<CancellationToken>()))
            .ReturnsAsync("cp: cannot stat 'runner': No such file or directory\n");

        var wait = _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time);

        Assert.That(wait.IsCompleted, Is.True, "no wait on the clock once a node failed");
        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => wait);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.ResourceId, Is.EqualTo(PoolId));
            Assert.That(ex.Nodes, Has.Count.EqualTo(1));
            Assert.That(ex.Nodes[0].NodeId, Is.EqualTo("n2"));
            Assert.That(ex.Nodes[0].State, Is.EqualTo(ComputeNodeState.StartTaskFailed));
            Assert.That(ex.Nodes[0].StartTaskExitCode, Is.EqualTo(3));
            Assert.That(ex.Nodes[0].FailureInfo, Is.EqualTo(failure));
            Assert.That(ex.Nodes[0].StartTaskStderrTail, Does.Contain("cannot stat 'runner'"));
            Assert.That(ex.Message, Does.Contain("node 'n2' is StartTaskFailed; start task exit code 3").And.Contain("cannot stat 'runner'").And.Contain("Fix the start task"));
        });
    }

    [Test]
    public void WaitForPoolReadyAsync_StderrTailUnavailable_StillReportsTheFailedNode()
    {
        Look(Pool(PoolAllocationState.Steady, current: 1), new ComputeNodeInfo("n1", ComputeNodeState.StartTaskFailed, new StartTaskInfo(true, 1, null, 0, null, null), []));
        _compute
            .Setup(c => c.GetStartTaskOutputTailAsync(PoolId, "n1", TaskOutputStream.StandardError, It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException(BatchComputeErrorKind.NotFound, "no such file"));

        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time));

        Assert.That(ex!.Nodes.Single().StartTaskExitCode, Is.EqualTo(1));
        Assert.That(ex.Nodes.Single().StartTaskStderrTail, Is.Null);
    }

    [Test]
    public void WaitForPoolReadyAsync_ResizeErrors_ThrowsWithTheErrorsAndWhatToCheck()
    {
        var quota = new PoolResizeError("AccountCoreQuotaReached", "The account's core quota is reached.");
        Look(Pool(PoolAllocationState.Steady, current: 1) with { ResizeErrors = [quota] }, Node("n1", ComputeNodeState.Idle));

        var ex = Assert.ThrowsAsync<PoolNotReadyException>(() => _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time));

        Assert.That(ex!.ResizeErrors, Is.EqualTo(new[] { quota }));
        Assert.That(ex.Message, Does.Contain("allocation stopped at 1 of 2 node(s) with AccountCoreQuotaReached").And.Contain("Check the account's quotas"));
    }

    [Test]
    public async Task WaitForPoolReadyAsync_NeverReady_IsCancelledWhenTheCallersTimeoutRunsOut()
    {
        Look(Pool(PoolAllocationState.Resizing, current: 0), []);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(55), _time);

        var wait = _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time, timeout.Token);
        for (int i = 0; i < 5; i++)
        {
            await _time.WaitForTimerAsync(PollInterval);
            _time.Advance(PollInterval);
        }

        await _time.WaitForTimerAsync(PollInterval);
        Assert.That(wait.IsCompleted, Is.False, "50 s: still waiting");
        Assert.That(_polls, Is.EqualTo(6), "one look every 10 s");
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.CatchAsync<OperationCanceledException>(() => wait);
        Assert.That(_polls, Is.EqualTo(6), "no look after the timeout");
    }

    [Test]
    public void WaitForPoolReadyAsync_PoolMissing_ThrowsPoolNotFound()
    {
        _compute.Setup(c => c.GetPoolAsync(PoolId, It.IsAny<CancellationToken>())).ReturnsAsync((PoolInfo?)null);

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => _compute.Object.WaitForPoolReadyAsync(PoolId, PollInterval, _time));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.NotFound));
        Assert.That(ex.ErrorCode, Is.EqualTo("PoolNotFound"));
    }

    [Test]
    public void WaitForPoolReadyAsync_NonPositivePollInterval_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = _compute.Object.WaitForPoolReadyAsync(PoolId, TimeSpan.Zero, _time));
    }

    private static PoolInfo Pool(PoolAllocationState state, int current) => new(PoolId, state, TargetNodeCount: 2, CurrentNodeCount: current, TaskSlotsPerNode: 1, ResizeErrors: []);

    private static ComputeNodeInfo Node(string id, ComputeNodeState state) => new(id, state, StartTask: null, Errors: []);

    private void Look(PoolInfo pool, params ComputeNodeInfo[] nodes) => _looks.Enqueue((pool, nodes));
}
