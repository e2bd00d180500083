namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class TopWordsOutputParserTests
{
    [Test]
    public void Parse_RunnerOutput_GivesWordsAndBatchIds()
    {
        string text = "Word\tCount\n------------------------------\nto:\t18\ndon't:\t2\n:):\t1\n------------------------------\nNode: tvm-1\nTask: topNtask0\nJob:  job-1\nPool: pool-1\n";

        var output = TopWordsOutputParser.Parse(text, "x_OUTPUT.txt");

        Assert.That(output.Words, Is.EqualTo(new[] { new TopWord("to", 18), new TopWord("don't", 2), new TopWord(":)", 1) }));
        Assert.That((output.NodeId, output.TaskId, output.JobId, output.PoolId), Is.EqualTo(("tvm-1", "topNtask0", "job-1", "pool-1")));
    }

    [Test]
    public void Parse_EmptyVariablesAndNoWords_AreAccepted()
    {
        var output = TopWordsOutputParser.Parse("Word\tCount\n------------------------------\n------------------------------\nNode: \nTask: \nJob:  \nPool: \n", "e");

        Assert.That(output.Words, Is.Empty);
        Assert.That(output.NodeId, Is.Empty);
    }

    [Test]
    public void Parse_MergeOutput_GivesTheInputCount()
    {
        string text = "Word\tCount\n------------------------------\nand:\t27\n------------------------------\nNode: n\nTask: merge\nJob:  j\nPool: p\nInputs: 1000\n";

        var output = TopWordsOutputParser.Parse(text, "corpus_OUTPUT.txt");

        Assert.That(output.Words, Is.EqualTo(new[] { new TopWord("and", 27) }));
        Assert.That(output.InputCount, Is.EqualTo(1000));
        Assert.That(TopWordsOutputParser.Parse("Word\tCount\n------------------------------\n------------------------------\nNode: \nTask: \nJob:  \nPool: \n", "e").InputCount, Is.Null);
    }

    [TestCase("", "line 1")]
    [TestCase("Word\tCount\n------------------------------\n------------------------------\nNode: \nTask: \nJob:  \nPool: \nInputs: x\n", "line 8")]
    [TestCase("Word\tCount\n------------------------------\n------------------------------\nNode: \nTask: \nJob:  \nPool: \nInputs: 3\nmore\n", "line 9")]
    [TestCase("Word\tCount\n------------------------------\nto 18\n", "line 3")]
    [TestCase("Word\tCount\n------------------------------\nto:\tmany\n", "line 3")]
    [TestCase("Word\tCount\n------------------------------\nto:\t1\n------------------------------\nNode: a\n", "line 6")]
    public void Parse_Malformed_ThrowsNamingFileAndLine(string text, string line)
    {
        var ex = Assert.Throws<FormatException>(() => TopWordsOutputParser.Parse(text, "bad_OUTPUT.txt"));

        Assert.That(ex!.Message, Does.Contain("bad_OUTPUT.txt").And.Contain(line));
    }
}
