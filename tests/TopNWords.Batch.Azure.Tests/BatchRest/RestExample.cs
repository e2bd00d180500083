using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>An official x-ms-examples file from <c>testdata/batch-rest/</c>: its parameters and its responses.</summary>
internal sealed class RestExample
{
    private readonly JsonObject _root;

    private RestExample(string fileName, JsonObject root)
    {
        FileName = fileName;
        _root = root;
    }

    public string FileName { get; }

    public string OperationId => (string)_root["operationId"]!;

    public JsonObject Parameters => _root["parameters"]!.AsObject();

    public static string TestDataPath(string fileName)
        => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "batch-rest", fileName);

    public static RestExample Load(string fileName)
        => new(fileName, JsonNode.Parse(File.ReadAllText(TestDataPath(fileName)))!.AsObject());

    /// <summary>A path or header parameter, such as <c>poolId</c>.</summary>
    public string Parameter(string name) => (string?)Parameters[name] ?? throw new KeyNotFoundException($"{FileName}: no parameter '{name}'.");

    /// <summary>The body parameter (for example <c>pool</c>, <c>taskCollection</c>).</summary>
    public JsonNode Body(string name) => Parameters[name] ?? throw new KeyNotFoundException($"{FileName}: no body parameter '{name}'.");

    /// <summary>The response body of <paramref name="status"/>, as JSON text; <see langword="null"/> if it has none.</summary>
    public JsonNode? ResponseBody(int status) => Response(status)["body"];

    /// <summary>The scripted response for <paramref name="status"/>: its headers and body (JSON, or raw text for a file).</summary>
    public FakeResponse ToResponse(int status)
    {
        JsonObject example = Response(status);
        var response = new FakeResponse(status);
        foreach ((string name, JsonNode? value) in example)
        {
            if (name == "body" || name == "headers")
            {
                continue;
            }

            response.AddHeader(name, value!.GetValue<string>());
        }

        if (example["headers"] is JsonObject headers)
        {
            foreach ((string name, JsonNode? value) in headers)
            {
                response.AddHeader(name, value!.ToString());
            }
        }

        if (example["body"] is JsonNode body)
        {
            string text = body.GetValueKind() == JsonValueKind.String ? body.GetValue<string>() : body.ToJsonString();
            response.SetContent(Encoding.UTF8.GetBytes(text));
        }

        return response;
    }

    private JsonObject Response(int status)
        => _root["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?.AsObject()
           ?? throw new KeyNotFoundException($"{FileName}: no {status} response.");
}
