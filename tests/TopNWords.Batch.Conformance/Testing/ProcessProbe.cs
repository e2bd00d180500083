using System.Diagnostics;
using System.Globalization;

namespace TopNWords.Batch.Conformance.Testing;

/// <summary>Tells whether a process on this machine still runs (a zombie waiting to be reaped does not).</summary>
public static class ProcessProbe
{
    /// <summary>Tells whether the process runs.</summary>
    /// <param name="processId">The process id.</param>
    /// <returns><see langword="true"/> when it runs.</returns>
    public static bool IsRunning(int processId)
    {
        string stat = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/stat";
        if (Directory.Exists("/proc/self"))
        {
            string text;
            try
            {
                text = File.ReadAllText(stat);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                return false;
            }

            // "pid (comm) S ...": the state follows the last ')'.
            int close = text.LastIndexOf(')');
            char state = close >= 0 && close + 2 < text.Length ? text[close + 2] : '?';
            return state is not ('Z' or 'X' or 'x');
        }

        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
