using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The <see cref="BatchRunStage.Staging"/> stage of a run: creates the run's containers, uploads the application
/// and the inputs (skipping what storage already holds), and issues the URLs the tasks use: a read URL per
/// application file and per input, and a write URL for the output container.
/// </summary>
internal sealed class RunStager
{
    private readonly WorkflowContext _context;

    public RunStager(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>Stages the run; records its containers and URLs on <paramref name="run"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="alreadyStaged">Whether an earlier process of this run staged it completely: then only the URLs are issued.</param>
    /// <param name="cancellationToken">Cancels staging.</param>
    public async Task StageAsync(RunState run, bool alreadyStaged, CancellationToken cancellationToken)
    {
        _context.Report(run, BatchRunStage.Staging);
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Staging),
            definition.Timeouts.Staging,
            async ct =>
            {
                await UploadAsync(run, alreadyStaged, ct).ConfigureAwait(false);
                await IssueUrlsAsync(run, ct).ConfigureAwait(false);
            },
            () => $"while staging {definition.Inputs.Count} input(s) in storage '{storage.DisplayName}'",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadAsync(RunState run, bool alreadyStaged, CancellationToken ct)
    {
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        foreach (string container in new[] { names.ApplicationContainer, names.InputContainer, names.OutputContainer })
        {
            run.Containers.Add(container);
            if (alreadyStaged)
            {
                continue;
            }

            await _context.CallAsync(run, WorkflowOperation.CreateContainer, $"create container '{container}'", token => storage.CreateContainerIfNotExistsAsync(container, token), ct).ConfigureAwait(false);
        }

        if (alreadyStaged)
        {
            return;
        }

        var uploads = definition.Application.Files.Select(f => (names.ApplicationContainer, f.RelativePath, f.LocalPath))
            .Concat(definition.Inputs.Select(i => (names.InputContainer, i.Name, i.FilePath)))
            .ToList();
        int skipped = 0;
        var uploadOptions = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        await Parallel.ForEachAsync(
            uploads,
            new ParallelOptions { MaxDegreeOfParallelism = _context.Options.MaxParallelTransfers, CancellationToken = ct },
            async (u, token) =>
            {
                var outcome = await _context.CallAsync(run, WorkflowOperation.UploadFile, $"upload blob '{u.Item2}' to container '{u.Item1}'", t => storage.UploadFileAsync(u.Item1, u.Item2, u.Item3, uploadOptions, t), token).ConfigureAwait(false);
                if (outcome == BlobUploadResult.Skipped)
                {
                    Interlocked.Increment(ref skipped);
                }
                else if (_context.Telemetry.CountsBytesStaged)
                {
                    _context.Telemetry.Staged(new FileInfo(u.Item3).Length);
                }
            }).ConfigureAwait(false);
        WorkflowLog.Staged(_context.Logger, names.RunId, uploads.Count - skipped, skipped);
    }

    private async Task IssueUrlsAsync(RunState run, CancellationToken ct)
    {
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        var t = definition.Timeouts;
        var expiresOn = _context.Time.GetUtcNow() + t.PoolReady + t.TasksComplete + t.Download + _context.Options.UrlExpiryMargin;
        foreach (var file in definition.Application.Files)
        {
            run.ApplicationUrls.Add((file, await _context.CallAsync(run, WorkflowOperation.GetBlobReadUrl, $"issue a read URL for blob '{file.RelativePath}'", t => storage.GetBlobReadUrlAsync(names.ApplicationContainer, file.RelativePath, expiresOn, t), ct).ConfigureAwait(false)));
        }

        foreach (var input in definition.Inputs)
        {
            run.InputUrls[input] = await _context.CallAsync(run, WorkflowOperation.GetBlobReadUrl, $"issue a read URL for blob '{input.Name}'", t => storage.GetBlobReadUrlAsync(names.InputContainer, input.Name, expiresOn, t), ct).ConfigureAwait(false);
        }

        run.OutputContainerUrl = await _context.CallAsync(run, WorkflowOperation.GetContainerWriteUrl, $"issue a write URL for container '{names.OutputContainer}'", t => storage.GetContainerWriteUrlAsync(names.OutputContainer, expiresOn, t), ct).ConfigureAwait(false);
    }
}
