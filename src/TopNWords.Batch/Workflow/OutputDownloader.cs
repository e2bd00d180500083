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
        var claimed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Download),
            run.Definition.Timeouts.Download,
            ct => Parallel.ForEachAsync(
                run.Outcomes.Where(o => o.Result == TaskExecutionResult.Success),
                new ParallelOptions { MaxDegreeOfParallelism = _context.Options.MaxParallelTransfers, CancellationToken = ct },
                async (outcome, token) => await DownloadOutputAsync(run, outcome, claimed, token).ConfigureAwait(false)),
            () => $"downloading outputs from container '{run.Names.OutputContainer}' into '{run.DownloadDirectory}'",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task DownloadOutputAsync(RunState run, TaskOutcome outcome, HashSet<string> claimed, CancellationToken cancellationToken)
    {
        string prefix = outcome.TaskId + "/";
        var files = new List<string>();
        try
        {
            // Listed whole, so that a listing that fails part-way is retried from its start.
            var blobs = await _context.CallAsync(run, $"list the outputs of task '{outcome.TaskId}' in container '{run.Names.OutputContainer}'", ct => ToListAsync(_context.Storage.ListBlobsAsync(run.Names.OutputContainer, prefix, ct), ct), cancellationToken).ConfigureAwait(false);
            foreach (var blob in blobs)
            {
                string relative = OutputPaths.ForInput(outcome.Input.Name, blob.Name[prefix.Length..]);
                string destination = Path.GetFullPath(Path.Combine(run.DownloadDirectory, relative));
                if (!OutputPaths.IsUnder(destination, run.DownloadDirectory))
                {
                    throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Output blob '{blob.Name}' would land outside '{run.DownloadDirectory}'.", run.Names.OutputContainer, blob.Name);
                }

                lock (claimed)
                {
                    if (!claimed.Add(destination))
                    {
                        throw new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Another task of this run also produced '{relative}'; use an output file pattern whose names differ per input.", run.Names.OutputContainer, blob.Name);
                    }
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                await _context.CallAsync(run, $"download blob '{blob.Name}' of container '{run.Names.OutputContainer}'", ct => _context.Storage.DownloadToFileAsync(run.Names.OutputContainer, blob.Name, destination, ct), cancellationToken).ConfigureAwait(false);
                files.Add(destination);
            }

            outcome.OutputFiles = files;
            if (files.Count == 0)
            {
                outcome.OutputError = $"the task uploaded no file matching '{run.Definition.OutputFilePattern}'.";
            }
            else if (run.Definition.ParseTopWordsOutput)
            {
                string text = await File.ReadAllTextAsync(files[0], cancellationToken).ConfigureAwait(false);
                outcome.TopWords = TopWordsOutputParser.Parse(text, files[0]);
            }
        }
        catch (Exception ex) when (ex is BlobStorageException or FormatException or IOException)
        {
            outcome.OutputFiles = files;
            outcome.OutputError = SecretRedaction.RedactText(ex.Message);
        }

        if (outcome.OutputError is not null)
        {
            WorkflowLog.OutputMissing(_context.Logger, run.Names.RunId, outcome.TaskId, outcome.OutputError);
        }
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            list.Add(item);
        }

        return list;
    }
}
