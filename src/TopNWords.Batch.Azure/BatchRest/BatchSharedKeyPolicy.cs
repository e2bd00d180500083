using System.Globalization;
using System.Net;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// Signs every attempt of a request with Azure Batch Shared Key: a fresh <c>ocp-date</c> from the
/// <see cref="TimeProvider"/>, then <c>Authorization: SharedKey &lt;account&gt;:&lt;signature&gt;</c>.
/// It runs per retry, after the retry policy, so a resent request is never signed with a stale date.
/// </summary>
/// <remarks>
/// The string to sign is the verb; the lines Content-Encoding, Content-Language, Content-Length, Content-MD5,
/// Content-Type, Date (empty: <c>ocp-date</c> is sent), If-Modified-Since, If-Match, If-None-Match,
/// If-Unmodified-Since, Range; every <c>ocp-*</c> header lower-cased and sorted as <c>name:value</c>;
/// <c>/&lt;account&gt;&lt;path&gt;</c>; then each query parameter with its name lower-cased, sorted, its value
/// URL-decoded, as <c>name:value</c> (several values of one name sorted ordinally, then comma-joined, as the
/// Batch Shared Key documentation says). Lines are joined with <c>\n</c>.
/// A body-less POST, PUT, PATCH or DELETE is given an empty body, so <c>Content-Length: 0</c> is sent and
/// <c>0</c> is signed (what is signed is what goes on the wire).
/// </remarks>
internal sealed class BatchSharedKeyPolicy : HttpPipelineSynchronousPolicy
{
    private static readonly string[] StandardHeadersAfterContentLength =
    [
        "Content-MD5",
        "Content-Type",
        "Date",
        "If-Modified-Since",
        "If-Match",
        "If-None-Match",
        "If-Unmodified-Since",
        "Range",
    ];

    private readonly BatchSharedKeyCredential _credential;
    private readonly TimeProvider _timeProvider;

    internal BatchSharedKeyPolicy(BatchSharedKeyCredential credential, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _credential = credential;
        _timeProvider = timeProvider;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        Request request = message.Request;
        request.Headers.SetValue("ocp-date", _timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture));
        if (request.Content is null && HasBodySemantics(request.Method))
        {
            request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);
        }

        string stringToSign = BuildStringToSign(request, _credential.AccountName);
        request.Headers.SetValue(HttpHeader.Names.Authorization, "SharedKey " + _credential.AccountName + ":" + _credential.ComputeSignature(stringToSign));
    }

    internal static bool HasBodySemantics(RequestMethod method)
        => method == RequestMethod.Post || method == RequestMethod.Put || method == RequestMethod.Patch || method == RequestMethod.Delete;

    /// <summary>Builds the Shared Key string to sign for <paramref name="request"/> as it will be sent.</summary>
    internal static string BuildStringToSign(Request request, string accountName)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(accountName);

        var builder = new StringBuilder(256);
        builder.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        builder.Append(GetHeader(request, "Content-Encoding")).Append('\n');
        builder.Append(GetHeader(request, "Content-Language")).Append('\n');
        builder.Append(GetContentLength(request)).Append('\n');

        bool hasOcpDate = request.Headers.Contains("ocp-date");
        foreach (string name in StandardHeadersAfterContentLength)
        {
            if (!(hasOcpDate && name == "Date"))
            {
                builder.Append(GetHeader(request, name));
            }

            builder.Append('\n');
        }

        var ocpHeaders = new List<KeyValuePair<string, string>>();
        foreach (HttpHeader header in request.Headers)
        {
            if (header.Name.StartsWith("ocp-", StringComparison.OrdinalIgnoreCase))
            {
                ocpHeaders.Add(new(header.Name.ToLowerInvariant(), header.Value));
            }
        }

        ocpHeaders.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (KeyValuePair<string, string> header in ocpHeaders)
        {
            builder.Append(header.Key).Append(':').Append(header.Value).Append('\n');
        }

        string path = request.Uri.Path;
        builder.Append('/').Append(accountName).Append(string.IsNullOrEmpty(path) ? "/" : path);

        foreach (KeyValuePair<string, string> parameter in GetCanonicalQuery(request.Uri.Query))
        {
            builder.Append('\n').Append(parameter.Key).Append(':').Append(parameter.Value);
        }

        return builder.ToString();
    }

    /// <summary>Query parameters with lower-cased names, sorted ordinally, URL-decoded values, several values of one name sorted and comma-joined.</summary>
    internal static IReadOnlyList<KeyValuePair<string, string>> GetCanonicalQuery(string query)
    {
        var values = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        ReadOnlySpan<char> remaining = query.AsSpan().TrimStart('?');
        while (!remaining.IsEmpty)
        {
            int amp = remaining.IndexOf('&');
            ReadOnlySpan<char> pair = amp < 0 ? remaining : remaining[..amp];
            remaining = amp < 0 ? [] : remaining[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            int eq = pair.IndexOf('=');
            string name = Decode(eq < 0 ? pair : pair[..eq]).ToLowerInvariant();
            string value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            if (!values.TryGetValue(name, out List<string>? list))
            {
                list = [];
                values.Add(name, list);
            }

            list.Add(value);
        }

        var result = new List<KeyValuePair<string, string>>(values.Count);
        foreach (KeyValuePair<string, List<string>> entry in values)
        {
            entry.Value.Sort(StringComparer.Ordinal);
            result.Add(new(entry.Key, string.Join(',', entry.Value)));
        }

        return result;
    }

    private static string Decode(ReadOnlySpan<char> value) => WebUtility.UrlDecode(value.ToString());

    private static string GetHeader(Request request, string name)
        => request.Headers.TryGetValue(name, out string? value) ? value : string.Empty;

    private static string GetContentLength(Request request)
    {
        if (request.Content is null || !request.Content.TryComputeLength(out long length))
        {
            return string.Empty;
        }

        return length.ToString(CultureInfo.InvariantCulture);
    }
}
