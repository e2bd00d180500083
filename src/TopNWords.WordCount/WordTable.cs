using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace TopNWords.WordCount;

/// <summary>
/// An open-addressing hash table from UTF-8 words to counts, tuned for short keys.
/// </summary>
/// <remarks>
/// <para>
/// Each word's first 16 bytes are kept in its entry as two zero-padded 64-bit integers, so a word of up
/// to 16 bytes (nearly every word of natural text) is compared with three integer compares and touches
/// no other memory. Only the bytes after the 16th go to a shared byte arena. No string exists until the
/// top words are asked for.
/// </para>
/// <para>
/// The buckets hold entry numbers; the entries are dense, in order of first occurrence, 32 bytes each.
/// Frequent words come early in natural text, so the entries that most lookups touch sit together,
/// and the buckets (4 bytes each) stay small enough for the processor's caches.
/// </para>
/// <para>
/// Each entry also has the input offset of the word's first occurrence: ties are ordered by it, and it
/// lets tables filled by different threads from different parts of the input be merged exactly.
/// </para>
/// </remarks>
internal sealed class WordTable
{
    private const int InitialBuckets = 1 << 12;

    // Odd 64-bit constants (from the golden ratio and xxHash's primes) for multiplicative hashing.
    private const ulong Multiplier0 = 0x9E3779B97F4A7C15;
    private const ulong Multiplier1 = 0xC2B2AE3D27D4EB4F;

    // A per-process seed mixed into every hash: the order of the results never depends on it, but
    // crafted input cannot predict which words collide. Each table keeps a copy in an instance field,
    // which the hot loop reads like any field, without a check that the class was initialised.
    private static readonly ulong ProcessSeed = (ulong)Random.Shared.NextInt64();
    private readonly ulong _seed = ProcessSeed;

    private int[] _buckets = new int[InitialBuckets]; // entry number + 1; 0 = empty
    private Entry[] _entries = new Entry[InitialBuckets / 2];
    private long[] _firstPositions = new long[InitialBuckets / 2];
    private byte[] _arena = [];
    private int _arenaUsed;
    private int _count;
    private int _shift = 64 - BitOperations.Log2(InitialBuckets); // a hash's top bits pick its bucket

    /// <summary>Gets the number of distinct words.</summary>
    public int Count => _count;

    /// <summary>Gets the number of words counted: the sum of the counts (no per-word total to keep up).</summary>
    public long TotalWords
    {
        get
        {
            long total = 0;
            foreach (ref readonly Entry entry in _entries.AsSpan(0, _count))
            {
                total += entry.Count;
            }

            return total;
        }
    }

    /// <summary>
    /// Counts one occurrence of each word of <paramref name="words"/> in <paramref name="data"/> (none is
    /// empty); a word that starts at <c>data[k]</c> is at input offset <c>baseOffset + k</c>.
    /// </summary>
    /// <remarks>
    /// The loop is written for the common case, a word seen before of at most 16 bytes with 16 bytes of
    /// <paramref name="data"/> from its start: two plain 8-byte reads masked by BZHI (no branch on the
    /// length), one multiply-add hash, and the probe. It keeps few values alive across words, so that
    /// they stay in registers; the table's arrays are read from their fields for each word. Anything
    /// else (a new word, a long word, a word near the end of the data) takes <see cref="AddSlow"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<byte> data, ReadOnlySpan<WordSpan> words, long baseOffset)
    {
        ref byte origin = ref MemoryMarshal.GetReference(data);
        int lastFullRead = data.Length - 16;
        foreach (WordSpan word in words)
        {
            if (word.Length > 16 || word.Start > lastFullRead || !TryIncrement(ref Unsafe.Add(ref origin, word.Start), word.Length))
            {
                AddSlow(data.Slice(word.Start, word.Length), baseOffset + word.Start);
            }
        }
    }

