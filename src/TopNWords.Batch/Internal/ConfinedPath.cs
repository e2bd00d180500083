namespace TopNWords.Batch.Internal;

/// <summary>
/// Containment checks that see through symbolic links: a path is resolved the way the operating system opens
/// it (every symbolic link or junction in every component, as <c>realpath(3)</c> does) and the result is
/// compared with an equally resolved folder. Files reached through a link are read only when the link's final
/// target stays inside the folder.
/// </summary>
/// <remarks>
/// Comparison is ordinal (case-sensitive) except on Windows, so on a case-insensitive file system a link that
/// names the folder in another case counts as outside: refused, never wrongly allowed. The check and the later
/// open are two steps; a process that swaps a file for a link in between is not stopped (the local compute has
/// killed the task's processes before it uploads).
/// </remarks>
internal static class ConfinedPath
{
    /// <summary>The most links followed while resolving one path (Linux's <c>MAXSYMLINKS</c>).</summary>
    private const int MaxLinks = 40;

    /// <summary>Marks, on the stack of names still to walk, the end of a link's target (compared by reference).</summary>
    private static readonly string EndOfLinkInside = new('\0', 1);

    private static readonly char[] Separators = OperatingSystem.IsWindows() ? ['\\', '/'] : ['/'];

    private static StringComparison Comparison => OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Resolves every link in every component of a path.</summary>
    /// <param name="path">The path; relative paths are taken from the current directory, and its own <c>..</c> parts lexically.</param>
    /// <returns>The path without links, or <see langword="null"/> when a component does not exist, a link's target is missing, or links loop.</returns>
    public static string? Resolve(string path) => ResolveCore(path, null, out _);

    private static string? ResolveCore(string path, string? resolvedFolder, out bool outside)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        outside = false;
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        string current = root;
        if (resolvedFolder is not null && IsInside(full, resolvedFolder))
        {
            // Within the resolved folder from the start: its own components were no links when it was resolved, so
            // the walk starts there (the common case of a task's file under its task folder walks only the rest).
            current = Path.TrimEndingDirectorySeparator(resolvedFolder);
            if (!Directory.Exists(current))
            {
                return null;
            }
        }

        Push(pending, full[current.Length..]);
        int links = 0;
        while (pending.TryPop(out string? name))
        {
            if (ReferenceEquals(name, EndOfLinkInside))
            {
                // the whole target of a link that lies inside the folder has been walked: it must end inside too
                if (!IsInside(current, resolvedFolder!))
                {
                    outside = true;
                    return null;
                }

                continue;
            }

            if (name.Length == 0 || name == ".")
            {
                continue;
            }

            if (name == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            string next = Path.Join(current, name);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                if (!Path.Exists(next))
                {
                    return null;
                }

                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (resolvedFolder is not null && IsInside(current, resolvedFolder))
            {
                pending.Push(EndOfLinkInside); // popped once the target below is resolved
            }

            string targetRoot = Path.GetPathRoot(target) ?? string.Empty;
            if (targetRoot.Length > 0)
            {
                current = Path.GetFullPath(targetRoot, current);
            }

            Push(pending, target[targetRoot.Length..]); // relative targets continue from the link's folder, which is current
        }

        if (resolvedFolder is not null && !IsInside(current, resolvedFolder))
        {
            outside = true;
            return null;
        }

        return current;
    }

    /// <summary>Whether a resolved path is a resolved folder or lies under it.</summary>
    /// <param name="resolvedPath">A path from <see cref="Resolve"/>.</param>
    /// <param name="resolvedFolder">A folder from <see cref="Resolve"/>.</param>
    /// <returns><see langword="true"/> when the path is inside the folder.</returns>
    public static bool IsInside(string resolvedPath, string resolvedFolder)
    {
        string folder = Path.TrimEndingDirectorySeparator(resolvedFolder);
        if (string.Equals(Path.TrimEndingDirectorySeparator(resolvedPath), folder, Comparison))
        {
            return true;
        }

        string prefix = PathPrefix.Of(folder);
        return resolvedPath.StartsWith(prefix, Comparison);
    }

    /// <summary>
    /// Resolves a path and returns it when it lies inside a resolved folder and no link located inside the folder
    /// (the entry itself or a folder on the way) has a target outside it, even when the rest of the path leads
    /// back in. Links above the folder (in the folder's own path) are simply followed.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <param name="resolvedFolder">A folder from <see cref="Resolve"/>.</param>
    /// <param name="outside"><see langword="true"/> when the path resolves, or a link on it leads, outside the folder.</param>
    /// <returns>The resolved path, or <see langword="null"/> when it is missing or outside.</returns>
    public static string? ResolveInside(string path, string resolvedFolder, out bool outside)
    {
        ArgumentException.ThrowIfNullOrEmpty(resolvedFolder);
        return ResolveCore(path, resolvedFolder, out outside);
    }

    /// <summary>Whether a file or folder is itself a symbolic link or junction (not whether its path goes through one).</summary>
    /// <param name="entry">The entry.</param>
    /// <returns><see langword="true"/> for a link.</returns>
    public static bool IsLink(FileSystemInfo entry) =>
        (entry.Attributes & FileAttributes.ReparsePoint) != 0 && entry.LinkTarget is not null; // the attribute comes with the enumeration: no system call for plain entries

    private static void Push(Stack<string> pending, string relative)
    {
        string[] names = relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        for (int i = names.Length - 1; i >= 0; i--)
        {
            pending.Push(names[i]);
        }
    }
}
