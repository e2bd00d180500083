using System.Text;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The <see cref="BatchRunStage.Downloading"/> stage of a run: downloads every successful task's output files
/// into the run's download folder (in the input's own subfolder, for an input found in a subfolder; names sanitised:
/// nothing lands outside it, and no two tasks write the same file) and, when asked, parses each task's top-words output. A task's missing or unreadable output is recorded
/// on its outcome, not thrown.
/// </summary>
internal sealed class OutputDownloader
{
    private readonly WorkflowContext _context;

    public OutputDownloader(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>Downloads the outputs of the run's successful tasks, under the <see cref="WorkflowTimeouts.Download"/> timeout.</summary>
    public async Task DownloadOutputsAsync(RunState run, CancellationToken cancellationToken)
    {
        _context.Report(run, BatchRunStage.Downloading);
        Directory.CreateDirectory(run.DownloadDirectory);
        // Sized once for every task's output and the reduce result: a set grown a doubling at a time leaves each smaller table
        // behind, which for 20,000 outputs are large objects that only a full collection frees.
        var claimed = new ClaimedDestinations(PathPrefix.Of(run.DownloadDirectory), run.Definition.DownloadTaskOutputs ? run.Outcomes.Count + 1 : 1);
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Download),
            run.Definition.Timeouts.Download,
            async ct =>
            {
                await DownloadReduceOutputAsync(run, claimed, ct).ConfigureAwait(false);
                var succeeded = run.Definition.DownloadTaskOutputs ? run.Outcomes.Where(o => o.Result == TaskExecutionResult.Success).ToList() : [];
                if (succeeded.Count > 0)
                {
                    // A storage whose listings are folder reads lists each task's own outputs as it downloads them: nothing then
                    // holds the names of every output at once (a listing of 50,000 outputs raised the peak by 24 MB).
                    var outputs = _context.Storage.Capabilities.HasFlag(StorageCapabilities.LocalListing)
                        ? OutputListing.EachTask
                        : await ListOutputsAsync(run, succeeded.Count, ct).ConfigureAwait(false);
                    await Parallel.ForEachAsync(
                        succeeded,
                        new ParallelOptions { MaxDegreeOfParallelism = _context.Options.MaxParallelTransfers, CancellationToken = ct },
                        async (outcome, token) => await DownloadOutputAsync(run, outcome, outputs, claimed, token).ConfigureAwait(false)).ConfigureAwait(false);
                }
            },
            () => $"downloading outputs from container '{run.Names.OutputContainer}' into '{run.DownloadDirectory}'",
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads (and parses, when asked) the final reduce task's result, once it succeeded; a missing or unreadable result is recorded on the reduce outcome.</summary>
    private async Task DownloadReduceOutputAsync(RunState run, ClaimedDestinations claimed, CancellationToken cancellationToken)
    {
        if (run.ReducePlan is not { } plan || run.ReduceOutcome is not { } reduce || plan.Final.Result != TaskExecutionResult.Success)
        {
            return;
        }

        string name = plan.Definition.OutputFileName;
        string destination = Path.GetFullPath(Path.Combine(run.DownloadDirectory, name));
        try
        {
            if (!OutputPaths.IsUnder(destination, run.DownloadDirectory))
            {
                throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"The reduce result '{name}' would land outside '{run.DownloadDirectory}'.", run.Names.OutputContainer, plan.ResultBlob);
            }

            claimed.TryClaim(destination);
            await DownloadAsync(run, plan.ResultBlob, destination, cancellationToken).ConfigureAwait(false);
            reduce.OutputFile = destination;
            if (run.Definition.ParseTopWordsOutput)
            {
                string text = await File.ReadAllTextAsync(destination, cancellationToken).ConfigureAwait(false);
                reduce.TopWords = TopWordsOutputParser.Parse(text, destination);
            }
        }
        catch (Exception ex) when (ex is BlobStorageException or FormatException or IOException)
        {
            reduce.Error = $"The result of the merge task '{plan.Final.Id}' (blob '{plan.ResultBlob}' of container '{run.Names.OutputContainer}') could not be collected: {SecretRedaction.RedactText(ex.Message)}";
            WorkflowLog.ReduceOutputMissing(_context.Logger, run.Names.RunId, reduce.Error);
        }
    }

