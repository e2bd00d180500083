using System.Text;
using System.Text.RegularExpressions;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

/// <summary>One file an output pattern matched.</summary>
/// <param name="FullPath">The file.</param>
/// <param name="RelativePath">Its path relative to the pattern's fixed folder, with <c>/</c> separators.</param>
internal sealed record OutputFileMatch(string FullPath, string RelativePath);

/// <summary>
/// An <see cref="OutputFileSpec.FilePattern"/> with Azure Batch's semantics on Linux: relative to the task's
/// working directory, <c>/</c> separates folders, <c>*</c> matches any characters but <c>/</c>, <c>?</c> one
/// character, <c>[abc]</c>/<c>[a-c]</c>/<c>[!abc]</c> one character of a set, a <c>**</c> segment any number
/// of folders (including none); wildcards do not match names that start with <c>.</c> unless the pattern's
/// segment does. A leading <c>..</c> reaches the task folder (e.g. <c>../stdout.txt</c>); nothing reaches
/// further out, not even through symbolic links: a link (to a file or a folder, as the matched entry or as any
/// folder on the way, including the pattern's fixed folders) is followed only when its final target resolves
/// inside the task folder; a link leading out is skipped (and reported, so the caller can log it) as if it
/// were not there. A <c>**</c> segment descends into real folders only, never into linked ones (as bash's
/// globstar), though it matches linked files that stay inside.
/// </summary>
internal sealed class OutputFilePattern
{
    private readonly string[] _fixed;
    private readonly Segment[] _wild;

    private OutputFilePattern(string text, string[] fixedSegments, Segment[] wildSegments)
    {
        Text = text;
        _fixed = fixedSegments;
        _wild = wildSegments;
    }

    /// <summary>Gets the pattern as written.</summary>
    public string Text { get; }

    /// <summary>Gets a value indicating whether the pattern has wildcards (otherwise it names one file).</summary>
    public bool HasWildcards => _wild.Length > 0;

    /// <summary>Parses a pattern.</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>The pattern.</returns>
    /// <exception cref="FormatException">The pattern is absolute, reaches outside the task folder, or names no file.</exception>
    public static OutputFilePattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (RecentPatterns.TryGetValue(pattern, out var known))
        {
            return known; // every task of a job usually has the same pattern: its regular expressions are built once
        }

        var parsed = ParseCore(pattern);
        if (RecentPatterns.Count < RecentPatternLimit)
        {
            RecentPatterns.TryAdd(pattern, parsed);
        }

