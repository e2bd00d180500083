using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

/// <summary>Removes the local compute's folders (pools, jobs, the root) without failing the caller.</summary>
internal static class LocalFolders
{
    /// <summary>Removes a folder and everything in it, trying a few times; a failure is logged.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="logger">Where a failure is logged.</param>
    public static void TryDelete(string folder, ILogger logger)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
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
