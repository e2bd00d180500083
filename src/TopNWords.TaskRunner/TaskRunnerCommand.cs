using System.Globalization;
using System.Text;
using TopNWords.WordCount;

namespace TopNWords.TaskRunner;

/// <summary>Exit codes of the task runner.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int OutputFailed = 1;
    public const int UsageError = 2;
    public const int InputError = 3;
}

/// <summary>
/// The task runner: counts one file's words and writes <c>NAME_OUTPUT.EXT</c> (and, when asked, the full
/// counts <c>NAME_COUNTS.EXT</c>) into the working directory; or, with <c>--merge</c>, merges count files
/// into one top N (see <see cref="MergeCommand"/>).
/// </summary>
internal static class TaskRunnerCommand
{
    public const string Dashes = "------------------------------";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> getEnvironmentVariable, string workingDirectory)
    {
        var parsed = RunnerArguments.Parse(args, out string? error);
        if (parsed is null)
        {
            if (error is null)
            {
                stdout.WriteLine(RunnerArguments.Usage);
                return ExitCodes.Success;
            }

            stderr.WriteLine($"error: {error}");
            stderr.WriteLine(RunnerArguments.Usage);
            return ExitCodes.UsageError;
        }

        return parsed.Merge
            ? MergeCommand.Run(parsed, stdout, stderr, getEnvironmentVariable, workingDirectory)
            : Count(parsed, stdout, stderr, getEnvironmentVariable, workingDirectory);
    }

    /// <summary><c>NAME_OUTPUT.EXT</c> for an input <c>NAME.EXT</c>; the extension is split as Python's <c>os.path.splitext</c> does.</summary>
    public static string OutputFileName(string inputPath) => SuffixedFileName(inputPath, "_OUTPUT");

    /// <summary><c>NAME_COUNTS.EXT</c> for an input <c>NAME.EXT</c>, split as <see cref="OutputFileName"/> splits it.</summary>
    public static string CountsFileName(string inputPath) => SuffixedFileName(inputPath, "_COUNTS");

    /// <summary>The output file's text, in the format DESIGN fixes (LF line ends).</summary>
    public static string FormatReport(WordCountResult result, Func<string, string?> getEnvironmentVariable) => FormatReport(result, getEnvironmentVariable, inputs: null);

    /// <summary>The output file's text; a merge's output ends with one more line, <c>Inputs: N</c>.</summary>
    public static string FormatReport(WordCountResult result, Func<string, string?> getEnvironmentVariable, int? inputs)
    {
        var sb = new StringBuilder();
        sb.Append("Word\tCount\n").Append(Dashes).Append('\n');
        foreach (var (word, count) in result.TopWords)
        {
            sb.Append(word).Append(":\t").Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        sb.Append(Dashes).Append('\n');
        sb.Append("Node: ").Append(getEnvironmentVariable("AZ_BATCH_NODE_ID")).Append('\n');
        sb.Append("Task: ").Append(getEnvironmentVariable("AZ_BATCH_TASK_ID")).Append('\n');
        sb.Append("Job:  ").Append(getEnvironmentVariable("AZ_BATCH_JOB_ID")).Append('\n');
        sb.Append("Pool: ").Append(getEnvironmentVariable("AZ_BATCH_POOL_ID")).Append('\n');
        if (inputs is { } n)
        {
            sb.Append("Inputs: ").Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>
    /// Writes the files to temporary files beside them, then renames each into place, so that a failed run
    /// leaves no partial file. Returns null, or the message of the first failure (every temporary file is deleted).
    /// </summary>
    public static string? WriteAll(params (string Path, Action<Stream> Write)[] files)
    {
        var temps = new string?[files.Length];
        int current = 0;
        try
        {
            for (; current < files.Length; current++)
            {
                string path = files[current].Path;
                temps[current] = Path.Combine(
                    Path.GetDirectoryName(path) ?? ".",
                    $".{Path.GetFileName(path)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.tmp");
                using (var stream = new FileStream(temps[current]!, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
                {
                    files[current].Write(stream);
                }
            }

            for (current = 0; current < files.Length; current++)
            {
                File.Move(temps[current]!, files[current].Path, overwrite: true);
                temps[current] = null;
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            foreach (string? temp in temps)
            {
                if (temp is not null)
                {
                    TryDelete(temp);
                }
            }

            return $"cannot write output file '{files[Math.Min(current, files.Length - 1)].Path}': {ex.Message}";
        }
    }

    private static int Count(RunnerArguments parsed, TextWriter stdout, TextWriter stderr, Func<string, string?> getEnvironmentVariable, string workingDirectory)
    {
        string filePath = parsed.FilePath!;
        WordCountResult result;
        WordCounts? counts = null;
        try
        {
            var options = new WordCountOptions
            {
                InvalidUtf8Handling = parsed.ReplaceInvalidUtf8 ? InvalidUtf8Handling.Replace : InvalidUtf8Handling.Throw,
            };
            if (parsed.WriteCounts)
            {
                counts = WordCounter.CountFileWords(filePath, options);
                result = counts.ToResult(parsed.NumWords);
            }
            else
            {
                result = WordCounter.CountFile(filePath, parsed.NumWords, options);
            }
        }
        catch (InvalidUtf8Exception ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return ExitCodes.InputError;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"error: input file '{filePath}' was not found. Check the path passed to --filepath.");
            return ExitCodes.InputError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: input file '{filePath}' cannot be read: {ex.Message}");
            return ExitCodes.InputError;
        }

        string outputName = OutputFileName(filePath);
        string outputPath = Path.Combine(workingDirectory, outputName);
        byte[] report = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(FormatReport(result, getEnvironmentVariable));
        var files = new List<(string, Action<Stream>)>();
        string? countsPath = null;
        if (counts is not null)
        {
            countsPath = Path.Combine(workingDirectory, parsed.CountsOutput ?? CountsFileName(filePath));
            files.Add((countsPath, counts.WriteTo));
        }

        files.Add((outputPath, stream => stream.Write(report)));
        if (WriteAll([.. files]) is { } failure)
        {
            stderr.WriteLine($"error: {failure}");
            return ExitCodes.OutputFailed;
        }

        stdout.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{filePath}: {result.TotalWords} words, {result.DistinctWords} distinct; top {result.TopWords.Count} written to {outputName}{(countsPath is null ? string.Empty : $", counts to {Path.GetFileName(countsPath)}")}"));
        return ExitCodes.Success;
    }

    private static string SuffixedFileName(string inputPath, string suffix)
    {
        string name = Path.GetFileName(inputPath.TrimEnd('/', '\\'));
        int firstNonDot = 0;
        while (firstNonDot < name.Length && name[firstNonDot] == '.')
        {
            firstNonDot++;
        }

        int dot = name.LastIndexOf('.');
        return dot > firstNonDot ? $"{name[..dot]}{suffix}{name[dot..]}" : $"{name}{suffix}";
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: the temporary file's name starts with a dot and ends in .tmp.
        }
    }
}
