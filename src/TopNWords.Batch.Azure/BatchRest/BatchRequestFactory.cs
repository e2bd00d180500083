using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// Builds the request messages of <see cref="BatchRestClient"/> on its pipeline: the account endpoint and the
/// path segments (each escaped), the <c>api-version</c> query parameter, the common headers and JSON bodies.
/// </summary>
internal sealed class BatchRequestFactory
{
    /// <summary>The content type of a JSON request body.</summary>
    internal const string JsonContentType = "application/json; odata=minimalmetadata";

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _apiVersion;

    /// <param name="pipeline">The pipeline that creates (and later sends) the messages.</param>
    /// <param name="endpoint">The account endpoint, an absolute URI.</param>
    /// <param name="apiVersion">The REST API version every request names.</param>
    internal BatchRequestFactory(HttpPipeline pipeline, Uri endpoint, string apiVersion)
    {
        _pipeline = pipeline;
        _endpoint = endpoint;
        _apiVersion = apiVersion;
    }

    /// <summary>Gets the pipeline the messages are created on.</summary>
    internal HttpPipeline Pipeline => _pipeline;

    /// <summary>Gets the account endpoint.</summary>
    internal Uri Endpoint => _endpoint;

    /// <summary>Gets the REST API version.</summary>
    internal string ApiVersion => _apiVersion;

    /// <summary>A request to <c>{endpoint}/{pathSegments[0]}/…?api-version=…</c>, with the common headers.</summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="pathSegments">The path, one segment each (escaped one by one).</param>
    /// <param name="json">Whether the response is JSON (sends <c>Accept: application/json</c>).</param>
    internal HttpMessage CreateMessage(RequestMethod method, string[] pathSegments, bool json)
    {
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = method;
        request.Uri.Reset(_endpoint);
        foreach (string segment in pathSegments)
        {
            if (!request.Uri.Path.EndsWith('/'))
            {
                request.Uri.AppendPath("/", escape: false);
            }

            request.Uri.AppendPath(segment, escape: true);
        }

        request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        SetCommonHeaders(request, json);
        return message;
    }

    /// <summary>The headers of every request: <c>Accept</c> for a JSON response, and <c>client-request-id</c>.</summary>
    internal static void SetCommonHeaders(Request request, bool json)
    {
        if (json)
        {
            request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        }

        request.Headers.SetValue("client-request-id", request.ClientRequestId);
    }

    /// <summary>Sets a JSON body (serialised with <paramref name="typeInfo"/>) and its content type.</summary>
    internal static void SetJsonBody<T>(HttpMessage message, T body, JsonTypeInfo<T> typeInfo)
    {
        message.Request.Headers.SetValue(HttpHeader.Names.ContentType, JsonContentType);
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo));
    }
}
