using System.Globalization;
using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>The reduce step's tasks: how inputs are grouped, what each reduce task gets, and how definitions are checked.</summary>
[TestFixture]
public class ReducePlanTests
{
    private static readonly TaskApplication App = new("topnwords-taskrunner", [], ["{app}/TopNWords.TaskRunner"]);

    private static ReduceDefinition Merge(int maxInputsPerTask = ReduceDefinition.DefaultMaxInputsPerTask) =>
        new(["--merge", "--inputs-from", ReduceDefinition.InputsListPlaceholder, "--inputs-covered", ReduceDefinition.InputCountPlaceholder], "counts.tsv", "result.txt") { MaxInputsPerTask = maxInputsPerTask };

    private static List<string> Ids(int count, int length = 10) =>
        [.. Enumerable.Range(0, count).Select(i => ("t" + i.ToString(CultureInfo.InvariantCulture)).PadRight(length, 'x'))];

    [Test]
    public void Create_UpToMaxInputs_OneFinalTaskDependingOnEveryInput()
    {
        var ids = Ids(1000);

        var plan = ReducePlan.Create(Merge(), ids);

        Assert.That(plan.Tasks, Has.Count.EqualTo(1));
        Assert.That(plan.Final.Id, Is.EqualTo("reduce"));
        Assert.That(plan.Final.Inputs, Is.EqualTo(ids));
    }

    [Test]
    public void Create_MoreInputs_ConsecutiveGroupsThenTheFinalTaskOverThemInOrder()
    {
        var ids = Ids(2501);

        var plan = ReducePlan.Create(Merge(), ids);

        Assert.That(plan.Tasks.Select(t => t.Id), Is.EqualTo(new[] { "reduce-00001", "reduce-00002", "reduce-00003", "reduce" }));
        Assert.That(plan.Tasks.Take(3).SelectMany(t => t.Inputs), Is.EqualTo(ids), "every input once, in input order");
        Assert.That(plan.Tasks.Take(3).Select(t => t.Inputs.Count), Is.EqualTo(new[] { 1000, 1000, 501 }));
        Assert.That(plan.Final.Inputs, Is.EqualTo(new[] { "reduce-00001", "reduce-00002", "reduce-00003" }));
        Assert.That(plan.ConsumerOf(ids[1500]), Is.EqualTo("reduce-00002"));
        Assert.That(plan.ConsumerOf("reduce-00002"), Is.EqualTo("reduce"));
    }

    [Test]
    public void Create_LongTaskIds_GroupsFitTheServicesDependencyListLimit()
    {
        // 64 characters each: 1,000 would be 64,000 characters, at the limit; 1,001 would pass it.
        var ids = Ids(1500, length: 64);

        var plan = ReducePlan.Create(Merge(maxInputsPerTask: 5000), ids);

        Assert.That(plan.Tasks.Where(t => !t.IsFinal).Select(t => t.Inputs.Count), Is.EqualTo(new[] { 1000, 500 }));
        Assert.That(plan.Tasks.Select(t => TaskDependencies.OnIds(t.Inputs).Validate(t.Id)), Has.All.Null);
    }

    [Test]
    public void Create_MoreInputsThanTwoLevelsRead_IsRefusedSayingWhatToDo()
    {
        var ex = Assert.Throws<ArgumentException>(() => ReducePlan.Create(Merge(maxInputsPerTask: 3), Ids(10)));

        Assert.That(ex!.Message, Does.Contain("10 inputs").And.Contain("MaxInputsPerTask is 3").And.Contain("Raise MaxInputsPerTask"));
    }

    [Test]
    public void ListFile_NamesEachInputsIntermediateFileUnderTheTasksPrefix_InInputOrder()
    {
        var plan = ReducePlan.Create(Merge(maxInputsPerTask: 2), ["task-b", "task-a", "task-c"]);

        Assert.That(plan.ListFileOf(plan.Tasks[0]), Is.EqualTo("reduce-in/reduce-00001/task-b/counts.tsv\nreduce-in/reduce-00001/task-a/counts.tsv\n"));
        Assert.That(plan.ListFileOf(plan.Final), Is.EqualTo("reduce-in/reduce/reduce-00001/counts.tsv\nreduce-in/reduce/reduce-00002/counts.tsv\n"));
        Assert.That(ReducePlan.InputPrefixOf(plan.Tasks[1]), Is.EqualTo("reduce-in/reduce-00002/"));
        Assert.That(ReducePlan.ListBlobOf(plan.Final), Is.EqualTo("reduce-lists/reduce.list"));
        Assert.That(plan.ResultBlob, Is.EqualTo("reduce-out/result.txt"));
    }

