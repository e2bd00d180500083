using System.Globalization;

namespace TopNWords.TaskRunner;

/// <summary>The parsed command line of the task runner.</summary>
internal sealed record RunnerArguments(string FilePath, int NumWords, bool ReplaceInvalidUtf8)
{
    public const string Usage = "usage: TopNWords.TaskRunner --filepath <file> --numwords <N> [--replace-invalid-utf8]";

    /// <summary>
    /// Parses <c>--filepath FILE --numwords N</c> (either order; <c>--name=value</c> also works).
    /// The word after <c>--filepath</c> is always the path, even when it starts with a dash.
    /// </summary>
    /// <returns>The arguments, or <see langword="null"/> with <paramref name="error"/> set; both null for <c>--help</c>.</returns>
    public static RunnerArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? filePath = null;
        string? numWords = null;
        bool replace = false;
        error = null;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
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
                case "--replace-invalid-utf8" when inlineValue is null:
                    replace = true;
                    break;
                case "--filepath":
                case "--numwords":
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

                    if ((name == "--filepath" ? filePath : numWords) is not null)
                    {
                        error = $"argument {name} was given more than once.";
                        return null;
                    }

                    if (name == "--filepath")
                    {
                        filePath = value;
                    }
                    else
                    {
                        numWords = value;
                    }

                    break;
                default:
                    error = $"unknown argument '{arg}'.";
                    return null;
            }
        }

        if (string.IsNullOrEmpty(filePath))
        {
            error = "argument --filepath is required.";
            return null;
        }

        if (numWords is null)
        {
            error = "argument --numwords is required.";
            return null;
        }

        if (!int.TryParse(numWords, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
        {
            error = $"argument --numwords must be a whole number of at least 1, not '{numWords}'.";
            return null;
        }

        return new RunnerArguments(filePath, n, replace);
    }
}
