namespace TopNWords.Batch.Internal;

/// <summary>A folder as the prefix of the paths inside it: with its trailing directory separator.</summary>
internal static class PathPrefix
{
    /// <summary><paramref name="folder"/> ending in one directory separator (as given when it already ends in one).</summary>
    public static string Of(string folder) => Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
}
