using System.Text.RegularExpressions;

namespace TopNWords.Batch.Internal;

/// <summary>
/// Keeps secrets out of exception messages and logs: SAS signatures, storage account keys, Shared Key and bearer
/// credentials, MAC signatures a service echoes back, and secrets the caller knows verbatim. Compiled into each
/// package that needs it (internal in each).
/// </summary>
internal static partial class SecretRedaction
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Redacted = "REDACTED";

    /// <summary>Known secrets shorter than this are not searched for: they would match ordinary text.</summary>
    private const int MinimumKnownSecretLength = 8;

    /// <summary>The URL with the value of every <c>sig</c> query parameter replaced.</summary>
    public static string Redact(Uri? url) => url is null ? string.Empty : RedactText(url.OriginalString);

    /// <summary>
    /// Text with every SAS signature (<c>sig=</c> value, raw or URL-encoded), <c>AccountKey=</c> value, Shared Key and
    /// bearer credential and echoed MAC signature replaced, and every one of <paramref name="knownSecrets"/> (of at
    /// least 8 characters) that occurs verbatim.
    /// </summary>
    /// <param name="text">The text; <see langword="null"/> is empty.</param>
    /// <param name="knownSecrets">Values that must not appear (the request's credential, a key), or <see langword="null"/>.</param>
    public static string RedactText(string? text, IEnumerable<string>? knownSecrets = null)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        if (knownSecrets is not null)
        {
            foreach (string secret in knownSecrets)
            {
                if (secret is { Length: >= MinimumKnownSecretLength })
                {
                    text = text.Replace(secret, Redacted, StringComparison.Ordinal);
                }
            }
        }

        text = SasSignature().Replace(text, "${name}" + Redacted);
        text = AccountKey().Replace(text, "${prefix}" + Redacted);
        text = SharedKeyAuthorization().Replace(text, "${prefix}" + Redacted);
        text = BearerToken().Replace(text, "${prefix}" + Redacted);
        return EchoedMacSignature().Replace(text, "${prefix}" + Redacted + "${suffix}");
    }

    // sig=<value> in a query string, raw or URL-encoded (sig%3D...), up to the next separator.
    [GeneratedRegex(@"(?<name>(?:^|[?&;\s""'(]|%26|%3F)sig(?:=|%3D))[^&#\s""'<>)]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SasSignature();

    [GeneratedRegex(@"(?<prefix>AccountKey=)[^;\s""']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AccountKey();

    [GeneratedRegex(@"(?<prefix>SharedKey\s+[^\s:]+:)[A-Za-z0-9+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SharedKeyAuthorization();

    [GeneratedRegex(@"(?<prefix>Bearer\s+)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();

    // "The MAC signature found in the HTTP request '<signature>' is not the same as any computed signature."
    [GeneratedRegex(@"(?<prefix>MAC signature found in the HTTP request ')[^']*(?<suffix>')", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EchoedMacSignature();
}
