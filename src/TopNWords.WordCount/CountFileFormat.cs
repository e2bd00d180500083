using System.Globalization;
using System.Text;

namespace TopNWords.WordCount;

/// <summary>
/// The count file format, version 1: UTF-8 text with LF line ends.
/// <code>
/// topnwords-counts&lt;TAB&gt;1
/// COUNT&lt;TAB&gt;WORD            (one line per distinct word, in first-occurrence order)
/// end&lt;TAB&gt;DISTINCT&lt;TAB&gt;TOTAL&lt;TAB&gt;CRC32
/// </code>
/// COUNT, DISTINCT and TOTAL are decimal without sign or leading zeros (COUNT at least 1); CRC32 is the CRC-32
/// of every byte before the trailer line, 8 lowercase hexadecimal digits. Nothing follows the trailer's LF.
/// </summary>
internal static class CountFileFormat
{
    public const int Version = 1;
    public const int ReadBufferSize = 64 * 1024;
    private const int WriteBufferSize = 64 * 1024;
    private const int MaxCountDigits = 19;

    private static readonly System.Buffers.SearchValues<byte> LowerHexDigits = System.Buffers.SearchValues.Create("0123456789abcdef"u8);

    private static ReadOnlySpan<byte> Header => "topnwords-counts\t1\n"u8;

    private static ReadOnlySpan<byte> Tag => "topnwords-counts\t"u8;

    private static ReadOnlySpan<byte> TrailerTag => "end\t"u8;

    public static void Write(WordCounts counts, Stream destination)
    {
        WordTable table = counts.Table;
        byte[] buffer = new byte[WriteBufferSize];
        Header.CopyTo(buffer);
        int used = Header.Length;
        uint crc = 0;
        for (int i = 0; i < table.Count; i++)
        {
            int length = table.LengthAt(i);
            int needed = MaxCountDigits + 2 + length;
            if (used + needed > buffer.Length)
            {
                crc = Crc32.Append(crc, buffer.AsSpan(0, used));
                destination.Write(buffer, 0, used);
                used = 0;
                if (needed > buffer.Length)
                {
                    buffer = new byte[needed];
                }
            }

            table.CountAt(i).TryFormat(buffer.AsSpan(used), out int digits, provider: CultureInfo.InvariantCulture);
            used += digits;
            buffer[used++] = (byte)'\t';
            table.CopyWordAt(i, buffer.AsSpan(used, length));
            used += length;
            buffer[used++] = (byte)'\n';
        }

        crc = Crc32.Append(crc, buffer.AsSpan(0, used));
        destination.Write(buffer, 0, used);
        string trailer = string.Create(CultureInfo.InvariantCulture, $"end\t{table.Count}\t{counts.TotalWords}\t{crc:x8}\n");
        destination.Write(Encoding.ASCII.GetBytes(trailer));
    }

    /// <summary>Reads a count file into <paramref name="into"/>, through <paramref name="buffer"/> (grown locally for a longer line).</summary>
    public static void Read(Stream source, string? sourceName, WordCounts into, byte[] buffer)
    {
        int filled = 0;
        int start = 0;
        bool ended = false;
        long line = 0;
        long words = 0;
        long total = 0;
        uint crc = 0;
        while (true)
        {
            int newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (ended)
                {
                    throw Truncated(sourceName, line, filled - start);
                }

                if (start > 0)
                {
                    buffer.AsSpan(start, filled - start).CopyTo(buffer);
                    filled -= start;
                    start = 0;
                }
                else if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, checked(buffer.Length * 2));
                }

