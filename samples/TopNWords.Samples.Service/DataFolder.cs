namespace TopNWords.Samples.Service;

/// <summary>
/// The folder that input paths of <c>POST /runs</c> are relative to. A path is refused when it is absolute, has a
/// <c>..</c> part, does not exist, or leads outside the folder, through a symbolic link too (every link on the way is
/// followed to its final target, which must be inside the folder's own real path).
/// </summary>
internal sealed class DataFolder
{
    private const int MaxLinkHops = 40;
    private static readonly char[] Separators = ['/', '\\'];
    private readonly string _realPath;

    public DataFolder(string path)
    {
        FullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        _realPath = RealPath(FullPath) ?? FullPath;
    }

    /// <summary>Gets the folder's full path.</summary>
    public string FullPath { get; }

    /// <summary>Finds the file or folder an input names.</summary>
    /// <param name="input">The path, relative to the folder, with <c>/</c> (or <c>\</c>) between its parts.</param>
    /// <param name="fullPath">The path to give the workflow.</param>
    /// <returns>Why the input is refused (a sentence that names it), or null.</returns>
    public string? Resolve(string? input, out string fullPath)
    {
        fullPath = string.Empty;
        if (string.IsNullOrWhiteSpace(input))
        {
            return "An input is empty: give a file or folder path relative to the data folder.";
        }

        if (input.IndexOfAny(['\0', '\r', '\n']) >= 0)
        {
            return $"Input '{Printable(input)}' has a control character.";
        }

        if (Path.IsPathRooted(input) || input.StartsWith('/') || input.StartsWith('\\') || (input.Length >= 2 && input[1] == ':'))
        {
            return $"Input '{input}' is an absolute path: give a path relative to the data folder.";
        }

        if (input.Split(Separators).Contains(".."))
        {
            return $"Input '{input}' has a '..' part: give a path inside the data folder.";
        }

        string full = Path.GetFullPath(Path.Join(FullPath, input.Replace('\\', '/')));
        if (!IsInside(full, FullPath))
        {
            return $"Input '{input}' is outside the data folder.";
        }

        string? real = RealPath(full);
        if (real is null || (!File.Exists(real) && !Directory.Exists(real)))
        {
            return $"Input '{input}' does not exist in the data folder.";
        }

        if (!IsInside(real, _realPath))
        {
            return $"Input '{input}' leads outside the data folder (through a symbolic link).";
        }

        fullPath = full;
        return null;
    }

    /// <summary>Why a file an input folder holds is refused (it links outside the folder), or null.</summary>
    public string? CheckInside(string filePath, string name)
    {
        string? real = RealPath(Path.GetFullPath(filePath));
        return real is not null && IsInside(real, _realPath) ? null : $"Input '{name}' leads outside the data folder (through a symbolic link).";
    }

    private static bool IsInside(string path, string folder) =>
        string.Equals(path, folder, StringComparison.Ordinal) ||
        path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Printable(string text) => new([.. text.Select(c => char.IsControl(c) ? '?' : c)]);

    /// <summary>The path with every symbolic link on the way replaced by its final target; null for a cycle or too many links.</summary>
    private static string? RealPath(string fullPath)
    {
        int hops = 0;
        return Walk(fullPath);

        string? Walk(string path)
        {
            string root = Path.GetPathRoot(path) ?? string.Empty;
            string current = root;
            foreach (string part in path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Join(current, part);
                FileSystemInfo info = new FileInfo(current);
                if (info.LinkTarget is null)
                {
                    continue;
                }

                if (++hops > MaxLinkHops)
                {
                    return null;
                }

                string target = Path.IsPathRooted(info.LinkTarget) ? info.LinkTarget : Path.Join(Path.GetDirectoryName(current), info.LinkTarget);
                if (Walk(Path.GetFullPath(target)) is not { } resolved)
                {
                    return null;
                }

                current = resolved;
            }

            return current;
        }
    }
}
