namespace TopNWords.Batch.Storage;

/// <summary>
/// Azure Blob Storage's naming rules, applied by every storage backend so that switching backends never
/// surprises. Blob names are slightly stricter than Azure's so that they also map safely onto folders.
/// </summary>
public static class StorageNames
{
    /// <summary>The longest container name Azure accepts.</summary>
    public const int MaxContainerNameLength = 63;

    /// <summary>The longest blob name Azure accepts.</summary>
    public const int MaxBlobNameLength = 1024;

    /// <summary>
    /// Checks a container name: 3 to 63 characters; lower-case ASCII letters, digits and hyphens; starts
    /// and ends with a letter or digit; no two hyphens in a row.
    /// </summary>
    /// <param name="containerName">The name.</param>
    /// <returns><see langword="null"/> when valid; otherwise why not.</returns>
    public static string? ValidateContainerName(string? containerName)
    {
        if (string.IsNullOrEmpty(containerName))
        {
            return "A container name must not be empty.";
        }

        if (containerName.Length is < 3 or > MaxContainerNameLength)
        {
            return $"Container name '{containerName}' must be 3 to {MaxContainerNameLength} characters long.";
        }

        for (int i = 0; i < containerName.Length; i++)
        {
            char c = containerName[i];
            bool ok = c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-';
            if (!ok)
            {
                return $"Container name '{containerName}' may only contain lower-case letters, digits and hyphens ('{c}' at {i}).";
            }
        }

        if (containerName[0] == '-' || containerName[^1] == '-')
        {
            return $"Container name '{containerName}' must start and end with a letter or digit.";
        }

        if (containerName.Contains("--", StringComparison.Ordinal))
        {
            return $"Container name '{containerName}' must not contain two hyphens in a row.";
        }

        return null;
    }

    /// <summary>
    /// Checks a blob name: 1 to 1,024 characters; no control characters or backslashes; no empty, <c>.</c>
    /// or <c>..</c> path segments; does not start with <c>/</c> or end with <c>/</c> or <c>.</c>.
    /// </summary>
    /// <param name="blobName">The name.</param>
    /// <returns><see langword="null"/> when valid; otherwise why not.</returns>
    public static string? ValidateBlobName(string? blobName)
    {
        if (string.IsNullOrEmpty(blobName))
        {
            return "A blob name must not be empty.";
        }

        if (blobName.Length > MaxBlobNameLength)
        {
            return $"Blob name '{blobName[..40]}…' is {blobName.Length} characters long; the limit is {MaxBlobNameLength}.";
        }

        for (int i = 0; i < blobName.Length; i++)
        {
            char c = blobName[i];
            if (char.IsControl(c) || c == '\\')
            {
                return $"Blob name '{Printable(blobName)}' contains a control character or a backslash (U+{(int)c:X4}).";
            }

            if (char.IsHighSurrogate(c) && i + 1 < blobName.Length && char.IsLowSurrogate(blobName[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"Blob name '{Printable(blobName)}' contains an unpaired surrogate.";
            }
        }

        if (blobName[0] == '/' || blobName[^1] == '/' || blobName[^1] == '.')
        {
            return $"Blob name '{blobName}' must not start with '/' or end with '/' or '.'.";
        }

        foreach (var range in blobName.AsSpan().Split('/'))
        {
            var segment = blobName.AsSpan(range);
            if (segment.IsEmpty || segment is "." or "..")
            {
                return $"Blob name '{blobName}' must not contain empty, '.' or '..' path segments.";
            }
        }

        return null;
    }

    /// <summary>Throws <see cref="BlobStorageException"/> (<see cref="BlobStorageErrorKind.InvalidName"/>) for an invalid container name.</summary>
    /// <param name="containerName">The name.</param>
    public static void ThrowIfInvalidContainerName(string? containerName)
    {
        string? error = ValidateContainerName(containerName);
        if (error is not null)
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, error, containerName);
        }
    }

    /// <summary>Throws <see cref="BlobStorageException"/> (<see cref="BlobStorageErrorKind.InvalidName"/>) for an invalid blob name.</summary>
    /// <param name="containerName">The container, for the message.</param>
    /// <param name="blobName">The name.</param>
    public static void ThrowIfInvalidBlobName(string containerName, string? blobName)
    {
        string? error = ValidateBlobName(blobName);
        if (error is not null)
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, error, containerName, blobName);
        }
    }

    private static string Printable(string s) => string.Concat(s.Select(c => char.IsControl(c) ? '?' : c));
}
