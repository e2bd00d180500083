using System.Text.Json;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.Tests.BatchRest.Serialization;

[TestFixture]
public class BatchEnumConverterTests
{
    [TestCase("\"completed\"", nameof(BatchTaskState.Completed))]
    [TestCase("\"Completed\"", nameof(BatchTaskState.Completed))]
    [TestCase("\"COMPLETED\"", nameof(BatchTaskState.Completed))]
    [TestCase("\"preparing\"", nameof(BatchTaskState.Preparing))]
    [TestCase("\"somethingNew\"", nameof(BatchTaskState.Unknown))]
    [TestCase("\"\"", nameof(BatchTaskState.Unknown))]
    [TestCase("7", nameof(BatchTaskState.Unknown))]
    public void Read_IsCaseInsensitiveAndLenient(string json, string expected)
    {
        BatchTask task = JsonSerializer.Deserialize("{\"state\":" + json + "}", BatchJsonContext.Default.BatchTask)!;

        Assert.That(task.State, Is.EqualTo(Enum.Parse<BatchTaskState>(expected)));
    }

    [Test]
    public void Read_Null_IsNull()
        => Assert.That(JsonSerializer.Deserialize("""{"state":null}""", BatchJsonContext.Default.BatchTask)!.State, Is.Null);

    [TestCase(nameof(BatchOnAllTasksComplete.TerminateJob), "terminatejob")]
    [TestCase(nameof(BatchOnAllTasksComplete.NoAction), "noaction")]
    public void Write_UsesTheServiceSpelling(string member, string expected)
    {
        string json = JsonSerializer.Serialize(new BatchJobCreateContent { Id = "j", PoolInfo = new BatchPoolInfo { PoolId = "p" }, OnAllTasksComplete = Enum.Parse<BatchOnAllTasksComplete>(member) }, BatchJsonContext.Default.BatchJobCreateContent);

        Assert.That(json, Does.Contain($"\"onAllTasksComplete\":\"{expected}\""));
    }

    [Test]
    public void WireNames_AreTheLowerCaseMemberNames()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BatchEnumConverter<BatchNodeState>.ToWireName(BatchNodeState.WaitingForStartTask), Is.EqualTo("waitingforstarttask"));
            Assert.That(BatchEnumConverter<BatchNodeState>.ToWireName(BatchNodeState.UpgradingOS), Is.EqualTo("upgradingos"));
            Assert.That(BatchEnumConverter<BatchOutputFileUploadCondition>.ToWireName(BatchOutputFileUploadCondition.TaskCompletion), Is.EqualTo("taskcompletion"));
            Assert.That(BatchEnumConverter<BatchElevationLevel>.ToWireName(BatchElevationLevel.NonAdmin), Is.EqualTo("nonadmin"));
            Assert.That(BatchEnumConverter<BatchTaskAddStatus>.ToWireName(BatchTaskAddStatus.ClientError), Is.EqualTo("clienterror"));
        });
    }

    [Test]
    public void Read_UnknownMembers_AreIgnored()
    {
        BatchTask task = JsonSerializer.Deserialize("""{"id":"t","futureObject":{"a":[1,2]},"futureNumber":3,"state":"running"}""", BatchJsonContext.Default.BatchTask)!;

        Assert.That(task.Id, Is.EqualTo("t"));
        Assert.That(task.State, Is.EqualTo(BatchTaskState.Running));
    }
}
