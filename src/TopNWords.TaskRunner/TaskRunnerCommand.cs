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
/// The task runner: counts one file's words and writes <c>NAME_OUTPUT.EXT</c> into the working directory.
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

        WordCountResult result;
        try
        {
            var options = new WordCountOptions
            {
                InvalidUtf8Handling = parsed.ReplaceInvalidUtf8 ? InvalidUtf8Handling.Replace : InvalidUtf8Handling.Throw,
            };
            result = WordCounter.CountFile(parsed.FilePath, parsed.NumWords, options);
        }
        catch (InvalidUtf8Exception ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return ExitCodes.InputError;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            stderr.WriteLine($"error: input file '{parsed.FilePath}' was not found. Check the path passed to --filepath.");
            return ExitCodes.InputError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: input file '{parsed.FilePath}' cannot be read: {ex.Message}");
            return ExitCodes.InputError;
        }

        string outputName = OutputFileName(parsed.FilePath);
        string outputPath = Path.Combine(workingDirectory, outputName);
        string report = FormatReport(result, getEnvironmentVariable);
        string tempPath = Path.Combine(workingDirectory, $".{outputName}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.tmp");
        try
        {
            File.WriteAllText(tempPath, report, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(tempPath, outputPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(tempPath);
            stderr.WriteLine($"error: cannot write output file '{outputPath}': {ex.Message}");
            return ExitCodes.OutputFailed;
        }

        stdout.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{parsed.FilePath}: {result.TotalWords} words, {result.DistinctWords} distinct; top {result.TopWords.Count} written to {outputName}"));
        return ExitCodes.Success;
    }

    /// <summary><c>NAME_OUTPUT.EXT</c> for an input <c>NAME.EXT</c>; the extension is split as Python's <c>os.path.splitext</c> does.</summary>
    public static string OutputFileName(string inputPath)
    {
        string name = Path.GetFileName(inputPath.TrimEnd('/', '\\'));
        int firstNonDot = 0;
        while (firstNonDot < name.Length && name[firstNonDot] == '.')
        {
            firstNonDot++;
        }

        int dot = name.LastIndexOf('.');
        return dot > firstNonDot ? $"{name[..dot]}_OUTPUT{name[dot..]}" : $"{name}_OUTPUT";
    }

    /// <summary>The output file's text, in the format DESIGN fixes (LF line ends).</summary>
    public static string FormatReport(WordCountResult result, Func<string, string?> getEnvironmentVariable)
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
        return sb.ToString();
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
