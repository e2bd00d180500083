using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace TopNWords.WordCount;

/// <summary>
/// The vector side of the block path of <see cref="Utf8WordScanner"/>: the bit masks of one 64-byte block
/// (bit k is about byte k), with Vector512 where the hardware has it, else Vector256, else Vector128.
/// The ranges are those of <see cref="Utf8TokenRules"/>; every member is inlined into the block loop.
/// </summary>
internal static class Utf8BlockMasks
{
    /// <summary>The bytes of one block: one bit each in a <see cref="ulong"/> mask.</summary>
    internal const int BlockSize = 64;

    /// <summary>
    /// The masks of one 64-byte block: the ASCII separators (returned), the bytes at or above 0x80
    /// (<paramref name="nonAscii"/>, the sign bits) and the ASCII punctuation. Each class is a few
    /// unsigned range checks, each a subtraction and a compare: separators are 0x09..0x0D and
    /// 0x1C..0x20, punctuation 0x21..0x2F, 0x3A..0x40, 0x5B..0x60 and 0x7B..0x7E.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ClassifyBlock(ref byte block, out ulong nonAscii, out ulong punctuation)
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
    internal static ulong SeparatorLeadBytes(ref byte block)
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
}
