using Microsoft.Extensions.Logging;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

/// <summary>Removes the local compute's folders (pools, jobs, the root) without failing the caller, and links left where it writes.</summary>
internal static class LocalFolders
{
    /// <summary>
    /// Removes a symbolic link (or junction) found where the compute is about to write a file or create a folder,
    /// such as one an earlier attempt of a task left in its folder: the link goes, its target is never touched.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <returns><see langword="true"/> when a link was removed; <see langword="false"/> when there was none (a plain entry or nothing).</returns>
    /// <exception cref="IOException">The link could not be removed.</exception>
    /// <exception cref="UnauthorizedAccessException">The link could not be removed.</exception>
    public static bool RemoveLink(string path)
    {
        var entry = new FileInfo(path);
        if (entry.LinkTarget is null)
        {
            return false;
        }

        if (OperatingSystem.IsWindows() && (entry.Attributes & FileAttributes.Directory) != 0)
        {
            Directory.Delete(path); // a directory link or junction: removes the link only
        }
        else
        {
            File.Delete(path); // unlink(2): the link itself, whatever its target
        }

        return true;
    }

    /// <summary>Removes a folder and everything in it, trying a few times; a failure is logged.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="logger">Where a failure is logged.</param>
    public static void TryDelete(string folder, ILogger logger)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                FolderTree.Delete(folder);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (attempt >= 3)
                {
                    LocalComputeLog.CleanupFailed(logger, folder, ex.Message);
                    return;
                }
            }
        }
    }
}
