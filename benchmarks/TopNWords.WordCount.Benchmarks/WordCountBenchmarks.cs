using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace TopNWords.WordCount.Benchmarks;

/// <summary>
/// The counting core on four kinds of input: <see cref="Span"/> is one thread over bytes in memory;
/// <see cref="File"/> is <see cref="WordCounter.CountFile"/>, as the task runner calls it (the file is
/// in the page cache after the first run).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class WordCountBenchmarks
{
    private byte[] _data = [];
    private string _path = "";

    [Params(BenchmarkInputs.Kjv, BenchmarkInputs.Unicode, BenchmarkInputs.Distinct, BenchmarkInputs.LongTokens)]
    public string Input { get; set; } = BenchmarkInputs.Kjv;

    [GlobalSetup]
    public void Setup()
    {
        _data = BenchmarkInputs.Get(Input);
        _path = Path.Combine(Path.GetTempPath(), $"topnwords-bench-{Input}-{Environment.ProcessId}.txt");
        System.IO.File.WriteAllBytes(_path, _data);
    }

    [GlobalCleanup]
    public void Cleanup() => System.IO.File.Delete(_path);

    [Benchmark(Baseline = true)]
    public long Span() => WordCounter.Count(_data, 10).TotalWords;

    [Benchmark]
    public long File() => WordCounter.CountFile(_path, 10).TotalWords;

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
            AddColumn(new ThroughputColumn());
        }
    }
}
