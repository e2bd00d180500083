using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopNWords.Batch;

/// <summary>
/// An outcome's downloaded files in the run store's JSON: an array of paths, read back as a list. The compact
/// <see cref="DownloadedFiles"/> is written path by path from its parts, not made into strings (and an enumerator) first:
/// at the end of a run the record is written with every outcome at once (with <see cref="TopWordListJsonConverter"/>, a
/// 50,000-outcome record's write allocated 25 MB before, 7.4 MB now).
/// </summary>
internal sealed class RecordedFilesJsonConverter : JsonConverter<IReadOnlyList<string>>
{
    /// <inheritdoc />
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("An outcome's output files are an array of paths.");
        }

        var files = new List<string>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            files.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("An outcome's output file is a path (a string)."));
        }

        return files;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        if (value is DownloadedFiles files)
        {
            files.WriteJson(writer);
            return;
        }

        writer.WriteStartArray();
        for (int i = 0; i < value.Count; i++)
        {
            writer.WriteStringValue(value[i]);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// A list of top words in the run store's JSON: <c>[{"Word": "the", "Count": 104}, …]</c>, read back as a list, as the
/// serializer writes it by itself; written by index, not through a boxed enumerator and a boxed <see cref="TopWord"/> for
/// each word (about 130 bytes of garbage per outcome of a record).
/// </summary>
internal sealed class TopWordListJsonConverter : JsonConverter<IReadOnlyList<TopWord>>
{
    private static readonly JsonEncodedText WordName = JsonEncodedText.Encode(nameof(TopWord.Word));
    private static readonly JsonEncodedText CountName = JsonEncodedText.Encode(nameof(TopWord.Count));

    /// <inheritdoc />
    public override IReadOnlyList<TopWord> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Top words are an array of objects with a word and its count.");
        }

        var words = new List<TopWord>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A top word is an object with a word and its count.");
            }

            string? word = null;
            long count = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.ValueTextEquals(WordName.EncodedUtf8Bytes))
                {
                    reader.Read();
                    word = reader.GetString();
                }
                else if (reader.ValueTextEquals(CountName.EncodedUtf8Bytes))
                {
                    reader.Read();
                    count = reader.GetInt64();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            words.Add(new TopWord(word ?? throw new JsonException("A top word has no word."), count));
        }

        return words;
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, IReadOnlyList<TopWord> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        for (int i = 0; i < value.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString(WordName, value[i].Word);
            writer.WriteNumber(CountName, value[i].Count);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
