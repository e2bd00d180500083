using System.Buffers;
using System.Text;
using System.Text.Json;
using TopNWords.Batch.Internal;

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
        string root = PathPrefix.Of(Path.GetFullPath(folder));
        return Path.GetFullPath(fullPath).StartsWith(root, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }
}

/// <summary>
/// A task's downloaded files, as full paths, kept as what follows the run's download folder (a string every outcome of the
/// run shares): an outcome holds <c>f00001_OUTPUT.txt</c>, not a second copy of the folder's path in every one of 10,000
/// full paths (about 170 bytes each). Each path is put together when it is read.
/// </summary>
internal sealed class DownloadedFiles : IReadOnlyList<string>
{
    private readonly string _folder;
    private readonly string? _one;
    private readonly string[]? _several;

    private DownloadedFiles(string folder, string? one, string[]? several)
    {
        _folder = folder;
        _one = one;
        _several = several;
    }

    /// <inheritdoc />
    public int Count => _several?.Length ?? 1;

    /// <inheritdoc />
    public string this[int index] => _several is { } several ? string.Concat(_folder, several[index])
        : index == 0 ? string.Concat(_folder, _one) : throw new ArgumentOutOfRangeException(nameof(index), index, "A task's downloaded files are numbered from 0 to Count - 1.");

    /// <summary>
    /// The files at <paramref name="fullPaths"/>, which are inside <paramref name="folder"/> (the download folder with its
    /// trailing separator, one instance for the run); paths of which one is not are kept whole.
    /// </summary>
    public static IReadOnlyList<string> Create(string folder, List<string> fullPaths) => FromParts(folder, fullPaths.ConvertAll(p => PartOf(folder, p)));

    /// <summary>What of <paramref name="fullPath"/> follows <paramref name="folder"/> (with its trailing separator); the whole path when it is not in it.</summary>
    public static string PartOf(string folder, string fullPath) => fullPath.StartsWith(folder, StringComparison.Ordinal) ? fullPath[folder.Length..] : fullPath;

    /// <summary>
    /// The files whose <paramref name="parts"/> (<see cref="PartOf"/>) follow <paramref name="folder"/>, keeping those very
    /// strings; when one of them is a whole path (not in the folder), every path is kept whole.
    /// </summary>
    public static IReadOnlyList<string> FromParts(string folder, List<string> parts)
    {
        if (parts.Count == 0)
        {
            return [];
        }

        foreach (string part in parts)
        {
            if (Path.IsPathRooted(part))
            {
                return [.. parts.Select(p => Path.IsPathRooted(p) ? p : string.Concat(folder, p))];
            }
        }

        return parts.Count == 1
            ? new DownloadedFiles(folder, parts[0], null) // most tasks upload one file
            : new DownloadedFiles(folder, null, [.. parts]);
    }

    /// <summary>
    /// Writes the paths as a JSON array of strings, each put together in a buffer rather than in a new string: a record of
    /// 50,000 outcomes made 50,000 paths (and an enumerator each) only to write them.
    /// </summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        int longest = 0;
        for (int i = 0; i < Count; i++)
        {
            longest = Math.Max(longest, Part(i).Length);
        }

        char[] path = ArrayPool<char>.Shared.Rent(_folder.Length + longest);
        try
        {
            _folder.CopyTo(path);
            writer.WriteStartArray();
            for (int i = 0; i < Count; i++)
            {
                string part = Part(i);
                part.CopyTo(path.AsSpan(_folder.Length));
                writer.WriteStringValue(path.AsSpan(0, _folder.Length + part.Length));
            }

            writer.WriteEndArray();
        }
        finally
        {
            ArrayPool<char>.Shared.Return(path);
        }
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    /// <inheritdoc />
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private string Part(int index) => _several is { } several ? several[index] : _one!;
}
