using System.Security.Cryptography;
using System.Text;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>The names a run gives its resources: all derived from the run id, so a re-run with the same id finds them.</summary>
internal sealed class RunNames
{
    public const int MaxRunIdLength = 40;

    public RunNames(string runId)
    {
        RunId = runId;
        ApplicationContainer = $"{runId}-app";
        InputContainer = $"{runId}-input";
        OutputContainer = $"{runId}-output";
        PoolId = $"{runId}-pool";
        JobId = $"{runId}-job";
    }

    public string RunId { get; }

    public string ApplicationContainer { get; }

    public string InputContainer { get; }

    public string OutputContainer { get; }

    public string PoolId { get; }

    public string JobId { get; }

    /// <summary>A new run id: <c>tnw-yyyyMMdd-HHmmss-xxxxxx</c> (UTC, random hex suffix).</summary>
    public static string NewRunId(TimeProvider timeProvider) =>
        $"tnw-{timeProvider.GetUtcNow():yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    /// <summary>Why a caller's run id is unusable, or null: it must make valid container names.</summary>
    public static string? ValidateRunId(string runId)
    {
        if (runId.Length is < 3 or > MaxRunIdLength)
        {
            return $"Run id '{runId}' must be 3 to {MaxRunIdLength} characters long.";
        }

        string? error = StorageNames.ValidateContainerName(runId + "-output");
        return error is null ? null : $"Run id '{runId}' must be lower-case letters, digits and single hyphens, starting and ending with a letter or digit.";
    }

    /// <summary>
    /// The task id of an input: its name with characters Batch does not allow replaced, cut to fit, plus a
    /// hash of the exact name, so ids are stable per input and distinct for distinct names (Batch ids are
    /// case-insensitive; the hash keeps <c>A.txt</c> and <c>a.txt</c> apart).
    /// </summary>
    public static string TaskId(string inputName)
    {
        var sb = new StringBuilder("task-");
        foreach (char c in inputName)
        {
            sb.Append(BatchIdRules.IsIdCharacter(c) ? c : '_');
            if (sb.Length >= 44)
            {
                break;
            }
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(inputName)))[..12];
        sb.Append('-').Append(hash);
        return sb.Length <= BatchIdRules.MaxLength ? sb.ToString() : sb.ToString(0, BatchIdRules.MaxLength);
    }
}
