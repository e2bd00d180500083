using System.Runtime.CompilerServices;
using System.Text;

namespace TopNWords.WordCount;

/// <summary>
/// An open-addressing hash table from UTF-8 words to counts. Keys live in one growing byte arena, so a
/// word costs its bytes plus one entry, and no string exists until the top words are asked for.
/// Entries keep insertion order, which is the order of first occurrence.
/// </summary>
internal sealed class WordTable
{
    private const int InitialBuckets = 1 << 12;

    private byte[] _arena = new byte[1 << 16];
    private int _arenaUsed;
    private Entry[] _entries = new Entry[InitialBuckets / 2];
    private int[] _buckets = new int[InitialBuckets]; // entry index + 1; 0 = empty
    private int _count;
    private long _total;

    public int Count => _count;

    public long TotalWords => _total;

    /// <summary>Counts one occurrence of <paramref name="word"/> (already stripped, never empty).</summary>
    public void Add(ReadOnlySpan<byte> word)
    {
        _total++;
        int hash = Hash(word);
        int mask = _buckets.Length - 1;
        int slot = hash & mask;
        while (true)
        {
            int e = _buckets[slot];
            if (e == 0)
            {
                break;
            }

            ref Entry entry = ref _entries[e - 1];
            if (entry.Hash == hash && entry.Length == word.Length
                && _arena.AsSpan(entry.Offset, entry.Length).SequenceEqual(word))
            {
                entry.Count++;
                return;
            }

            slot = (slot + 1) & mask;
        }

        Insert(word, hash, slot);
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
        var heap = new PriorityQueue<int, (long Count, int Index)>(take, WorstFirst.Instance);
        for (int i = 0; i < _count; i++)
        {
            var key = (_entries[i].Count, i);
            if (heap.Count < take)
            {
                heap.Enqueue(i, key);
            }
            else if (WorstFirst.Instance.Compare(key, PeekPriority(heap)) > 0)
            {
                heap.EnqueueDequeue(i, key);
            }
        }

        var result = new WordFrequency[take];
        for (int k = take - 1; k >= 0; k--)
        {
            int i = heap.Dequeue();
            ref Entry entry = ref _entries[i];
            result[k] = new WordFrequency(Encoding.UTF8.GetString(_arena, entry.Offset, entry.Length), entry.Count);
        }

        return result;
    }

    private static (long Count, int Index) PeekPriority(PriorityQueue<int, (long Count, int Index)> heap)
    {
        heap.TryPeek(out _, out var priority);
        return priority;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(ReadOnlySpan<byte> word)
    {
        var hc = default(HashCode);
        hc.AddBytes(word);
        return hc.ToHashCode() & int.MaxValue;
    }

    private void Insert(ReadOnlySpan<byte> word, int hash, int slot)
    {
        if (_arenaUsed + word.Length > _arena.Length)
        {
            long wanted = Math.Max((long)_arena.Length * 2, (long)_arenaUsed + word.Length);
            Array.Resize(ref _arena, (int)Math.Min(wanted, Array.MaxLength));
            if (_arenaUsed + word.Length > _arena.Length)
            {
                throw new InsufficientMemoryException("The distinct words of the input exceed 2 GiB.");
            }
        }

        word.CopyTo(_arena.AsSpan(_arenaUsed));
        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, _entries.Length * 2);
        }

        _entries[_count] = new Entry { Hash = hash, Offset = _arenaUsed, Length = word.Length, Count = 1 };
        _arenaUsed += word.Length;
        _buckets[slot] = ++_count;

        if (_count * 2 > _buckets.Length)
        {
            Rehash();
        }
    }

    private void Rehash()
    {
        var buckets = new int[_buckets.Length * 2];
        int mask = buckets.Length - 1;
        for (int i = 0; i < _count; i++)
        {
            int slot = _entries[i].Hash & mask;
            while (buckets[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            buckets[slot] = i + 1;
        }

        _buckets = buckets;
    }

    private struct Entry
    {
        public int Hash;
        public int Offset;
        public int Length;
        public long Count;
    }

    /// <summary>Orders (count, first index) so that the worst entry is the smallest: fewer counts, then later first occurrence.</summary>
    private sealed class WorstFirst : IComparer<(long Count, int Index)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((long Count, int Index) x, (long Count, int Index) y)
        {
            int c = x.Count.CompareTo(y.Count);
            return c != 0 ? c : y.Index.CompareTo(x.Index);
        }
    }
}
