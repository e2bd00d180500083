using System.Globalization;
using System.Text;
using TopNWords.WordCount;

namespace TopNWords.TaskRunner;

/// <summary>
/// <c>--merge</c>: adds count files, in the order given, into one table and writes its top N (and, when
/// asked, the merged counts). The result is that of counting the inputs' concatenation in that order.
/// </summary>
/// <remarks>
/// The count files are read one after another, each streamed once; memory holds one table of the distinct
/// words, never more as the number of files grows. Nothing is written unless every count file is there and sound.
/// </remarks>
internal static class MergeCommand
{
    /// <summary>The top N of a merge goes here unless <c>--output</c> names another file.</summary>
    public const string DefaultOutputName = "corpus_OUTPUT.txt";

    /// <summary>How many bad count files an error message names; the rest are counted.</summary>
    public const int MaxNamedFiles = 10;

    private const string Remedy = "A count file is missing when its counting task failed (for example, its input is not valid UTF-8) or has not run: fix that input and count it again with --counts, or leave it out of the inputs.";

    public static int Run(RunnerArguments parsed, TextWriter stdout, TextWriter stderr, Func<string, string?> getEnvironmentVariable, string workingDirectory)
    {
        IReadOnlyList<string> inputs;
        if (parsed.InputsFrom is { } listFile)
        {
            string listPath = Path.Combine(workingDirectory, listFile);
            try
            {
                inputs = ReadList(listPath);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                stderr.WriteLine($"error: list file '{listFile}' was not found. Check the path passed to --inputs-from.");
                return ExitCodes.InputError;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
            {
                stderr.WriteLine($"error: list file '{listFile}' cannot be read: {ex.Message}");
                return ExitCodes.InputError;
            }

            if (inputs.Count == 0)
            {
                stderr.WriteLine($"error: list file '{listFile}' names no count files. It holds one count file path per line.");
                return ExitCodes.InputError;
            }
        }
        else
        {
            inputs = parsed.CountFiles;
        }

        if (parsed.InputsCovered is { } covered && covered < inputs.Count)
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"error: --inputs-covered {covered} is fewer than the {inputs.Count} count files given; each count file covers at least one input. Nothing was written."));
            return ExitCodes.InputError;
        }

        var missing = new List<string>();
        foreach (string input in inputs)
        {
            if (!File.Exists(Path.Combine(workingDirectory, input)))
            {
                missing.Add(input);
            }
        }

        if (missing.Count > 0)
        {
            stderr.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"error: {missing.Count} of {inputs.Count} count files {(missing.Count == 1 ? "is" : "are")} missing: {NameList(missing)}. {Remedy} Nothing was written."));
            return ExitCodes.InputError;
        }

        var counts = new WordCounts();
        var failures = new List<string>();
        foreach (string input in inputs)
        {
            try
            {
                using var stream = new FileStream(Path.Combine(workingDirectory, input), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
                counts.AddFrom(stream, input);
            }
            catch (InvalidDataException ex)
            {
                failures.Add(ex.Message);
            }
            catch (OverflowException)
            {
                failures.Add($"Count file '{input}': a count exceeds {long.MaxValue} once added to the files before it.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Add($"Count file '{input}' cannot be read: {ex.Message}");
            }
        }

        if (failures.Count > 0)
        {
            var message = new StringBuilder();
            message.Append(CultureInfo.InvariantCulture, $"error: {failures.Count} of {inputs.Count} count files cannot be merged; nothing was written:");
            foreach (string problem in failures.Take(MaxNamedFiles))
            {
                message.Append("\n  ").Append(problem);
            }

            if (failures.Count > MaxNamedFiles)
            {
                message.Append(CultureInfo.InvariantCulture, $"\n  ... and {failures.Count - MaxNamedFiles} more.");
            }

            stderr.WriteLine(message.ToString());
            return ExitCodes.InputError;
        }

        WordCountResult result = counts.ToResult(parsed.NumWords);
        string outputPath = Path.Combine(workingDirectory, parsed.Output ?? DefaultOutputName);
        byte[] report = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(TaskRunnerCommand.FormatReport(result, getEnvironmentVariable, parsed.InputsCovered ?? inputs.Count));
        var files = new List<(string, Action<Stream>)>();
        if (parsed.CountsOutput is { } countsOutput)
        {
            files.Add((Path.Combine(workingDirectory, countsOutput), counts.WriteTo));
        }

        files.Add((outputPath, stream => stream.Write(report)));
        if (TaskRunnerCommand.WriteAll([.. files]) is { } failure)
        {
            stderr.WriteLine($"error: {failure}");
            return ExitCodes.OutputFailed;
        }

        stdout.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"merged {inputs.Count} count files: {result.TotalWords} words, {result.DistinctWords} distinct; top {result.TopWords.Count} written to {Path.GetFileName(outputPath)}{(parsed.CountsOutput is null ? string.Empty : $", counts to {Path.GetFileName(parsed.CountsOutput)}")}"));
        return ExitCodes.Success;
    }

    /// <summary>The list file: UTF-8, one path per line (LF or CRLF); empty lines are skipped, nothing is trimmed.</summary>
    internal static List<string> ReadList(string path)
    {
        var inputs = new List<string>();
        foreach (string line in File.ReadLines(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)))
        {
            if (line.Length > 0)
            {
                inputs.Add(line);
            }
        }

        return inputs;
    }

    private static string NameList(List<string> names)
    {
        string named = string.Join(", ", names.Take(MaxNamedFiles).Select(n => $"'{n}'"));
        return names.Count > MaxNamedFiles ? string.Create(CultureInfo.InvariantCulture, $"{named} and {names.Count - MaxNamedFiles} more") : named;
    }
}
