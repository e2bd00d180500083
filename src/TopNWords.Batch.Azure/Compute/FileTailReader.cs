using Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>Reads the end of a task or node file: its length first, then only its last bytes, as UTF-8 text.</summary>
internal static class FileTailReader
{
    /// <summary>
    /// The last <paramref name="maxBytes"/> bytes of a file as text: the properties first (for the length), then an
    /// <c>ocp-range</c> of the tail only when the file is longer. A cut multi-byte character at the start is dropped.
    /// </summary>
    /// <param name="getProperties">Reads the file's properties.</param>
    /// <param name="getFile">Reads the file, or a range of it.</param>
    /// <param name="maxBytes">The most bytes to read.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The tail; empty for an empty file.</returns>
    /// <exception cref="BatchServiceException">The service failed (404: no such file).</exception>
    public static async Task<string> ReadAsync(
        Func<CancellationToken, Task<BatchFileProperties>> getProperties,
        Func<HttpRange?, CancellationToken, Task<BatchFileContent>> getFile,
        int maxBytes,
        CancellationToken cancellationToken)
    {
        BatchFileProperties properties = await getProperties(cancellationToken).ConfigureAwait(false);
        long? length = properties.ContentLength;
        if (length == 0)
        {
            return string.Empty;
        }

        HttpRange? range = length > maxBytes ? new HttpRange(length.Value - maxBytes, maxBytes) : null;
        BatchFileContent file = await getFile(range, cancellationToken).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            (byte[] tail, bool cut) = await ReadLastBytesAsync(file.Content, maxBytes, cancellationToken).ConfigureAwait(false);
            return Utf8Tail.Decode(tail, cut || range is not null);
        }
    }

    /// <summary>The last <paramref name="maxBytes"/> bytes of a stream (in case the service ignored the range), and whether bytes were dropped.</summary>
    private static async Task<(byte[] Tail, bool Cut)> ReadLastBytesAsync(Stream content, int maxBytes, CancellationToken cancellationToken)
    {
        byte[] window = new byte[maxBytes * 2];
        int filled = 0;
        bool cut = false;
        while (true)
        {
            if (filled == window.Length)
            {
                Buffer.BlockCopy(window, maxBytes, window, 0, maxBytes);
                filled = maxBytes;
                cut = true;
            }

            int read = await content.ReadAsync(window.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        int start = Math.Max(0, filled - maxBytes);
        return (window[start..filled], cut || start > 0);
    }
}
