using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;

namespace TopNWords.Batch.Azure.BatchRest.Serialization;

/// <summary>Reads and writes a <see cref="TimeSpan"/> as an ISO 8601 duration (<c>PT15M</c>, <c>P1D</c>), via <see cref="XmlConvert"/>.</summary>
internal sealed class Iso8601DurationConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? value = reader.GetString();
        try
        {
            return XmlConvert.ToTimeSpan(value ?? string.Empty);
        }
        catch (FormatException ex)
        {
            throw new JsonException($"'{value}' is not an ISO 8601 duration.", ex);
        }
        catch (OverflowException ex)
        {
            throw new JsonException($"'{value}' is out of the range of a TimeSpan.", ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(XmlConvert.ToString(value));
    }
}