    /// <summary>
    /// The task outputs in the output container, by task, for a storage whose listings are requests: one listing of the
    /// container (a request per page of thousands of blobs) rather than one per task, kept as each blob's name under its
    /// task's folder (a task uploads its files under <c>&lt;task id&gt;/</c>) and nothing else of it: 10,000 outputs are
    /// 10,000 short names, not 10,000 listed items and a list per task. A listing that fails for good is recorded on every
    /// task whose outputs it was to find.
    /// </summary>
    private async Task<OutputListing> ListOutputsAsync(RunState run, int expectedTasks, CancellationToken cancellationToken)
    {
        string container = run.Names.OutputContainer;
        try
        {
            // Listed whole (each attempt from its start, into a fresh map), so that a listing that fails part-way is retried from its start.
            var byTask = await _context.CallAsync(
                run,
                WorkflowOperation.ListBlobs,
                $"list the task outputs in container '{container}'",
                async ct =>
                {
                    var found = new Dictionary<TaskOutcome, ListedOutputs>(expectedTasks, ReferenceEqualityComparer.Instance);
                    var tasks = run.OutcomesByTaskId.GetAlternateLookup<ReadOnlySpan<char>>();
                    await foreach (var blob in _context.Storage.ListBlobsAsync(container, null, ct).WithCancellation(ct).ConfigureAwait(false))
                    {
                        // Blobs of no task of the run are not looked for.
                        int slash = blob.Name.IndexOf('/', StringComparison.Ordinal);
                        if (slash > 0 && tasks.TryGetValue(blob.Name.AsSpan(0, slash), out var outcome) && blob.Name.AsSpan(0, slash).SequenceEqual(outcome.TaskId))
                        {
                            found[outcome] = found.GetValueOrDefault(outcome).With(blob.Name[(slash + 1)..]);
                        }
                    }

                    return found;
                },
                cancellationToken).ConfigureAwait(false);
            return new OutputListing(byTask, null);
        }
        catch (BlobStorageException ex)
        {
            return new OutputListing(null, SecretRedaction.RedactText(ex.Message));
        }
    }

    /// <summary>One task's outputs, listed under the task's own folder (<c>&lt;task id&gt;/</c>), for a storage with <see cref="StorageCapabilities.LocalListing"/>.</summary>
    private Task<ListedOutputs> ListTaskOutputsAsync(RunState run, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        string container = run.Names.OutputContainer;
        string prefix = outcome.TaskId + "/";
        return _context.CallAsync(
            run,
            WorkflowOperation.ListBlobs,
            $"list the outputs of task '{outcome.TaskId}' in container '{container}'",
            async ct =>
            {
                var listed = default(ListedOutputs);
                await foreach (var blob in _context.Storage.ListBlobsAsync(container, prefix, ct).WithCancellation(ct).ConfigureAwait(false))
                {
                    if (blob.Name.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        listed = listed.With(blob.Name[prefix.Length..]);
                    }
                }

                return listed;
            },
            cancellationToken);
    }

