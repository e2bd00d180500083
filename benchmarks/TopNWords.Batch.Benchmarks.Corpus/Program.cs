using System.Diagnostics;
using System.Globalization;
using TopNWords.Batch;
using TopNWords.WordCount;

// The corpus top N of N files on the local default (local folder storage, local processes), two ways:
//   merge task:  WordCountJob.RunCorpusWordCountAsync: counting tasks write full counts, merge tasks on the pool depend
//                on them and read them; the client downloads the one result;
//   client-side: counting tasks write full counts (--counts), the client downloads every count file and merges them
//                itself (WordCounts.AddFrom in input order, then Top).
// Prints wall time (the whole run: staging, tasks, download, merge, cleanup) and the bytes the client downloaded, and
// checks that both give the same top N.
//
//   dotnet run -c Release --project benchmarks/TopNWords.Batch.Benchmarks.Corpus -- --text ../shared/data/kjvbible.txt [--files 1000,10000] [--lines 100] [--nodes 2] [--slots 2]
// benchmarks/corpus.sh runs it with the Native AOT task runner.

string text = Option(args, "--text", Path.Combine("..", "shared", "data", "kjvbible.txt"));
int[] sizes = [.. Option(args, "--files", "1000,10000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
int lines = int.Parse(Option(args, "--lines", "100"), CultureInfo.InvariantCulture);
int nodes = int.Parse(Option(args, "--nodes", "2"), CultureInfo.InvariantCulture);
int slots = int.Parse(Option(args, "--slots", "2"), CultureInfo.InvariantCulture);
const int TopN = 10;

var runner = TaskApplication.TopNWordsTaskRunner();
Console.WriteLine($"task runner: {string.Join(' ', runner.EntryPoint)}; {nodes} nodes x {slots} slots; {Environment.ProcessorCount} cores");
string[] all = File.ReadAllLines(text);
string work = Directory.CreateTempSubdirectory("topnwords-corpus-bench-").FullName;
try
{
    Console.WriteLine();
    Console.WriteLine("| files | way | wall (s) | client downloads | files downloaded |");
    Console.WriteLine("|---:|---|---:|---:|---:|");
    foreach (int size in sizes)
    {
        string inputs = Path.Combine(work, $"inputs-{size}");
        Directory.CreateDirectory(inputs);
        for (int i = 0; i < size; i++)
        {
            // Consecutive 100-line pieces of the text, wrapping around.
            var piece = Enumerable.Range(0, lines).Select(k => all[((i * lines) + k) % all.Length]);
            File.WriteAllLines(Path.Combine(inputs, string.Create(CultureInfo.InvariantCulture, $"piece{i:D5}.txt")), piece);
        }

        var (mergeWall, mergeBytes, mergeFiles, mergeTop) = await MergeTaskAsync(inputs, Path.Combine(work, $"root-m-{size}"), Path.Combine(work, $"out-m-{size}"));
        Console.WriteLine($"| {size:N0} | merge task | {mergeWall:F1} | {mergeBytes:N0} B | {mergeFiles:N0} |");
        var (clientWall, clientBytes, clientFiles, clientTop) = await ClientSideAsync(inputs, Path.Combine(work, $"root-c-{size}"), Path.Combine(work, $"out-c-{size}"));
        Console.WriteLine($"| {size:N0} | client-side merge | {clientWall:F1} | {clientBytes:N0} B | {clientFiles:N0} |");
        if (mergeTop != clientTop)
        {
            Console.Error.WriteLine($"error: the two ways disagree at {size} files:\n  merge task:  {mergeTop}\n  client-side: {clientTop}");
            return 1;
        }

        Directory.Delete(inputs, recursive: true);
    }

    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

async Task<(double Wall, long Bytes, int Files, string Top)> MergeTaskAsync(string inputs, string root, string output)
{
    var clock = Stopwatch.StartNew();
    await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root });
    var result = await workflow.RunCorpusWordCountAsync([inputs], TopN, Configure(output));
    clock.Stop();
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"The merge-task run failed: {result.Reduce?.Error} {string.Join("; ", result.FailedTasks.Select(t => t.DescribeFailure()))}");
    }

    var (bytes, files) = Downloaded(output);
    return (clock.Elapsed.TotalSeconds, bytes, files, Show(result.CorpusTopWords!.Words.Select(w => (w.Word, w.Count))));
}

async Task<(double Wall, long Bytes, int Files, string Top)> ClientSideAsync(string inputs, string root, string output)
{
    var clock = Stopwatch.StartNew();
    await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root });
    var definition = new BatchRunDefinition(BatchInput.FromPaths([inputs]), runner, ["--filepath", BatchRunDefinition.InputPlaceholder, "--numwords", $"{TopN}", "--counts"])
    {
        OutputFilePattern = "*_COUNTS*",
    };
    Configure(output)(definition);
    var result = await workflow.RunAsync(definition);
    if (!result.Succeeded)
    {
        throw new InvalidOperationException($"The client-side run failed: {string.Join("; ", result.FailedTasks.Select(t => t.DescribeFailure()))}");
    }

    var corpus = new WordCounts();
    foreach (var task in result.Tasks)
    {
        using var stream = File.OpenRead(task.OutputFiles.Single());
        corpus.AddFrom(stream, task.OutputFiles[0]);
    }

    var top = corpus.Top(TopN);
    clock.Stop();
    var (bytes, files) = Downloaded(output);
    return (clock.Elapsed.TotalSeconds, bytes, files, Show(top.Select(w => (w.Word, w.Count))));
}

Action<BatchRunDefinition> Configure(string output) => d =>
{
    d.DownloadDirectory = output;
    d.Pool.NodeCount = nodes;
    d.Pool.TaskSlotsPerNode = slots;
    d.Timeouts.TasksComplete = TimeSpan.FromHours(1);
};

static (long Bytes, int Files) Downloaded(string folder)
{
    var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories);
    return (files.Sum(f => new FileInfo(f).Length), files.Length);
}

static string Show(IEnumerable<(string Word, long Count)> words) => string.Join(", ", words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}")));

static string Option(string[] args, string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
