using System.Text;
using System.Text.RegularExpressions;

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
/// further out.
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
    /// <param name="workingDirectory">The task's working directory.</param>
    /// <returns>The matches.</returns>
    public IReadOnlyList<OutputFileMatch> Match(string workingDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        if (!HasWildcards)
        {
            string file = Path.GetFullPath(Path.Combine([workingDirectory, .. _fixed]));
            return File.Exists(file) ? [new OutputFileMatch(file, _fixed[^1])] : [];
        }

        string root = Path.GetFullPath(Path.Combine([workingDirectory, .. _fixed]));
        var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (Directory.Exists(root))
        {
            Walk(root, 0, string.Empty, found);
        }

        return [.. found.Select(p => new OutputFileMatch(p.Value, p.Key))];
    }

    private static bool IsWildcard(string segment) => segment.AsSpan().IndexOfAny('*', '?', '[') >= 0;

    private static bool IsHidden(string name) => name.StartsWith('.');

    private static bool IsLinkedFolder(string path) => (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;

    private void Walk(string folder, int index, string relative, SortedDictionary<string, string> found)
    {
        var segment = _wild[index];
        bool last = index == _wild.Length - 1;
        if (segment.IsGlobStar)
        {
            if (last)
            {
                foreach (string file in Directory.EnumerateFiles(folder))
                {
                    string name = Path.GetFileName(file);
                    if (!IsHidden(name))
                    {
                        found[relative + name] = file;
                    }
                }
            }
            else
            {
                Walk(folder, index + 1, relative, found);
            }

            foreach (string sub in Directory.EnumerateDirectories(folder))
            {
                string name = Path.GetFileName(sub);
                if (!IsHidden(name) && !IsLinkedFolder(sub))
                {
                    Walk(sub, index, relative + name + "/", found);
                }
            }

            return;
        }

        if (last)
        {
            foreach (string file in Directory.EnumerateFiles(folder))
            {
                string name = Path.GetFileName(file);
                if (segment.Matches(name))
                {
                    found[relative + name] = file;
                }
            }

            return;
        }

        foreach (string sub in Directory.EnumerateDirectories(folder))
        {
            string name = Path.GetFileName(sub);
            if (segment.Matches(name))
            {
                Walk(sub, index + 1, relative + name + "/", found);
            }
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
