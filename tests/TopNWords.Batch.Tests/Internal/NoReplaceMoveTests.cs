using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

public sealed class NoReplaceMoveTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("topnwords-noreplace-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void TryMove_DestinationMissing_MovesTheFile()
    {
        string source = Write("source", "content");
        string destination = Path.Combine(_folder, "destination");

        Assert.Multiple(() =>
        {
            Assert.That(NoReplaceMove.TryMove(source, destination), Is.True);
            Assert.That(File.Exists(source), Is.False);
            Assert.That(File.ReadAllText(destination), Is.EqualTo("content"));
        });
    }

    [Test]
    public void TryMove_DestinationExists_KeepsBothFiles()
    {
        string source = Write("source", "new");
        string destination = Write("destination", "old");

        Assert.Multiple(() =>
        {
            Assert.That(NoReplaceMove.TryMove(source, destination), Is.False);
            Assert.That(File.ReadAllText(source), Is.EqualTo("new"));
            Assert.That(File.ReadAllText(destination), Is.EqualTo("old"));
        });
    }

    [Test]
    public async Task TryMove_ManyWritersRaceForOneName_ExactlyOneWinsEveryRound()
    {
        const int Writers = 8;
        for (int round = 0; round < 50; round++)
        {
            string destination = Path.Combine(_folder, $"race-{round}");
            string[] sources = [.. Enumerable.Range(0, Writers).Select(w => Write($"source-{round}-{w}", $"writer {w}"))];
            using var start = new Barrier(Writers);
            bool[] won = await Task.WhenAll(sources.Select(source => Task.Run(() =>
            {
                start.SignalAndWait();
                return NoReplaceMove.TryMove(source, destination);
            })));

            int winner = Array.IndexOf(won, true);
            Assert.That(won.Count(w => w), Is.EqualTo(1), $"round {round}");
            Assert.That(File.ReadAllText(destination), Is.EqualTo($"writer {winner}"), $"round {round}");
        }
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
