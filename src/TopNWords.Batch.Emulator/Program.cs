using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging.Console;

namespace TopNWords.Batch.Emulator;

/// <summary>
/// The command line: <c>topnwords-batch-emulator --port P --account NAME [--key-file PATH|-] [faults]</c>. Secrets never
/// come from the command line (anyone on the machine can read it in <c>/proc/&lt;pid&gt;/cmdline</c>): the key and the
/// bearer token come from environment variables, from files, or from standard input.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Usage: topnwords-batch-emulator [options]

        A loopback Azure Batch data-plane emulator (api-versions 2022-10-01.16.0 to 2025-06-01.21.0) on 127.0.0.1.
        Once listening it prints exactly one line on stdout: listening on http://127.0.0.1:<port>
        It answers only requests addressed to 127.0.0.1:<port> or localhost:<port>.

          --port <p>                          TCP port on 127.0.0.1 (0, the default, picks a free one)
          --account <name>                    account name for Shared Key (default devbatch)
          --key-file <path>                   read the account key (base64) from this file; '-' reads the first line of stdin
                                              (default: the environment variable TOPNWORDS_BATCH_EMULATOR_KEY; one is required)
          --bearer-token-file <path>          also accept 'Authorization: Bearer <token>' with the token in this file ('-': stdin)
                                              (default: the environment variable TOPNWORDS_BATCH_EMULATOR_BEARER_TOKEN, if set)
          --insecure-use-well-known-key       without a key, use the published development key. INSECURE: anyone who knows it
                                              (it is in the README) can sign requests that run commands as you
          --working-directory <dir>           where node folders go (default: a temporary folder, deleted on exit)
          --node-startup-delay <seconds>      each node stays 'starting' this long (slow allocation)
          --max-nodes-per-pool <n>            larger pools get n nodes and an AccountCoreQuotaReached resize error (default 32)
          --pass-env <name>                   tasks and start tasks also receive this variable of the emulator's environment
                                              (repeatable; by default they get only a Batch node's basic set, never secrets)
          --verbose                           log every request to stderr
        Secrets are never taken on the command line (other users can read it): --key and --bearer-token are gone.
        Faults (also settable at run time: POST /admin/faults):
          --server-busy-rate <0..1>           fraction of requests answered 503 ServerBusy
          --too-many-requests-rate <0..1>     fraction of requests answered 429 with Retry-After
          --throttle-burst-every <n>          every n-th request starts a burst of 429s
          --throttle-burst-length <n>         requests per burst (default 3)
          --retry-after <seconds>             Retry-After of injected 429/503 (default 1)
          --fault-operation <operationId>     limit 503/429 faults to this operation (repeatable)
          --request-body-limit <bytes>        larger bodies get 413 RequestBodyTooLarge (default 1048576)
          --task-add-server-error-rate <0..1> fraction of added tasks answered 'servererror'
          --drop-connection-after-add <n>     drop the connection of the next n add-task-collection requests after applying them
          --start-task-failure-node <node>    the start task fails on this node ('node' or 'pool/node'; repeatable)
          --unusable-node <node>              this node turns unusable as it starts (repeatable)
          --unusable-node-after-tasks <node>=<n>  this node turns unusable after n tasks (repeatable)
          --deletion-delay <seconds>          deleted pools and jobs stay 'deleting' this long after they stopped
          --seed <n>                          seed of the random faults (default 1)
        """;

    /// <summary>The file name that means standard input.</summary>
    private const string StandardInput = "-";

    public static async Task<int> Main(string[] args)
    {
        BatchEmulatorOptions options;
        bool verbose;
        try
        {
            (options, verbose, bool help) = Parse(args);
            if (help)
            {
                Console.Out.WriteLine(Usage);
                return 0;
            }

            options.Validate();
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return 2;
        }

        using var loggerFactory = LoggerFactory.Create(logging =>
        {
            logging.AddSimpleConsole(console => console.SingleLine = true);
            logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
            logging.AddFilter("Microsoft", LogLevel.Warning);
        });
        options.LoggerFactory = loggerFactory;

        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stopped.TrySetResult();
        };
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stopped.TrySetResult();
        });

        await using var emulator = new BatchEmulator();
        Uri baseUri = await emulator.StartAsync(options).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"listening on {baseUri.GetLeftPart(UriPartial.Authority)}").ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        await stopped.Task.ConfigureAwait(false);
        return 0;
    }

    private static (BatchEmulatorOptions Options, bool Verbose, bool Help) Parse(string[] args)
    {
        var options = new BatchEmulatorOptions();
        var faults = options.Faults;
        string? keyFile = null;
        string? bearerTokenFile = null;
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (RemovedSecretOption(name) is { } removed)
            {
                // Checked before anything else, and the value is never quoted: it is a secret already exposed once.
                throw new ArgumentException(removed);
            }

            switch (name)
            {
                case "-h" or "--help":
                    return (options, verbose, true);
                case "--verbose":
                    verbose = true;
                    continue;
                case "--insecure-use-well-known-key":
                    options.AllowInsecureWellKnownKey = true;
                    continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value.");
            }

            string value = args[++i];
            switch (name)
            {
                case "--port": options.Port = Int(name, value); break;
                case "--account": options.AccountName = value; break;
                case "--key-file": keyFile = value; break;
                case "--bearer-token-file": bearerTokenFile = value; break;
                case "--working-directory": options.WorkingDirectory = value; break;
                case "--pass-env": options.PassThroughEnvironmentVariables.Add(value); break;
                case "--node-startup-delay": options.NodeStartupDelay = TimeSpan.FromSeconds(Seconds(name, value)); break;
                case "--max-nodes-per-pool": options.MaxNodesPerPool = Int(name, value); break;
                case "--server-busy-rate": faults.ServerBusyRate = Double(name, value); break;
                case "--too-many-requests-rate": faults.TooManyRequestsRate = Double(name, value); break;
                case "--throttle-burst-every": faults.ThrottleBurstEvery = Int(name, value); break;
                case "--throttle-burst-length": faults.ThrottleBurstLength = Int(name, value); break;
                case "--retry-after": faults.RetryAfterSeconds = Int(name, value); break;
                case "--fault-operation": faults.FaultOperations.Add(value); break;
                case "--request-body-limit": faults.RequestBodyLimitBytes = Long(name, value); break;
                case "--task-add-server-error-rate": faults.TaskAddServerErrorRate = Double(name, value); break;
                case "--drop-connection-after-add": faults.DropConnectionAfterAddTaskCollection = Int(name, value); break;
                case "--start-task-failure-node": faults.StartTaskFailureNodes.Add(value); break;
                case "--unusable-node": faults.UnusableNodes.Add(value); break;
                case "--unusable-node-after-tasks":
                    int eq = value.LastIndexOf('=');
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"{name} takes <node>=<tasks>.");
                    }

                    faults.UnusableNodesAfterTasks[value[..eq]] = Int(name, value[(eq + 1)..]);
                    break;
                case "--deletion-delay": faults.DeletionDelaySeconds = Seconds(name, value); break;
                case "--seed": faults.Seed = Int(name, value); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (keyFile == StandardInput && bearerTokenFile == StandardInput)
        {
            throw new ArgumentException("Only one of --key-file and --bearer-token-file can read standard input ('-'); give the other a file or its environment variable.");
        }

        // A file named on the command line wins over the environment.
        string? key = keyFile is null ? Environment.GetEnvironmentVariable(BatchEmulatorOptions.KeyEnvironmentVariable) : ReadSecret("--key-file", "key", keyFile);
        if (!string.IsNullOrEmpty(key))
        {
            options.AccountKey = key;
        }

        string? bearerToken = bearerTokenFile is null ? Environment.GetEnvironmentVariable(BatchEmulatorOptions.BearerTokenEnvironmentVariable) : ReadSecret("--bearer-token-file", "bearer token", bearerTokenFile);
        if (!string.IsNullOrEmpty(bearerToken))
        {
            options.BearerToken = bearerToken;
        }

        return (options, verbose, false);
    }

    /// <summary>The error for an option that used to take a secret on the command line (never quoting its value), or null.</summary>
    private static string? RemovedSecretOption(string argument)
    {
        static bool Is(string argument, string option) => argument == option || argument.StartsWith(option + "=", StringComparison.Ordinal);

        (string option, string file, string variable) =
            Is(argument, "--key") ? ("--key", "--key-file", BatchEmulatorOptions.KeyEnvironmentVariable)
            : Is(argument, "--bearer-token") ? ("--bearer-token", "--bearer-token-file", BatchEmulatorOptions.BearerTokenEnvironmentVariable)
            : (string.Empty, string.Empty, string.Empty);
        return option.Length == 0
            ? null
            : $"{option} no longer takes a secret on the command line, where other users of this machine can read it (/proc/<pid>/cmdline). "
              + $"Set the environment variable {variable}, or pass {file} <path> (a file holding it), or {file} - (read it from standard input).";
    }

    /// <summary>Reads a secret from a file, or the first line of standard input for '-'; drops one trailing newline. Errors name the file, never the content.</summary>
    private static string ReadSecret(string option, string what, string path)
    {
        string text;
        if (path == StandardInput)
        {
            text = Console.In.ReadLine() ?? throw new ArgumentException($"{option} -: standard input ended before a {what} was read.");
        }
        else
        {
            try
            {
                text = File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
            {
                throw new ArgumentException($"{option}: cannot read the {what} file '{path}': {ex.Message}");
            }
            catch (ArgumentException)
            {
                throw new ArgumentException($"{option}: '{path}' is not a valid file path.");
            }

            text = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        }

        return text.Length > 0 ? text : throw new ArgumentException(path == StandardInput
            ? $"{option} -: the first line of standard input is empty; it should hold the {what}."
            : $"{option}: the {what} file '{path}' is empty.");
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result) ? result : throw new ArgumentException($"{name} takes an integer, not '{value}'.");

    private static long Long(string name, string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long result) ? result : throw new ArgumentException($"{name} takes an integer, not '{value}'.");

    private static double Double(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) && double.IsFinite(result) ? result : throw new ArgumentException($"{name} takes a number, not '{value}'.");

    /// <summary>A number of seconds that a <see cref="TimeSpan"/> holds (checked here: beyond it <see cref="TimeSpan.FromSeconds(double)"/> throws).</summary>
    private static double Seconds(string name, string value)
    {
        const double MaxSeconds = 1e9; // some 31 years
        double seconds = Double(name, value);
        return Math.Abs(seconds) <= MaxSeconds ? seconds : throw new ArgumentException($"{name} takes a number of seconds up to 1000000000, not '{value}'.");
    }
}
