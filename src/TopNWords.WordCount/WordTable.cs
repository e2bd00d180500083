using System.Buffers.Binary;
using System.Diagnostics;
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
/// Each word's first 16 bytes are kept in its entry as two zero-padded 64-bit integers; only the bytes
/// after the 16th go to a shared byte arena. A word of up to 16 bytes (nearly every word of English)
/// is compared with three integer compares and touches no other memory; one of 17 to 32 bytes (common
/// in scripts of two- and three-byte characters) with two more, on 16 bytes of the arena. No string
/// exists until the top words are asked for.
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

    // The fewest words a table has room for: a table for a small input (CapacityFor) starts this small.
    private const int MinimumCapacity = 1 << 8;

    // The fast path reads a word 32 bytes at a time; the arena keeps this many spare bytes after its
    // last word so that a word's tail can be read the same way.
    private const int FastLength = 32;
    private const int ArenaSlack = 16;

    // FindOrCount: the word was counted, or it was not tried (too long, too close to the data's end).
    private const int Counted = -1;
    private const int NotTried = -2;

    // Odd 64-bit constants (from the golden ratio and xxHash's primes) for multiplicative hashing.
    private const ulong Multiplier0 = 0x9E3779B97F4A7C15;
    private const ulong Multiplier1 = 0xC2B2AE3D27D4EB4F;
    private const ulong Multiplier2 = 0x165667B19E3779F9;
    private const ulong Multiplier3 = 0x27D4EB2F165667C5;

    // A per-process seed mixed into every hash: the order of the results never depends on it, but
    // crafted input cannot predict which words collide. Each table keeps a copy in an instance field,
    // which the hot loop reads like any field, without a check that the class was initialised.
    private static readonly ulong ProcessSeed = (ulong)Random.Shared.NextInt64();
    private readonly ulong _seed = ProcessSeed;

    private int[] _buckets; // entry number + 1; 0 = empty
    private Entry[] _entries;
    private long[] _firstPositions;
    private byte[] _arena = new byte[ArenaSlack];
    private int _arenaUsed;
    private int _count;
    private int _shift; // a hash's top bits pick its bucket

    /// <summary>Initializes a new instance of the <see cref="WordTable"/> class, with room for <paramref name="capacity"/> words before it grows.</summary>
    /// <param name="capacity">How many distinct words are expected; rounded up to a power of two, at least 256.</param>
    /// <remarks>
    /// Only the buckets are cleared: an entry and its first position are read only once written (below <see cref="Count"/>),
    /// so their arrays are left as the runtime hands them out, and a page of them is first touched when a word lands
    /// there. A task runner counting a file of a few KB pays for the page faults of what it touches (about 12 us each on a
    /// small VM), not for clearing tables sized for a large input.
    /// </remarks>
    public WordTable(int capacity = InitialBuckets / 2)
    {
        int buckets = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(capacity, MinimumCapacity, 1 << 24) * 2);
        _buckets = new int[buckets];
        _entries = GC.AllocateUninitializedArray<Entry>(buckets / 2);
        _firstPositions = GC.AllocateUninitializedArray<long>(buckets / 2);
        _shift = 64 - BitOperations.Log2((uint)buckets);
    }

    /// <summary>
    /// A capacity for an input of <paramref name="length"/> bytes read by one thread: an eighth of its length (English text
    /// has a distinct word every 10 to 20 bytes in its first KBs, fewer after), between 256 and the default 2,048.
    /// </summary>
    /// <param name="length">The input's length in bytes, or -1 when it is not known (the default capacity).</param>
    /// <returns>The capacity.</returns>
    internal static int CapacityFor(long length) => length < 0 ? InitialBuckets / 2 : (int)Math.Clamp(length / 8, MinimumCapacity, InitialBuckets / 2);

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
    /// The loop is written for the common case, a word of at most 32 bytes with 32 bytes of
    /// <paramref name="data"/> from its start (<see cref="FindOrCount"/>); it keeps few values alive
    /// across words, so that they stay in registers. A new word is inserted in the bucket that the
    /// probe found empty; longer words and words near the end of the data take <see cref="AddSlow"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(ReadOnlySpan<byte> data, ReadOnlySpan<WordSpan> words, long baseOffset)
    {
        ref byte origin = ref MemoryMarshal.GetReference(data);
        int lastFullRead = data.Length - FastLength;
        foreach (WordSpan word in words)
        {
            int bucket = word.Length <= FastLength && word.Start <= lastFullRead
                ? FindOrCount(ref Unsafe.Add(ref origin, word.Start), word.Length)
                : NotTried;
            if (bucket != Counted)
            {
                AddSlow(data.Slice(word.Start, word.Length), baseOffset + word.Start, bucket);
            }
        }
    }

    /// <summary>Counts one occurrence of the non-empty word <c>data[start..end]</c>, at input offset <paramref name="position"/>.</summary>
    public void Add(ReadOnlySpan<byte> data, int start, int end, long position) => AddSlow(data[start..end], position, NotTried);

    /// <summary>
    /// Adds the counts of <paramref name="other"/>, filled from another part of the same input: counts
    /// add up, and each word keeps the earlier of its two first occurrences.
    /// </summary>
    public void MergeFrom(WordTable other)
    {
        // A heap buffer, not stackalloc: a method with both cannot be compiled at tier 0 with on-stack
        // replacement, and would be compiled fully optimised at once, which costs a short run more.
        Span<byte> shortKey = new byte[FastLength];
        for (int i = 0; i < other._count; i++)
        {
            ref Entry source = ref other._entries[i];
            long position = other._firstPositions[i];
            int found = source.Length <= 16 ? FindHead(source) : -1;
            if (found >= 0)
            {
                // Most words: found by the 16 bytes kept in the entry, without writing the key out.
                _entries[found].Count += source.Count;
                _firstPositions[found] = Math.Min(_firstPositions[found], position);
                continue;
            }

            Span<byte> key = (source.Length <= FastLength ? shortKey : new byte[source.Length])[..source.Length];
            other.WriteKey(source, key);

            ref int bucket = ref FindBucket(key, Hash(key));
            if (bucket != 0)
            {
                _entries[bucket - 1].Count += source.Count;
                _firstPositions[bucket - 1] = Math.Min(_firstPositions[bucket - 1], position);
            }
            else
            {
                Insert(ref bucket, key, source.Count, position);
            }
        }
    }

    /// <summary>The index of the entry of this table that holds the word of <paramref name="source"/> (of at most 16 bytes, from a table of the same process), or -1.</summary>
    private int FindHead(in Entry source)
    {
        int mask = _buckets.Length - 1;
        int index = (int)(HashHead(source.K0, source.K1, source.Length) >> _shift);
        while (true)
        {
            int number = _buckets[index];
            if (number == 0)
            {
                return -1;
            }

            ref Entry entry = ref _entries[number - 1];
            if (entry.K0 == source.K0 && entry.K1 == source.K1 && entry.Length == source.Length)
            {
                return number - 1;
            }

            index = (index + 1) & mask;
        }
    }

    /// <summary>
    /// Adds <paramref name="count"/> occurrences of the non-empty <paramref name="word"/>; a new word gets
    /// <paramref name="position"/> as its first occurrence (an existing word keeps its own).
    /// </summary>
    public void AddCount(ReadOnlySpan<byte> word, long count, long position)
    {
        ref int bucket = ref FindBucket(word, Hash(word));
        if (bucket != 0)
        {
            _entries[bucket - 1].Count = checked(_entries[bucket - 1].Count + count);
        }
        else
        {
            Insert(ref bucket, word, count, position);
        }
    }

    /// <summary>
    /// Puts the entries in order of first occurrence and makes each entry's first position its index, so
    /// that a word added later with position <see cref="Count"/> comes after all of them. Tables filled by
    /// several threads hold the words of each thread's chunks together, not in input order.
    /// </summary>
    public void Renumber()
    {
        bool sorted = true;
        for (int i = 1; i < _count && sorted; i++)
        {
            sorted = _firstPositions[i - 1] < _firstPositions[i];
        }

        if (!sorted)
        {
            Array.Sort(_firstPositions, _entries, 0, _count);
            Rehash(_buckets.Length);
        }

        for (int i = 0; i < _count; i++)
        {
            _firstPositions[i] = i;
        }
    }

    /// <summary>Gets the count of entry <paramref name="index"/> (entries are in insertion order).</summary>
    public long CountAt(int index) => _entries[index].Count;

    /// <summary>Gets the length in bytes of the word of entry <paramref name="index"/>.</summary>
    public int LengthAt(int index) => _entries[index].Length;

    /// <summary>Writes the word of entry <paramref name="index"/> to <paramref name="destination"/>, which has at least its length.</summary>
    public void CopyWordAt(int index, Span<byte> destination) => WriteKey(_entries[index], destination);

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
        Span<byte> shortWord = new byte[FastLength]; // not stackalloc: see MergeFrom

        for (int k = take - 1; k >= 0; k--)
        {
            ref Entry entry = ref _entries[heap.Dequeue()];
            Span<byte> word = (entry.Length <= FastLength ? shortWord : new byte[entry.Length])[..entry.Length];
            WriteKey(entry, word);
            result[k] = new WordFrequency(Encoding.UTF8.GetString(word), entry.Count);
        }

        return result;
    }

    /// <summary>
    /// Counts the word of <paramref name="length"/> (1 to 32) bytes at <paramref name="word"/>, of which
    /// 32 bytes may be read, and returns <see cref="Counted"/>; or, when the word is new, the index of
    /// the empty bucket where it belongs.
    /// </summary>
    /// <remarks>
    /// The word is read as four 8-byte integers masked to its length by BZHI: no branch on the length
    /// within each half, and zero padding that matches <see cref="LoadPadded"/>.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindOrCount(ref byte word, int length)
    {
        // Split the length between the two halves without a branch (English words fall on both sides
        // of 8 bytes at random): the first gets min(length, 8), the second the rest of the first 16.
        int pastFirst = ClampAtZero(length - 8);
        ulong k0 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref word), length - pastFirst);
        ulong k1 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref word, 8)), pastFirst);
        ulong hash = HashHead(k0, k1, length);
        ulong k2 = 0;
        ulong k3 = 0;
        if (length > 16)
        {
            k2 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref word, 16)), length - 16);
            k3 = KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref word, 24)), ClampAtZero(length - 24));
            hash += HashTail(k2, k3);
        }

        int[] buckets = _buckets;
        int index = (int)(hash >> _shift);
        while (true)
        {
            // index is masked to the bucket array, whose length is a power of two, and a bucket only
            // holds numbers of entries that exist.
            int number = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buckets), index);
            if (number == 0)
            {
                return index;
            }

            ref Entry entry = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_entries), number - 1);
            if (entry.K0 == k0 && entry.K1 == k1 && entry.Length == length && (length <= 16 || TailEquals(entry, k2, k3)))
            {
                entry.Count++;
                return Counted;
            }

            index = (index + 1) & (buckets.Length - 1);
        }
    }

    /// <summary>Whether the arena bytes of <paramref name="entry"/> (17 to 32 bytes long) are <paramref name="k2"/> and <paramref name="k3"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TailEquals(in Entry entry, ulong k2, ulong k3)
    {
        // The arena has ArenaSlack spare bytes after its last word, so 16 bytes can be read from any tail.
        ref byte tail = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_arena), entry.ArenaOffset);
        return KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref tail), entry.Length - 16) == k2
            && KeepLowBytes(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref tail, 8)), ClampAtZero(entry.Length - 24)) == k3;
    }

    /// <summary>
    /// Counts one occurrence of any word. <paramref name="emptyBucket"/> is where the fast path found
    /// that a new word belongs, or <see cref="NotTried"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddSlow(ReadOnlySpan<byte> word, long position, int emptyBucket)
    {
        ref int bucket = ref emptyBucket >= 0 ? ref _buckets[emptyBucket] : ref FindBucket(word, Hash(word));
        if (bucket != 0)
        {
            _entries[bucket - 1].Count++;
        }
        else
        {
            Insert(ref bucket, word, count: 1, position);
        }
    }

    /// <summary>The bucket that holds the number of the entry of <paramref name="word"/>, or the empty bucket where it belongs.</summary>
    private ref int FindBucket(ReadOnlySpan<byte> word, ulong hash)
    {
        (ulong k0, ulong k1) = LoadPadded(word[..Math.Min(word.Length, 16)]);
        int mask = _buckets.Length - 1;
        int index = (int)(hash >> _shift);
        while (true)
        {
            ref int bucket = ref _buckets[index];
            if (bucket == 0)
            {
                return ref bucket;
            }

            ref Entry entry = ref _entries[bucket - 1];
            if (entry.K0 == k0 && entry.K1 == k1 && entry.Length == word.Length
                && (word.Length <= 16 || _arena.AsSpan(entry.ArenaOffset, word.Length - 16).SequenceEqual(word[16..])))
            {
                return ref bucket;
            }

            index = (index + 1) & mask;
        }
    }

    private void Insert(ref int bucket, ReadOnlySpan<byte> word, long count, long position)
    {
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
            Array.Resize(ref _firstPositions, _entries.Length);
        }

        (ulong k0, ulong k1) = LoadPadded(word[..Math.Min(word.Length, 16)]);
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
        long needed = (long)_arenaUsed + bytes.Length + ArenaSlack;
        if (needed > _arena.Length)
        {
            if (needed > Array.MaxLength)
            {
                throw new InsufficientMemoryException("The long words of the input exceed 2 GiB.");
            }

            Array.Resize(ref _arena, (int)Math.Min(Math.Max(needed, (long)_arena.Length * 2), Array.MaxLength));
        }

        bytes.CopyTo(_arena.AsSpan(_arenaUsed));
        int offset = _arenaUsed;
        _arenaUsed += bytes.Length;
        return offset;
    }

    /// <summary>Doubles the buckets, keeping the load factor at most one half so that probe runs stay short.</summary>
    private void Grow()
    {
        _shift--;
        Rehash(_buckets.Length * 2);
    }

    /// <summary>Rebuilds the buckets (<paramref name="size"/> of them, matching <c>_shift</c>) from the entries.</summary>
    private void Rehash(int size)
    {
        var buckets = new int[size];
        int mask = buckets.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            int index = (int)(HashOf(_entries[i]) >> _shift);
            while (buckets[index] != 0)
            {
                index = (index + 1) & mask;
            }

            buckets[index] = i + 1;
        }

        _buckets = buckets;
    }

    /// <summary>Writes the word of <paramref name="entry"/> to <paramref name="destination"/>, which has its length.</summary>
    private void WriteKey(in Entry entry, Span<byte> destination)
    {
        Span<byte> head = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(head, entry.K0);
        BinaryPrimitives.WriteUInt64LittleEndian(head[8..], entry.K1);
        head[..Math.Min(entry.Length, 16)].CopyTo(destination);
        if (entry.Length > 16)
        {
            _arena.AsSpan(entry.ArenaOffset, entry.Length - 16).CopyTo(destination[16..]);
        }
    }

    /// <summary>
    /// The hash of a word, the same whichever path computes it: <see cref="HashHead"/> of its first 16
    /// bytes, plus <see cref="HashTail"/> of the next 16 for a word of 17 to 32 bytes; a longer word is
    /// hashed 16 bytes at a time.
    /// </summary>
    private ulong Hash(ReadOnlySpan<byte> word)
    {
        if (word.Length > FastLength)
        {
            return HashLongKey(word);
        }

        (ulong k0, ulong k1) = LoadPadded(word[..Math.Min(word.Length, 16)]);
        ulong hash = HashHead(k0, k1, word.Length);
        if (word.Length > 16)
        {
            (ulong k2, ulong k3) = LoadPadded(word[16..]);
            hash += HashTail(k2, k3);
        }

        return hash;
    }

    /// <summary><see cref="Hash"/> of the word of <paramref name="entry"/>, from its fields where they suffice.</summary>
    private ulong HashOf(in Entry entry)
    {
        if (entry.Length > FastLength)
        {
            var key = new byte[entry.Length];
            WriteKey(entry, key);
            return HashLongKey(key);
        }

        ulong hash = HashHead(entry.K0, entry.K1, entry.Length);
        if (entry.Length > 16)
        {
            (ulong k2, ulong k3) = LoadPadded(_arena.AsSpan(entry.ArenaOffset, entry.Length - 16));
            hash += HashTail(k2, k3);
        }

        return hash;
    }

    /// <summary>
    /// Multiplicative hashing of the first two 8-byte halves: independent multiplications, whose top
    /// bits (the ones that pick the bucket) depend on every bit of the word and on its length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong HashHead(ulong k0, ulong k1, int length) => ((k0 ^ _seed) * Multiplier0) + ((k1 + (uint)length) * Multiplier1);

    /// <summary>The part of the hash of a word of 17 to 32 bytes that its bytes 16 to 31 add.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong HashTail(ulong k2, ulong k3) => (k2 * Multiplier2) + (k3 * Multiplier3);

    /// <summary>Hashes a word longer than 32 bytes, 16 bytes at a time; the last block overlaps the one before.</summary>
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

    /// <summary>Keeps the <paramref name="count"/> (below 32) low bytes of <paramref name="value"/>: all of them when <paramref name="count"/> is 8 or more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong KeepLowBytes(ulong value, int count)
    {
        Debug.Assert(count is >= 0 and < 32);
        if (Bmi2.X64.IsSupported)
        {
            // BZHI leaves the value whole when the bit index is 64 or more (up to 255: it reads only the
            // index's low 8 bits, hence count < 32). No branch.
            return Bmi2.X64.ZeroHighBits(value, (ulong)(uint)count * 8);
        }

        return count >= 8 ? value : value & ((1UL << (count * 8)) - 1);
    }

    /// <summary><paramref name="value"/>, or 0 when it is negative, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClampAtZero(int value) => value & ~(value >> 31);

    /// <summary>
    /// Up to 16 bytes as two zero-padded little-endian integers, read without touching a byte after
    /// them: overlapping reads whose shared bytes land in the same places.
    /// </summary>
    private static (ulong Low, ulong High) LoadPadded(ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        if (n >= 8)
        {
            ulong low = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            ulong high = n == 8 ? 0 : BinaryPrimitives.ReadUInt64LittleEndian(bytes[(n - 8)..]) >> ((16 - n) * 8);
            return (low, high);
        }

        if (n >= 4)
        {
            ulong first = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            ulong last = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(n - 4)..]);
            return (first | (last << ((n - 4) * 8)), 0);
        }

        ulong k = bytes[0] | ((ulong)bytes[n / 2] << (n / 2 * 8)) | ((ulong)bytes[n - 1] << ((n - 1) * 8));
        return (k, 0);
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
