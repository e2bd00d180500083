using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

[TestFixture]
public class ConfinedPathTests
{
    private string _root = null!;

    [SetUp]
    public void SetUp()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Creating symbolic links on Windows needs a privilege the test may not have.");
        }

        _root = ConfinedPath.Resolve(Directory.CreateTempSubdirectory("topnwords-confined-").FullName)!;
        Directory.CreateDirectory(Path.Combine(_root, "inside", "sub"));
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.WriteAllText(Path.Combine(_root, "inside", "sub", "file.txt"), "in");
        File.WriteAllText(Path.Combine(_root, "outside", "secret.txt"), "out");
    }

    [TearDown]
    public void TearDown()
    {
        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public void Resolve_LinksInAnyComponent_AreFollowedToTheRealPath()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "inside", "to-sub"), "sub");
        File.CreateSymbolicLink(Path.Combine(_root, "inside", "sub", "alias.txt"), "file.txt");
        Directory.CreateSymbolicLink(Path.Combine(_root, "inside", "absolute"), Path.Combine(_root, "outside"));

        Assert.Multiple(() =>
        {
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "to-sub", "alias.txt")), Is.EqualTo(Path.Combine(_root, "inside", "sub", "file.txt")));
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "absolute", "secret.txt")), Is.EqualTo(Path.Combine(_root, "outside", "secret.txt")));
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "sub")), Is.EqualTo(Path.Combine(_root, "inside", "sub")));
        });
    }

    [Test]
    public void Resolve_DotDotAfterALinkInTheTarget_GoesUpFromTheLinksTarget()
    {
        // inside/hop -> ../outside/x is lexically "inside/../outside", but "x/.." from a linked "x" climbs from where x really is.
        Directory.CreateDirectory(Path.Combine(_root, "outside", "deep", "er"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "inside", "x"), Path.Combine(_root, "outside", "deep", "er"));
        File.CreateSymbolicLink(Path.Combine(_root, "inside", "sub", "hop.txt"), "../x/../../secret.txt");

        Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "sub", "hop.txt")), Is.EqualTo(Path.Combine(_root, "outside", "secret.txt")));
    }

    [Test]
    public void Resolve_MissingComponentBrokenLinkOrLoop_IsNull()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "inside", "broken"), "no-such-file");
        File.CreateSymbolicLink(Path.Combine(_root, "inside", "loop"), "loop");

        Assert.Multiple(() =>
        {
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "missing.txt")), Is.Null);
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "sub", "file.txt", "below")), Is.Null);
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "broken")), Is.Null);
            Assert.That(ConfinedPath.Resolve(Path.Combine(_root, "inside", "loop")), Is.Null);
        });
    }

    [TestCase("inside", true)]
    [TestCase("inside/sub/file.txt", true)]
    [TestCase("inside-not", false)]
    [TestCase("outside/secret.txt", false)]
    [TestCase("Inside/sub", false)]
    public void IsInside_ComparesWholeComponentsCaseSensitively(string relative, bool expected) =>
        Assert.That(ConfinedPath.IsInside(Path.Combine(_root, relative), Path.Combine(_root, "inside") + "/"), Is.EqualTo(expected));

    [Test]
    public void ResolveInside_LinkLeadingOut_IsNullAndFlaggedOutside_MissingIsNotFlagged()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "inside", "leak.txt"), Path.Combine(_root, "outside", "secret.txt"));
        string folder = Path.Combine(_root, "inside");

        string? leak = ConfinedPath.ResolveInside(Path.Combine(folder, "leak.txt"), folder, out bool leakOutside);
        string? missing = ConfinedPath.ResolveInside(Path.Combine(folder, "missing.txt"), folder, out bool missingOutside);
        string? inside = ConfinedPath.ResolveInside(Path.Combine(folder, "sub", "file.txt"), folder, out bool insideOutside);

        Assert.Multiple(() =>
        {
            Assert.That((leak, leakOutside), Is.EqualTo(((string?)null, true)));
            Assert.That((missing, missingOutside), Is.EqualTo(((string?)null, false)));
            Assert.That((inside, insideOutside), Is.EqualTo(((string?)Path.Combine(folder, "sub", "file.txt"), false)));
        });
    }

    [Test]
    public void ResolveInside_LinkInsideLeadingOutThenBackIn_IsOutside_LinkAboveTheFolderIsFollowed()
    {
        string folder = Path.Combine(_root, "inside");
        Directory.CreateSymbolicLink(Path.Combine(folder, "up"), _root); // leads out, and "up/inside/..." leads back in
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias-of-inside"), folder);

        string? roundTrip = ConfinedPath.ResolveInside(Path.Combine(folder, "up", "inside", "sub", "file.txt"), folder, out bool roundTripOutside);
        string? viaAlias = ConfinedPath.ResolveInside(Path.Combine(_root, "alias-of-inside", "sub", "file.txt"), folder, out bool viaAliasOutside);

        Assert.Multiple(() =>
        {
            Assert.That(ConfinedPath.Resolve(Path.Combine(folder, "up", "inside", "sub", "file.txt")), Is.EqualTo(Path.Combine(folder, "sub", "file.txt")), "the path itself ends inside");
            Assert.That((roundTrip, roundTripOutside), Is.EqualTo(((string?)null, true)));
            Assert.That((viaAlias, viaAliasOutside), Is.EqualTo(((string?)Path.Combine(folder, "sub", "file.txt"), false)));
        });
    }

    [Test]
    public void ResolveInside_FolderDeletedAfterItWasResolved_IsMissing_NotOutside()
    {
        string folder = Path.Combine(_root, "inside");
        string file = Path.Combine(folder, "sub", "file.txt");
        Assert.That(ConfinedPath.ResolveInside(file, folder, out _), Is.EqualTo(file));

        Directory.Delete(folder, recursive: true);
        string? gone = ConfinedPath.ResolveInside(folder, folder, out bool goneOutside);
        string? goneFile = ConfinedPath.ResolveInside(file, folder, out bool goneFileOutside);

        Assert.Multiple(() =>
        {
            Assert.That((gone, goneOutside), Is.EqualTo(((string?)null, false)));
            Assert.That((goneFile, goneFileOutside), Is.EqualTo(((string?)null, false)));
        });
    }
}
