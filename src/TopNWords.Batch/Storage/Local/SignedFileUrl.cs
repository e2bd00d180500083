using System.Globalization;

namespace TopNWords.Batch.Storage.Local;

/// <summary>
/// The signed <c>file:</c> URLs of local folder storage, written and read only here: the shape of a blob SAS
/// without its signature, <c>file:///…/&lt;container&gt;[/&lt;blob&gt;]?se=&lt;expiry&gt;&amp;sr=&lt;b|c&gt;&amp;sp=&lt;permissions&gt;</c>.
/// <see cref="LocalFolderStorage"/> writes them; <see cref="Transfer.UrlTransfer"/> parses them and enforces their
/// permissions (<c>sp</c>) and expiry (<c>se</c>). An instance is the limits one URL carries.
/// </summary>
/// <param name="Permissions">The <c>sp</c> value: <c>r</c> read, <c>l</c> list, <c>c</c> create, <c>w</c> write.</param>
/// <param name="ExpiresOn">The <c>se</c> value, or <see langword="null"/> when the URL has none.</param>
internal sealed record SignedFileUrl(string Permissions, DateTimeOffset? ExpiresOn)
{
    /// <summary>Whether the URL allows reading the blob.</summary>
    public bool AllowsRead => Permissions.Contains('r', StringComparison.Ordinal);

    /// <summary>Whether the URL allows listing the container's blobs.</summary>
    public bool AllowsList => Permissions.Contains('l', StringComparison.Ordinal);

    /// <summary>Whether the URL allows writing new blobs (<c>c</c> or <c>w</c>).</summary>
    public bool AllowsCreate => Permissions.Contains('c', StringComparison.Ordinal) || AllowsOverwrite;

    /// <summary>Whether the URL allows replacing an existing blob (<c>w</c>).</summary>
    public bool AllowsOverwrite => Permissions.Contains('w', StringComparison.Ordinal);

    /// <summary>The read-only URL of a blob's file: <c>?se=&lt;expiry&gt;&amp;sr=b&amp;sp=r</c>.</summary>
    /// <param name="blobPath">The full path of the blob's file.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    public static Uri ForBlobRead(string blobPath, DateTimeOffset expiresOn) =>
        Create(blobPath, $"se={FormatExpiry(expiresOn)}&sr=b&sp=r", Path.DirectorySeparatorChar);

    /// <summary>The create/write URL of a container's folder: <c>?se=&lt;expiry&gt;&amp;sr=c&amp;sp=cw</c>.</summary>
    /// <param name="containerPath">The full path of the container's folder.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    public static Uri ForContainerWrite(string containerPath, DateTimeOffset expiresOn) =>
        Create(containerPath, $"se={FormatExpiry(expiresOn)}&sr=c&sp=cw", Path.DirectorySeparatorChar);

    /// <summary>The read/list URL of a container's folder: <c>?se=&lt;expiry&gt;&amp;sr=c&amp;sp=rl</c>.</summary>
    /// <param name="containerPath">The full path of the container's folder.</param>
    /// <param name="expiresOn">When the URL stops working.</param>
    public static Uri ForContainerRead(string containerPath, DateTimeOffset expiresOn) =>
        Create(containerPath, $"se={FormatExpiry(expiresOn)}&sr=c&sp=rl", Path.DirectorySeparatorChar);

    /// <summary>
    /// The limits a URL's query carries (<c>sp</c> and <c>se</c>), or <see langword="null"/> for a URL without
    /// <c>sp</c> (a plain file URL has no limits). An expiry that cannot be read counts as already passed.
    /// </summary>
    /// <param name="url">The URL.</param>
    public static SignedFileUrl? Parse(Uri url)
    {
        string? permissions = null;
        DateTimeOffset? expiresOn = null;
        foreach (string part in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string key = eq < 0 ? part : part[..eq];
            string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..]);
            if (key == "sp")
            {
                permissions = value;
            }
            else if (key == "se")
            {
                // Fail closed: an expiry that cannot be read counts as already passed.
                expiresOn = DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var e) ? e : DateTimeOffset.MinValue;
            }
        }

        return permissions is null ? null : new SignedFileUrl(permissions, expiresOn);
    }

    /// <summary>Whether the URL has expired at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresOn is { } expiry && now >= expiry;

    /// <summary>
    /// A <c>file:</c> URL of a full path whose folders are separated by <paramref name="separator"/> (testable on any
    /// OS), every segment percent-encoded, with <paramref name="query"/>.
    /// </summary>
    internal static Uri Create(string fullPath, string query, char separator)
    {
        string path = fullPath.Replace(separator, '/');
        string host = string.Empty;
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            // A UNC path: \\server\share\… is file://server/share/….
            int end = path.IndexOf('/', 2);
            host = end < 0 ? path[2..] : path[2..end];
            path = end < 0 ? "/" : path[end..];
        }
        else if (!path.StartsWith('/'))
        {
            // A drive path: C:/… is file:///C:/….
            path = "/" + path;
        }

        string[] segments = path.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            bool drive = i == 1 && host.Length == 0 && segments[i] is [_, ':'] && char.IsAsciiLetter(segments[i][0]);
            if (!drive)
            {
                segments[i] = Uri.EscapeDataString(segments[i]);
            }
        }

        return new Uri($"file://{host}{string.Join('/', segments)}?{query}");
    }

    private static string FormatExpiry(DateTimeOffset expiresOn) =>
        Uri.EscapeDataString(expiresOn.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
}
