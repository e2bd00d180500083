using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Tests.Internal;

[TestFixture]
public class UtcInstantTests
{
    [Test]
    public void PackThenUnpack_GivesTheSameInstant_InUtc()
    {
        var utc = new DateTimeOffset(2026, 12, 5, 11, 30, 15, 123, TimeSpan.Zero).AddTicks(4567);
        var elsewhere = utc.ToOffset(TimeSpan.FromHours(-5));

        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(utc)), Is.EqualTo(utc));
        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(utc))!.Value.Offset, Is.EqualTo(TimeSpan.Zero));
        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(elsewhere))!.Value.UtcTicks, Is.EqualTo(utc.UtcTicks));
        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(elsewhere))!.Value.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void NoTime_AndTheExtremes_AreToldApart()
    {
        Assert.That(UtcInstant.Pack(null), Is.Zero);
        Assert.That(UtcInstant.Unpack(0), Is.Null);
        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(DateTimeOffset.MinValue)), Is.EqualTo(DateTimeOffset.MinValue));
        Assert.That(UtcInstant.Unpack(UtcInstant.Pack(DateTimeOffset.MaxValue)), Is.EqualTo(DateTimeOffset.MaxValue));
    }
}