        return parsed;
    }

    private const int RecentPatternLimit = 256;

    /// <summary>Patterns parsed already (immutable, and their regular expressions thread-safe), up to <see cref="RecentPatternLimit"/>.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, OutputFilePattern> RecentPatterns = new(StringComparer.Ordinal);

    private static OutputFilePattern ParseCore(string pattern)
    {
        if (pattern.StartsWith('/') || Path.IsPathRooted(pattern))
        {
            throw new FormatException($"Output file pattern '{pattern}' is absolute; local compute only accepts patterns relative to the task's working directory (use '../' to reach the task folder).");
        }

        var fixedSegments = new List<string>();
        var wild = new List<Segment>();
        int depth = 0;
        foreach (string segment in pattern.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (wild.Count > 0)
                {
                    throw new FormatException($"Output file pattern '{pattern}' has '..' after a wildcard.");
                }

                if (--depth < -1)
                {
                    throw new FormatException($"Output file pattern '{pattern}' reaches outside the task folder; at most one leading '..' (the task folder) is allowed.");
                }

                fixedSegments.Add(segment);
                continue;
            }

            if (wild.Count == 0 && !IsWildcard(segment))
            {
                depth++;
                fixedSegments.Add(segment);
            }
            else
            {
                wild.Add(Segment.Create(segment));
            }
        }

        if (wild.Count == 0 && (fixedSegments.Count == 0 || fixedSegments[^1] == ".." || pattern.EndsWith('/')))
        {
            throw new FormatException($"Output file pattern '{pattern}' names a folder, not files; add a file name or a wildcard such as '/*'.");
        }

        return new OutputFilePattern(pattern, [.. fixedSegments], [.. wild]);
    }

    /// <summary>The blob name of a match: <paramref name="path"/> itself for a single-file pattern (its file name when null);
    /// for a wildcard pattern the match's relative path, under <paramref name="path"/> when given.</summary>
    /// <param name="match">The match.</param>
    /// <param name="path">The spec's <see cref="OutputFileSpec.Path"/>.</param>
    /// <returns>The blob name.</returns>
    public string BlobName(OutputFileMatch match, string? path)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (!HasWildcards)
        {
            return string.IsNullOrEmpty(path) ? match.RelativePath : path;
        }

        return string.IsNullOrEmpty(path) ? match.RelativePath : path.TrimEnd('/') + "/" + match.RelativePath;
    }

    /// <summary>Finds the files the pattern matches, in ordinal order of their relative paths.</summary>
    /// <param name="workingDirectory">The task's working directory (a folder of the task folder).</param>
    /// <param name="skippedLinks">Receives, when given, the relative paths of matching symbolic links that were not followed because their target lies outside the task folder.</param>
    /// <returns>The matches; a match reached through a link has the link's relative path and the target's full path.</returns>
    public IReadOnlyList<OutputFileMatch> Match(string workingDirectory, ICollection<string>? skippedLinks = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        string wd = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory));
        if (Path.GetDirectoryName(wd) is not { } taskFolder || ConfinedPath.Resolve(taskFolder) is not { } confinement)
        {
            return [];
        }

        string start = Path.GetFullPath(Path.Combine([wd, .. _fixed]));
        string? resolved = ConfinedPath.ResolveInside(start, confinement, out bool outside);
        if (outside)
        {
            skippedLinks?.Add(_fixed.Length > 0 ? string.Join('/', _fixed) : ".");
            return [];
        }

        if (!HasWildcards)
        {
            return resolved is not null && File.Exists(resolved) ? [new OutputFileMatch(resolved, _fixed[^1])] : [];
        }

        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (resolved is not null && Directory.Exists(resolved))
        {
            new Walker(this, confinement, found, skippedLinks, string.Join('/', _fixed)).Walk(resolved, 0, string.Empty);
        }

        return [.. found.Select(p => new OutputFileMatch(p.Value, p.Key))];
    }

    private static bool IsWildcard(string segment) => segment.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    private static bool IsHidden(string name) => name.StartsWith('.');

    /// <summary>One match's walk over folders that are already resolved (no links in their paths) and inside the task folder.</summary>
    private sealed class Walker(OutputFilePattern pattern, string confinement, SortedDictionary<string, string> found, ICollection<string>? skippedLinks, string fixedPrefix)
    {
        public void Walk(string folder, int index, string relative)
        {
            var segment = pattern._wild[index];
            bool last = index == pattern._wild.Length - 1;
            var entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().ToList();
            if (segment.IsGlobStar)
            {
                if (last)
                {
                    foreach (var entry in entries)
                    {
                        if (entry is FileInfo && !IsHidden(entry.Name) && Follow(entry, relative) is { IsFolder: false } file)
                        {
                            found[relative + entry.Name] = file.FullPath;
                        }
                    }
                }
                else
                {
                    Walk(folder, index + 1, relative);
                }

                // '**' descends into real folders only (as bash's globstar): a linked folder is never walked into,
                // even when it stays inside, so links cannot make the walk loop. Links leading out are reported.
                foreach (var entry in entries)
                {
                    if (entry is DirectoryInfo && !IsHidden(entry.Name))
                    {
                        if (!ConfinedPath.IsLink(entry))
                        {
                            Walk(entry.FullName, index, relative + entry.Name + "/");
                        }
                        else
                        {
                            _ = Follow(entry, relative);
                        }
                    }
                }

                return;
            }

            foreach (var entry in entries)
            {
                // a link is classified by its target: FileInfo for a file (or nothing), DirectoryInfo for a folder
                if ((entry is DirectoryInfo) != last && segment.Matches(entry.Name) && Follow(entry, relative) is { } target)
                {
                    if (last && !target.IsFolder)
                    {
                        found[relative + entry.Name] = target.FullPath;
                    }
                    else if (!last && target.IsFolder)
                    {
                        Walk(target.FullPath, index + 1, relative + entry.Name + "/");
                    }
                }
            }
        }

        /// <summary>The entry itself, or the target of a link that stays inside the task folder; null for a link leading out or to nothing.</summary>
        private (string FullPath, bool IsFolder)? Follow(FileSystemInfo entry, string relative)
        {
            if (!ConfinedPath.IsLink(entry))
            {
                return (entry.FullName, entry is DirectoryInfo);
            }

            string? target = ConfinedPath.ResolveInside(entry.FullName, confinement, out bool outside);
            if (outside)
            {
                string path = fixedPrefix.Length == 0 ? relative + entry.Name : fixedPrefix + "/" + relative + entry.Name;
                if (skippedLinks is not null && !skippedLinks.Contains(path))
                {
                    skippedLinks.Add(path);
                }

                return null;
            }

            return target is null ? null : (target, Directory.Exists(target));
        }
    }

    private sealed class Segment
    {
        private readonly Regex? _regex;
        private readonly bool _matchesHidden;

        private Segment(Regex? regex, bool matchesHidden)
        {
            _regex = regex;
            _matchesHidden = matchesHidden;
        }

        public bool IsGlobStar => _regex is null;

        public static Segment Create(string text)
        {
            if (text == "**")
            {
                return new Segment(null, false);
            }

            var sb = new StringBuilder("^");
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                switch (c)
                {
                    case '*':
                        while (i + 1 < text.Length && text[i + 1] == '*')
                        {
                            i++;
                        }

                        sb.Append(".*");
                        break;
                    case '?':
                        sb.Append('.');
                        break;
                    case '[':
                        int close = text.IndexOf(']', i + 2 < text.Length ? i + 2 : text.Length);
                        if (close < 0)
                        {
                            sb.Append(@"\[");
                            break;
                        }

                        string set = text[(i + 1)..close];
                        bool negate = set.StartsWith('!') || set.StartsWith('^');
                        if (negate)
                        {
                            set = set[1..];
                        }

                        sb.Append('[');
                        if (negate)
                        {
                            sb.Append('^');
                        }

                        foreach (char s in set)
                        {
                            sb.Append(s is '\\' or '[' or ']' or '^' ? "\\" + s : s.ToString());
                        }

                        sb.Append(']');
                        i = close;
                        break;
                    default:
                        sb.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            sb.Append('$');
            return new Segment(new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline), text.StartsWith('.'));
        }

        public bool Matches(string name) =>
            (_matchesHidden || !IsHidden(name)) && _regex!.IsMatch(name);
    }
}
