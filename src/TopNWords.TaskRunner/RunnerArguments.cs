using System.Globalization;

namespace TopNWords.TaskRunner;

/// <summary>The parsed command line of the task runner: count one file, or merge count files.</summary>
internal sealed record RunnerArguments
{
    public const string Usage =
        "usage: TopNWords.TaskRunner --filepath <file> --numwords <N> [--replace-invalid-utf8] [--counts | --counts-output <file>]\n" +
        "       TopNWords.TaskRunner --merge --numwords <N> [--output <file>] [--counts-output <file>] [--inputs-covered <N>] (<countfile>... | --inputs-from <listfile>)";

    private static readonly string[] ValueOptions = ["--filepath", "--numwords", "--counts-output", "--output", "--inputs-from", "--inputs-covered"];

    /// <summary>Gets a value indicating whether this is a merge (<c>--merge</c>) rather than a count.</summary>
    public bool Merge { get; init; }

    /// <summary>Gets the input file (count mode).</summary>
    public string? FilePath { get; init; }

    /// <summary>Gets N, the number of top words.</summary>
    public int NumWords { get; init; }

    /// <summary>Gets a value indicating whether invalid UTF-8 is replaced instead of failing (count mode).</summary>
    public bool ReplaceInvalidUtf8 { get; init; }

    /// <summary>Gets a value indicating whether the full counts are written to the default <c>NAME_COUNTS.EXT</c> (count mode, <c>--counts</c>).</summary>
    public bool WriteCounts { get; init; }

    /// <summary>Gets where to write the full counts (<c>--counts-output</c>), or null.</summary>
    public string? CountsOutput { get; init; }

    /// <summary>Gets where a merge writes its top N (<c>--output</c>), or null for the default.</summary>
    public string? Output { get; init; }

    /// <summary>Gets the count files named on the command line (merge mode).</summary>
    public IReadOnlyList<string> CountFiles { get; init; } = [];

    /// <summary>Gets the list file of count files (<c>--inputs-from</c>, merge mode), or null.</summary>
    public string? InputsFrom { get; init; }

    /// <summary>Gets how many inputs the count files cover together (<c>--inputs-covered</c>, merge mode: for a merge of merged
    /// count files), or null: one input per count file.</summary>
    public int? InputsCovered { get; init; }

    /// <summary>
    /// Parses the command line (options in any order; <c>--name=value</c> also works). The word after an
    /// option that takes a value is always its value, even when it starts with a dash. In merge mode every
    /// other word is a count file, and every word after <c>--</c> is one.
    /// </summary>
    /// <returns>The arguments, or <see langword="null"/> with <paramref name="error"/> set; both null for <c>--help</c>.</returns>
    public static RunnerArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<string>();
        bool merge = false;
        bool replace = false;
        bool counts = false;
        bool onlyFiles = false;
        error = null;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (onlyFiles || !arg.StartsWith('-') || arg == "-")
            {
                files.Add(arg);
                continue;
            }

            string name = arg;
            string? inlineValue = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }

            switch (name)
            {
                case "-h" or "--help" when inlineValue is null:
                    return null;
                case "--" when inlineValue is null:
                    onlyFiles = true;
                    break;
                case "--replace-invalid-utf8" when inlineValue is null:
                    replace = true;
                    break;
                case "--merge" when inlineValue is null:
                    merge = true;
                    break;
                case "--counts" when inlineValue is null:
                    counts = true;
                    break;
                default:
                    if (Array.IndexOf(ValueOptions, name) < 0)
                    {
                        error = $"unknown argument '{arg}'.";
                        return null;
                    }

                    string? value = inlineValue;
                    if (value is null)
                    {
                        if (i + 1 >= args.Count)
                        {
                            error = $"argument {name} needs a value.";
                            return null;
                        }

                        value = args[++i];
                    }

                    if (!values.TryAdd(name, value))
                    {
                        error = $"argument {name} was given more than once.";
                        return null;
                    }

                    break;
            }
        }

        values.TryGetValue("--numwords", out string? numWords);
        values.TryGetValue("--counts-output", out string? countsOutput);
        values.TryGetValue("--inputs-from", out string? inputsFrom);
        values.TryGetValue("--output", out string? output);
        values.TryGetValue("--filepath", out string? filePath);
        values.TryGetValue("--inputs-covered", out string? inputsCovered);
        error = merge
            ? MergeError(files, filePath, replace, counts, inputsFrom)
            : CountError(files, filePath, counts, countsOutput, inputsFrom, output);
        error ??= EmptyValueError(countsOutput, "--counts-output") ?? EmptyValueError(output, "--output") ?? EmptyValueError(inputsFrom, "--inputs-from");
        if (error is null && numWords is null)
        {
            error = "argument --numwords is required.";
        }

        int n = 0;
        if (error is null && (!int.TryParse(numWords, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1))
        {
            error = $"argument --numwords must be a whole number of at least 1, not '{numWords}'.";
        }

        int covered = 0;
        if (error is null && inputsCovered is not null)
        {
            if (!merge)
            {
                error = "argument --inputs-covered is for --merge.";
            }
            else if (!int.TryParse(inputsCovered, NumberStyles.None, CultureInfo.InvariantCulture, out covered) || covered < 1)
            {
                error = $"argument --inputs-covered must be a whole number of at least 1, not '{inputsCovered}'.";
            }
        }

        if (error is not null)
        {
            return null;
        }

        return new RunnerArguments
        {
            Merge = merge,
            FilePath = filePath,
            NumWords = n,
            ReplaceInvalidUtf8 = replace,
            WriteCounts = counts || countsOutput is not null,
            CountsOutput = countsOutput,
            Output = output,
            CountFiles = files,
            InputsFrom = inputsFrom,
            InputsCovered = inputsCovered is null ? null : covered,
        };
    }

    private static string? CountError(List<string> files, string? filePath, bool counts, string? countsOutput, string? inputsFrom, string? output)
    {
        if (files.Count > 0)
        {
            return $"unknown argument '{files[0]}'.";
        }

        if (inputsFrom is not null || output is not null)
        {
            return $"argument {(inputsFrom is not null ? "--inputs-from" : "--output")} is for --merge.";
        }

        if (string.IsNullOrEmpty(filePath))
        {
            return "argument --filepath is required.";
        }

        return counts && countsOutput is not null ? "give --counts (NAME_COUNTS.EXT) or --counts-output <file>, not both." : null;
    }

    private static string? MergeError(List<string> files, string? filePath, bool replace, bool counts, string? inputsFrom)
    {
        if (filePath is not null || replace || counts)
        {
            string option = filePath is not null ? "--filepath" : replace ? "--replace-invalid-utf8" : "--counts";
            return $"argument {option} is not for --merge{(counts && filePath is null && !replace ? "; name the merged counts file with --counts-output <file>" : string.Empty)}.";
        }

        if (files.Count > 0 && inputsFrom is not null)
        {
            return "give the count files on the command line or in --inputs-from <listfile>, not both.";
        }

        return files.Count == 0 && inputsFrom is null
            ? "--merge needs count files: name them on the command line or in --inputs-from <listfile>."
            : null;
    }

    private static string? EmptyValueError(string? value, string name) => value is { Length: 0 } ? $"argument {name} needs a value." : null;
}
