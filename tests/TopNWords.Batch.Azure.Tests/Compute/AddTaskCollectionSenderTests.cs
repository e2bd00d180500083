using TopNWords.Batch.Azure.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// Chunking of add-task-collection requests (moved from <see cref="AzureBatchComputeAddTasksTests"/>, which covers
/// the sender's behaviour end to end through <see cref="AzureBatchCompute.AddTasksAsync"/>).
/// </summary>
[TestFixture]
public class AddTaskCollectionSenderTests
{
    [Test]
    public void Chunk_StartsANewRequestBeforeEitherLimitIsPassed()
    {
        var tasks = new[] { 40, 40, 15, 3, 3 }.Select((size, i) => new AddTaskCollectionSender.PendingTask(i, $"t{i}", null!, size)).ToList();

        // 12 bytes of envelope + sizes + commas: [40] = 52; [40, 40] would be 93 > 92.
        var chunks = AddTaskCollectionSender.Chunk(tasks, maxCount: 2, maxBytes: 92);

        Assert.That(chunks.Select(c => string.Join(",", c.Select(t => t.Id))), Is.EqualTo(new[] { "t0", "t1,t2", "t3,t4" }));
    }
}
