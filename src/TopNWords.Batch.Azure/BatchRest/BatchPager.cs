using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// The lists of <see cref="BatchRestClient"/>: the first page from a path and a query, then each
/// <c>odata.nextLink</c>, which is followed only to the account endpoint (same scheme, host and port), since the
/// next request carries the account's Shared Key signature or bearer token.
/// </summary>
internal sealed class BatchPager
{
    private readonly BatchRequestFactory _requests;
    private readonly BatchRequestSender _sender;
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _apiVersion;

    /// <param name="requests">Builds the first request of a list; its pipeline, endpoint and API version are the next links'.</param>
    /// <param name="sender">Sends every page.</param>
    internal BatchPager(BatchRequestFactory requests, BatchRequestSender sender)
    {
        _requests = requests;
        _sender = sender;
        _pipeline = requests.Pipeline;
        _endpoint = requests.Endpoint;
        _apiVersion = requests.ApiVersion;
    }

    /// <summary>A list, fetched page by page as the caller enumerates it.</summary>
    /// <typeparam name="T">The type of the items.</typeparam>
    /// <param name="operation">The list operation, for errors.</param>
    /// <param name="resource">The listed resource (the pool or job), for errors; <see langword="null"/> for none.</param>
    /// <param name="pathSegments">The path of the first page, one segment each.</param>
    /// <param name="query">The query of the first page; parameters whose value is <see langword="null"/> are left out.</param>
    /// <param name="maxResults">The most items per page (sent as <c>maxresults</c>), unless the caller gives a page size hint.</param>
    /// <param name="typeInfo">How to read a page.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The items.</returns>
    internal AsyncPageable<T> List<T>(
        string operation,
        string? resource,
        string[] pathSegments,
        (string Name, string? Value)[] query,
        int? maxResults,
        JsonTypeInfo<BatchPage<T>> typeInfo,
        CancellationToken cancellationToken)
        where T : notnull
        => new BatchAsyncPageable<T>(
            async (nextLink, pageSizeHint, token) =>
            {
                HttpMessage message;
                if (nextLink is null)
                {
                    message = _requests.CreateMessage(RequestMethod.Get, pathSegments, json: true);
                    foreach ((string name, string? value) in query)
                    {
                        if (value is not null)
                        {
                            message.Request.Uri.AppendQuery(name, value, escapeValue: true);
                        }
                    }

                    if ((pageSizeHint ?? maxResults) is int pageSize)
                    {
                        message.Request.Uri.AppendQuery("maxresults", pageSize.ToString(CultureInfo.InvariantCulture), escapeValue: true);
                    }
                }
                else
                {
                    message = CreateNextLinkMessage(nextLink, operation, resource);
                }

                using (message)
                {
                    await _sender.SendAsync(message, operation, resource, token).ConfigureAwait(false);
                    BatchPage<T> page = BatchRequestSender.ReadJson(message, typeInfo, operation, resource);
                    string? next = string.IsNullOrEmpty(page.NextLink) ? null : page.NextLink;
                    if (next is not null)
                    {
                        // Checked as it arrives, so the error carries this response's status and request id.
                        ResolveNextLink(next, operation, resource, message.Response);
                    }

                    IReadOnlyList<T> values = page.Value is null ? [] : [.. page.Value];
                    return Page<T>.FromValues(values, next, message.Response);
                }
            },
            cancellationToken);

    private HttpMessage CreateNextLinkMessage(string nextLink, string operation, string? resource)
    {
        Uri target = ResolveNextLink(nextLink, operation, resource, response: null);
        HttpMessage message = _pipeline.CreateMessage();
        Request request = message.Request;
        request.Method = RequestMethod.Get;
        request.Uri.Reset(target);
        if (!HasQueryParameter(request.Uri.Query, "api-version"))
        {
            request.Uri.AppendQuery("api-version", _apiVersion, escapeValue: true);
        }

        try
        {
            // What the transport will send to (the builder's URI, parsed again), checked once more.
            RequireAccountEndpoint(request.Uri.ToUri(), operation, resource, response: null);
        }
        catch
        {
            message.Dispose();
            throw;
        }

        BatchRequestFactory.SetCommonHeaders(request, json: true);
        return message;
    }

    /// <summary>
    /// The absolute URI of a next link, resolved against the account endpoint the way the transport will read it
    /// (a scheme-relative <c>//host/…</c>, <c>\/host/…</c>, <c>\\host\…</c>, with or without leading whitespace,
    /// names a host of its own). It must have the endpoint's scheme, host and port: the next request carries the
    /// account's Shared Key signature or bearer token, which go to the account endpoint and nowhere else.
    /// </summary>
    /// <param name="nextLink">The <c>odata.nextLink</c> (or a continuation token that is one).</param>
    /// <param name="operation">The list operation, for the error.</param>
    /// <param name="resource">The listed resource, for the error.</param>
    /// <param name="response">The response that carried the link (its status and request id go into the error), if at hand.</param>
    private Uri ResolveNextLink(string nextLink, string operation, string? resource, Response? response)
    {
        if (!Uri.TryCreate(_endpoint, nextLink, out Uri? target))
        {
            throw NextLinkError(operation, resource, response, "the service returned a next link that is not a URI.");
        }

        RequireAccountEndpoint(target, operation, resource, response);
        return target;
    }

    private void RequireAccountEndpoint(Uri target, string operation, string? resource, Response? response)
    {
        if (target.IsAbsoluteUri &&
            string.Equals(target.Scheme, _endpoint.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(target.IdnHost, _endpoint.IdnHost, StringComparison.OrdinalIgnoreCase) &&
            target.Port == _endpoint.Port)
        {
            return;
        }

        // Name the foreign host, never the link's path or query (it may carry a token) nor its user info.
        throw NextLinkError(
            operation,
            resource,
            response,
            $"the service returned a next link to another host ({Origin(target)}), not to the account endpoint ({Origin(_endpoint)}). " +
            "The link was not followed and no credentials were sent to it; check that the endpoint is the Batch account's own, and that no proxy rewrites the service's responses.");
    }

    private static BatchServiceException NextLinkError(string operation, string? resource, Response? response, string reason)
    {
        string? requestId = response is not null && response.Headers.TryGetValue("request-id", out string? id) ? id : null;
        string message = $"{operation}{(resource is null ? string.Empty : $" '{resource}'")} failed: {reason}{(requestId is null ? string.Empty : $" RequestId: {requestId}.")}";

        // The status of the response that carried the link (not 0, which means "no response" and reads as transient):
        // a link to another host is not something a retry fixes.
        return new BatchServiceException(message, response?.Status ?? 0, errorCode: null, errorMessage: null, values: null, requestId);
    }

    /// <summary><c>scheme://host[:port]</c>, without user info, path or query.</summary>
    private static string Origin(Uri uri)
        => !uri.IsAbsoluteUri
            ? "a relative link"
            : uri.Scheme + "://" + uri.Host + (uri.IsDefaultPort || uri.Port < 0 ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture));

    private static bool HasQueryParameter(string query, string name)
    {
        foreach (KeyValuePair<string, string> parameter in BatchSharedKeyPolicy.GetCanonicalQuery(query))
        {
            if (parameter.Key == name)
            {
                return true;
            }
        }

        return false;
    }
}
