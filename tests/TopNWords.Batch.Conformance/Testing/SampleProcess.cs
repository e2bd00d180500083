using System.Diagnostics;

namespace TopNWords.Batch.Conformance.Testing;

/// <summary>What a sample process printed and how it ended.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Stdout">Everything it wrote to standard output.</param>
/// <param name="Stderr">Everything it wrote to standard error.</param>
public sealed record SampleProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Runs a sample (a framework-dependent <c>.dll</c> next to the test assembly) as its own process, as a user would:
/// arguments, environment, standard input. The storage connection string variable is removed from the environment
/// it inherits unless the test sets it, so a developer's own setting never changes a test. The process is killed
/// (with its children) if it outlives the test's deadline.
/// </summary>
public static class SampleProcess
{
    /// <summary>The variable the samples read a storage connection string from.</summary>
    public const string StorageConnectionStringVariable = "TOPNWORDS_STORAGE_CONNECTION_STRING";

    /// <summary>Runs the sample and waits for it to end.</summary>
    /// <param name="sampleDll">The sample's file name next to the test assembly, such as <c>TopNWords.Samples.Local.dll</c>.</param>
    /// <param name="workingDirectory">The process's current folder.</param>
    /// <param name="args">The arguments, each passed as one argument (no shell).</param>
    /// <param name="environment">Variables to set (a <see langword="null"/> value removes one), or <see langword="null"/>.</param>
    /// <param name="standardInput">Text written to its standard input, which is then closed; <see langword="null"/> closes it at once.</param>
    /// <param name="cancellationToken">The deadline: the process is killed when it is cancelled.</param>
    /// <returns>The exit code and output.</returns>
    public static async Task<SampleProcessResult> RunAsync(
        string sampleDll,
        string workingDirectory,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, sampleDll));
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment.Remove(StorageConnectionStringVariable);

        // The samples' default run folder is per user ($XDG_STATE_HOME/topnwords-batch), and one process owns it at a time:
        // each test's samples get their own under the working folder, unless the test sets the variable itself.
        psi.Environment["XDG_STATE_HOME"] = Path.Combine(workingDirectory, ".state");
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"'dotnet {sampleDll}' did not start.");
        try
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            Task<string> stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                if (standardInput is not null)
                {
                    await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It ended without reading its input.
            }

            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new SampleProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
