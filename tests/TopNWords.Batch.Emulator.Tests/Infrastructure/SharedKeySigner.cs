using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace TopNWords.Batch.Emulator.Tests.Infrastructure;

/// <summary>
/// An independent Shared Key signer for raw <see cref="HttpClient"/> requests, written from the documented rule
/// (not the product's policy), so the emulator's verification is checked against the documentation too.
/// </summary>
internal sealed class SharedKeySigner(string account, string base64Key, TimeProvider time) : DelegatingHandler(new HttpClientHandler())
{
    /// <summary>Gets or sets a value indicating whether requests are signed (false: sent as they are).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets a key to sign with instead of the right one.</summary>
    public string? OverrideKey { get; set; }

    /// <summary>Gets or sets how far the <c>ocp-date</c> is moved from the clock.</summary>
    public TimeSpan DateOffset { get; set; }

    /// <summary>Gets or sets a rewrite of the documented string to sign (to sign what a buggy client would), or <see langword="null"/>.</summary>
    public Func<HttpRequestMessage, string, string>? RewriteStringToSign { get; set; }

    public static string StringToSign(HttpRequestMessage request, string account)
    {
        string Header(string name)
        {
            if (request.Headers.TryGetValues(name, out var values))
            {
                return string.Join(",", values);
            }

            return request.Content?.Headers.TryGetValues(name, out var contentValues) == true ? string.Join(",", contentValues) : string.Empty;
        }

        long? length = request.Content?.Headers.ContentLength;
        var sb = new StringBuilder();
        sb.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        sb.Append(Header("Content-Encoding")).Append('\n');
        sb.Append(Header("Content-Language")).Append('\n');
        sb.Append(length is null ? string.Empty : length.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(Header("Content-MD5")).Append('\n');
        sb.Append(Header("Content-Type")).Append('\n');
        sb.Append(request.Headers.Contains("ocp-date") ? string.Empty : Header("Date")).Append('\n');
        foreach (string name in new[] { "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range" })
        {
            sb.Append(Header(name)).Append('\n');
        }

        foreach (var header in request.Headers.Where(h => h.Key.StartsWith("ocp-", StringComparison.OrdinalIgnoreCase)).OrderBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal))
        {
            sb.Append(header.Key.ToLowerInvariant()).Append(':').Append(string.Join(",", header.Value)).Append('\n');
        }

        sb.Append('/').Append(account).Append(request.RequestUri!.AbsolutePath);
        var query = request.RequestUri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .GroupBy(p => WebUtility.UrlDecode(p[0]).ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in query)
        {
            sb.Append('\n').Append(group.Key).Append(':').Append(string.Join(",", group.Select(p => p.Length > 1 ? WebUtility.UrlDecode(p[1]) : string.Empty).Order(StringComparer.Ordinal)));
        }

        return sb.ToString();
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            request.Headers.Remove("ocp-date");
            request.Headers.Add("ocp-date", (time.GetUtcNow() + DateOffset).ToString("r", CultureInfo.InvariantCulture));
            string signature = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(OverrideKey ?? base64Key), Encoding.UTF8.GetBytes(Rewrite(request, StringToSign(request, account)))));
            request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {account}:{signature}");
        }

        return base.SendAsync(request, cancellationToken);
    }

    private string Rewrite(HttpRequestMessage request, string stringToSign) =>
        RewriteStringToSign is { } rewrite ? rewrite(request, stringToSign) : stringToSign;
}
