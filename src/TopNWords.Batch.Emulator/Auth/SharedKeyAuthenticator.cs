using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Auth;

/// <summary>
/// Authenticates requests as the Batch service does: Shared Key (the string to sign rebuilt from the request as
/// it arrived, HMAC-SHA256 with the account key, the request's <c>ocp-date</c> or <c>Date</c> within the allowed
/// skew of the emulator's clock), or, when configured, a static bearer token (for tests of Entra ID clients).
/// </summary>
/// <remarks>
/// <para>
/// The string to sign: the verb; the lines Content-Encoding, Content-Language, Content-Length, Content-MD5,
/// Content-Type, Date (empty when <c>ocp-date</c> is sent), If-Modified-Since, If-Match, If-None-Match,
/// If-Unmodified-Since, Range; every <c>ocp-*</c> header lower-cased and sorted as <c>name:value</c>;
/// <c>/account/path</c> (the path as sent, percent-encoded); then each query parameter, name lower-cased, sorted,
/// value URL-decoded, as <c>name:value</c> (several values of one name sorted, then comma-joined); lines joined
/// with <c>\n</c>.
/// </para>
/// <para>
/// Only the variants a named official client sends are accepted besides: a body-less request signed with an empty
/// Content-Length line or with <c>0</c>, and query names signed as sent (@azure/batch 10.2.0). A string signed over
/// the decoded path, or any other variant, is refused: accepting it would hide a client's signing bug.
/// Failures never quote the key or the signature; the detail shows the string the server signed (no secret).
/// </para>
/// </remarks>
internal sealed class SharedKeyAuthenticator
{
    private static readonly string[] HeadersAfterContentLength =
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

    private readonly string _account;
    private readonly byte[] _key;
    private readonly byte[]? _bearerToken;
    private readonly TimeSpan _maxClockSkew;
    private readonly TimeProvider _time;

    public SharedKeyAuthenticator(string account, byte[] key, string? bearerToken, TimeSpan maxClockSkew, TimeProvider time)
    {
        _account = account;
        _key = key;
        _bearerToken = string.IsNullOrEmpty(bearerToken) ? null : Encoding.UTF8.GetBytes(bearerToken);
        _maxClockSkew = maxClockSkew;
        _time = time;
    }

