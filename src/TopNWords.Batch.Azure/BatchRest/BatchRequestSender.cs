using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// Sends the messages of <see cref="BatchRestClient"/> through its pipeline and turns every failure into a
/// <see cref="BatchServiceException"/>: a transport failure, a status other than 2xx (its error body read, up to
/// 64 KiB, even from a streamed response), a body that is not the expected JSON. Reads JSON bodies and the
/// properties of a file from the response headers.
/// </summary>
internal sealed class BatchRequestSender
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpPipeline _pipeline;

    /// <param name="pipeline">The pipeline to send with: authentication, the one retry layer, logging.</param>
    internal BatchRequestSender(HttpPipeline pipeline)
    {
        _pipeline = pipeline;
    }

    /// <summary>
    /// Sends <paramref name="message"/>; throws a <see cref="BatchServiceException"/> naming the operation and
    /// the resource unless the status is 2xx (or 404, when <paramref name="notFoundIsSuccess"/>).
    /// </summary>
    /// <param name="message">The message; its response is read after the call.</param>
    /// <param name="operation">The operation, for the error.</param>
    /// <param name="resource">The resource (pool, job, task or file), for the error.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <param name="notFoundIsSuccess">Whether 404 is an answer rather than a failure.</param>
    internal async Task SendAsync(HttpMessage message, string operation, string? resource, CancellationToken cancellationToken, bool notFoundIsSuccess = false)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (BatchRetryPolicy.IsRetriableException(ex, cancellationToken))
        {
            throw BatchServiceExceptionFactory.FromTransportFailure(operation, resource, ex);
        }

        int status = message.Response.Status;
        if (status is >= 200 and < 300 || (notFoundIsSuccess && status == 404))
        {
            return;
        }

        if (!message.BufferResponse)
        {
            await BufferErrorBodyAsync(message.Response, cancellationToken).ConfigureAwait(false);
        }

        throw BatchServiceExceptionFactory.FromResponse(operation, resource, message);
    }

    /// <summary>Sends <paramref name="message"/> as <see cref="SendAsync(HttpMessage, string, string?, CancellationToken, bool)"/> does, then reads the JSON body of the response.</summary>
    /// <typeparam name="T">The type of the body.</typeparam>
    /// <param name="message">The message.</param>
    /// <param name="typeInfo">How to read the body.</param>
    /// <param name="operation">The operation, for the error.</param>
    /// <param name="resource">The resource, for the error.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The body.</returns>
    internal async Task<T> SendAsync<T>(HttpMessage message, JsonTypeInfo<T> typeInfo, string operation, string? resource, CancellationToken cancellationToken)
    {
        await SendAsync(message, operation, resource, cancellationToken).ConfigureAwait(false);
        return ReadJson(message, typeInfo, operation, resource);
    }

    /// <summary>The JSON body of a 2xx response; an unreadable one is a <see cref="BatchServiceException"/>.</summary>
    internal static T ReadJson<T>(HttpMessage message, JsonTypeInfo<T> typeInfo, string operation, string? resource)
    {
        try
        {
            return JsonSerializer.Deserialize(message.Response.Content.ToMemory().Span, typeInfo)
                ?? throw BatchServiceExceptionFactory.FromUnreadableResponse(operation, resource, message, null);
        }
        catch (JsonException ex)
        {
            throw BatchServiceExceptionFactory.FromUnreadableResponse(operation, resource, message, ex);
        }
    }

    /// <summary>The properties of a task or node file, from the headers of a <c>GET</c> or <c>HEAD</c> of it.</summary>
    internal static BatchFileProperties ReadFileProperties(Response response)
    {
        ResponseHeaders headers = response.Headers;
        return new BatchFileProperties
        {
            ContentLength = headers.TryGetValue("Content-Length", out string? length) && long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out long parsed) ? parsed : null,
            ContentType = headers.TryGetValue("Content-Type", out string? contentType) ? contentType : null,
            ContentRange = headers.TryGetValue("Content-Range", out string? contentRange) ? contentRange : null,
            CreationTime = ParseHttpDate(headers, "ocp-creation-time"),
            LastModified = ParseHttpDate(headers, "Last-Modified"),
            IsDirectory = headers.TryGetValue("ocp-batch-file-isdirectory", out string? isDirectory) && bool.TryParse(isDirectory, out bool directory) && directory,
            FileUrl = headers.TryGetValue("ocp-batch-file-url", out string? url) ? url : null,
            FileMode = headers.TryGetValue("ocp-batch-file-mode", out string? mode) ? mode : null,
        };
    }

    private static async Task BufferErrorBodyAsync(Response response, CancellationToken cancellationToken)
    {
        Stream? stream = response.ContentStream;
        if (stream is null or MemoryStream)
        {
            return;
        }

        var buffer = new MemoryStream();
        try
        {
            byte[] chunk = new byte[8192];
            int read;
            while (buffer.Length < MaxErrorBodyBytes &&
                   (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, MaxErrorBodyBytes - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException)
        {
            // A partial error body is still worth parsing; the status alone is reported otherwise.
        }

        await stream.DisposeAsync().ConfigureAwait(false);
        buffer.Position = 0;
        response.ContentStream = buffer;
    }

    private static DateTimeOffset? ParseHttpDate(ResponseHeaders headers, string name)
        => headers.TryGetValue(name, out string? value) &&
           DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed)
            ? parsed
            : null;
}
