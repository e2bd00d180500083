using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Compute.Local;

/// <summary>Reads the end of a file that may still be written.</summary>
internal static class OutputTail
{
    /// <summary>
    /// Reads the last <paramref name="maxBytes"/> bytes of a file as UTF-8 (invalid sequences replaced); a
    /// character cut by the start of the window is dropped rather than shown as a replacement character.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">How many bytes from the end, at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The text, or <see langword="null"/> when the file does not exist.</returns>
    public static async Task<string?> ReadAsync(string path, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            long length = stream.Length;
            long start = Math.Max(0, length - maxBytes);
            stream.Position = start;
            byte[] buffer = new byte[(int)(length - start)];
            int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return Utf8Tail.Decode(buffer.AsSpan(0, read), cut: start > 0);
        }
    }
}
