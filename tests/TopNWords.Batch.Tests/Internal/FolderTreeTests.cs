using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

public sealed class FolderTreeTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("topnwords-foldertree-").FullName;

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public void Delete_JobLikeTree_RemovesEverything()
    {
        // <job>/job-1/<40 task folders>/{stdout.txt, wd/out.txt}, a file beside job-1, a chain deeper than the split depth.
        string job = Path.Combine(_folder, "job");
        for (int i = 0; i < 40; i++)
        {
            string task = Directory.CreateDirectory(Path.Combine(job, "job-1", $"task-{i}", "wd")).FullName;
            File.WriteAllText(Path.Combine(task, "..", "stdout.txt"), "x");
            File.WriteAllText(Path.Combine(task, "out.txt"), "y");
        }

        File.WriteAllText(Path.Combine(job, "job.json"), "{}");
        Directory.CreateDirectory(Path.Combine(job, "a", "b", "c", "d", "e"));
        File.WriteAllText(Path.Combine(job, "a", "b", "c", "d", "e", "deep.txt"), "z");

        FolderTree.Delete(job);

        Assert.That(Directory.Exists(job), Is.False);
    }

    [Test]
    public void Delete_ChainOfSingleFoldersAboveManyTaskFolders_RemovesEverything()
    {
        // <node>/workitems/<job>/job-1/<task folders>: the split level is three folders down.
        string workitems = Path.Combine(_folder, "workitems");
        for (int i = 0; i < 30; i++)
        {
            string task = Directory.CreateDirectory(Path.Combine(workitems, "job", "job-1", $"task-{i}")).FullName;
            File.WriteAllText(Path.Combine(task, "stderr.txt"), "e");
        }

        FolderTree.Delete(workitems);

        Assert.That(Directory.Exists(workitems), Is.False);
    }

    [Test]
    public void Delete_FlatFolderOfManyFiles_RemovesEverything()
    {
        string container = Directory.CreateDirectory(Path.Combine(_folder, "container")).FullName;
        for (int i = 0; i < 100; i++)
        {
            File.WriteAllText(Path.Combine(container, $"f{i}.txt"), "x");
        }

        FolderTree.Delete(container);

        Assert.That(Directory.Exists(container), Is.False);
    }

    [Test]
    public void Delete_LinksInTheTree_AreRemovedAndTheirTargetsKept()
    {
        string outside = Directory.CreateDirectory(Path.Combine(_folder, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "precious");
        string tree = Directory.CreateDirectory(Path.Combine(_folder, "tree")).FullName;
        for (int i = 0; i < 20; i++)
        {
            Directory.CreateDirectory(Path.Combine(tree, $"task-{i}"));
            Directory.CreateSymbolicLink(Path.Combine(tree, $"task-{i}", "link"), outside);
        }

        // Links on the split level itself: a folder link and a file link.
        Directory.CreateSymbolicLink(Path.Combine(tree, "folder-link"), outside);
        File.CreateSymbolicLink(Path.Combine(tree, "file-link"), Path.Combine(outside, "keep.txt"));

        FolderTree.Delete(tree);

        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(tree), Is.False);
            Assert.That(File.ReadAllText(Path.Combine(outside, "keep.txt")), Is.EqualTo("precious"));
            Assert.That(Directory.GetFileSystemEntries(outside), Has.Length.EqualTo(1));
        });
    }

    [Test]
    public void Delete_MissingFolder_ThrowsDirectoryNotFound()
    {
        Assert.Throws<DirectoryNotFoundException>(() => FolderTree.Delete(Path.Combine(_folder, "missing")));
    }
}