    /// <summary>Checks a request; throws 403 <c>AuthenticationFailed</c> when it is not authentic.</summary>
    public void Authenticate(HttpContext context)
    {
        HttpRequest request = context.Request;
        string authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw BatchErrorResponses.AuthenticationFailed("The request has no Authorization header. Sign it with Shared Key (SharedKey <account>:<signature>)" + (_bearerToken is null ? "." : " or send a bearer token."));
        }

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            byte[] token = Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim());
            if (_bearerToken is null || !CryptographicOperations.FixedTimeEquals(token, _bearerToken))
            {
                throw BatchErrorResponses.AuthenticationFailed(_bearerToken is null
                    ? "Bearer tokens are not accepted by this emulator (start it with a bearer token to accept one); sign the request with Shared Key."
                    : "The bearer token is not valid for this account.");
            }

            return;
        }

        if (!authorization.StartsWith("SharedKey ", StringComparison.Ordinal))
        {
            throw BatchErrorResponses.AuthenticationFailed("The Authorization header is not of the form 'SharedKey <account>:<signature>'.");
        }

        string credential = authorization["SharedKey ".Length..];
        int colon = credential.LastIndexOf(':');
        if (colon <= 0)
        {
            throw BatchErrorResponses.AuthenticationFailed("The Authorization header is not of the form 'SharedKey <account>:<signature>'.");
        }

        string account = credential[..colon];
        if (!string.Equals(account, _account, StringComparison.Ordinal))
        {
            throw BatchErrorResponses.AuthenticationFailed($"The account '{account}' in the Authorization header is not this emulator's account.");
        }

        CheckDate(request);

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(credential[(colon + 1)..]);
        }
        catch (FormatException)
        {
            throw BatchErrorResponses.AuthenticationFailed("The signature in the Authorization header is not base64.");
        }

        string? primary = null;
        foreach (string candidate in StringsToSign(context))
        {
            primary ??= candidate;
            byte[] expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(candidate));
            if (CryptographicOperations.FixedTimeEquals(expected, signature))
            {
                return;
            }
        }

        throw BatchErrorResponses.AuthenticationFailed($"The MAC signature found in the HTTP request is not the same as any computed signature. Server used following string to sign: '{primary}'.");
    }

    private void CheckDate(HttpRequest request)
    {
        string name = request.Headers.ContainsKey("ocp-date") ? "ocp-date" : "Date";
        string value = request.Headers[name].ToString();
        if (string.IsNullOrEmpty(value))
        {
            throw BatchErrorResponses.AuthenticationFailed("The request has neither an ocp-date nor a Date header.");
        }

        if (!DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset date)
            && !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
        {
            throw BatchErrorResponses.AuthenticationFailed($"The {name} header '{value}' is not an RFC 1123 date.");
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (date < now - _maxClockSkew)
        {
            throw BatchErrorResponses.AuthenticationFailed($"Request date header too old: '{value}'. A request must reach the service within {_maxClockSkew.TotalMinutes:0} minutes of its {name}; check the client's clock.");
        }

        if (date > now + _maxClockSkew)
        {
            throw BatchErrorResponses.AuthenticationFailed($"Request date header too far in the future: '{value}'. Check the client's clock.");
        }
    }

    /// <summary>
    /// The string to sign as documented, then only the variants official clients are known to send (each named):
    /// the request's own path as sent (percent-encoded, never decoded) is always what is signed.
    /// </summary>
    private IEnumerable<string> StringsToSign(HttpContext context)
    {
        HttpRequest request = context.Request;
        string rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        int question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        string rawPath = question < 0 ? rawTarget : rawTarget[..question];
        string rawQuery = question < 0 ? string.Empty : rawTarget[(question + 1)..];
        if (rawPath.Length == 0)
        {
            rawPath = "/";
        }

        // A body-less request: Azure.Compute.Batch signs an empty Content-Length line for zero length, while
        // Microsoft.Azure.Batch (every body-less POST/PUT/PATCH/DELETE) and @azure/batch 10.2.0 (a body-less POST)
        // sign "0", whether or not "Content-Length: 0" goes on the wire.
        string contentLength = request.Headers["Content-Length"].ToString();
        string[] lengths = contentLength switch
        {
            "" => [string.Empty, "0"],
            "0" => ["0", string.Empty],
            _ => [contentLength],
        };

        // @azure/batch 10.2.0 (BatchSharedKeyCredentials._getCanonicalizedResource) signs query names as sent, not
        // lower-cased, with the values of a repeated name in the order sent; it sends timeOut (the swagger's name).
        string canonical = CanonicalQuery(rawQuery, QueryForm.Documented);
        string javaScript = CanonicalQuery(rawQuery, QueryForm.AzureBatchJavaScript);
        string[] queries = canonical == javaScript ? [canonical] : [canonical, javaScript];

        foreach (string query in queries)
        {
            foreach (string length in lengths)
            {
                yield return Build(request, length, rawPath, query);
            }
        }
    }

    private string Build(HttpRequest request, string contentLength, string path, string canonicalQuery)
    {
        var builder = new StringBuilder(256);
        builder.Append(request.Method.ToUpperInvariant()).Append('\n');
        builder.Append(request.Headers.ContentEncoding.ToString()).Append('\n');
        builder.Append(request.Headers.ContentLanguage.ToString()).Append('\n');
        builder.Append(contentLength).Append('\n');
        bool hasOcpDate = request.Headers.ContainsKey("ocp-date");
        foreach (string name in HeadersAfterContentLength)
        {
            if (!(hasOcpDate && name == "Date"))
            {
                builder.Append(request.Headers[name].ToString());
            }

            builder.Append('\n');
        }

        var ocp = request.Headers
            .Where(h => h.Key.StartsWith("ocp-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: h.Value.ToString()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach ((string name, string value) in ocp)
        {
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        builder.Append('/').Append(_account).Append(path);
        builder.Append(canonicalQuery);
        return builder.ToString();
    }

    /// <summary>
    /// The query lines (each starting with <c>\n</c>), names sorted ordinally. <see cref="QueryForm.Documented"/>:
    /// names and values URL-decoded, names lower-cased, the values of one name sorted and comma-joined.
    /// </summary>
    internal static string CanonicalQuery(string rawQuery, QueryForm form)
    {
        var values = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string pair in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
            if (form == QueryForm.Documented)
            {
                name = name.ToLowerInvariant();
            }

            string value = eq < 0 ? string.Empty : WebUtility.UrlDecode(pair[(eq + 1)..]);
            if (!values.TryGetValue(name, out List<string>? list))
            {
                list = [];
                values.Add(name, list);
            }

            list.Add(value);
        }

        var builder = new StringBuilder();
        foreach (KeyValuePair<string, List<string>> entry in values)
        {
            if (form == QueryForm.Documented)
            {
                entry.Value.Sort(StringComparer.Ordinal);
            }

            builder.Append('\n').Append(entry.Key).Append(':').Append(string.Join(',', entry.Value));
        }

        return builder.ToString();
    }
}

/// <summary>How the query part of the string to sign is built.</summary>
internal enum QueryForm
{
    /// <summary>The documented rule: names lower-cased, several values of one name sorted, then comma-joined.</summary>
    Documented,

    /// <summary>What @azure/batch 10.2.0 signs: names as sent, several values in the order sent.</summary>
    AzureBatchJavaScript,
}
