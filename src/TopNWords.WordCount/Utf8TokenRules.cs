using System.Runtime.CompilerServices;
using System.Text.Unicode;

namespace TopNWords.WordCount;

/// <summary>
/// The byte rules of a token, one byte or one UTF-8 sequence at a time: which ASCII bytes are separators
/// and which are punctuation, how long a UTF-8 sequence is and whether it is well-formed, which
/// sequences are the multi-byte separators, and how punctuation comes off the ends of a token.
/// </summary>
/// <remarks>
/// Shared by both paths of <see cref="Utf8WordScanner"/> and by the chunk boundaries of
/// <see cref="ParallelWordCounter"/>; the vector form of the ASCII classes is <see cref="Utf8BlockMasks"/>.
/// </remarks>
internal static class Utf8TokenRules
{
    // ByteClass values: part of a word, a separator, or punctuation (part of a word, stripped from its ends).
    private const byte Word = 0;
    private const byte Separator = 1;
    private const byte Punctuation = 2;

    /// <summary>
    /// The class of each byte value: ASCII separators (U+0009..U+000D, U+001C..U+0020) and ASCII
    /// punctuation; every other byte, including all bytes of multi-byte sequences, is <see cref="Word"/>.
    /// </summary>
    private static ReadOnlySpan<byte> ByteClass =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, // 0x00
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, // 0x10
        1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, // 0x20  !"#$%&'()*+,-./
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, // 0x30 0-9 :;<=>?
        2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x40 @ A-O
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, // 0x50 P-Z [\]^_
        2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x60 ` a-o
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 0, // 0x70 p-z {|}~ DEL
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 0x80
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    internal static bool IsAsciiSeparator(byte b) => ByteClass[b] == Separator;

    internal static bool IsAsciiPunctuation(byte b) => ByteClass[b] == Punctuation;

    /// <summary>
    /// How much of <paramref name="data"/> is known to be well-formed UTF-8 that ends on a character
    /// boundary: all of it but a sequence cut by its end, or 0 when it holds an ill-formed sequence.
    /// </summary>
    /// <remarks>
    /// <see cref="Utf8.IsValid"/> checks a whole buffer with vector code, much faster than the block
    /// path can check multi-byte sequences one at a time. Blocks inside the valid prefix only look for
    /// multi-byte separators; elsewhere (an ill-formed sequence somewhere in the buffer) every sequence
    /// is checked in order, which finds the exact offset of the first bad byte, and rebuilds tokens in
    /// Replace mode.
    /// </remarks>
    internal static int ValidPrefixLength(ReadOnlySpan<byte> data)
    {
        // Step back over a sequence that the end of the data cuts: a lead byte among the last three
        // bytes whose sequence needs more bytes than are left.
        int end = data.Length;
        for (int back = 1; back <= Math.Min(3, data.Length); back++)
        {
            byte b = data[^back];
            if (b < 0x80 || b >= 0xC0)
            {
                int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                if (needed > back)
                {
                    end = data.Length - back;
                }

                break;
            }
        }

        return Utf8.IsValid(data[..end]) ? end : 0;
    }

    /// <summary>
    /// The length of the UTF-8 sequence whose lead byte is <c>data[i]</c> (at least 0x80): positive when
    /// well-formed; otherwise minus the length of its maximal ill-formed subpart (Unicode 3.9, U+FFFD
    /// substitution of maximal subparts). <paramref name="truncated"/> tells that a well-formed prefix
    /// reached the end of <paramref name="data"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>
    /// Strips ASCII punctuation from both ends of <c>data[start..end]</c>; false when nothing is left.
    /// One trailing punctuation character (a comma, a full stop) is common and comes at random, so it is
    /// taken off without a branch; longer runs and leading punctuation are rare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Strip(ReadOnlySpan<byte> data, ref int start, ref int end)
    {
        end -= IsAsciiPunctuation(data[end - 1]) ? 1 : 0;
        while (start < end && IsAsciiPunctuation(data[start]))
        {
            start++;
        }

        while (end > start && IsAsciiPunctuation(data[end - 1]))
        {
            end--;
        }

        return start < end;
    }
}
