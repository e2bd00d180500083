using System.Text.RegularExpressions;

namespace TopNWords.Batch.Internal;

/// <summary>Keeps SAS signatures and keys out of messages and logs.</summary>
internal static partial class SecretRedaction
{
    public const string Redacted = "REDACTED";

    /// <summary>The URL with the value of every <c>sig</c> query parameter replaced.</summary>
    public static string Redact(Uri? url) => url is null ? string.Empty : RedactText(url.OriginalString);

    /// <summary>Text with every <c>sig=…</c> value, <c>AccountKey=…</c> value and <c>SharedKey account:signature</c> replaced.</summary>
    public static string RedactText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        text = SigPattern().Replace(text, "$1" + Redacted);
        text = AccountKeyPattern().Replace(text, "$1" + Redacted);
        return SharedKeyPattern().Replace(text, "$1" + Redacted);
    }

    [GeneratedRegex(@"([?&]sig=)[^&#\s""']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SigPattern();

    [GeneratedRegex(@"(AccountKey=)[^;\s""']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AccountKeyPattern();

    [GeneratedRegex(@"(SharedKey [^:\s]+:)[A-Za-z0-9+/=]+", RegexOptions.CultureInvariant)]
    private static partial Regex SharedKeyPattern();
}
