using System.Globalization;

namespace TopNWords.Samples;

/// <summary>
/// The command line both samples share: input files or folders (the tutorial's files by default),
/// <c>--numwords N</c> and <c>--keep</c>, plus the whole-number and text options a sample adds. Secrets are never
/// taken here (any user of the machine can read a process's arguments): a sample declares the options it refuses,
/// and an error never repeats an argument's value.
/// </summary>
internal sealed class SampleCommandLine
{
    private readonly Dictionary<string, int> _numbers;
    private readonly Dictionary<string, string?> _texts;

    /// <summary>The verbs that act on a run by its id, or on all runs, instead of running one.</summary>
    public static readonly string[] Verbs = ["status", "cancel", "sweep", "list"];

    private SampleCommandLine(List<string> inputs, Dictionary<string, int> numbers, Dictionary<string, string?> texts, bool keep, bool detach, string? verb, string? verbRunId, TimeSpan? olderThan)
    {
        Inputs = inputs;
        _numbers = numbers;
        _texts = texts;
        Keep = keep;
        Detach = detach;
        Verb = verb;
        VerbRunId = verbRunId;
        OlderThan = olderThan;
    }

    /// <summary>Gets a value indicating whether inputs were named on the command line (else the tutorial's files are the inputs).</summary>
    public bool InputsGiven { get; private init; }

    /// <summary>Gets a value indicating whether to submit the run, print its id and exit (<c>--detach</c>).</summary>
    public bool Detach { get; }

    /// <summary>Gets the verb (<c>status</c>, <c>cancel</c>, <c>sweep</c>, <c>list</c>), or null to run.</summary>
    public string? Verb { get; }

    /// <summary>Gets the run id the verb acts on (<c>status ID</c>, <c>cancel ID</c>).</summary>
    public string? VerbRunId { get; }

    /// <summary>Gets the age of <c>sweep --older-than</c>.</summary>
    public TimeSpan? OlderThan { get; }

    /// <summary>Gets the run id to run, resume or attach to (<c>--run-id</c>).</summary>
    public string? RunId => _texts.GetValueOrDefault("--run-id");

    /// <summary>Gets the input files and folders; they exist.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Gets how many top words each task reports (<c>--numwords</c>, default 3).</summary>
    public int NumWords => _numbers[NumWordsOption];

    /// <summary>Gets a value indicating whether cleanup is skipped (<c>--keep</c>).</summary>
    public bool Keep { get; }

    private const string NumWordsOption = "--numwords";

    /// <summary>Gets the value of a whole-number option the sample declared.</summary>
    public int Number(string option) => _numbers[option];

    /// <summary>Gets the value of a text option the sample declared, or its default.</summary>
    public string? Text(string option) => _texts[option];

    /// <summary>
    /// Parses <paramref name="args"/>; on a usage error or <c>--help</c> prints to the console and returns
    /// <see langword="null"/> (exit code 2).
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <param name="usage">The usage line.</param>
    /// <param name="numbers">The sample's whole-number options (each at least 1) with their defaults.</param>
    /// <param name="texts">The sample's text options with their defaults (null: unset).</param>
    /// <param name="help">More help printed after the usage line for <c>--help</c>, or null.</param>
    /// <param name="refused">
    /// Options refused wherever they appear (as <c>--option value</c> or <c>--option=value</c>), each with the error
    /// to print, which says what to use instead; the value is never printed.
    /// </param>
    public static SampleCommandLine? Parse(
        string[] args,
        string usage,
        IReadOnlyDictionary<string, int>? numbers = null,
        IReadOnlyDictionary<string, string?>? texts = null,
        string? help = null,
        IReadOnlyDictionary<string, string>? refused = null)
    {
        // First, so that the refusal is the error printed, whatever else is wrong.
        foreach (string arg in args.TakeWhile(a => a != "--"))
        {
            if (refused is not null && refused.TryGetValue(OptionName(arg), out string? reason))
            {
                return Fail(usage, reason);
            }
        }

        var inputs = new List<string>();
        var numberValues = new Dictionary<string, int>(numbers ?? new Dictionary<string, int>(), StringComparer.Ordinal) { [NumWordsOption] = 3 };
        if (numbers?.TryGetValue(NumWordsOption, out int defaultWords) == true)
        {
            numberValues[NumWordsOption] = defaultWords;
        }

        var textValues = new Dictionary<string, string?>(texts ?? new Dictionary<string, string?>(), StringComparer.Ordinal) { ["--run-id"] = null, ["--older-than"] = null };
        bool keep = false;
        bool detach = false;
        string? verb = null;
        string? verbRunId = null;
        int first = 0;
        if (args.Length > 0 && Verbs.Contains(args[0]))
        {
            verb = args[0];
            first = 1;
            if (verb is "status" or "cancel")
            {
                if (args.Length < 2 || args[1].StartsWith('-'))
                {
                    return Fail(usage, $"'{verb}' needs a run id: {verb} RUN-ID.");
                }

                verbRunId = args[1];
                first = 2;
            }
        }

        for (int i = first; i < args.Length; i++)
        {
            string arg = args[i];
            if (numberValues.ContainsKey(arg))
            {
                if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                {
                    return Fail(usage, $"{arg} needs a whole number of at least 1.");
                }

                numberValues[arg] = value;
                i++;
            }
            else if (textValues.ContainsKey(arg))
            {
                if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]))
                {
                    return Fail(usage, $"{arg} needs a value.");
                }

