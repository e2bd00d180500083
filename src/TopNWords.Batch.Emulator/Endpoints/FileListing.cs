using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <summary>
/// Lists the files of a task's folder or a node's folder as list task files and list node files do: entries
/// <c>{name, url, isDirectory, properties}</c> with <c>/</c>-separated names relative to the folder, its direct
/// children or (<c>recursive=true</c>) everything under it, in ordinal name order, depth first. The only
/// <c>$filter</c> is <c>startswith(name, '…')</c>. A symbolic link is listed only when its target resolves inside the
/// folder (with the target's properties) and is never descended into; a link that leads outside is left out and logged,
/// as <see cref="FileServing"/> refuses to serve it.
/// </summary>
internal static partial class FileListing
{
    private const string FileMode = "0100644";
    private const string DirectoryMode = "0040755";

    /// <summary>Reads the <c>recursive</c> query parameter (default <see langword="false"/>).</summary>
    /// <exception cref="BatchRequestException">400 <c>InvalidQueryParameterValue</c>.</exception>
    public static bool ParseRecursive(HttpRequest request)
    {
        if (!request.Query.TryGetValue("recursive", out var value) || string.IsNullOrEmpty(value.ToString()))
        {
            return false;
        }

        return bool.TryParse(value.ToString(), out bool recursive)
            ? recursive
            : throw BatchErrorResponses.InvalidQueryParameterValue("recursive", value.ToString(), "recursive must be true or false.");
    }

    /// <summary>Reads the <c>$filter</c> of a file list: <c>startswith(name, 'prefix')</c>, or none.</summary>
    /// <returns>The name prefix, or <see langword="null"/> for every file.</returns>
    /// <exception cref="BatchRequestException">400 <c>InvalidQueryParameterValue</c> for any other filter.</exception>
    public static string? ParseNamePrefix(HttpRequest request)
    {
        if (!request.Query.TryGetValue("$filter", out var value) || string.IsNullOrWhiteSpace(value.ToString()))
        {
            return null;
        }

        string text = value.ToString();
        Match match = StartsWithName().Match(text);
        return match.Success
            ? match.Groups["prefix"].Value.Replace("''", "'", StringComparison.Ordinal)
            : throw BatchErrorResponses.InvalidQueryParameterValue("$filter", text, "File lists take only startswith(name, '<prefix>'), such as startswith(name, 'wd/').");
    }

    /// <summary>The entries of a folder, each with its place in the listing (for paging).</summary>
    /// <param name="root">The listed folder.</param>
    /// <param name="urlBase">The URL of the folder's files (<c>…/files</c>); each entry's URL is this plus its escaped path.</param>
    /// <param name="recursive">Whether to list everything under the folder.</param>
    /// <param name="namePrefix">Only names that start with it (ordinal), or <see langword="null"/>.</param>
    /// <param name="onLinkRefused">Called with the name of every link left out because it leads outside the folder.</param>
    public static List<(long Sequence, JsonObject Item)> List(string root, string urlBase, bool recursive, string? namePrefix, Action<string> onLinkRefused)
    {
        var items = new List<(long, JsonObject)>();
        if (ConfinedPath.Resolve(root) is not { } boundary || !Directory.Exists(boundary))
        {
            return items;
        }

        Walk(new DirectoryInfo(boundary), string.Empty);
        return items;

        void Walk(DirectoryInfo folder, string relative)
        {
            FileSystemInfo[] entries;
            try
            {
                entries = [.. folder.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return; // removed or unreadable meanwhile: nothing to list there
            }

            foreach (var entry in entries)
            {
                string name = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                FileSystemInfo target = entry;
                bool isLink = ConfinedPath.IsLink(entry);
                if (isLink)
                {
                    string? resolved = ConfinedPath.ResolveInside(entry.FullName, boundary, out bool outside);
                    if (resolved is null)
                    {
                        if (outside)
                        {
                            onLinkRefused(name);
                        }

                        continue;
                    }

                    target = Directory.Exists(resolved) ? new DirectoryInfo(resolved) : new FileInfo(resolved);
                }

                bool isDirectory = target is DirectoryInfo;
                if (namePrefix is null || name.StartsWith(namePrefix, StringComparison.Ordinal))
                {
                    items.Add((items.Count + 1, Item(target, name, urlBase, isDirectory)));
                }

                if (recursive && isDirectory && !isLink)
                {
                    Walk((DirectoryInfo)target, name);
                }
            }
        }
    }

    private static JsonObject Item(FileSystemInfo entry, string name, string urlBase, bool isDirectory)
    {
        entry.Refresh();
        var file = new BatchNodeFile
        {
            Name = name,
            Url = urlBase + "/" + string.Join('/', name.Split('/').Select(Uri.EscapeDataString)),
            IsDirectory = isDirectory,
            Properties = new BatchNodeFileProperties
            {
                CreationTime = new DateTimeOffset(entry.CreationTimeUtc, TimeSpan.Zero),
                LastModified = new DateTimeOffset(entry.LastWriteTimeUtc, TimeSpan.Zero),
                ContentLength = entry is FileInfo info && info.Exists ? info.Length : 0,
                ContentType = isDirectory ? null : "application/octet-stream",
                FileMode = isDirectory ? DirectoryMode : FileMode,
            },
        };
        return WireJson.ToObject(file, WireJson.Context.BatchNodeFile);
    }

    [GeneratedRegex(@"^\s*startswith\s*\(\s*name\s*,\s*'(?<prefix>(?:[^']|'')*)'\s*\)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StartsWithName();
}