    private async Task DownloadOutputAsync(RunState run, TaskOutcome outcome, OutputListing outputs, ClaimedDestinations claimed, CancellationToken cancellationToken)
    {
        if (outputs.Error is { } listingError)
        {
            outcome.OutputError = listingError;
            WorkflowLog.OutputMissing(_context.Logger, run.Names.RunId, outcome.TaskId, listingError);
            return;
        }

        // Each file as what follows the download folder: the string the claim keeps is the one the outcome keeps.
        var files = new List<string>(1);
        string? first = null;
        try
        {
            var listed = outputs.ByTask is { } byTask ? byTask.GetValueOrDefault(outcome) : await ListTaskOutputsAsync(run, outcome, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < listed.Count; i++)
            {
                string name = listed[i];
                string blobName = $"{outcome.TaskId}/{name}";
                string relative = OutputPaths.ForInput(outcome.Input.Name, name);
                string destination = Path.GetFullPath(Path.Combine(run.DownloadDirectory, relative));
                if (!OutputPaths.IsUnder(destination, run.DownloadDirectory))
                {
                    throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Output blob '{blobName}' would land outside '{run.DownloadDirectory}'.", run.Names.OutputContainer, blobName);
                }

                string file = claimed.TryClaim(destination)
                    ?? throw new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Another task of this run also produced '{relative}'; use an output file pattern whose names differ per input.", run.Names.OutputContainer, blobName);
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                await DownloadAsync(run, blobName, destination, cancellationToken).ConfigureAwait(false);
                files.Add(file);
                first ??= destination;
            }

            outcome.OutputFiles = DownloadedFiles.FromParts(claimed.Folder, files);
            if (files.Count == 0)
            {
                outcome.OutputError = $"the task uploaded no file matching '{run.Definition.OutputFilePattern}'.";
            }
            else if (run.Definition.ParseTopWordsOutput)
            {
                cancellationToken.ThrowIfCancellationRequested();
                string text = ReadOutputText(first!);
                outcome.TopWords = Share(TopWordsOutputParser.Parse(text, first!), run, outcome);
            }
        }
        catch (Exception ex) when (ex is BlobStorageException or FormatException or IOException)
        {
            outcome.OutputFiles = DownloadedFiles.FromParts(claimed.Folder, files);
            outcome.OutputError = SecretRedaction.RedactText(ex.Message);
        }

        if (outcome.OutputError is not null)
        {
            WorkflowLog.OutputMissing(_context.Logger, run.Names.RunId, outcome.TaskId, outcome.OutputError);
        }
    }

    /// <summary>
    /// A task's parsed output, with the strings the run holds already where its lines say the same (the node, task, job and pool
    /// the outcome and the run name), and the run's one copy of each word (<see cref="RunState.ShareWord"/>): 10,000 results keep
    /// their counts, not 10,000 copies of the same few hundred words and four more strings each.
    /// </summary>
    internal static TopWordsOutput Share(TopWordsOutput parsed, RunState run, TaskOutcome outcome)
    {
        string node = Same(parsed.NodeId, outcome.NodeId);
        string task = Same(parsed.TaskId, outcome.TaskId);
        string job = Same(parsed.JobId, run.Names.JobId);
        string pool = Same(parsed.PoolId, run.PoolId);
        var words = parsed.Words;
        TopWord[]? sharedWords = null;
        for (int i = 0; i < words.Count; i++)
        {
            string word = run.ShareWord(words[i].Word);
            if (!ReferenceEquals(word, words[i].Word))
            {
                sharedWords ??= [.. words];
                sharedWords[i] = words[i] with { Word = word };
            }
        }

        return sharedWords is null && ReferenceEquals(node, parsed.NodeId) && ReferenceEquals(task, parsed.TaskId) && ReferenceEquals(job, parsed.JobId) && ReferenceEquals(pool, parsed.PoolId)
            ? parsed
            : parsed with { Words = sharedWords ?? words, NodeId = node, TaskId = task, JobId = job, PoolId = pool };

        static string Same(string parsed, string? known) => string.Equals(parsed, known, StringComparison.Ordinal) ? known! : parsed;
    }

