using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Unicode;

namespace TopNWords.WordCount;

/// <summary>
/// Splits UTF-8 bytes into tokens exactly as Python's <c>str.split()</c> does, validates the UTF-8 as it
/// goes, strips ASCII punctuation from both ends of each token and counts the non-empty ones.
/// </summary>
/// <remarks>
/// <para>
/// Works on bytes: every separator and every punctuation character is either ASCII or one of a dozen
/// fixed two- and three-byte sequences, and ASCII bytes never occur inside a multi-byte sequence, so
/// the text is never decoded.
/// </para>
/// <para>
/// Two paths give the same tokens. The block path takes 64 bytes at a time: vector compares give a
/// 64-bit mask of the ASCII separators and one of the bytes at or above 0x80; when that second mask is
/// empty (ASCII text) the block needs no validation, and the token boundaries are the bit transitions
/// of the first mask. Otherwise each multi-byte sequence of the block is validated in order and, when
/// it is one of the multi-byte separators, its bits are added to the separator mask. The byte path
/// takes one byte at a time; it handles what the block path does not: the last bytes of the input, a
/// sequence cut by the end of the buffer, and the tokens around an ill-formed sequence in Replace mode.
/// </para>
/// </remarks>
internal sealed class Utf8WordScanner
{
    private const int BlockSize = 64;

    // The stripped words that the block path finds wait here and are counted in batches: two short
    // loops keep their variables in registers where one long loop would not.
    private const int TokenBatch = 256;

    // ByteClass values: part of a word, a separator, or punctuation (part of a word, stripped from its ends).
    private const byte Word = 0;
    private const byte Separator = 1;
    private const byte Punctuation = 2;

    private readonly WordTable _table;
    private readonly bool _replaceInvalid;
    private readonly WordSpan[] _words = new WordSpan[TokenBatch];
    private byte[] _scratch = new byte[256];
    private int _scratchLength;

    public Utf8WordScanner(WordTable table, InvalidUtf8Handling invalidUtf8Handling)
    {
        _table = table;
        _replaceInvalid = invalidUtf8Handling == InvalidUtf8Handling.Replace;
    }

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

    private static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

    internal static bool IsAsciiSeparator(byte b) => ByteClass[b] == Separator;

    internal static bool IsAsciiPunctuation(byte b) => ByteClass[b] == Punctuation;