                textValues[arg] = args[++i];
            }
            else if (arg == "--keep")
            {
                keep = true;
            }
            else if (arg == "--detach")
            {
                detach = true;
            }
            else if (arg is "-h" or "--help")
            {
                Console.WriteLine(usage);
                if (help is not null)
                {
                    Console.WriteLine(help);
                }

                return null;
            }
            else if (arg == "--")
            {
                inputs.AddRange(args[(i + 1)..]);
                break;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                // The name only: "--some-secret=value" must not be echoed whole.
                return Fail(usage, $"unknown option '{OptionName(arg)}'.");
            }
            else
            {
                inputs.Add(arg);
            }
        }

        TimeSpan? olderThan = null;
        if (textValues["--older-than"] is { } age)
        {
            olderThan = ParseDuration(age);
            if (olderThan is null)
            {
                return Fail(usage, $"--older-than needs a duration such as 30m, 12h or 7d (or d.hh:mm:ss); '{age}' is not one.");
            }
        }

        if (verb is not null)
        {
            if (inputs.Count > 0)
            {
                return Fail(usage, $"'{verb}' takes no input files.");
            }

            if (verb == "sweep" && olderThan is null)
            {
                return Fail(usage, "'sweep' needs --older-than DURATION (e.g. 1d): runs younger than that are never touched.");
            }

            return new SampleCommandLine(inputs, numberValues, textValues, keep, detach, verb, verbRunId, olderThan);
        }

        bool inputsGiven = inputs.Count > 0;
        if (inputs.Count == 0)
        {
            inputs.Add(Path.Combine(AppContext.BaseDirectory, "data"));
        }

        foreach (string input in inputs)
        {
            if (!File.Exists(input) && !Directory.Exists(input))
            {
                return Fail(usage, $"input '{input}' is neither a file nor a folder.");
            }
        }

        return new SampleCommandLine(inputs, numberValues, textValues, keep, detach, verb, verbRunId, olderThan) { InputsGiven = inputsGiven };
    }

    /// <summary>Parses <c>30s</c>, <c>30m</c>, <c>12h</c>, <c>7d</c> or a <see cref="TimeSpan"/> (<c>d.hh:mm:ss</c>); null when it is none of them or negative.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        if (text.Length >= 2 && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
        {
            TimeSpan? parsed = char.ToLowerInvariant(text[^1]) switch
            {
                's' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMinutes(value),
                'h' => TimeSpan.FromHours(value),
                'd' => TimeSpan.FromDays(value),
                _ => null,
            };
            if (parsed is not null)
            {
                return parsed;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }

    /// <summary>The option's name: the argument up to an <c>=</c>.</summary>
    private static string OptionName(string arg)
    {
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
    }

    private static SampleCommandLine? Fail(string usage, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(usage);
        return null;
    }
}
