using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using TopNWords.Batch;

namespace TopNWords.Samples;

/// <summary>
/// The command line both samples share, declared with System.CommandLine: input files or folders (the tutorial's files by
/// default), <c>--numwords N</c>, <c>--keep</c>, <c>--run-id ID</c>, <c>--detach</c>, <c>--verbose</c>, the verbs <c>status ID</c>,
/// <c>cancel ID</c>, <c>list</c> and <c>sweep --older-than D</c>, and the options a sample adds. Secrets are never taken here
/// (any user of the machine can read a process's arguments): a sample names the options it refuses, and their values are
/// never printed.
/// </summary>
internal sealed class SampleCommandLine
{
    private static readonly Argument<string[]> InputsArgument = new("files or folders")
    {
        Arity = ArgumentArity.ZeroOrMore,
        Description = "Each file, and each file under each folder, is one task (default: the tutorial's three files).",
    };

    private static readonly Option<int> NumWordsOption = WholeNumber("--numwords", 3, "How many top words each task reports.");
    private static readonly Option<bool> CorpusOption = new("--corpus") { Description = "Also print the top N words of all the files together (a merge task on the pool adds up every file's counts)." };
    private static readonly Option<bool> KeepOption = new("--keep") { Description = "Keep the run's containers, pool and job (no cleanup)." };
    private static readonly Option<bool> DetachOption = new("--detach") { Description = "Submit the run, print its id and exit: it goes on without this process." };
    private static readonly Option<bool> VerboseOption = new("--verbose") { Description = "Print a line for each task as it completes (the progress line alone by default)." };
    private static readonly Option<string> RunIdOption = new("--run-id") { HelpName = "ID", Description = "The run's id: run, resume (with its inputs) or attach to (without inputs) that run." };
    private static readonly Argument<string> StatusRunId = new("ID") { Description = "The run's id." };
    private static readonly Argument<string> CancelRunId = new("ID") { Description = "The run's id." };
    private static readonly Option<TimeSpan> OlderThanOption = new("--older-than")
    {
        Required = true,
        HelpName = "DURATION",
        Description = "30m, 12h, 7d or d.hh:mm:ss: runs younger than that are never touched.",
        CustomParser = result => result.Tokens is [var token] && ParseDuration(token.Value) is { } age
            ? age
            : Error<TimeSpan>(result, $"--older-than needs a duration such as 30m, 12h or 7d (or d.hh:mm:ss); '{string.Join(' ', result.Tokens)}' is not one."),
    };

    private readonly ParseResult _parsed;

    private SampleCommandLine(ParseResult parsed, IReadOnlyList<string> inputs)
    {
        _parsed = parsed;
        Inputs = inputs;
    }

    /// <summary>Gets the verb (<c>status</c>, <c>cancel</c>, <c>sweep</c>, <c>list</c>), or null to run.</summary>
    public string? Verb => _parsed.CommandResult.Command is RootCommand ? null : _parsed.CommandResult.Command.Name;

    /// <summary>Gets the run id the verb acts on (<c>status ID</c>, <c>cancel ID</c>).</summary>
    public string? VerbRunId => _parsed.GetValue(StatusRunId) ?? _parsed.GetValue(CancelRunId);

    /// <summary>Gets the age of <c>sweep --older-than</c>.</summary>
    public TimeSpan? OlderThan => Verb == "sweep" ? _parsed.GetValue(OlderThanOption) : null;

    /// <summary>Gets the run id to run, resume or attach to (<c>--run-id</c>).</summary>
    public string? RunId => _parsed.GetValue(RunIdOption);

    /// <summary>Gets the input files and folders; they exist.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Gets a value indicating whether inputs were named on the command line (else the tutorial's files are the inputs).</summary>
    public bool InputsGiven => _parsed.GetValue(InputsArgument) is { Length: > 0 };

    /// <summary>Gets how many top words each task reports (<c>--numwords</c>, default 3).</summary>
    public int NumWords => _parsed.GetValue(NumWordsOption);

    /// <summary>Gets a value indicating whether the corpus top N is asked for too (<c>--corpus</c>).</summary>
    public bool Corpus => _parsed.GetValue(CorpusOption);

    /// <summary>The word-count definition the command line asks for: one task per file, and with <c>--corpus</c> the merge
    /// task too (each file's own top N still downloaded, to print).</summary>
    public BatchRunDefinition WordCountDefinition(TaskApplication? taskRunner = null)
    {
        if (!Corpus)
        {
            return WordCountJob.CreateDefinition(Inputs, NumWords, taskRunner);
        }

        var definition = WordCountJob.CreateCorpusDefinition(Inputs, NumWords, taskRunner);
        definition.DownloadTaskOutputs = true;
        return definition;
    }

    /// <summary>Gets a value indicating whether cleanup is skipped (<c>--keep</c>).</summary>
    public bool Keep => _parsed.GetValue(KeepOption);

    /// <summary>Gets a value indicating whether to submit the run, print its id and exit (<c>--detach</c>).</summary>
    public bool Detach => _parsed.GetValue(DetachOption);

