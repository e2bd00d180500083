using System.Text.RegularExpressions;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>Removes secrets from text that is about to go into an exception message or a log.</summary>
internal static partial class SecretRedactor
{
    internal const string Redacted = "REDACTED";

    /// <summary>
    /// Redacts SAS signatures (<c>sig=</c> values), Shared Key and bearer credentials, MAC signatures the
    /// service echoes back, and any of <paramref name="knownSecrets"/> that occur verbatim.
    /// </summary>
    internal static string Redact(string text, IEnumerable<string>? knownSecrets = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return text;
        }

        if (knownSecrets is not null)
        {
            foreach (string secret in knownSecrets)
            {
                if (secret.Length >= 8)
                {
                    text = text.Replace(secret, Redacted, StringComparison.Ordinal);
                }
            }
        }

        text = SasSignature().Replace(text, "${name}" + Redacted);
        text = SharedKeyAuthorization().Replace(text, "${prefix}" + Redacted);
        text = BearerToken().Replace(text, "${prefix}" + Redacted);
        text = EchoedMacSignature().Replace(text, "${prefix}" + Redacted + "${suffix}");
        return text;
    }

    // sig=<value> in a query string, raw or URL-encoded (sig%3D...), up to the next separator.
    [GeneratedRegex(@"(?<name>(?:^|[?&;\s""'(]|%26|%3F)sig(?:=|%3D))[^&\s""'<>)]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SasSignature();

    [GeneratedRegex(@"(?<prefix>SharedKey\s+[^\s:]+:)[A-Za-z0-9+/=]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SharedKeyAuthorization();

    [GeneratedRegex(@"(?<prefix>Bearer\s+)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();

    // "The MAC signature found in the HTTP request '<signature>' is not the same as any computed signature."
    [GeneratedRegex(@"(?<prefix>MAC signature found in the HTTP request ')[^']*(?<suffix>')", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EchoedMacSignature();
}
