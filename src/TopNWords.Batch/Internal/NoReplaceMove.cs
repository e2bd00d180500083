using System.Runtime.InteropServices;

namespace TopNWords.Batch.Internal;

/// <summary>
/// Moves a finished temporary file to its final name unless that name exists, atomically: of several writers
/// racing for one name, exactly one wins.
/// </summary>
/// <remarks>
/// <see cref="File.Move(string, string, bool)"/> with <c>overwrite: false</c> is not enough on Unix: .NET checks
/// that the destination is missing and then calls <c>rename</c>, which replaces a file that another writer moved
/// there in between, so two writers can both "win". A hard link (<c>link</c>) fails with <c>EEXIST</c> instead, so
/// it is used where the file system supports hard links; Windows' <c>MoveFileEx</c> without
/// <c>MOVEFILE_REPLACE_EXISTING</c> is atomic already.
/// </remarks>
internal static class NoReplaceMove
{
    private const int EINTR = 4;
    private const int EEXIST = 17;

    /// <summary>Moves <paramref name="source"/> to <paramref name="destination"/> unless the destination exists.</summary>
    /// <param name="source">The finished temporary file (same folder or file system as the destination).</param>
    /// <param name="destination">The final name.</param>
    /// <returns><see langword="true"/> when moved; <see langword="false"/> when the destination existed (the source is left in place).</returns>
    /// <exception cref="IOException">The move failed for another reason.</exception>
    public static bool TryMove(string source, string destination)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                File.Move(source, destination, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(destination))
            {
                return false;
            }
        }

        while (true)
        {
            if (Link(source, destination) == 0)
            {
                File.Delete(source);
                return true;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
            {
                continue;
            }

            if (errno == EEXIST)
            {
                return false;
            }

            // No hard links here (EPERM, ENOTSUP, EXDEV, EMLINK ... on some file systems): .NET's own move, which
            // refuses an existing destination but may lose a race with another writer.
            try
            {
                File.Move(source, destination, overwrite: false);
                return true;
            }
            catch (IOException) when (File.Exists(destination))
            {
                return false;
            }
        }
    }

    [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link(string oldPath, string newPath);
}