    [Test]
    public void Tasks_OfARunWithAReduce_UploadIntermediatesForTheirConsumerAndTheReduceTasksDependAndRead()
    {
        string folder = Directory.CreateTempSubdirectory("topnwords-reduce-").FullName;
        try
        {
            var inputs = Enumerable.Range(0, 3).Select(i =>
            {
                string path = Path.Combine(folder, $"f{i}.txt");
                File.WriteAllText(path, "x");
                return new BatchInput(path);
            }).ToList();
            var definition = new BatchRunDefinition(inputs, App, ["--filepath", BatchRunDefinition.InputPlaceholder]) { Reduce = Merge(maxInputsPerTask: 2) };
            var run = new RunState(definition, new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch)
            {
                OutputContainerUrl = new Uri("https://acct.blob.core.windows.net/run-x-output?sp=cw&sig=REDACTED"),
                OutputContainerReadUrl = new Uri("https://acct.blob.core.windows.net/run-x-output?sp=rl&sig=REDACTED"),
            };
            foreach (var reduceTask in run.ReducePlan!.Tasks)
            {
                run.ReduceListUrls[reduceTask.Id] = new Uri($"https://acct.blob.core.windows.net/run-x-output/reduce-lists/{reduceTask.Id}.list");
            }

            var map = TaskCommands.Task(run, run.Outcomes[0], new Uri("https://acct.blob.core.windows.net/run-x-input/f0.txt"));
            var part = TaskCommands.ReduceTask(run, run.ReducePlan.Tasks[0]);
            var final = TaskCommands.ReduceTask(run, run.ReducePlan.Final);

            Assert.That(map.OutputFiles.Select(o => (o.FilePattern, o.Path)), Is.EqualTo(new[] { ("*_OUTPUT*", run.Outcomes[0].TaskId), ("counts.tsv", $"reduce-in/reduce-00001/{run.Outcomes[0].TaskId}/counts.tsv") }));
            Assert.That(part.DependsOn!.TaskIds, Is.EqualTo(new[] { run.Outcomes[0].TaskId, run.Outcomes[1].TaskId }));
            Assert.That(part.ResourceFiles[0].StorageContainerUrl, Is.EqualTo(run.OutputContainerReadUrl));
            Assert.That(part.ResourceFiles[0].BlobPrefix, Is.EqualTo("reduce-in/reduce-00001/"));
            Assert.That(part.ResourceFiles[1].FilePath, Is.EqualTo(ReducePlan.ListFileName));
            Assert.That(BatchCommandLine.Split(part.CommandLine).Skip(4), Is.EqualTo(new[] { "--merge", "--inputs-from", ReducePlan.ListFileName, "--inputs-covered", "2" }));
            Assert.That(BatchCommandLine.Split(final.CommandLine).Skip(4), Is.EqualTo(new[] { "--merge", "--inputs-from", ReducePlan.ListFileName, "--inputs-covered", "3" }), "the final merge covers every input");
            Assert.That(part.OutputFiles.Single().Path, Is.EqualTo("reduce-in/reduce/reduce-00001/counts.tsv"), "a partial merge's counts go to the final merge");
            Assert.That(part.DependencyActionOnFailure, Is.Null, "the service's default: a failure blocks the merge");
            Assert.That(final.DependsOn!.TaskIds, Is.EqualTo(new[] { "reduce-00001", "reduce-00002" }));
            Assert.That((final.OutputFiles.Single().FilePattern, final.OutputFiles.Single().Path), Is.EqualTo(("result.txt", "reduce-out/result.txt")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestCase("a/b.tsv", "result.txt", "must be a plain file name")]
    [TestCase("counts.tsv", "*.txt", "must be a plain file name")]
    [TestCase("same.txt", "SAME.txt", "give the result its own name")]
    [TestCase("counts.tsv", ReducePlan.ListFileName, "list file")]
    public void Validate_BadFileNames_AreRefusedNamingTheSetting(string intermediate, string output, string expected)
    {
        var definition = CorpusOf(new ReduceDefinition(["--merge", ReduceDefinition.InputsListPlaceholder], intermediate, output));

        var ex = Assert.Throws<ArgumentException>(() => RunDefinitionValidator.Validate(definition, new LocalFolderStorage(Path.GetTempPath()), Mock.Of<IBatchCompute>()));

        Assert.That(ex!.Message, Does.Contain(expected).And.Contain("nothing was created"));
    }

    [Test]
    public void Validate_ArgumentsWithoutTheListPlaceholderOrTooSmallAFanIn_AreRefused()
    {
        var definition = CorpusOf(new ReduceDefinition(["--merge"], "counts.tsv", "result.txt") { MaxInputsPerTask = 1 });

        var ex = Assert.Throws<ArgumentException>(() => RunDefinitionValidator.Validate(definition, new LocalFolderStorage(Path.GetTempPath()), Mock.Of<IBatchCompute>()));

        Assert.That(ex!.Message, Does.Contain(ReduceDefinition.InputsListPlaceholder).And.Contain("MaxInputsPerTask is 1"));
    }

    [Test]
    public void CreateCorpusDefinition_CountsEveryFileAndMergesWithTheRunner_DownloadingOnlyTheResult()
    {
        string file = Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial", "taskdata1.txt");

        var definition = WordCountJob.CreateCorpusDefinition([file], 7, App);

        Assert.That(definition.TaskArguments, Is.EqualTo(new[] { "--filepath", BatchRunDefinition.InputPlaceholder, "--numwords", "7", "--counts-output", WordCountJob.CountsFileName }));
        Assert.That(definition.Reduce!.Arguments, Is.EqualTo(new[] { "--merge", "--numwords", "7", "--inputs-from", ReduceDefinition.InputsListPlaceholder, "--inputs-covered", ReduceDefinition.InputCountPlaceholder, "--output", WordCountJob.CorpusOutputFileName, "--counts-output", WordCountJob.CountsFileName }));
        Assert.That(definition.Reduce.IntermediateFileName, Is.EqualTo(WordCountJob.CountsFileName));
        Assert.That(definition.DownloadTaskOutputs, Is.False);
        Assert.That(definition.ParseTopWordsOutput, Is.True);
        Assert.Throws<ArgumentOutOfRangeException>(() => WordCountJob.CreateCorpusDefinition([file], 0, App));
    }

    private static BatchRunDefinition CorpusOf(ReduceDefinition reduce)
    {
        string file = Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial", "taskdata1.txt");
        return new BatchRunDefinition([new BatchInput(file)], new TaskApplication("app", [new ApplicationFile(file, "a")], ["{app}/a"]), ["x"]) { Reduce = reduce };
    }
}
