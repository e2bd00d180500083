using System.Runtime.CompilerServices;

namespace TopNWords.WordCount;

/// <summary>
/// Splits UTF-8 bytes into tokens exactly as Python's <c>str.split()</c> does, validates the UTF-8 as it
/// goes, strips ASCII punctuation from both ends of each token and counts the non-empty ones.
/// </summary>
/// <remarks>
/// Works on bytes: every separator and every punctuation character is either ASCII or one of a dozen
/// fixed two- and three-byte sequences, and ASCII bytes never occur inside a multi-byte sequence, so
/// the text is never decoded.
/// </remarks>
internal sealed class Utf8WordScanner
{
    private static readonly byte[] ReplacementCharacter = [0xEF, 0xBF, 0xBD];

    // Per ASCII byte: 0 = part of a word, Separator, or Punctuation (part of a word, stripped from its ends).
    private const byte Separator = 1;
    private const byte Punctuation = 2;
    private static readonly byte[] AsciiClass = BuildAsciiClasses();

    private readonly WordTable _table;
    private readonly bool _replaceInvalid;
    private byte[] _scratch = new byte[256];
    private int _scratchLength;

    public Utf8WordScanner(WordTable table, InvalidUtf8Handling invalidUtf8Handling)
    {
        _table = table;
        _replaceInvalid = invalidUtf8Handling == InvalidUtf8Handling.Replace;
    }

    internal static bool IsAsciiSeparator(byte b) => b < 0x80 && AsciiClass[b] == Separator;

    internal static bool IsAsciiPunctuation(byte b) => b < 0x80 && AsciiClass[b] == Punctuation;

    /// <summary>
    /// Scans <paramref name="data"/> and counts every token that ends inside it.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <param name="baseOffset">The offset of <c>data[0]</c> in the whole input, for error messages.</param>
    /// <param name="isFinal">Whether the input ends with <paramref name="data"/>.</param>
    /// <param name="sourceName">The name of the input, for error messages.</param>
    /// <returns>
    /// The number of bytes consumed. When <paramref name="isFinal"/> is false, the rest (a token that may
    /// continue, or an incomplete UTF-8 sequence) must be passed again, followed by more input.
    /// </returns>
    public int Scan(ReadOnlySpan<byte> data, long baseOffset, bool isFinal, string? sourceName)
    {
        int i = 0;
        int tokenStart = -1;
        bool tokenInScratch = false; // replace mode: the token so far is in _scratch, up to runStart
        int runStart = 0;
        byte[] asciiClass = AsciiClass;

        while (i < data.Length)
        {
            byte b = data[i];
            if (b < 0x80)
            {
                if (asciiClass[b] == Separator)
                {
                    if (tokenStart >= 0)
                    {
                        EmitToken(data, tokenStart, i, tokenInScratch, runStart);
                        tokenStart = -1;
                    }
                }
                else if (tokenStart < 0)
                {
                    tokenStart = i;
                    tokenInScratch = false;
                }

                i++;
                continue;
            }

            int length = SequenceLength(data, i, out bool truncated);
            if (truncated && !isFinal)
            {
                break; // the rest of this sequence is in the next read
            }

            if (length > 0)
            {
                if (IsMultiByteSeparator(data, i, length))
                {
                    if (tokenStart >= 0)
                    {
                        EmitToken(data, tokenStart, i, tokenInScratch, runStart);
                        tokenStart = -1;
                    }
                }
                else if (tokenStart < 0)
                {
                    tokenStart = i;
                    tokenInScratch = false;
                }

                i += length;
                continue;
            }

            // An ill-formed sequence: its maximal subpart is -length bytes long.
            if (!_replaceInvalid)
            {
                throw new InvalidUtf8Exception(sourceName, baseOffset + i);
            }

            if (tokenStart < 0)
            {
                tokenStart = i;
                tokenInScratch = false;
            }

            if (!tokenInScratch)
            {
                _scratchLength = 0;
                AppendScratch(data[tokenStart..i]);
                tokenInScratch = true;
            }
            else
            {
                AppendScratch(data[runStart..i]);
            }

            AppendScratch(ReplacementCharacter);
            i += -length;
            runStart = i;
        }

        if (isFinal)
        {
            if (tokenStart >= 0)
            {
                EmitToken(data, tokenStart, data.Length, tokenInScratch, runStart);
            }

            return data.Length;
        }

        return tokenStart >= 0 ? tokenStart : i;
    }

