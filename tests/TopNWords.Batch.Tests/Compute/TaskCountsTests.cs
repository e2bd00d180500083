using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Compute;

[TestFixture]
public class TaskCountsTests
{
    [TestCase(ComputeTaskState.Active, null, 1, 0, 0, 0, 0)]
    [TestCase(ComputeTaskState.Preparing, null, 0, 1, 0, 0, 0)]
    [TestCase(ComputeTaskState.Running, null, 0, 1, 0, 0, 0)]
    [TestCase(ComputeTaskState.Completed, TaskExecutionResult.Success, 0, 0, 1, 1, 0)]
    [TestCase(ComputeTaskState.Completed, TaskExecutionResult.Failure, 0, 0, 1, 0, 1)]
    [TestCase(ComputeTaskState.Completed, null, 0, 0, 1, 0, 1)]
    public void Add_OneTask_CountsItInItsState(
        ComputeTaskState state, TaskExecutionResult? result, int active, int running, int completed, int succeeded, int failed)
    {
        var counts = default(TaskCounts).Add(state, result);

        Assert.That(counts, Is.EqualTo(new TaskCounts(active, running, completed, succeeded, failed)));
    }

    [Test]
    public void Add_SeveralTasks_Accumulates()
    {
        var counts = new TaskCounts(1, 2, 3, 2, 1)
            .Add(ComputeTaskState.Active, null)
            .Add(ComputeTaskState.Completed, TaskExecutionResult.Success);

        Assert.Multiple(() =>
        {
            Assert.That(counts, Is.EqualTo(new TaskCounts(2, 2, 4, 3, 1)));
            Assert.That(counts.Total, Is.EqualTo(8));
        });
    }
}
