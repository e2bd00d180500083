namespace TopNWords.Batch.Compute;

/// <summary>
/// Azure Batch's rules for pool, job and task ids: 1 to 64 ASCII letters, digits, hyphens and underscores.
/// The service enforces them and the local compute applies the same rules, so an id that works locally works
/// on Batch; callers and hosts (such as an emulator) may check an id before they use it.
/// </summary>
public static class BatchIdRules
{
    /// <summary>The longest id Batch accepts.</summary>
    public const int MaxLength = 64;

    /// <summary>Tells whether an id is valid: 1 to 64 ASCII letters, digits, hyphens and underscores.</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="true"/> when Batch accepts the id.</returns>
    public static bool IsValid(string? id) => !string.IsNullOrEmpty(id) && id.Length <= MaxLength && id.All(IsIdCharacter);

    /// <summary>Checks an id: 1 to 64 ASCII letters, digits, hyphens and underscores.</summary>
    /// <param name="kind">What the id names ("pool", "job", "task"), for the message.</param>
    /// <param name="id">The id.</param>
    /// <returns><see langword="null"/> when valid; otherwise why not.</returns>
    public static string? Validate(string kind, string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return $"A {kind} id must not be empty.";
        }

        if (id.Length > MaxLength)
        {
            return $"The {kind} id '{id[..16]}…' is {id.Length} characters long; the limit is {MaxLength}.";
        }

        foreach (char c in id)
        {
            if (!IsIdCharacter(c))
            {
                return $"The {kind} id '{id}' may only contain letters, digits, hyphens and underscores (found U+{(int)c:X4}).";
            }
        }

        return null;
    }

    /// <summary>Whether a character may appear in an id: an ASCII letter or digit, a hyphen or an underscore.</summary>
    internal static bool IsIdCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    /// <summary>Throws <see cref="BatchComputeException"/> (<see cref="BatchComputeErrorKind.InvalidRequest"/>) for an invalid id.</summary>
    /// <param name="kind">What the id names.</param>
    /// <param name="id">The id.</param>
    /// <exception cref="BatchComputeException">The id is invalid (<see cref="BatchComputeErrorKind.InvalidRequest"/>, error code <see cref="BatchErrorCodes.InvalidPropertyValue"/>).</exception>
    public static void ThrowIfInvalid(string kind, string id)
    {
        string? error = Validate(kind, id);
        if (error is not null)
        {
            throw new BatchComputeException(BatchComputeErrorKind.InvalidRequest, error + " Choose an id of 1 to 64 letters, digits, hyphens and underscores.", id, BatchErrorCodes.InvalidPropertyValue);
        }
    }
}