    /// <summary>
    /// Scans <paramref name="data"/> and counts every token that ends inside it.
    /// </summary>
    /// <param name="data">The bytes.</param>
    /// <param name="baseOffset">The offset of <c>data[0]</c> in the whole input: for error messages, and
    /// to order ties by first occurrence.</param>
    /// <param name="isFinal">Whether the input ends with <paramref name="data"/>.</param>
    /// <param name="sourceName">The name of the input, for error messages.</param>
    /// <returns>
    /// The number of bytes consumed. When <paramref name="isFinal"/> is false, the rest (a token that may
    /// continue, or an incomplete UTF-8 sequence) must be passed again, followed by more input.
    /// </returns>
    public int Scan(ReadOnlySpan<byte> data, long baseOffset, bool isFinal, string? sourceName)
    {
        int i = 0;
        int tokenStart = -1; // the start of the open token, or -1 between tokens
        int validEnd = Vector128.IsHardwareAccelerated ? ValidPrefixLength(data) : 0;
        while (true)
        {
            if (Vector128.IsHardwareAccelerated)
            {
                i = ScanBlocks(data, i, ref tokenStart, validEnd, baseOffset, sourceName);
            }

            // The block path stopped: fewer than 64 bytes are left, or the block at i needs the byte path.
            // Take it one block further, then give the block path another go.
            int resumeAt = Vector128.IsHardwareAccelerated ? Math.Min(i + BlockSize, data.Length) : data.Length;
            if (!ScanBytes(data, ref i, ref tokenStart, resumeAt, baseOffset, isFinal, sourceName) || i == data.Length)
            {
                break;
            }
        }

        return tokenStart >= 0 ? tokenStart : i;
    }

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
    private static int ValidPrefixLength(ReadOnlySpan<byte> data)
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
    /// The block path: counts the tokens of whole 64-byte blocks from <paramref name="i"/> on, and
    /// returns where it stopped (fewer than 64 bytes left, or a block with an ill-formed or cut sequence).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ScanBlocks(ReadOnlySpan<byte> data, int i, ref int tokenStartRef, int validEnd, long baseOffset, string? sourceName)
    {
        int tokenStart = tokenStartRef;
        int pending = 0;
        Span<WordSpan> words = _words;
        ref byte origin = ref MemoryMarshal.GetReference(data);
        while (data.Length - i >= BlockSize)
        {
            // Bit k of each mask is about data[i + k].
            ulong separators = ClassifyBlock(ref Unsafe.Add(ref origin, i), out ulong nonAscii, out ulong punctuation);
            int next = i + BlockSize;
            if (nonAscii != 0 && next <= validEnd)
            {
                // Well-formed UTF-8 (and every sequence that starts in the block ends before validEnd):
                // only the multi-byte separators matter, and their lead bytes are C2, E1, E2 and E3,
                // which never continue a sequence. The other non-ASCII bytes are part of words.
                ulong leads = SeparatorLeadBytes(ref Unsafe.Add(ref origin, i));
                while (leads != 0)
                {
                    int k = BitOperations.TrailingZeroCount(leads);
                    leads &= leads - 1;
                    int length = data[i + k] == 0xC2 ? 2 : 3;
                    if (IsMultiByteSeparator(data, i + k, length))
                    {
                        separators |= ((1UL << length) - 1) << k;
                        if (k + length > BlockSize)
                        {
                            // Its last bytes open the next block: that block starts after it.
                            next = i + k + length;
                        }
                    }
                }

                // A letter may also run into the next block: that block (or the byte path) starts after
                // it, at a character boundary. Its bytes here are word bytes, as are the ones skipped.
                while (next < validEnd && (data[next] & 0xC0) == 0x80)
                {
                    next++;
                }

                nonAscii = 0;
            }

            while (nonAscii != 0)
            {
                // The lowest remaining non-ASCII byte starts a sequence: the previous ones were consumed whole.
                int k = BitOperations.TrailingZeroCount(nonAscii);
                int length = SequenceLength(data, i + k, out bool truncated);
                if (length < 0)
                {
                    if (!_replaceInvalid && !truncated)
                    {
                        // Everything before it was ASCII or validated, so this is the first ill-formed byte.
                        throw new InvalidUtf8Exception(sourceName, baseOffset + i + k);
                    }

                    // Nothing of this block was counted yet: the byte path takes it from its start.
                    _table.Add(data, words[..pending], baseOffset);
                    tokenStartRef = tokenStart;
                    return i;
                }

                if (IsMultiByteSeparator(data, i + k, length))
                {
                    separators |= ((1UL << length) - 1) << k;
                }

                int end = k + length;
                if (end >= BlockSize)
                {
                    // The sequence runs into the next block: that block starts after it. Its bits in this
                    // block all have its class, so the token state after bit 63 is already right.
                    next = i + end;
                    break;
                }

                nonAscii &= ulong.MaxValue << end;
            }

            // A token starts at a non-separator after a separator, and ends at a separator after a
            // non-separator; the byte before the block counts as a separator when no token is open.
            ulong previous = (separators << 1) | (tokenStart < 0 ? 1UL : 0UL);
            ulong starts = ~separators & previous;
            ulong ends = separators & ~previous;

            // Starts and ends alternate; an end with no start in the block closes the open token, which
            // began in an earlier block and is stripped byte by byte.
            if (tokenStart >= 0 && ends != 0)
            {
                int end = i + BitOperations.TrailingZeroCount(ends);
                ends &= ends - 1;
                if (Strip(data, ref tokenStart, ref end))
                {
                    words[pending++] = new WordSpan(tokenStart, end - tokenStart);
                }

                tokenStart = -1;
            }

            // A token inside the block is stripped with the mask of its "solid" bytes (neither separator
            // nor punctuation): the word runs from the first of them to the last, and a token without
            // any is punctuation only.
            ulong solid = ~(separators | punctuation);
            while (starts != 0)
            {
                int start = BitOperations.TrailingZeroCount(starts);
                starts &= starts - 1;
                if (ends == 0)
                {
                    tokenStart = i + start;
                    break;
                }

                // end is the position of a separator, so at most 63.
                int end = BitOperations.TrailingZeroCount(ends);
                ends &= ends - 1;
                ulong inner = solid & (ulong.MaxValue << start) & ((1UL << end) - 1);
                if (inner != 0)
                {
                    int first = BitOperations.TrailingZeroCount(inner);
                    words[pending++] = new WordSpan(i + first, BlockSize - BitOperations.LeadingZeroCount(inner) - first);
                }
            }

            // A block ends at most 32 tokens.
            if (pending > TokenBatch - (BlockSize / 2))
            {
                _table.Add(data, words[..pending], baseOffset);
                pending = 0;
            }

            i = next;
        }

        _table.Add(data, words[..pending], baseOffset);
        tokenStartRef = tokenStart;
        return i;
    }

