using System.IO.Enumeration;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Xml;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Transfer;

/// <summary>
/// The default <see cref="IUrlTransfer"/>: <c>file:</c> URLs are read and written directly (honouring the
/// <c>sp</c> and <c>se</c> limits local storage puts on them); <c>http(s):</c> URLs are blob SAS URLs,
/// read with <c>GET</c> and written with <c>PUT</c> (<c>x-ms-blob-type: BlockBlob</c>), streaming.
/// </summary>
public sealed class UrlTransfer : IUrlTransfer, IDisposable
{
    private const string BlobServiceVersion = "2021-12-02";
    private const int MaxAttempts = 4;

    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a new instance of the <see cref="UrlTransfer"/> class.</summary>
    /// <param name="httpClient">The client for <c>http(s):</c> URLs, or <see langword="null"/> to create one.</param>
    /// <param name="timeProvider">The clock for expiry checks and retry waits, or <see langword="null"/> for the system clock.</param>
    public UrlTransfer(HttpClient? httpClient = null, TimeProvider? timeProvider = null)
    {
        _ownsHttpClient = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task DownloadAsync(Uri sourceUrl, string destinationPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceUrl);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(destinationPath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        if (sourceUrl.IsFile)
        {
            CheckFileUrl(sourceUrl, write: false);
            string source = sourceUrl.LocalPath;
            if (!File.Exists(source))
            {
                throw new UrlTransferException(UrlTransferErrorKind.NotFound, $"The blob at {SecretRedaction.Redact(sourceUrl)} does not exist. Check that the input was staged and its container not deleted.");
            }

            await CopyFileAsync(source, destinationPath, cancellationToken).ConfigureAwait(false);
            return;
        }

        RequireHttp(sourceUrl);
        await SendWithRetriesAsync(
            sourceUrl,
            "download",
            () => new HttpRequestMessage(HttpMethod.Get, sourceUrl),
            async (response, ct) =>
            {
                var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    await WriteAtomicallyAsync(stream, destinationPath, ct).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task UploadAsync(Uri containerUrl, string blobName, string sourcePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(containerUrl);
        ArgumentException.ThrowIfNullOrEmpty(sourcePath);
        string? nameError = StorageNames.ValidateBlobName(blobName);
        if (nameError is not null)
        {
            throw new UrlTransferException(UrlTransferErrorKind.Other, nameError);
        }

        if (containerUrl.IsFile)
        {
            var limits = CheckFileUrl(containerUrl, write: true);
            string containerPath = containerUrl.LocalPath.TrimEnd('/');
            if (!Directory.Exists(containerPath))
            {
                throw new UrlTransferException(UrlTransferErrorKind.NotFound, $"The container at {SecretRedaction.Redact(containerUrl)} does not exist.");
            }

            string target = Path.Combine(containerPath, blobName.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(target) && limits is { AllowsOverwrite: false })
            {
                throw new UrlTransferException(UrlTransferErrorKind.Forbidden, $"Blob '{blobName}' already exists and the URL {SecretRedaction.Redact(containerUrl)} only allows creating new blobs.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await CopyFileAsync(sourcePath, target, cancellationToken).ConfigureAwait(false);
            return;
        }

        RequireHttp(containerUrl);
        var blobUrl = BlobUrl(containerUrl, blobName);
        await SendWithRetriesAsync(
            blobUrl,
            "upload",
            () =>
            {
                // Unbuffered: the request content copies through a buffer of its own (no second 80 KB buffer per upload).
                var stream = new FileStream(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
                var request = new HttpRequestMessage(HttpMethod.Put, blobUrl) { Content = new StreamContent(stream) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                request.Content.Headers.ContentLength = stream.Length;
                request.Headers.Add("x-ms-blob-type", "BlockBlob");
                request.Headers.Add("x-ms-version", BlobServiceVersion);
                return request;
            },
            static (_, _) => Task.CompletedTask,
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A <c>file:</c> URL (of <see cref="LocalFolderStorage.GetContainerReadUrlAsync"/>) must carry <c>l</c> in its
    /// <c>sp</c> and not have expired; its folder's files are listed (hidden temporary files of uploads in progress
    /// are not blobs). An <c>http(s):</c> URL is listed with the Blob service's List Blobs operation
    /// (<c>restype=container&amp;comp=list</c>), following <c>NextMarker</c>. Messages show the container URL without its query.
    /// </remarks>
    public async IAsyncEnumerable<string> ListBlobsAsync(Uri containerUrl, string? prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(containerUrl);
        prefix ??= string.Empty;
        string display = containerUrl.GetLeftPart(UriPartial.Path);
        if (containerUrl.IsFile)
        {
            foreach (string name in ListFolder(containerUrl, prefix, display))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return name;
            }

            yield break;
        }

        RequireHttp(containerUrl);
        string? marker = null;
        do
        {
            var page = new List<string>();
            string? next = null;
            var listUrl = ListUrl(containerUrl, prefix, marker);
            await SendWithRetriesAsync(
                listUrl,
                "listing",
                () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, listUrl);
                    request.Headers.Add("x-ms-version", BlobServiceVersion);
                    return request;
                },
                async (response, ct) =>
                {
                    var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        next = await ReadListPageAsync(stream, page, display, ct).ConfigureAwait(false);
                    }
                },
                cancellationToken,
                $"container {display}").ConfigureAwait(false);
            foreach (string name in page)
            {
                yield return name;
            }

            marker = string.IsNullOrEmpty(next) ? null : next;
        }
        while (marker is not null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    /// <summary>The URL of blob <paramref name="blobName"/> in the container at <paramref name="containerUrl"/>, keeping its query.</summary>
    internal static Uri BlobUrl(Uri containerUrl, string blobName)
    {
        string escaped = string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
        var builder = new UriBuilder(containerUrl);
        builder.Path = builder.Path.TrimEnd('/') + "/" + escaped;
        return builder.Uri;
    }

    /// <summary>The List Blobs URL of a container URL: its query (the SAS) with <c>restype=container&amp;comp=list</c>, the prefix and the marker.</summary>
    internal static Uri ListUrl(Uri containerUrl, string prefix, string? marker)
    {
        var builder = new UriBuilder(containerUrl);
        string query = builder.Query.TrimStart('?');
        var parts = new List<string>(5);
        if (query.Length > 0)
        {
            parts.Add(query);
        }

        parts.Add("restype=container&comp=list&maxresults=5000");
        if (prefix.Length > 0)
        {
            parts.Add("prefix=" + Uri.EscapeDataString(prefix));
        }

        if (marker is not null)
        {
            parts.Add("marker=" + Uri.EscapeDataString(marker));
        }

        builder.Query = string.Join('&', parts);
        return builder.Uri;
    }

    /// <summary>Reads one List Blobs page (<c>EnumerationResults</c>): adds its blob names and returns its <c>NextMarker</c>.</summary>
    private static async Task<string?> ReadListPageAsync(Stream content, List<string> names, string display, CancellationToken cancellationToken)
    {
        string? next = null;
        var settings = new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreWhitespace = true };
        try
        {
            using var reader = XmlReader.Create(content, settings);
            int depth = -1;
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (reader.Name == "Blob")
                {
                    depth = reader.Depth;
                }
                else if (reader.Name == "Name" && depth >= 0 && reader.Depth == depth + 1)
                {
                    names.Add(await reader.ReadElementContentAsStringAsync().ConfigureAwait(false));
                    depth = -1;
                }
                else if (reader.Name == "NextMarker" && !reader.IsEmptyElement)
                {
                    next = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                }
            }
        }
        catch (XmlException ex)
        {
            throw new UrlTransferException(UrlTransferErrorKind.Other, $"The listing of container {display} is not a List Blobs response: {ex.Message}", ex);
        }

        return next;
    }

    /// <summary>The blob names of a local container folder under a prefix, in ordinal order.</summary>
    private List<string> ListFolder(Uri containerUrl, string prefix, string display)
    {
        CheckFileUrl(containerUrl, 'l', "listing", display);
        string containerPath = Path.TrimEndingDirectorySeparator(containerUrl.LocalPath);
        if (!Directory.Exists(containerPath))
        {
            throw new UrlTransferException(UrlTransferErrorKind.NotFound, $"The container at {display} does not exist. Check that it was created and not deleted.");
        }

        int nameStart = containerPath.Length + 1;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false, ReturnSpecialDirectories = false };
        var files = new FileSystemEnumerable<string>(
            containerPath,
            (ref FileSystemEntry entry) => LocalBlobPaths.BlobName(ref entry, nameStart),
            options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && !LocalBlobPaths.IsTemporaryFileName(entry.FileName),
        };
        var names = files.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    private static void RequireHttp(Uri url)
    {
        if (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)
        {
            throw new UrlTransferException(UrlTransferErrorKind.UnsupportedScheme, $"URL scheme '{url.Scheme}' is not supported ({SecretRedaction.Redact(url)}); use a file:, http: or https: URL.");
        }
    }

    /// <summary>Enforces the <c>sp</c> (permissions) and <c>se</c> (expiry) a <c>file:</c> URL carries; a plain file URL has no limits.</summary>
    private SignedFileUrl? CheckFileUrl(Uri url, bool write) => CheckFileUrl(url, write ? 'c' : 'r', write ? "writing" : "reading");

    /// <summary>Enforces the expiry and one permission (<c>r</c>, <c>l</c> or <c>c</c>) of a <c>file:</c> URL.</summary>
    private SignedFileUrl? CheckFileUrl(Uri url, char permission, string verb, string? display = null)
    {
        display ??= SecretRedaction.Redact(url);
        var limits = SignedFileUrl.Parse(url);
        if (limits is null)
        {
            return null;
        }

        if (limits.IsExpiredAt(_timeProvider.GetUtcNow()))
        {
            throw new UrlTransferException(UrlTransferErrorKind.Forbidden, $"The URL {display} expired at {limits.ExpiresOn.GetValueOrDefault():u}. Ask the storage for a new one.");
        }

        bool allowed = permission switch
        {
            'c' => limits.AllowsCreate,
            'l' => limits.AllowsList,
            _ => limits.AllowsRead,
        };
        if (!allowed)
        {
            throw new UrlTransferException(UrlTransferErrorKind.Forbidden, $"The URL {display} does not allow {verb} (permissions '{limits.Permissions}').");
        }

        return limits;
    }

    private async Task SendWithRetriesAsync(Uri url, string what, Func<HttpRequestMessage> createRequest, Func<HttpResponseMessage, CancellationToken, Task> onSuccess, CancellationToken cancellationToken, string? display = null)
    {
        display ??= SecretRedaction.Redact(url);
        for (int attempt = 1; ; attempt++)
        {
            TimeSpan delay;
            try
            {
                using var request = createRequest();
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    await onSuccess(response, cancellationToken).ConfigureAwait(false);
                    return;
                }

                var kind = response.StatusCode switch
                {
                    HttpStatusCode.NotFound => UrlTransferErrorKind.NotFound,
                    HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized => UrlTransferErrorKind.Forbidden,
                    _ => UrlTransferErrorKind.Other,
                };
                bool transient = (int)response.StatusCode is 408 or 429 or 500 or 502 or 503 or 504;
                if (!transient || attempt >= MaxAttempts)
                {
                    string code = response.Headers.TryGetValues("x-ms-error-code", out var codes) ? string.Join(",", codes) : response.ReasonPhrase ?? string.Empty;
                    throw new UrlTransferException(kind, $"The {what} of {display} failed: {(int)response.StatusCode} {code}.{Advice(kind)}");
                }

                delay = response.Headers.RetryAfter?.Delta ?? Backoff(attempt);
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                delay = Backoff(attempt);
            }
            catch (HttpRequestException ex)
            {
                throw new UrlTransferException(UrlTransferErrorKind.Unavailable, $"The {what} of {display} failed: {SecretRedaction.RedactText(ex.Message)}. Check that the storage endpoint is reachable.");
            }

            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1));

    private static string Advice(UrlTransferErrorKind kind) => kind switch
    {
        UrlTransferErrorKind.Forbidden => " The URL may have expired or not grant this operation.",
        UrlTransferErrorKind.NotFound => " The blob or its container does not exist.",
        _ => string.Empty,
    };

    private static async Task CopyFileAsync(string source, string destination, CancellationToken cancellationToken)
    {
        // Unbuffered streams and one pooled copy buffer no larger than the file: a task's input and output files are
        // often a few hundred bytes, and two 80 KB FileStream buffers per file were most of what a copy allocated.
        var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (input.ConfigureAwait(false))
        {
            await WriteAtomicallyAsync(input, destination, cancellationToken, (int)Math.Clamp(input.Length + 1, 1, 81920)).ConfigureAwait(false);
        }
    }

    /// <summary>Writes to a temporary file beside the destination and renames it into place, so no partial file is ever seen.</summary>
    private static async Task WriteAtomicallyAsync(Stream content, string destination, CancellationToken cancellationToken, int copyBufferSize = 81920)
    {
        // A short name whatever the destination's length; local folder storage hides this shape from listings.
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(destination))!, $".transfer.{Guid.NewGuid():N}.partial");
        try
        {
            var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            await using (output.ConfigureAwait(false))
            {
                await content.CopyToAsync(output, copyBufferSize, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
