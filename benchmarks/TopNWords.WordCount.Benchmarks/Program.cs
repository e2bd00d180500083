using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/TopNWords.WordCount.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
