using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TopNWords.WordCount.Utf8BlockMasks;
using static TopNWords.WordCount.Utf8TokenRules;

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
    // The stripped words that the block path finds wait here and are counted in batches: two short
    // loops keep their variables in registers where one long loop would not.
    private const int TokenBatch = 256;

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

    private static ReadOnlySpan<byte> ReplacementCharacter => [0xEF, 0xBF, 0xBD];

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
        int validEnd = -1; // the block path: the end of the well-formed UTF-8 from the first non-ASCII block on; -1 until one is met
        while (true)
        {
            if (Vector128.IsHardwareAccelerated)
            {
                i = ScanBlocks(data, i, ref tokenStart, ref validEnd, baseOffset, sourceName);
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
    /// The block path: counts the tokens of whole 64-byte blocks from <paramref name="i"/> on, and
    /// returns where it stopped (fewer than 64 bytes left, or a block with an ill-formed or cut sequence).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ScanBlocks(ReadOnlySpan<byte> data, int i, ref int tokenStartRef, ref int validEndRef, long baseOffset, string? sourceName)
    {
        int validEnd = validEndRef;
        int tokenStart = tokenStartRef;
        int pending = 0;
        Span<WordSpan> words = _words;
        ref byte origin = ref MemoryMarshal.GetReference(data);
        while (data.Length - i >= BlockSize)
        {
            // Bit k of each mask is about data[i + k].
            ulong separators = ClassifyBlock(ref Unsafe.Add(ref origin, i), out ulong nonAscii, out ulong punctuation);
            int next = i + BlockSize;
            if (nonAscii != 0 && validEnd < 0)
            {
                // The first block with a non-ASCII byte: validate the rest of the data at once (i is at a
                // character boundary). ASCII text never pays for it.
                validEnd = validEndRef = i + ValidPrefixLength(data[i..]);
            }

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
