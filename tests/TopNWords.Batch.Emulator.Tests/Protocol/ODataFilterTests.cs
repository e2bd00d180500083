using System.Text.Json.Nodes;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>The <c>$filter</c> subset: <c>startswith</c>, booleans and equality-only properties, and the judgement on known properties alone.</summary>
[TestFixture]
public class ODataFilterTests
{
    private static readonly IReadOnlyList<FilterProperty> Properties =
    [
        new("id", FilterKind.Text, StartsWith: true),
        new("state", FilterKind.Enum, ["active", "deleting"]),
        new("enableAutoScale", FilterKind.Boolean),
        new("poolId", FilterKind.Text, EqualityOnly: true),
    ];

    private static readonly JsonObject Pool = JsonNode.Parse("""{"id":"TopN-Pool-1","state":"active","enableAutoScale":false,"poolId":"p"}""")!.AsObject();

    [TestCase("startswith(id, 'topn-')", true)]
    [TestCase("startswith(id,'TopN-Pool-1')", true)]
    [TestCase("startswith(id, 'pool')", false)]
    [TestCase("startswith(id, 'topn') and state eq 'active'", true)]
    [TestCase("(startswith(id, 'x') or enableAutoScale eq false)", true)]
    [TestCase("enableAutoScale eq true", false)]
    [TestCase("enableAutoScale ne true", true)]
    [TestCase("poolId eq 'P'", true)]
    public void Matches_SupportedFilters_EvaluateAsTheServiceDoes(string filter, bool expected)
    {
        Assert.That(ODataFilter.Parse(filter, Properties).Matches(Pool), Is.EqualTo(expected));
    }

    [TestCase("startswith(id, 'topn-')", "id", true)]
    [TestCase("startswith(id, 'pool')", "id", false)]
    [TestCase("startswith(id, 'pool')", "", true)]
    [TestCase("state eq 'deleting'", "state", false)]
    [TestCase("state eq 'deleting'", "id", true)]
    [TestCase("state eq 'deleting' or enableAutoScale eq true", "state", true)]
    [TestCase("state eq 'deleting' or enableAutoScale eq true", "state,enableAutoScale", false)]
    [TestCase("state eq 'active' and enableAutoScale eq true", "state", true)]
    [TestCase("state eq 'active' and enableAutoScale eq true", "state,enableAutoScale", false)]
    [TestCase("(startswith(id, 'x') or enableAutoScale eq false) and poolId eq 'q'", "id,enableAutoScale,poolId", false)]
    [TestCase("(startswith(id, 'x') or enableAutoScale eq false) and poolId eq 'q'", "id,enableAutoScale", true)]
    public void MayMatch_JudgesOnTheKnownPropertiesOnly_UnknownOnesCountAsMatching(string filter, string knownPaths, bool expected)
    {
        var known = knownPaths.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var parsed = ODataFilter.Parse(filter, Properties);

        bool mayMatch = parsed.MayMatch((string path, out JsonNode? value) =>
        {
            value = Pool[path]?.DeepClone();
            return known.Contains(path);
        });

        Assert.That(mayMatch, Is.EqualTo(expected));
        if (parsed.Matches(Pool))
        {
            Assert.That(mayMatch, Is.True, "never false for an entity that matches");
        }
    }

    [TestCase("time ge datetime'2025-07-01T12:00:00.0000001Z'", false)]
    [TestCase("time ge datetime'2025-07-01T12:00:00Z'", true)]
    [TestCase("time lt datetime'2025-07-01T12:00:00.0000001Z'", true)]
    [TestCase("time eq datetime'2025-07-01T14:00:00+02:00'", true)]
    [TestCase("time ne datetime'2025-07-01T12:00:00Z'", false)]
    public void MayMatch_KnownTimeAsADateTimeOffset_ComparesAsItsJsonDoes(string filter, bool expected)
    {
        var properties = new[] { new FilterProperty("time", FilterKind.DateTime) };
        var time = new DateTimeOffset(2025, 7, 1, 12, 0, 0, TimeSpan.Zero);
        var json = new JsonObject { ["time"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture) };
        var parsed = ODataFilter.Parse(filter, properties);

        bool mayMatch = parsed.MayMatch((string _, out JsonNode? value) =>
        {
            value = JsonValue.Create(time);
            return true;
        });

        Assert.Multiple(() =>
        {
            Assert.That(mayMatch, Is.EqualTo(expected));
            Assert.That(parsed.Matches(json), Is.EqualTo(expected), "the same as the JSON's string");
        });
    }

    [TestCase("startswith(state, 'a')", "startswith cannot test 'state'")]
    [TestCase("startswith(id 'a')", "startswith takes a property name")]
    [TestCase("startswith(id, 'a'", "is not closed")]
    [TestCase("startswith(id, a)", "expected a quoted literal")]
    [TestCase("enableAutoScale eq 'false'", "compares with true or false")]
    [TestCase("poolId ne 'p'", "compares only with eq")]
    [TestCase("metadata eq 'x'", "filtering on 'metadata' is not supported")]
    public void Parse_UnsupportedFilters_AreInvalidQueryParameterValue(string filter, string reason)
    {
        var ex = Assert.Throws<BatchRequestException>(() => ODataFilter.Parse(filter, Properties));

        Assert.Multiple(() =>
        {
            Assert.That((ex!.Status, ex.Code), Is.EqualTo((400, "InvalidQueryParameterValue")));
            Assert.That(ex.Values.Single(v => v.Key == "Reason").Value, Does.Contain(reason));
        });
    }
}
