using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <summary>
/// Serves files of a node or a task folder: <c>GET</c> streams the bytes, <c>HEAD</c> answers the properties, as
/// the service does (<c>ocp-creation-time</c>, <c>ocp-batch-file-isdirectory</c>, <c>ocp-batch-file-url</c>,
/// <c>ocp-batch-file-mode</c>, <c>ETag</c>, <c>Last-Modified</c>, <c>Content-Length</c>). A byte range comes as
/// <c>ocp-range: bytes=a-b</c> (answered 200, as the service's API documents) or as HTTP <c>Range</c> (answered 206);
/// both set <c>Content-Range</c>. Paths never leave the folder, not even through symbolic links: a path whose
/// links (the file itself or any folder on the way) resolve outside the node's folder is answered <c>404</c> as a
/// missing file, and logged; links whose targets stay inside the node's folder are followed.
/// </summary>
internal static class FileServing
{
    private const string MissingFile = "No file at this path (has the task or start task run and written it?).";

    /// <summary>
    /// The file path of <c>/pools/{p}/nodes/{n}/files/{path}</c> or <c>/jobs/{j}/tasks/{t}/files/{path}</c> as sent:
    /// the segments after the fifth, each URL-decoded once, with <c>\</c> read as <c>/</c>.
    /// </summary>
    public static string RelativePath(HttpContext context)
    {
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        int question = raw.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            raw = raw[..question];
        }