                int read = source.Read(buffer, filled, buffer.Length - filled);
                ended = read == 0;
                filled += read;
                continue;
            }

            ReadOnlySpan<byte> text = buffer.AsSpan(start, newline);
            line++;
            if (line == 1)
            {
                CheckHeader(text, sourceName);
            }
            else if (text.StartsWith(TrailerTag))
            {
                CheckTrailer(text[TrailerTag.Length..], sourceName, line, words, total, crc);
                start += newline + 1;
                if (start != filled || source.Read(buffer, 0, 1) != 0)
                {
                    throw Corrupt(sourceName, line + 1, "there is more after the trailer line ('end<TAB>...'), which ends a count file");
                }

                return;
            }
            else
            {
                int tab = text.IndexOf((byte)'\t');
                if (tab < 0 || !TryParseCount(text[..tab], out long count) || !WordCounts.IsWord(text[(tab + 1)..]))
                {
                    throw Corrupt(sourceName, line, "expected 'COUNT<TAB>WORD' (COUNT a whole number of at least 1, WORD a word of the counting rule)");
                }

                into.AddUnchecked(text[(tab + 1)..], count);
                words++;
                total = checked(total + count);
            }

            crc = Crc32.Append(crc, buffer.AsSpan(start, newline + 1));
            start += newline + 1;
        }
    }

    private static void CheckHeader(ReadOnlySpan<byte> text, string? sourceName)
    {
        if (text.SequenceEqual(Header[..^1]))
        {
            return;
        }

        if (text.StartsWith(Tag))
        {
            string version = Encoding.UTF8.GetString(text[Tag.Length..]);
            throw new InvalidDataException(
                $"{Describe(sourceName)} is in count file format version '{version}'; this version reads version {Version}. Write it again with this version of the task runner (--counts).");
        }

        throw new InvalidDataException(
            $"{Describe(sourceName)} is not a count file: its first line is not 'topnwords-counts<TAB>{Version}'. Pass the NAME_COUNTS file the task runner's --counts option writes.");
    }

    private static void CheckTrailer(ReadOnlySpan<byte> fields, string? sourceName, long line, long words, long total, uint crc)
    {
        int tab1 = fields.IndexOf((byte)'\t');
        int tab2 = tab1 < 0 ? -1 : fields[(tab1 + 1)..].IndexOf((byte)'\t');
        ReadOnlySpan<byte> crcText = tab2 < 0 ? default : fields[(tab1 + 1 + tab2 + 1)..];
        if (tab2 < 0
            || !TryParseNumber(fields[..tab1], out long distinctField)
            || !TryParseNumber(fields.Slice(tab1 + 1, tab2), out long totalField)
            || crcText.Length != 8
            || crcText.ContainsAnyExcept(LowerHexDigits)
            || !uint.TryParse(crcText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint crcField))
        {
            throw Corrupt(sourceName, line, "expected the trailer 'end<TAB>DISTINCT<TAB>TOTAL<TAB>CRC32'");
        }

        if (distinctField != words || totalField != total)
        {
            throw Corrupt(sourceName, line, string.Create(
                CultureInfo.InvariantCulture,
                $"the trailer says {distinctField} words with a total count of {totalField}, but the file holds {words} with a total of {total}"));
        }

        if (crcField != crc)
        {
            throw Corrupt(sourceName, line, string.Create(CultureInfo.InvariantCulture, $"the checksum of the lines before the trailer is {crc:x8}, not {crcField:x8} as the trailer says"));
        }
    }

    private static bool TryParseCount(ReadOnlySpan<byte> digits, out long count) => TryParseNumber(digits, out count) && count >= 1;

    /// <summary>A decimal number without sign, spaces or leading zeros (but "0").</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        return digits.Length is >= 1 and <= MaxCountDigits
            && (digits[0] != (byte)'0' || digits.Length == 1)
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string Describe(string? sourceName) => sourceName is null ? "The count file" : $"Count file '{sourceName}'";

    private static InvalidDataException Truncated(string? sourceName, long lines, int partial) => new(
        lines == 0 && partial == 0
            ? $"{Describe(sourceName)} is empty: it is truncated, or not a count file. Write it again with the task runner (--counts)."
            : string.Create(
                CultureInfo.InvariantCulture,
                $"{Describe(sourceName)} is truncated: it ends after {lines} complete lines{(partial > 0 ? $" and {partial} more bytes" : string.Empty)}, without its trailer line ('end<TAB>...'). Write it again with the task runner (--counts)."));

    private static InvalidDataException Corrupt(string? sourceName, long line, string what) => new(
        string.Create(CultureInfo.InvariantCulture, $"{Describe(sourceName)} is corrupt: line {line}: {what}. Write it again with the task runner (--counts)."));
}
