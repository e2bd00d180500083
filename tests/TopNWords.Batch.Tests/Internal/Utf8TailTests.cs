using System.Text;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

[TestFixture]
public class Utf8TailTests
{
    [Test]
    public void Decode_CutInsideACharacter_DropsItsContinuationBytes()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("€x"); // E2 82 AC 78

        Assert.That(Utf8Tail.Decode(bytes.AsSpan(1), cut: true), Is.EqualTo("x"));
        Assert.That(Utf8Tail.Decode(bytes.AsSpan(2), cut: true), Is.EqualTo("x"));
    }

    [Test]
    public void Decode_WholeFile_KeepsAStrayContinuationByteAsReplacement()
    {
        byte[] bytes = [0x82, (byte)'x'];

        Assert.That(Utf8Tail.Decode(bytes, cut: false), Is.EqualTo("\uFFFDx"));
    }

    [Test]
    public void Decode_MoreThanThreeContinuationBytes_DropsOnlyThree()
    {
        byte[] bytes = [0x80, 0x80, 0x80, 0x80, (byte)'x'];

        Assert.That(Utf8Tail.Decode(bytes, cut: true), Is.EqualTo("\uFFFDx"));
    }

    [Test]
    public void Decode_OnlyContinuationBytesOrNothing_IsEmpty()
    {
        Assert.That(Utf8Tail.Decode([0xA9], cut: true), Is.Empty);
        Assert.That(Utf8Tail.Decode([], cut: true), Is.Empty);
    }

    [Test]
    public void Decode_InvalidSequenceInside_IsReplaced()
    {
        byte[] bytes = [(byte)'a', 0xFF, (byte)'b'];

        Assert.That(Utf8Tail.Decode(bytes, cut: true), Is.EqualTo("a\uFFFDb"));
    }
}
