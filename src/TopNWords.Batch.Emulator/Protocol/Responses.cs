using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>What the emulator knows about the request being served (kept in <see cref="HttpContext.Items"/>).</summary>
/// <param name="RequestId">The <c>request-id</c> answered.</param>
/// <param name="Time">When it arrived, from the emulator's clock.</param>
/// <param name="Operation">The operation it maps to.</param>
internal sealed record EmulatorRequest(string RequestId, DateTimeOffset Time, BatchOperation Operation)
{
    private static readonly object Key = new();

    /// <summary>Gets a value indicating whether the connection was dropped on purpose (an injected fault).</summary>
    public bool Dropped { get; private set; }

    /// <summary>
    /// Gets or sets the REST API version the request asked for, once the pipeline has accepted it (one of
    /// <see cref="ApiVersionShapes.Served"/>); <see langword="null"/> before that and for admin requests.
    /// </summary>
    public string? ApiVersion { get; set; }

    /// <summary>Records that the connection is dropped on purpose.</summary>
    public void MarkDropped() => Dropped = true;

    public static EmulatorRequest Get(HttpContext context) =>
        context.Items.TryGetValue(Key, out object? value) && value is EmulatorRequest request
            ? request
            : throw new InvalidOperationException("The request did not go through the emulator's pipeline.");

    /// <summary>The request's record, or <see langword="null"/> when it did not go through the pipeline.</summary>
    public static EmulatorRequest? TryGet(HttpContext context) =>
        context.Items.TryGetValue(Key, out object? value) ? value as EmulatorRequest : null;

    public void Attach(HttpContext context) => context.Items[Key] = this;
}

/// <summary>Writes responses with the service's headers and body conventions.</summary>
internal static class Responses
{
    /// <summary>Writes JSON as the service does: no HTML escaping of <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> or <c>'</c>.</summary>
    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public const string ErrorMetadataFragment = "Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element";

    /// <summary>The base URL the caller used (scheme and host), which the emulator's URLs are built on.</summary>
    public static string BaseUrl(HttpContext context) => context.Request.Scheme + "://" + context.Request.Host.Value;

    /// <summary>An HTTP date (<c>Fri, 17 Feb 2017 00:00:00 GMT</c>).</summary>
    public static string HttpDate(DateTimeOffset time) => time.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);

    /// <summary>An entity tag in the service's form (<c>0x8D4125FD1A825A4</c>).</summary>
    public static string ETag(DateTimeOffset time, long sequence) => "0x" + (time.UtcTicks + sequence).ToString("X", CultureInfo.InvariantCulture);

    /// <summary>Sets <c>ETag</c> and <c>Last-Modified</c>.</summary>
    public static void SetEntityHeaders(HttpContext context, string eTag, DateTimeOffset lastModified)
    {
        context.Response.Headers.ETag = eTag;
        context.Response.Headers.LastModified = HttpDate(lastModified);
    }

    /// <summary>
    /// Writes a JSON body (nothing for <c>HEAD</c>) in the shape of the request's api-version
    /// (<see cref="ApiVersionShapes.ShapeResponse"/>: the body is built in the newest shape and shaped here, once).
    /// </summary>
    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        if (body is JsonObject obj && EmulatorRequest.TryGet(context) is { ApiVersion: { } version })
        {
            ApiVersionShapes.ShapeResponse(obj, version);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = WireJson.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(body, WriteOptions);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Answers with a status and no body (201, 202).</summary>
    public static Task WriteEmptyAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>Writes the service's error body (headers only for <c>HEAD</c>).</summary>
    /// <param name="context">The request.</param>
    /// <param name="error">The error.</param>
    /// <param name="baseUrl">The base URL of the metadata link; <see langword="null"/> for the one the caller used.</param>
    public static async Task WriteErrorAsync(HttpContext context, BatchRequestException error, string? baseUrl = null)
    {
        var request = EmulatorRequest.Get(context);
        context.Response.StatusCode = error.Status;
        foreach ((string name, string value) in error.Headers)
        {
            context.Response.Headers[name] = value;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = new JsonObject
        {
            ["odata.metadata"] = WireJson.Metadata(baseUrl ?? BaseUrl(context), ErrorMetadataFragment),
            ["code"] = error.Code,
            ["message"] = new JsonObject
            {
                ["lang"] = "en-US",
                ["value"] = error.Message + "\nRequestId:" + request.RequestId + "\nTime:" + request.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            },
        };
        if (error.Values.Count > 0)
        {
            var values = new JsonArray();
            foreach ((string key, string value) in error.Values)
            {
                values.Add(new JsonObject { ["key"] = key, ["value"] = value });
            }

            body["values"] = values;
        }

        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(body, WriteOptions);
        context.Response.ContentType = WireJson.ContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
