using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class TaskCommandsTests
{
    private static readonly TaskApplication App = new("topnwords-taskrunner", [], ["dotnet", "{app}/TopNWords.TaskRunner.dll"]);

    [TestCase("taskdata1.txt")]
    [TestCase("name with spaces.txt")]
    [TestCase("it's \"quoted\".txt")]
    [TestCase("$(touch pwned).txt")]
    [TestCase("`id`;rm -rf ~.txt")]
    [TestCase("-n 3 --numwords 99.txt")]
    [TestCase("données été 日本.txt")]
    public void CommandLine_TrickyInputName_ReachesTheProgramAsOneLiteralArgument(string name)
    {
        string commandLine = TaskCommands.CommandLine(App, ["--filepath", $"input/{name}", "--numwords", "3"], appPerTask: false);

        var words = BatchCommandLine.Split(commandLine);

        Assert.That(words[0], Is.EqualTo("/bin/sh"));
        Assert.That(words[1], Is.EqualTo("-c"));
        Assert.That(words[2], Is.EqualTo("exec dotnet \"$AZ_BATCH_NODE_SHARED_DIR\"/topnwords-taskrunner/TopNWords.TaskRunner.dll \"$@\""));
        Assert.That(words.Skip(4), Is.EqualTo(new[] { "--filepath", $"input/{name}", "--numwords", "3" }));
    }

    [Test]
    public void CommandLine_ApplicationPerTask_UsesTheTaskWorkingDirectory()
    {
        var words = BatchCommandLine.Split(TaskCommands.CommandLine(App, ["x"], appPerTask: true));

        Assert.That(words[2], Is.EqualTo("exec dotnet \"$AZ_BATCH_TASK_WORKING_DIR\"/app/TopNWords.TaskRunner.dll \"$@\""));
    }

    [Test]
    public void StartTask_CopiesTheApplicationIntoTheSharedFolder()
    {
        var start = TaskCommands.StartTask(App, [(new ApplicationFile("/tmp/a.dll", "a.dll"), new Uri("file:///tmp/a.dll?sp=r"))]);

        var words = BatchCommandLine.Split(start.CommandLine);
        Assert.That(words[2], Is.EqualTo("mkdir -p \"$AZ_BATCH_NODE_SHARED_DIR\"/topnwords-taskrunner && cp -R . \"$AZ_BATCH_NODE_SHARED_DIR\"/topnwords-taskrunner"));
        Assert.That(start.WaitForSuccess, Is.True);
        Assert.That(start.ResourceFiles.Single().FilePath, Is.EqualTo("a.dll"));
    }

    [Test]
    public void TaskId_IsStableValidAndDistinctForNamesDifferingInCase()
    {
        string a = RunNames.TaskId("Report.txt");
        string b = RunNames.TaskId("report.txt");

        Assert.That(RunNames.TaskId("Report.txt"), Is.EqualTo(a));
        Assert.That(a, Is.Not.EqualTo(b).IgnoreCase);
        Assert.That(BatchIdRules.IsValid(a), Is.True);
        Assert.That(BatchIdRules.IsValid(RunNames.TaskId(new string('é', 500))), Is.True);
    }

    [Test]
    public void TaskId_SameFileNameInDifferentFolders_GiveDistinctValidIds()
    {
        string[] ids = [RunNames.TaskId("a/x.txt"), RunNames.TaskId("b/x.txt"), RunNames.TaskId("a_x.txt"), RunNames.TaskId("A/x.txt")];

        Assert.That(ids.Distinct(StringComparer.OrdinalIgnoreCase).Count(), Is.EqualTo(4));
        Assert.That(ids.Select(BatchIdRules.IsValid), Has.All.True);
        Assert.That(ids[0], Does.StartWith("task-a_x_txt-"));
    }
}
