using System.Diagnostics;
using System.Globalization;
using TopNWords.Batch;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Conformance.Infrastructure;

// Uploads and downloads N files of S bytes through AzureBlobStorage on a local Azurite (started here, in
// memory), first with the workflow's default degree of parallelism, then one file at a time.
//
//   dotnet run -c Release --project benchmarks/TopNWords.Batch.Benchmarks.Storage -- [--files 1000] [--size 102400] [--parallelism 8]

int files = Option(args, "--files", 1000);
int size = Option(args, "--size", 100 * 1024);
int parallelism = Option(args, "--parallelism", new BatchWorkflowOptions().MaxParallelTransfers);

Console.WriteLine($"Starting Azurite (eng/azurite)...");
await using var azurite = await AzuriteServer.StartAsync();
var storage = AzureBlobStorage.FromConnectionString(azurite.ConnectionString);
Console.WriteLine($"Azurite on {azurite.BlobEndpoint}; {files} files of {size:N0} bytes; {Environment.ProcessorCount} cores");

string work = Directory.CreateTempSubdirectory("topnwords-storage-bench-").FullName;
try
{
    string source = Directory.CreateDirectory(Path.Combine(work, "source")).FullName;
    var random = new Random(42);
    var buffer = new byte[size];
    var names = new List<string>(files);
    for (int i = 0; i < files; i++)
    {
        random.NextBytes(buffer);
        string name = $"input-{i:D5}.txt";
        await File.WriteAllBytesAsync(Path.Combine(source, name), buffer);
        names.Add(name);
    }

    // Warm-up: JIT, connection pool, Azurite's first requests.
    await RoundAsync("warm-up", names.Take(Math.Min(50, files)).ToList(), parallelism, print: false);

    Console.WriteLine();
    Console.WriteLine($"{"mode",-22} {"operation",-9} {"files",6} {"seconds",8} {"files/s",9} {"MB/s",8}");
    await RoundAsync($"parallel ({parallelism})", names, parallelism, print: true);
    await RoundAsync("one at a time", names, 1, print: true);
    Console.WriteLine("MB = 1,000,000 bytes of file content.");
}
finally
{
    Directory.Delete(work, recursive: true);
}

async Task RoundAsync(string mode, List<string> round, int degree, bool print)
{
    string container = $"bench-{Guid.NewGuid():N}";
    string destination = Directory.CreateDirectory(Path.Combine(work, container)).FullName;
    string source = Path.Combine(work, "source");
    await storage.CreateContainerIfNotExistsAsync(container);
    try
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = degree };
        var upload = Stopwatch.StartNew();
        await Parallel.ForEachAsync(round, options, async (name, ct) => await storage.UploadFileAsync(container, name, Path.Combine(source, name), null, ct));
        upload.Stop();

        var download = Stopwatch.StartNew();
        await Parallel.ForEachAsync(round, options, async (name, ct) => await storage.DownloadToFileAsync(container, name, Path.Combine(destination, name), ct));
        download.Stop();

        if (Directory.GetFiles(destination).Length != round.Count)
        {
            throw new InvalidOperationException("Not every file was downloaded.");
        }

        if (print)
        {
            Report(mode, "upload", round.Count, upload.Elapsed);
            Report(mode, "download", round.Count, download.Elapsed);
        }
    }
    finally
    {
        await storage.DeleteContainerIfExistsAsync(container);
        Directory.Delete(destination, recursive: true);
    }
}

void Report(string mode, string operation, int count, TimeSpan elapsed)
{
    double seconds = elapsed.TotalSeconds;
    double megabytes = (double)count * size / 1_000_000;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{mode,-22} {operation,-9} {count,6} {seconds,8:0.00} {count / seconds,9:0.0} {megabytes / seconds,8:0.00}"));
}

static int Option(string[] args, string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
