using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Console;

namespace TopNWords.Batch.Emulator;

/// <summary>The command line: <c>topnwords-batch-emulator --port P --account NAME --key BASE64 [faults]</c>.</summary>
internal static class Program
{
    private const string KeyVariable = "TOPNWORDS_BATCH_EMULATOR_KEY";

    private const string Usage = """
        Usage: topnwords-batch-emulator [options]

        A loopback Azure Batch data-plane emulator (api-version 2025-06-01.21.0) on 127.0.0.1.
        Once listening it prints exactly one line on stdout: listening on http://127.0.0.1:<port>

          --port <p>                          TCP port on 127.0.0.1 (0, the default, picks a free one)
          --account <name>                    account name for Shared Key (default devbatch)
          --key <base64>                      account key (default: TOPNWORDS_BATCH_EMULATOR_KEY, else the well-known dev key)
          --bearer-token <token>              also accept 'Authorization: Bearer <token>'
          --working-directory <dir>           where node folders go (default: a temporary folder, deleted on exit)
          --node-startup-delay <seconds>      each node stays 'starting' this long (slow allocation)
          --max-nodes-per-pool <n>            larger pools get n nodes and an AccountCoreQuotaReached resize error (default 32)
          --verbose                           log every request to stderr
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
        string? key = Environment.GetEnvironmentVariable(KeyVariable);
        bool verbose = false;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "-h" or "--help":
                    return (options, verbose, true);
                case "--verbose":
                    verbose = true;
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
                case "--key": key = value; break;
                case "--bearer-token": options.BearerToken = value; break;
                case "--working-directory": options.WorkingDirectory = value; break;
                case "--node-startup-delay": options.NodeStartupDelay = TimeSpan.FromSeconds(Double(name, value)); break;
                case "--max-nodes-per-pool": options.MaxNodesPerPool = Int(name, value); break;
                case "--server-busy-rate": faults.ServerBusyRate = Double(name, value); break;
                case "--too-many-requests-rate": faults.TooManyRequestsRate = Double(name, value); break;
                case "--throttle-burst-every": faults.ThrottleBurstEvery = Int(name, value); break;
                case "--throttle-burst-length": faults.ThrottleBurstLength = Int(name, value); break;
                case "--retry-after": faults.RetryAfterSeconds = Int(name, value); break;
                case "--fault-operation": faults.FaultOperations.Add(value); break;
                case "--request-body-limit": faults.RequestBodyLimitBytes = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture); break;
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
                case "--deletion-delay": faults.DeletionDelaySeconds = Double(name, value); break;
                case "--seed": faults.Seed = Int(name, value); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (!string.IsNullOrEmpty(key))
        {
            options.AccountKey = key;
        }

        return (options, verbose, false);
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int result) ? result : throw new ArgumentException($"{name} takes an integer, not '{value}'.");

    private static double Double(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) ? result : throw new ArgumentException($"{name} takes a number, not '{value}'.");
}