    /// <summary>
    /// The masks of one 64-byte block: the ASCII separators (returned), the bytes at or above 0x80
    /// (<paramref name="nonAscii"/>, the sign bits) and the ASCII punctuation. Each class is a few
    /// unsigned range checks, each a subtraction and a compare: separators are 0x09..0x0D and
    /// 0x1C..0x20, punctuation 0x21..0x2F, 0x3A..0x40, 0x5B..0x60 and 0x7B..0x7E.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ClassifyBlock(ref byte block, out ulong nonAscii, out ulong punctuation)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.LoadUnsafe(ref block);
            nonAscii = v.ExtractMostSignificantBits();
            punctuation = Punctuation512(v);
            return Separators512(v);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.LoadUnsafe(ref block);
            var high = Vector256.LoadUnsafe(ref block, 32);
            nonAscii = low.ExtractMostSignificantBits() | ((ulong)high.ExtractMostSignificantBits() << 32);
            punctuation = Punctuation256(low) | ((ulong)Punctuation256(high) << 32);
            return Separators256(low) | ((ulong)Separators256(high) << 32);
        }

        ulong separators = 0;
        nonAscii = 0;
        punctuation = 0;
        for (int q = 0; q < 4; q++)
        {
            var v = Vector128.LoadUnsafe(ref block, (nuint)(16 * q));
            nonAscii |= (ulong)v.ExtractMostSignificantBits() << (16 * q);
            punctuation |= (ulong)Punctuation128(v) << (16 * q);
            separators |= (ulong)Separators128(v) << (16 * q);
        }

        return separators;
    }

    /// <summary>The mask of the bytes C2, E1, E2 and E3 of a 64-byte block: the lead bytes of the multi-byte separators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SeparatorLeadBytes(ref byte block)
    {
        // C2, E1..E3: one equality and one unsigned range check.
        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.LoadUnsafe(ref block);
            var high = Vector256.LoadUnsafe(ref block, 32);
            uint lowMask = (Vector256.Equals(low, Vector256.Create((byte)0xC2)) | InRange(low, 0xE1, 0xE3)).ExtractMostSignificantBits();
            uint highMask = (Vector256.Equals(high, Vector256.Create((byte)0xC2)) | InRange(high, 0xE1, 0xE3)).ExtractMostSignificantBits();
            return lowMask | ((ulong)highMask << 32);
        }

        ulong mask = 0;
        for (int q = 0; q < 4; q++)
        {
            var v = Vector128.LoadUnsafe(ref block, (nuint)(16 * q));
            mask |= (ulong)(Vector128.Equals(v, Vector128.Create((byte)0xC2)) | InRange(v, 0xE1, 0xE3)).ExtractMostSignificantBits() << (16 * q);
        }

        return mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Separators512(Vector512<byte> v)
        => (InRange(v, 0x09, 0x0D) | InRange(v, 0x1C, 0x20)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Punctuation512(Vector512<byte> v)
        => (InRange(v, 0x21, 0x2F) | InRange(v, 0x3A, 0x40) | InRange(v, 0x5B, 0x60) | InRange(v, 0x7B, 0x7E)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Separators256(Vector256<byte> v)
        => (InRange(v, 0x09, 0x0D) | InRange(v, 0x1C, 0x20)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Punctuation256(Vector256<byte> v)
        => (InRange(v, 0x21, 0x2F) | InRange(v, 0x3A, 0x40) | InRange(v, 0x5B, 0x60) | InRange(v, 0x7B, 0x7E)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Separators128(Vector128<byte> v)
        => (InRange(v, 0x09, 0x0D) | InRange(v, 0x1C, 0x20)).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Punctuation128(Vector128<byte> v)
        => (InRange(v, 0x21, 0x2F) | InRange(v, 0x3A, 0x40) | InRange(v, 0x5B, 0x60) | InRange(v, 0x7B, 0x7E)).ExtractMostSignificantBits();

    /// <summary>All ones in the lanes whose byte is in <c>[low, high]</c>: one wrapping subtraction, one unsigned compare.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> InRange(Vector512<byte> v, byte low, byte high)
        => Vector512.LessThanOrEqual(v - Vector512.Create(low), Vector512.Create((byte)(high - low)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> InRange(Vector256<byte> v, byte low, byte high)
        => Vector256.LessThanOrEqual(v - Vector256.Create(low), Vector256.Create((byte)(high - low)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> InRange(Vector128<byte> v, byte low, byte high)
        => Vector128.LessThanOrEqual(v - Vector128.Create(low), Vector128.Create((byte)(high - low)));

    /// <summary>
    /// Strips ASCII punctuation from both ends of <c>data[start..end]</c>; false when nothing is left.
    /// One trailing punctuation character (a comma, a full stop) is common and comes at random, so it is
    /// taken off without a branch; longer runs and leading punctuation are rare.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Strip(ReadOnlySpan<byte> data, ref int start, ref int end)
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

    /// <summary>
    /// The byte path, from <paramref name="position"/> to <paramref name="resumeAt"/> (further while a
    /// token is being rebuilt in Replace mode); counts the last token when the input ends here.
    /// </summary>
    /// <returns>False when the data ends inside a UTF-8 sequence that the next input completes.</returns>
    private bool ScanBytes(ReadOnlySpan<byte> data, ref int position, ref int tokenStartRef, int resumeAt, long baseOffset, bool isFinal, string? sourceName)
    {
        int i = position;
        int tokenStart = tokenStartRef;
        bool tokenInScratch = false; // Replace mode: the token so far is in _scratch, up to runStart
        int runStart = 0;
        while (i < data.Length && (i < resumeAt || tokenInScratch))
        {
            byte b = data[i];
            if (b < 0x80)
            {
                if (IsAsciiSeparator(b))
                {
                    if (tokenStart >= 0)
                    {
                        EmitToken(data, tokenStart, i, tokenInScratch, runStart, baseOffset);
                        tokenStart = -1;
                        tokenInScratch = false;
                    }
                }
                else if (tokenStart < 0)
                {
                    tokenStart = i;
                }

                i++;
                continue;
            }

            int length = SequenceLength(data, i, out bool truncated);
            if (truncated && !isFinal)
            {
                // The rest of this sequence is in the next input; a token in _scratch is rebuilt then.
                position = i;
                tokenStartRef = tokenStart;
                return false;
            }

            if (length > 0)
            {
                if (IsMultiByteSeparator(data, i, length))
                {
                    if (tokenStart >= 0)
                    {
                        EmitToken(data, tokenStart, i, tokenInScratch, runStart, baseOffset);
                        tokenStart = -1;
                        tokenInScratch = false;
                    }
                }
                else if (tokenStart < 0)
                {
                    tokenStart = i;
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

        if (i == data.Length && isFinal && tokenStart >= 0)
        {
            EmitToken(data, tokenStart, i, tokenInScratch, runStart, baseOffset);
            tokenStart = -1;
        }

        position = i;
        tokenStartRef = tokenStart;
        return true;
    }

    /// <summary>
    /// Counts the token <c>data[start..end]</c>, or the one rebuilt in <see cref="_scratch"/> followed by
    /// <c>data[runStart..end]</c>. Words are placed at the offset of their first byte after stripping,
    /// as the block path does; a rebuilt token at the offset where it starts.
    /// </summary>
    private void EmitToken(ReadOnlySpan<byte> data, int start, int end, bool inScratch, int runStart, long baseOffset)
    {
        long tokenOffset = baseOffset + start;
        if (inScratch)
        {
            AppendScratch(data[runStart..end]);
            data = _scratch.AsSpan(0, _scratchLength);
            (start, end) = (0, _scratchLength);
        }

        if (Strip(data, ref start, ref end))
        {
            _table.Add(data, start, end, inScratch ? tokenOffset : baseOffset + start);
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
}
