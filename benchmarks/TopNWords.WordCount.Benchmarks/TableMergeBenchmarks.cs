using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace TopNWords.WordCount.Benchmarks;

/// <summary>
/// The end of a parallel count: the tables of two threads, each of one half of the input, merged into one
/// (<see cref="WordTable.MergeFrom"/>, with the start size the parallel path gives its tables). On kjv the
/// halves share most words, so nearly every word of the second table is found, not inserted.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class TableMergeBenchmarks
{
    private WordTable _first = new();
    private WordTable _second = new();
    private int _capacity;

    [Params(BenchmarkInputs.Kjv, BenchmarkInputs.Unicode, BenchmarkInputs.Distinct)]
    public string Input { get; set; } = BenchmarkInputs.Kjv;

    [GlobalSetup]
    public void Setup()
    {
        byte[] data = BenchmarkInputs.Get(Input);
        int half = HalfAtSeparator(data);
        _first = CountPart(data.AsSpan(0, half), 0);
        _second = CountPart(data.AsSpan(half), half);
        _capacity = ParallelWordCounter.ExpectedWords(data.Length);
    }

    [Benchmark]
    public int Merge()
    {
        var table = new WordTable(_capacity);
        table.MergeFrom(_first);
        table.MergeFrom(_second);
        return table.Count;
    }

    /// <summary>The middle of the input moved forward to just after a space or a line end.</summary>
    private static int HalfAtSeparator(byte[] data)
    {
        int half = data.Length / 2;
        while (half < data.Length && data[half - 1] is not ((byte)' ' or (byte)'\n'))
        {
            half++;
        }

        return half;
    }

    private static WordTable CountPart(ReadOnlySpan<byte> part, long offset)
    {
        var table = new WordTable();
        new Utf8WordScanner(table, InvalidUtf8Handling.Replace).Scan(part, offset, isFinal: true, sourceName: null);
        return table;
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
    }
}
