using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopNWords.Batch.Azure.BatchRest.Serialization;

/// <summary>
/// Reads a Batch enum value case-insensitively (the service answers in lower case: <c>"completed"</c>,
/// <c>"clienterror"</c>), maps any value it does not know to the enum's default (<c>Unknown</c>) instead of
/// throwing, and writes the service's spelling: the member name in lower case (<c>TerminateJob</c> is
/// <c>"terminatejob"</c>).
/// </summary>
internal sealed class BatchEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Dictionary<string, TEnum> ByName = CreateByName();
    private static readonly Dictionary<TEnum, string> WireNames = CreateWireNames();

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return default;
        }

        string? value = reader.GetString();
        return value is not null && ByName.TryGetValue(value, out TEnum result) ? result : default;
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(ToWireName(value));
    }

    internal static string ToWireName(TEnum value)
        => WireNames.TryGetValue(value, out string? name) ? name : value.ToString().ToLowerInvariant();

    private static Dictionary<string, TEnum> CreateByName()
    {
        var byName = new Dictionary<string, TEnum>(StringComparer.OrdinalIgnoreCase);
        foreach (TEnum value in Enum.GetValues<TEnum>())
        {
            byName[value.ToString()] = value;
        }

        return byName;
    }

    private static Dictionary<TEnum, string> CreateWireNames()
    {
        var names = new Dictionary<TEnum, string>();
        foreach (TEnum value in Enum.GetValues<TEnum>())
        {
            names[value] = value.ToString().ToLowerInvariant();
        }

        return names;
    }
}
