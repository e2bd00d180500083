using System.Text.Json.Nodes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Structural JSON comparison: property order and whitespace do not matter, names, values and types do.</summary>
internal static class JsonAssert
{
    public static void AreEquivalent(JsonNode? expected, string actualJson, string? because = null)
    {
        JsonNode? actual = JsonNode.Parse(actualJson);
        Assert.That(
            JsonNode.DeepEquals(expected, actual),
            Is.True,
            () => $"{because}{Environment.NewLine}expected: {expected?.ToJsonString()}{Environment.NewLine}actual:   {actual?.ToJsonString()}");
    }
}