    /// <summary>
    /// A downloaded output's text, as <see cref="File.ReadAllText(string)"/> reads it (UTF-8 unless a byte order mark says
    /// otherwise; invalid bytes become U+FFFD), for a file of a few hundred bytes on the local disk: read at once into one
    /// array of its size and decoded, not through a buffered stream, a reader and a growing builder (about 9 KB for each of
    /// 10,000 outputs), nor asynchronously (a thread-pool hop for each).
    /// </summary>
    internal static string ReadOutputText(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> text = bytes;
        var utf8Bom = Encoding.UTF8.Preamble;
        if (text.StartsWith(utf8Bom))
        {
            return Encoding.UTF8.GetString(text[utf8Bom.Length..]);
        }

        // A UTF-16 or UTF-32 byte order mark: the reader's own detection.
        return text.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) || text.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || text.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF])
            ? File.ReadAllText(path)
            : Encoding.UTF8.GetString(text);
    }

    /// <summary>
    /// Downloads one output. A resumed run may find the file an earlier process of the run downloaded: when its content is
    /// the blob's, byte for byte, it is kept; otherwise (another file of the same name) the error stands: nothing is overwritten.
    /// </summary>
    private async Task DownloadAsync(RunState run, string blobName, string destination, CancellationToken cancellationToken)
    {
        string container = run.Names.OutputContainer;
        try
        {
            await _context.CallAsync(run, WorkflowOperation.DownloadToFile, $"download blob '{blobName}' of container '{container}'", ct => _context.Storage.DownloadToFileAsync(container, blobName, destination, ct), cancellationToken).ConfigureAwait(false);
            CountDownloaded(destination);
        }
        catch (BlobStorageException ex) when (ex.Kind == BlobStorageErrorKind.DestinationExists && run.IsResumed)
        {
            string fresh = Path.Combine(Path.GetDirectoryName(destination)!, $".resume.{Guid.NewGuid():N}.partial");
            try
            {
                await _context.CallAsync(run, WorkflowOperation.DownloadToFile, $"download blob '{blobName}' of container '{container}'", ct => _context.Storage.DownloadToFileAsync(container, blobName, fresh, ct), cancellationToken).ConfigureAwait(false);
                CountDownloaded(fresh);
                if (!await SameContentAsync(fresh, destination, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
            finally
            {
                File.Delete(fresh);
            }
        }
    }

    private void CountDownloaded(string path)
    {
        if (_context.Telemetry.CountsBytesDownloaded && File.Exists(path))
        {
            _context.Telemetry.Downloaded(new FileInfo(path).Length);
        }
    }

    private static async Task<bool> SameContentAsync(string a, string b, CancellationToken cancellationToken)
    {
        var first = new FileStream(a, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (first.ConfigureAwait(false))
        {
            var second = new FileStream(b, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (second.ConfigureAwait(false))
            {
                if (first.Length != second.Length)
                {
                    return false;
                }

                byte[] x = new byte[64 * 1024];
                byte[] y = new byte[64 * 1024];
                while (true)
                {
                    int n = await first.ReadAtLeastAsync(x, x.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    int m = await second.ReadAtLeastAsync(y, y.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                    if (n != m || !x.AsSpan(0, n).SequenceEqual(y.AsSpan(0, m)))
                    {
                        return false;
                    }

                    if (n == 0)
                    {
                        return true;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The destinations the download stage has claimed (case-insensitively: no two files that differ only in case, which a
    /// case-insensitive file system would make one), each kept as what follows the download folder, the very string the
    /// outcome's <see cref="DownloadedFiles"/> then keeps, not as a second, full path (about 180 bytes for a path of 80
    /// characters, held through the whole stage for every output).
    /// </summary>
    private sealed class ClaimedDestinations(string folder, int capacity)
    {
        private readonly HashSet<string> _files = new(capacity, StringComparer.OrdinalIgnoreCase);

        /// <summary>Gets the download folder with its trailing separator.</summary>
        public string Folder { get; } = folder;

        /// <summary>Claims a full destination path: its part after <see cref="Folder"/> (the whole path if it is not in it), or null when it was claimed already.</summary>
        public string? TryClaim(string destination)
        {
            string file = DownloadedFiles.PartOf(Folder, destination);
            lock (_files)
            {
                return _files.Add(file) ? file : null;
            }
        }
    }

    /// <summary>The output container's blobs by task, or why they could not be listed; neither for <see cref="EachTask"/>.</summary>
    private sealed record OutputListing(Dictionary<TaskOutcome, ListedOutputs>? ByTask, string? Error)
    {
        /// <summary>Each task's outputs are listed when it is downloaded (<see cref="StorageCapabilities.LocalListing"/>).</summary>
        public static readonly OutputListing EachTask = new(null, null);
    }

    /// <summary>A task's listed outputs, by name under the task's folder in listing order: the first, then any more (most tasks upload one).</summary>
    private readonly record struct ListedOutputs(string? First, List<string>? More)
    {
        public int Count => First is null ? 0 : 1 + (More?.Count ?? 0);

        public string this[int index] => index == 0 ? First! : More![index - 1];

        public ListedOutputs With(string name)
        {
            if (First is null)
            {
                return new ListedOutputs(name, null);
            }

            var more = More ?? [];
            more.Add(name);
            return this with { More = more };
        }
    }
}
