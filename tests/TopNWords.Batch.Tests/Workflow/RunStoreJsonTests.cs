using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// The run record's outcomes are written without first making each downloaded file's path a string or boxing each top
/// word (a 50,000-outcome record allocated 25 MB to write; 7.4 MB now): the JSON is the one the serializer writes by
/// itself, so records of earlier versions read back, and a malformed one is invalid JSON, not a half-read run.
/// </summary>
[TestFixture]
public class RunStoreJsonTests
{
    private const string Folder = "/runs/tnw-1/out/";

    /// <summary>The run store's settings, with the reflection-based serializer and no converters of the run store's own.</summary>
    private static readonly JsonSerializerOptions ReflectionOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    /// <summary>An outcome as the download stage leaves it: its files kept as parts of the download folder (of different
    /// lengths, one of 300 characters, and not all ASCII), and its parsed top words in an array.</summary>
    private static TaskOutcome Downloaded()
    {
        string deep = string.Join('/', Enumerable.Repeat("a-rather-long-folder-name", 12)) + "/x_OUTPUT.txt";
        var outcome = new TaskOutcome(new BatchInput("/in/x.txt", "x.txt"), "task-x_txt-0123456789ab")
        {
            State = ComputeTaskState.Completed,
            Result = TaskExecutionResult.Success,
            ExitCode = 0,
            NodeId = "tvm-local-1",
            StartTime = DateTimeOffset.UnixEpoch,
            EndTime = DateTimeOffset.UnixEpoch.AddSeconds(1),
            OutputFiles = DownloadedFiles.Create(Folder, [Folder + "x_OUTPUT.txt", Folder + deep, Folder + "é/ü_OUTPUT.txt"]),
            TopWords = new TopWordsOutput([new TopWord("the", 104), new TopWord("\"quoted\"", 59), new TopWord("Gott", 31)], "tvm-local-1", "task-x_txt-0123456789ab", "job", "pool"),
        };
        Assert.That(outcome.OutputFiles, Is.InstanceOf<DownloadedFiles>(), "the compact form the converter writes from");
        return outcome;
    }

    [Test]
    public void Record_IsWrittenAsTheSerializerWritesItByItself()
    {
        var outcome = Downloaded();
        var record = new RunRecord { State = BatchRunState.Succeeded, Outcomes = [RecordedOutcome.From(outcome)] };

        // The same record with plain lists, written by the reflection-based serializer with the run store's settings and no
        // converters of the run store's own: what earlier versions wrote.
        var plain = RecordedOutcome.From(outcome) with
        {
            OutputFiles = [.. outcome.OutputFiles],
            TopWords = outcome.TopWords! with { Words = [.. outcome.TopWords!.Words] },
        };
        string expected = JsonSerializer.Serialize(new RunRecord { State = BatchRunState.Succeeded, Outcomes = [plain] }, ReflectionOptions);

        string written = JsonSerializer.Serialize(record, RunStoreJsonContext.Default.RunRecord);

        Assert.That(written, Is.EqualTo(expected));
        Assert.That(written, Does.Contain("\"Word\": \"the\"").And.Contain("\"Count\": 104").And.Contain(Folder + "x_OUTPUT.txt"));
    }

    [Test]
    public void Record_ReadsBackAsLists()
    {
        var outcome = Downloaded();
        string json = JsonSerializer.Serialize(new RunRecord { Outcomes = [RecordedOutcome.From(outcome)] }, RunStoreJsonContext.Default.RunRecord);

        var back = JsonSerializer.Deserialize(json, RunStoreJsonContext.Default.RunRecord)!.Outcomes!.Single();

        Assert.That(back.OutputFiles, Is.InstanceOf<List<string>>().And.EqualTo(outcome.OutputFiles));
        Assert.That(back.TopWords!.Words, Is.InstanceOf<List<TopWord>>().And.EqualTo(outcome.TopWords!.Words));
        Assert.That(back.TopWords with { Words = outcome.TopWords.Words }, Is.EqualTo(outcome.TopWords));
    }

    [Test]
    public void Record_WithoutFilesOrWords_ReadsBackEmptyAndWithout()
    {
        var outcome = new TaskOutcome(new BatchInput("/in/y.txt", "y.txt"), "task-y") { State = ComputeTaskState.Completed, Result = TaskExecutionResult.Failure, ExitCode = 3 };
        string json = JsonSerializer.Serialize(new RunRecord { Outcomes = [RecordedOutcome.From(outcome)] }, RunStoreJsonContext.Default.RunRecord);

        var back = JsonSerializer.Deserialize(json, RunStoreJsonContext.Default.RunRecord)!.Outcomes!.Single();

        Assert.That(json, Does.Contain("\"OutputFiles\": []").And.Not.Contain("TopWords"));
        Assert.That(back.OutputFiles, Is.Empty);
        Assert.That(back.TopWords, Is.Null);
    }

    [TestCase("\"OutputFiles\": [", "\"OutputFiles\": 5, \"Was\": [", TestName = "Record_OutputFilesNotAnArray_IsInvalidJson")]
    [TestCase("\"OutputFiles\": [", "\"OutputFiles\": [ 5, ", TestName = "Record_OutputFileNotAString_IsInvalidJson")]
    [TestCase("\"Words\": [", "\"Words\": { \"Was\": [", TestName = "Record_WordsNotAnArray_IsInvalidJson")]
    [TestCase("\"Word\": \"the\"", "\"Word\": 7", TestName = "Record_WordNotAString_IsInvalidJson")]
    [TestCase("\"Word\": \"the\",", "", TestName = "Record_WordMissing_IsInvalidJson")]
    [TestCase("\"Count\": 104", "\"Count\": \"many\"", TestName = "Record_CountNotANumber_IsInvalidJson")]
    public void Record_Malformed_IsInvalidJson(string find, string replace)
    {
        string json = JsonSerializer.Serialize(new RunRecord { Outcomes = [RecordedOutcome.From(Downloaded())] }, RunStoreJsonContext.Default.RunRecord);
        Assert.That(json, Does.Contain(find));
        string broken = json.Replace(find, replace, StringComparison.Ordinal);

        Assert.That(() => JsonSerializer.Deserialize(broken, RunStoreJsonContext.Default.RunRecord), Throws.InstanceOf<JsonException>());
    }

    [Test]
    public void Record_UnknownPropertyOfAWord_IsSkipped()
    {
        string json = JsonSerializer.Serialize(new RunRecord { Outcomes = [RecordedOutcome.From(Downloaded())] }, RunStoreJsonContext.Default.RunRecord)
            .Replace("\"Word\": \"the\"", "\"Rank\": { \"of\": [1, 2] }, \"Word\": \"the\"", StringComparison.Ordinal);

        var back = JsonSerializer.Deserialize(json, RunStoreJsonContext.Default.RunRecord)!.Outcomes!.Single();

        Assert.That(back.TopWords!.Words[0], Is.EqualTo(new TopWord("the", 104)));
    }
}