    /// <summary>Removes leading and trailing ASCII punctuation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<byte> Strip(ReadOnlySpan<byte> token)
    {
        int start = 0;
        int end = token.Length;
        byte[] asciiClass = AsciiClass;
        while (start < end && token[start] < 0x80 && asciiClass[token[start]] == Punctuation)
        {
            start++;
        }

        while (end > start && token[end - 1] < 0x80 && asciiClass[token[end - 1]] == Punctuation)
        {
            end--;
        }

        return token[start..end];
    }

    /// <summary>
    /// The length of the UTF-8 sequence whose lead byte is <c>data[i]</c> (at least 0x80): positive when
    /// well-formed; otherwise minus the length of its maximal ill-formed subpart (Unicode 3.9, U+FFFD
    /// substitution of maximal subparts). <paramref name="truncated"/> tells that a well-formed prefix
    /// reached the end of <paramref name="data"/>.
    /// </summary>
    internal static int SequenceLength(ReadOnlySpan<byte> data, int i, out bool truncated)
    {
        truncated = false;
        byte lead = data[i];
        int continuationBytes;
        byte low = 0x80;
        byte high = 0xBF;
        if (lead < 0xC2)
        {
            return -1; // a continuation byte, or an overlong two-byte lead
        }
        else if (lead < 0xE0)
        {
            continuationBytes = 1;
        }
        else if (lead < 0xF0)
        {
            continuationBytes = 2;
            if (lead == 0xE0)
            {
                low = 0xA0; // no overlongs
            }
            else if (lead == 0xED)
            {
                high = 0x9F; // no surrogates
            }
        }
        else if (lead < 0xF5)
        {
            continuationBytes = 3;
            if (lead == 0xF0)
            {
                low = 0x90; // no overlongs
            }
            else if (lead == 0xF4)
            {
                high = 0x8F; // nothing above U+10FFFF
            }
        }
        else
        {
            return -1;
        }

        for (int k = 1; k <= continuationBytes; k++)
        {
            if (i + k >= data.Length)
            {
                truncated = true;
                return -k;
            }

            byte c = data[i + k];
            bool ok = k == 1 ? c >= low && c <= high : c >= 0x80 && c <= 0xBF;
            if (!ok)
            {
                return -k;
            }
        }

        return continuationBytes + 1;
    }

    /// <summary>
    /// Whether the well-formed sequence at <c>data[i]</c> is one of the non-ASCII characters Python's
    /// <c>str.split()</c> splits on: U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
    /// U+205F, U+3000.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsMultiByteSeparator(ReadOnlySpan<byte> data, int i, int length)
    {
        byte b0 = data[i];
        if (length == 2)
        {
            return b0 == 0xC2 && (data[i + 1] == 0x85 || data[i + 1] == 0xA0);
        }

        if (length != 3)
        {
            return false;
        }

        byte b1 = data[i + 1];
        byte b2 = data[i + 2];
        return b0 switch
        {
            0xE1 => b1 == 0x9A && b2 == 0x80,
            0xE2 => (b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF)) || (b1 == 0x81 && b2 == 0x9F),
            0xE3 => b1 == 0x80 && b2 == 0x80,
            _ => false,
        };
    }

    private void EmitToken(ReadOnlySpan<byte> data, int start, int end, bool inScratch, int runStart)
    {
        ReadOnlySpan<byte> token;
        if (inScratch)
        {
            AppendScratch(data[runStart..end]);
            token = _scratch.AsSpan(0, _scratchLength);
        }
        else
        {
            token = data[start..end];
        }

        token = Strip(token);
        if (!token.IsEmpty)
        {
            _table.Add(token);
        }
    }

    private void AppendScratch(ReadOnlySpan<byte> bytes)
    {
        if (_scratchLength + bytes.Length > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLength + bytes.Length));
        }

        bytes.CopyTo(_scratch.AsSpan(_scratchLength));
        _scratchLength += bytes.Length;
    }

    private static byte[] BuildAsciiClasses()
    {
        var classes = new byte[128];
        foreach (int b in (int[])[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20])
        {
            classes[b] = Separator;
        }

        foreach (char c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
        {
            classes[c] = Punctuation;
        }

        return classes;
    }
}
