using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// The wire format: the Batch client's own models and source-generated JSON metadata (one definition of the
/// shapes), written with the service's conventions: lower camel case, lower-case enums, no null members,
/// ISO 8601 durations, UTC times ending in <c>Z</c>, and <c>odata.metadata</c> first.
/// </summary>
internal static class WireJson
{
    public const string ContentType = "application/json;odata=minimalmetadata";

    /// <summary>The client's metadata (and its converters) with one more that writes times as the service does (<c>…0000000Z</c>).</summary>
    public static readonly BatchJsonContext Context = new(CreateWriteOptions());

    /// <summary>For reading request bodies: exactly what the client writes with.</summary>
    public static BatchJsonContext ReadContext => BatchJsonContext.Default;

    /// <summary>The <c>$metadata</c> URL of an entity set or element, e.g. <c>https://host/$metadata#pools/@Element</c>.</summary>
    public static string Metadata(string baseUrl, string fragment) => baseUrl + "/$metadata#" + fragment;

    /// <summary>A model as a JSON object (for filtering and selecting).</summary>
    public static JsonObject ToObject<T>(T value, JsonTypeInfo<T> typeInfo) =>
        JsonSerializer.SerializeToNode(value, typeInfo)?.AsObject() ?? [];

    /// <summary>
    /// A response body: <c>odata.metadata</c> first, then the object's members (only <paramref name="select"/>'s
    /// when given, in the object's order).
    /// </summary>
    public static JsonObject WithMetadata(string metadata, JsonObject body, IReadOnlyCollection<string>? select = null)
    {
        var result = new JsonObject { ["odata.metadata"] = metadata };
        CopyMembers(body, result, select);
        return result;
    }

    /// <summary>The object with only <paramref name="select"/>'s members (the same object when nothing is selected).</summary>
    public static JsonObject Select(JsonObject source, IReadOnlyCollection<string>? select)
    {
        if (select is null)
        {
            return source;
        }

        var result = new JsonObject();
        CopyMembers(source, result, select);
        return result;
    }

    /// <summary>The names of the top-level members a model can have (for validating <c>$select</c>).</summary>
    public static IReadOnlyCollection<string> MemberNames(JsonTypeInfo typeInfo) =>
        [.. typeInfo.Properties.Select(p => p.Name)];

    private static JsonSerializerOptions CreateWriteOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
        foreach (JsonConverter converter in BatchJsonContext.Default.Options.Converters)
        {
            options.Converters.Add(converter); // ISO 8601 durations
        }

        options.Converters.Add(new UtcTimeConverter());
        return options;
    }

    private static void CopyMembers(JsonObject source, JsonObject target, IReadOnlyCollection<string>? select)
    {
        foreach (string name in source.Select(p => p.Key).ToList())
        {
            if (select is not null && !select.Contains(name))
            {
                continue;
            }

            JsonNode? value = source[name];
            source.Remove(name);
            target[name] = value;
        }
    }

    /// <summary>Writes every <see cref="DateTimeOffset"/> in UTC with seven fractional digits and <c>Z</c>, as the service does.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString() ?? string.Empty, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
    }
}