    /// <summary>Counts one occurrence of the non-empty word <c>data[start..end]</c>, at input offset <paramref name="position"/>.</summary>
    public void Add(ReadOnlySpan<byte> data, int start, int end, long position) => AddSlow(data[start..end], position);

    /// <summary>
    /// Counts the word of <paramref name="length"/> (1 to 16) bytes at <paramref name="word"/>, of which
    /// 16 bytes may be read, if it is in the table already.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryIncrement(ref byte word, int length)
    {
        // Bytes 8 to 15 count only for words longer than 8 bytes: clamp length - 8 at 0 without a
        // branch (English words fall on both sides of 8 at random).
        int excess = length - 8;
        ulong k0 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref word), length);
        ulong k1 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref word, 8)), excess & ~(excess >> 31));
        int[] buckets = _buckets;
        int index = (int)(HashShortKey(k0, k1, length) >> _shift);
        while (true)
        {
            // index is masked to the bucket array, whose length is a power of two, and a bucket only
            // holds numbers of entries that exist.
            int number = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buckets), index);
            if (number == 0)
            {
                return false;
            }

            ref Entry entry = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_entries), number - 1);
            if (entry.K0 == k0 && entry.K1 == k1 && entry.Length == length)
            {
                entry.Count++;
                return true;
            }

            index = (index + 1) & (buckets.Length - 1);
        }
    }

    /// <summary>Counts one occurrence of any word: a new one, a long one, one that cannot be read 16 bytes at a time.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddSlow(ReadOnlySpan<byte> word, long position)
    {
        ulong k0, k1, hash;
        if (word.Length <= 16)
        {
            (k0, k1) = LoadShortKey(word);
            hash = HashShortKey(k0, k1, word.Length);
        }
        else
        {
            k0 = BinaryPrimitives.ReadUInt64LittleEndian(word);
            k1 = BinaryPrimitives.ReadUInt64LittleEndian(word[8..]);
            hash = HashLongKey(word);
        }

        ref int bucket = ref FindBucket(k0, k1, word.Length, hash, word);
        if (bucket != 0)
        {
            _entries[bucket - 1].Count++;
        }
        else
        {
            Insert(ref bucket, k0, k1, word, count: 1, position);
        }
    }

    /// <summary>
    /// Adds the counts of <paramref name="other"/>, filled from another part of the same input: counts
    /// add up, and each word keeps the earlier of its two first occurrences.
    /// </summary>
    public void MergeFrom(WordTable other)
    {
        Span<byte> shortKey = stackalloc byte[16];
        for (int i = 0; i < other._count; i++)
        {
            ref Entry source = ref other._entries[i];
            long position = other._firstPositions[i];
            Span<byte> key = source.Length <= 16 ? shortKey : new byte[source.Length];
            other.WriteKey(source, key);
            key = key[..source.Length];
            ulong hash = source.Length <= 16 ? HashShortKey(source.K0, source.K1, source.Length) : HashLongKey(key);

            ref int bucket = ref FindBucket(source.K0, source.K1, source.Length, hash, key);
            if (bucket != 0)
            {
                _entries[bucket - 1].Count += source.Count;
                _firstPositions[bucket - 1] = Math.Min(_firstPositions[bucket - 1], position);
            }
            else
            {
                Insert(ref bucket, source.K0, source.K1, key, source.Count, position);
            }
        }
    }

    /// <summary>The <paramref name="n"/> most frequent words; ties by first occurrence.</summary>
    public WordFrequency[] Top(int n)
    {
        int take = Math.Min(n, _count);
        if (take == 0)
        {
            return [];
        }

        // A heap of the best `take` entries whose root is the worst of them.
        var heap = new PriorityQueue<int, (long Count, long FirstPosition)>(take, WorstFirst.Instance);
        for (int i = 0; i < _count; i++)
        {
            var key = (_entries[i].Count, _firstPositions[i]);
            if (heap.Count < take)
            {
                heap.Enqueue(i, key);
            }
            else if (heap.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(key, worst) > 0)
            {
                heap.EnqueueDequeue(i, key);
            }
        }

        var result = new WordFrequency[take];
        Span<byte> shortWord = stackalloc byte[16];
        for (int k = take - 1; k >= 0; k--)
        {
            ref Entry entry = ref _entries[heap.Dequeue()];
            Span<byte> word = entry.Length <= 16 ? shortWord : new byte[entry.Length];
            WriteKey(entry, word);
            result[k] = new WordFrequency(Encoding.UTF8.GetString(word[..entry.Length]), entry.Count);
        }

        return result;
    }

    /// <summary>
    /// The bucket that holds the word's entry number, or the empty bucket where it belongs.
    /// <paramref name="key"/> is only read for words longer than 16 bytes, from its 17th byte on.
    /// </summary>
    private ref int FindBucket(ulong k0, ulong k1, int length, ulong hash, ReadOnlySpan<byte> key)
    {
        int[] buckets = _buckets;
        int mask = buckets.Length - 1;
        int index = (int)(hash >> _shift);
        ref int firstBucket = ref MemoryMarshal.GetArrayDataReference(buckets);
        ref Entry firstEntry = ref MemoryMarshal.GetArrayDataReference(_entries);
        while (true)
        {
            // index is masked to the bucket array, whose length is a power of two, and a bucket only
            // holds numbers of entries that exist.
            ref int bucket = ref Unsafe.Add(ref firstBucket, index);
            if (bucket == 0)
            {
                return ref bucket;
            }

            ref Entry entry = ref Unsafe.Add(ref firstEntry, bucket - 1);
            if (entry.K0 == k0 && entry.K1 == k1 && entry.Length == length
                && (length <= 16 || _arena.AsSpan(entry.ArenaOffset, length - 16).SequenceEqual(key[16..length])))
            {
                return ref bucket;
            }

            index = (index + 1) & mask;
        }
    }

    private void Insert(ref int bucket, ulong k0, ulong k1, ReadOnlySpan<byte> word, long count, long position)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _firstPositions, _entries.Length);
        }

        int arenaOffset = word.Length > 16 ? AppendToArena(word[16..]) : 0;
        _entries[_count] = new Entry { K0 = k0, K1 = k1, Length = word.Length, ArenaOffset = arenaOffset, Count = count };
        _firstPositions[_count] = position;
        bucket = ++_count;
        if (_count * 2 > _buckets.Length)
        {
            Grow();
        }
    }

    private int AppendToArena(ReadOnlySpan<byte> bytes)
    {
        if (_arenaUsed + bytes.Length > _arena.Length)
        {
            long wanted = Math.Max(Math.Max((long)_arena.Length * 2, 1 << 12), (long)_arenaUsed + bytes.Length);
            if (wanted > Array.MaxLength)
            {
                wanted = Array.MaxLength;
                if (_arenaUsed + bytes.Length > wanted)
                {
                    throw new InsufficientMemoryException("The long words of the input exceed 2 GiB.");
                }
            }

            Array.Resize(ref _arena, (int)wanted);
        }

        bytes.CopyTo(_arena.AsSpan(_arenaUsed));
        int offset = _arenaUsed;
        _arenaUsed += bytes.Length;
        return offset;
    }

    /// <summary>Doubles the buckets, keeping the load factor at most one half so that probe runs stay short.</summary>
    private void Grow()
    {
        var buckets = new int[_buckets.Length * 2];
        int mask = buckets.Length - 1;
        _shift--;
        for (int i = 0; i < _count; i++)
        {
            ref Entry entry = ref _entries[i];
            ulong hash = entry.Length <= 16 ? HashShortKey(entry.K0, entry.K1, entry.Length) : HashLongKey(entry);
            int index = (int)(hash >> _shift);
            while (buckets[index] != 0)
            {
                index = (index + 1) & mask;
            }

            buckets[index] = i + 1;
        }

        _buckets = buckets;
    }

    /// <summary>Writes the whole word of <paramref name="entry"/> to <paramref name="destination"/> (at least 16 bytes long).</summary>
    private void WriteKey(in Entry entry, Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, entry.K0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], entry.K1);
        if (entry.Length > 16)
        {
            _arena.AsSpan(entry.ArenaOffset, entry.Length - 16).CopyTo(destination[16..]);
        }
    }

    /// <summary>Keeps the <paramref name="count"/> low bytes of <paramref name="value"/>: all of them when <paramref name="count"/> is 8 or more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeepLowBytes(ulong value, int count)
    {
        if (Bmi2.X64.IsSupported)
        {
            // BZHI leaves the value whole when the bit index is 64 or more: no branch.
            return Bmi2.X64.ZeroHighBits(value, (ulong)(uint)count * 8);
        }

        return count >= 8 ? value : value & ((1UL << (count * 8)) - 1);
    }

    /// <summary>
    /// A word of 1 to 16 bytes as two zero-padded little-endian integers, read without touching a byte
    /// after it: overlapping reads whose shared bytes land in the same places.
    /// </summary>
    private static (ulong K0, ulong K1) LoadShortKey(ReadOnlySpan<byte> word)
    {
        int n = word.Length;
        if (n >= 8)
        {
            ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian(word);
            ulong k1 = n == 8 ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(word[(n - 8)..]) >> ((16 - n) * 8);
            return (k0, k1);
        }

        if (n >= 4)
        {
            ulong low = BinaryPrimitives.ReadUInt32LittleEndian(word);
            ulong high = BinaryPrimitives.ReadUInt32LittleEndian(word[(n - 4)..]);
            return (low | (high << ((n - 4) * 8)), 0);
        }

        ulong k = word[0] | ((ulong)word[n / 2] << (n / 2 * 8)) | ((ulong)word[n - 1] << ((n - 1) * 8));
        return (k, 0);
    }

    /// <summary>
    /// Multiplicative hashing of the two halves: two independent multiplications, whose top bits (the
    /// ones that pick the bucket) depend on every bit of the word and on its length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong HashShortKey(ulong k0, ulong k1, int length) => ((k0 ^ _seed) * Multiplier0) + ((k1 + (uint)length) * Multiplier1);

    private ulong HashLongKey(in Entry entry)
    {
        Span<byte> key = new byte[entry.Length];
        WriteKey(entry, key);
        return HashLongKey(key);
    }

    /// <summary>Hashes a word longer than 16 bytes, 16 bytes at a time; the last block overlaps the one before.</summary>
    private ulong HashLongKey(ReadOnlySpan<byte> word)
    {
        ulong hash = _seed ^ (uint)word.Length;
        int i = 0;
        for (; i + 16 < word.Length; i += 16)
        {
            hash = Mix(BinaryPrimitives.ReadUInt64LittleEndian(word[i..]) ^ hash, BinaryPrimitives.ReadUInt64LittleEndian(word[(i + 8)..]) ^ Multiplier1);
        }

        ReadOnlySpan<byte> last = word[^16..];
        return Mix(BinaryPrimitives.ReadUInt64LittleEndian(last) ^ hash, BinaryPrimitives.ReadUInt64LittleEndian(last[8..]) ^ Multiplier1);
    }

    /// <summary>The folded 128-bit product (as in wyhash): one multiplication mixes every input bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return high ^ low;
    }

    /// <summary>One word: its first 16 bytes, zero-padded; the rest is in the arena.</summary>
    private struct Entry
    {
        public ulong K0;
        public ulong K1;
        public long Count;
        public int Length;
        public int ArenaOffset;
    }

    /// <summary>Orders (count, first position) so that the worst word is the smallest: fewer counts, then later first occurrence.</summary>
    private sealed class WorstFirst : IComparer<(long Count, long FirstPosition)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((long Count, long FirstPosition) x, (long Count, long FirstPosition) y)
        {
            int c = x.Count.CompareTo(y.Count);
            return c != 0 ? c : y.FirstPosition.CompareTo(x.FirstPosition);
        }
    }
}
