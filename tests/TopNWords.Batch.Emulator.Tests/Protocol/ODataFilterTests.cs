using System.Text.Json.Nodes;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>The <c>$filter</c> subset: <c>startswith</c>, booleans and equality-only properties.</summary>
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