        string[] segments = raw.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length <= 5
            ? string.Empty
            : string.Join('/', segments.Skip(5).Select(Uri.UnescapeDataString)).Replace('\\', '/');
    }

    /// <summary>Answers a <c>GET</c> or <c>HEAD</c> of a file.</summary>
    /// <param name="context">The request.</param>
    /// <param name="root">The folder the path is relative to (a node's or a task's).</param>
    /// <param name="nodeRoot">The node's folder: links are followed only when their targets lie inside it.</param>
    /// <param name="relativePath">The path from <see cref="RelativePath"/>.</param>
    /// <param name="fileUrl">The file's URL, for <c>ocp-batch-file-url</c>.</param>
    /// <param name="logger">Where refused links are logged.</param>
    public static async Task ServeAsync(HttpContext context, string root, string nodeRoot, string relativePath, string fileUrl, ILogger logger)
    {
        string[] parts = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p is "." or "..") || relativePath.Contains('\0', StringComparison.Ordinal))
        {
            throw BatchErrorResponses.FileNotFound("The file path must name a file inside the folder, without '.' or '..' parts.");
        }

        string fullRoot = Path.GetFullPath(root);
        string full = Path.GetFullPath(Path.Combine([fullRoot, .. parts]));
        if (!full.StartsWith(Path.TrimEndingDirectorySeparator(fullRoot) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw BatchErrorResponses.FileNotFound("The file path leads outside the folder.");
        }

        // Every link on the way is resolved; one that leads out of the node's folder is refused as if nothing were there.
        bool outside = false;
        string? resolved = ConfinedPath.Resolve(nodeRoot) is { } boundary ? ConfinedPath.ResolveInside(full, boundary, out outside) : null;
        if (outside)
        {
            EmulatorLog.FileLinkRefused(logger, context.Request.Method, relativePath);
        }

        if (resolved is null)
        {
            throw BatchErrorResponses.FileNotFound(MissingFile);
        }

        var response = context.Response;
        if (Directory.Exists(resolved))
        {
            var directory = new DirectoryInfo(resolved);
            SetProperties(response, directory.CreationTimeUtc, directory.LastWriteTimeUtc, 0, fileUrl, isDirectory: true, "0040755");
            if (HttpMethods.IsHead(context.Request.Method))
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentLength = 0;
                return;
            }

            throw BatchErrorResponses.FileNotFound("The path is a directory; only files can be read.");
        }

        var file = new FileInfo(resolved);
        if (!file.Exists)
        {
            throw BatchErrorResponses.FileNotFound(MissingFile);
        }

        long length = file.Length;
        SetProperties(response, file.CreationTimeUtc, file.LastWriteTimeUtc, length, fileUrl, isDirectory: false, "0100644");
        response.ContentType = "application/octet-stream";

        string? ocpRange = context.Request.Headers["ocp-range"].ToString();
        string? httpRange = context.Request.Headers.Range.ToString();
        string? rangeText = !string.IsNullOrEmpty(ocpRange) ? ocpRange : !string.IsNullOrEmpty(httpRange) ? httpRange : null;
        long start = 0;
        long count = length;
        int status = StatusCodes.Status200OK;
        if (rangeText is not null)
        {
            (start, count) = ParseRange(rangeText, length, string.IsNullOrEmpty(ocpRange) ? "Range" : "ocp-range");
            response.Headers.ContentRange = $"bytes {start}-{start + count - 1}/{length}";
            status = string.IsNullOrEmpty(ocpRange) ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        }

        response.StatusCode = status;
        response.ContentLength = count;
        if (HttpMethods.IsHead(context.Request.Method) || count == 0)
        {
            return;
        }

        var stream = new FileStream(resolved, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            stream.Seek(start, SeekOrigin.Begin);
            byte[] buffer = new byte[64 * 1024];
            long remaining = count;
            while (remaining > 0)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break; // the file shrank meanwhile; the connection ends short
                }

                await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
                remaining -= read;
            }
        }
    }

    /// <summary>A <c>bytes=a-b</c>, <c>bytes=a-</c> or <c>bytes=-n</c> range, clipped to the file.</summary>
    private static (long Start, long Count) ParseRange(string text, long length, string header)
    {
        const string Prefix = "bytes=";
        string spec = text.Trim();
        if (!spec.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || spec.Contains(',', StringComparison.Ordinal))
        {
            throw BatchErrorResponses.InvalidHeaderValue(header, "Use one range of the form bytes=start-end.");
        }

        spec = spec[Prefix.Length..];
        int dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            throw BatchErrorResponses.InvalidHeaderValue(header, "Use one range of the form bytes=start-end.");
        }

        string first = spec[..dash].Trim();
        string last = spec[(dash + 1)..].Trim();
        long start;
        long end;
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long suffix) || suffix == 0)
            {
                throw BatchErrorResponses.InvalidHeaderValue(header, "Use one range of the form bytes=start-end.");
            }

            start = Math.Max(0, length - suffix);
            end = length - 1;
        }
        else
        {
            if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out start))
            {
                throw BatchErrorResponses.InvalidHeaderValue(header, "Use one range of the form bytes=start-end.");
            }

            if (last.Length == 0)
            {
                end = length - 1;
            }
            else if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                throw BatchErrorResponses.InvalidHeaderValue(header, "The end of the range is before its start.");
            }

            end = Math.Min(end, length - 1);
        }

        if (start >= length)
        {
            throw new BatchRequestException(416, BatchErrorCodes.InvalidRange, "The range specified is invalid for the current size of the resource.", ("RangeStart", start.ToString(CultureInfo.InvariantCulture)), ("FileLength", length.ToString(CultureInfo.InvariantCulture)));
        }

        return (start, end - start + 1);
    }

    private static void SetProperties(HttpResponse response, DateTime created, DateTime modified, long length, string fileUrl, bool isDirectory, string mode)
    {
        response.Headers["ocp-creation-time"] = Responses.HttpDate(new DateTimeOffset(created, TimeSpan.Zero));
        response.Headers.LastModified = Responses.HttpDate(new DateTimeOffset(modified, TimeSpan.Zero));
        response.Headers.ETag = Responses.ETag(new DateTimeOffset(modified, TimeSpan.Zero), length); // changes when the file is written
        response.Headers["ocp-batch-file-isdirectory"] = isDirectory ? "true" : "false";
        response.Headers["ocp-batch-file-url"] = fileUrl;
        response.Headers["ocp-batch-file-mode"] = mode;
    }
}