    /// <summary>Gets a value indicating whether each task's completion is printed (<c>--verbose</c>), besides the progress line.</summary>
    public bool Verbose => _parsed.GetValue(VerboseOption);

    /// <summary>Gets the value of an option the sample added.</summary>
    public T? Get<T>(Option<T> option) => _parsed.GetValue(option);

    /// <summary>Gets the options among <paramref name="options"/> that were given, as <c>--name value</c> pairs (for a configuration provider).</summary>
    public IEnumerable<string> Given(IEnumerable<Option> options) =>
        options.Select(_parsed.GetResult).OfType<OptionResult>().SelectMany(r => r.Tokens.Select(t => t.Value).Prepend(r.Option.Name));

    /// <summary>An option taking a whole number of at least 1.</summary>
    public static Option<int> WholeNumber(string name, int defaultValue, string description) => new(name)
    {
        HelpName = "N",
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => result.Tokens is [var token] && int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : Error<int>(result, $"{name} needs a whole number of at least 1."),
    };

    /// <summary>
    /// Parses <paramref name="args"/> and runs <paramref name="run"/> with them. A usage error is printed with the usage line
    /// (exit code 2); <c>--help</c> prints the help, then <paramref name="moreHelp"/> (exit code 0).
    /// </summary>
    /// <param name="args">The arguments.</param>
    /// <param name="description">What the sample does, for <c>--help</c>.</param>
    /// <param name="usage">The usage line printed after an error.</param>
    /// <param name="options">The sample's own options.</param>
    /// <param name="refused">
    /// Options refused wherever they appear (as <c>--option value</c> or <c>--option=value</c>), each with the error to print,
    /// which says what to use instead; the value is never printed.
    /// </param>
    /// <param name="moreHelp">Printed after the help, or null.</param>
    /// <param name="run">Runs the sample; returns its exit code. Ctrl+C is the sample's to handle.</param>
    public static Task<int> InvokeAsync(string[] args, string description, string usage, IEnumerable<Option> options, IReadOnlyDictionary<string, string> refused, string? moreHelp, Func<SampleCommandLine, Task<int>> run)
    {
        // First, so that the refusal is the error printed, whatever else is wrong.
        foreach (string arg in args.TakeWhile(a => a != "--"))
        {
            if (refused.TryGetValue(OptionName(arg), out string? reason))
            {
                return Task.FromResult(Fail(usage, reason));
            }
        }

        var root = new RootCommand(description) { InputsArgument, NumWordsOption, CorpusOption, KeepOption, DetachOption, RunIdOption, VerboseOption };
        foreach (var option in options)
        {
            root.Add(option);
        }

        root.Add(new Command("status", "Print a run's state, counts and finished tasks.") { StatusRunId });
        root.Add(new Command("cancel", "Cancel a run: its tasks are stopped and what it made is deleted.") { CancelRunId });
        root.Add(new Command("list", "List the runs that have a record."));
        root.Add(new Command("sweep", "Delete what runs older than --older-than left (kept or abandoned runs).") { OlderThanOption });
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpThen((HelpAction)help.Action!, moreHelp);

        List<string> inputs = [];
        foreach (var command in root.Subcommands.Prepend(root))
        {
            command.SetAction(parsed => run(new SampleCommandLine(parsed, inputs)));
        }

        // No response files: an input may start with '@'.
        ParseResult parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is not HelpAction)
        {
            // An unknown option is taken as an input: name it (only up to '=': "--some-secret=value" must not be echoed whole).
            if (parsed.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash).FirstOrDefault(t => t.Type == TokenType.Argument && t.Value.StartsWith("--", StringComparison.Ordinal)) is { } unknown)
            {
                return Task.FromResult(Fail(usage, $"unknown option '{OptionName(unknown.Value)}'."));
            }

            if (parsed.Errors.Count > 0)
            {
                return Task.FromResult(Fail(usage, string.Join(Environment.NewLine + "error: ", parsed.Errors.Select(e => e.Message).Distinct())));
            }

            inputs.AddRange(parsed.GetValue(InputsArgument) is { Length: > 0 } given ? given : [Path.Combine(AppContext.BaseDirectory, "data")]);
            if (parsed.CommandResult.Command == root && inputs.FirstOrDefault(i => !File.Exists(i) && !Directory.Exists(i)) is { } missing)
            {
                return Task.FromResult(Fail(usage, $"input '{missing}' is neither a file nor a folder."));
            }
        }

        // Ctrl+C stays the sample's: a run may need longer than a termination timeout to clean up.
        return parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
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

    private static T Error<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    /// <summary>The option's name: the argument up to an <c>=</c>.</summary>
    private static string OptionName(string arg)
    {
        int equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
    }

    private static int Fail(string usage, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(usage);
        return 2;
    }

    /// <summary>The help, then the sample's own text (the settings it reads).</summary>
    private sealed class HelpThen(HelpAction help, string? more) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = help.Invoke(parseResult);
            if (more is not null)
            {
                parseResult.InvocationConfiguration.Output.WriteLine(more);
            }

            return code;
        }
    }
}
