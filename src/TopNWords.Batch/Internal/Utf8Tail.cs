using System.Text;

namespace TopNWords.Batch.Internal;

/// <summary>
/// Decodes the last bytes of a file (a task's stdout or stderr) as text. Compiled into each package that reads
/// output tails (internal in each).
/// </summary>
internal static class Utf8Tail
{
    /// <summary>The most continuation bytes a UTF-8 character has (a lead byte and up to three more).</summary>
    private const int MaxContinuationBytes = 3;

    /// <summary>
    /// UTF-8 with invalid sequences replaced. When the bytes start inside the file (<paramref name="cut"/>), the
    /// continuation bytes of a character that began before them are dropped rather than shown as replacement characters.
    /// </summary>
    /// <param name="bytes">The last bytes of the file.</param>
    /// <param name="cut">Whether the file has bytes before <paramref name="bytes"/>.</param>
    /// <returns>The text.</returns>
    public static string Decode(ReadOnlySpan<byte> bytes, bool cut)
    {
        int start = 0;
        if (cut)
        {
            while (start < bytes.Length && start < MaxContinuationBytes && (bytes[start] & 0xC0) == 0x80)
            {
                start++;
            }
        }

        return Encoding.UTF8.GetString(bytes[start..]);
    }
}
