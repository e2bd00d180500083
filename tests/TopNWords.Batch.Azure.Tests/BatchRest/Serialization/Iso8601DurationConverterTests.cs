using System.Text.Json;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.Tests.BatchRest.Serialization;

[TestFixture]
public class Iso8601DurationConverterTests
{
    private static IEnumerable<TestCaseData> Durations()
    {
        yield return new TestCaseData("PT15M", TimeSpan.FromMinutes(15));
        yield return new TestCaseData("P1D", TimeSpan.FromDays(1));
        yield return new TestCaseData("PT1H30M", TimeSpan.FromMinutes(90));
        yield return new TestCaseData("PT0.5S", TimeSpan.FromMilliseconds(500));
        yield return new TestCaseData("P10675199DT2H48M5.4775807S", TimeSpan.MaxValue);
    }

    [TestCaseSource(nameof(Durations))]
    public void RoundTrip_Iso8601(string text, TimeSpan value)
    {
        string json = JsonSerializer.Serialize(new BatchTaskConstraints { MaxWallClockTime = value }, BatchJsonContext.Default.Options);
        BatchTaskConstraints read = JsonSerializer.Deserialize<BatchTaskConstraints>("{\"maxWallClockTime\":\"" + text + "\"}", BatchJsonContext.Default.Options)!;

        Assert.That(json, Is.EqualTo("{\"maxWallClockTime\":\"" + text + "\"}"));
        Assert.That(read.MaxWallClockTime, Is.EqualTo(value));
    }

    [Test]
    public void Read_NotADuration_ThrowsJsonException()
        => Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<BatchTaskConstraints>("""{"maxWallClockTime":"15 minutes"}""", BatchJsonContext.Default.Options));
}
