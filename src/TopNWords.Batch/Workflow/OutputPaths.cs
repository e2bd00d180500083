using System.Text;

namespace TopNWords.Batch;

/// <summary>Maps output blob names onto local paths that always stay inside the download folder.</summary>
internal static class OutputPaths
{
    private static readonly char[] Invalid = [.. Path.GetInvalidFileNameChars(), '\\', ':', '*', '?', '"', '<', '>', '|'];

    /// <summary>
    /// A relative path for a blob name: each <c>/</c> segment keeps its characters except those not allowed
    /// in file names (replaced by <c>_</c>); empty, <c>.</c> and <c>..</c> segments become <c>_</c>.
    /// </summary>
    public static string SafeRelativePath(string blobName)
    {
        var segments = blobName.Split('/').Select(segment =>
        {
            if (segment.Length == 0 || segment == "." || segment == "..")
            {
                return "_";
            }

            var sb = new StringBuilder(segment.Length);
            foreach (char c in segment)
            {
                sb.Append(Array.IndexOf(Invalid, c) >= 0 || char.IsControl(c) ? '_' : c);
            }

            return sb.ToString();
        });
        return Path.Combine([.. segments]);
    }

    /// <summary>
    /// Where, relative to the download folder, an output of an input's task goes: in the input's own subfolder
    /// (<c>a/</c> for the input <c>a/x.txt</c>), so that inputs with the same file name in different folders never
    /// clash; sanitised as <see cref="SafeRelativePath"/>.
    /// </summary>
    /// <param name="inputName">The input's name (<see cref="BatchInput.Name"/>).</param>
    /// <param name="outputName">The output's blob name relative to its task's prefix.</param>
    public static string ForInput(string inputName, string outputName)
    {
        int slash = inputName.LastIndexOf('/');
        return SafeRelativePath(slash < 0 ? outputName : string.Concat(inputName.AsSpan(0, slash + 1), outputName));
    }

    /// <summary>Whether <paramref name="fullPath"/> is strictly inside <paramref name="folder"/>.</summary>
    public static bool IsUnder(string fullPath, string folder)
    {
        string root = Path.GetFullPath(folder);
        if (!root.EndsWith(Path.DirectorySeparatorChar))
        {
            root += Path.DirectorySeparatorChar;
        }

        return Path.GetFullPath(fullPath).StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }
}
