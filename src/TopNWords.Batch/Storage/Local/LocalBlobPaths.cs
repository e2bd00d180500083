using System.IO.Enumeration;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Storage.Local;

/// <summary>
/// Where the containers and blobs of a <see cref="LocalFolderStorage"/> live: checks names against Azure Blob's
/// rules (<see cref="StorageNames"/>) and this machine's file names, maps a container to its folder under the root
/// and a blob to its file under its container's folder, and never lets a name resolve outside them. It also owns
/// the name form of the hidden temporary files of uploads in progress, which are never blobs.
/// </summary>
internal sealed class LocalBlobPaths
{
    private const string TemporarySuffix = ".partial";
    private const int GuidDigits = 32;

    private static readonly char[] InvalidFileNameChars = Path.GetInvalidFileNameChars();

    /// <summary>Initializes a new instance of the <see cref="LocalBlobPaths"/> class.</summary>
    /// <param name="rootDirectory">The full path of the folder that holds the containers, without a trailing separator.</param>
    public LocalBlobPaths(string rootDirectory)
    {
        RootDirectory = rootDirectory;
    }

    /// <summary>Gets the full path of the folder that holds the containers.</summary>
    public string RootDirectory { get; }

    /// <summary>
    /// A container folder's entry as a blob name: its path under the folder (which ends before <paramref name="nameStart"/>)
    /// with <c>/</c> between the parts, made in one string (not the full path, then a part of it). Used by
    /// <see cref="LocalFolderStorage"/> and by <see cref="Transfer.UrlTransfer"/> when it lists through a <c>file:</c> URL.
    /// </summary>
    public static string BlobName(ref FileSystemEntry entry, int nameStart)
    {
        var folder = entry.Directory.Length > nameStart ? entry.Directory[nameStart..] : [];
        string name = folder.IsEmpty ? entry.FileName.ToString() : string.Concat(folder, "/", entry.FileName);
        return Path.DirectorySeparatorChar == '/' ? name : name.Replace(Path.DirectorySeparatorChar, '/');
    }

    /// <summary>
    /// Tells whether a file name is a hidden temporary file of an upload in progress:
    /// <c>.&lt;anything&gt;.&lt;32 hex digits&gt;.partial</c>, the form used both by <see cref="LocalFolderStorage"/> and by
    /// <see cref="Transfer.UrlTransfer"/> when it writes through a <c>file:</c> URL.
    /// </summary>
    public static bool IsTemporaryFileName(ReadOnlySpan<char> fileName)
    {
        int guidStart = fileName.Length - TemporarySuffix.Length - GuidDigits;
        if (guidStart < 1 || fileName[0] != '.' || fileName[guidStart - 1] != '.' || !fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in fileName.Slice(guidStart, GuidDigits))
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A new hidden temporary file in <paramref name="folder"/> for an upload or a download (<paramref name="purpose"/>): <c>.&lt;purpose&gt;.&lt;guid&gt;.partial</c>.</summary>
    public static string NewTemporaryPath(string folder, string purpose) => Path.Combine(folder, $".{purpose}.{Guid.NewGuid():N}{TemporarySuffix}");

    /// <summary>Whether <paramref name="path"/> is inside <paramref name="folder"/> (and not the folder itself).</summary>
    public static bool IsStrictlyUnder(string path, string folder)
    {
        string prefix = PathPrefix.Of(folder);
        return path.Length > prefix.Length && path.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>The full path of a container's folder, after checking its name.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="containerName"/> is <see langword="null"/>.</exception>
    /// <exception cref="BlobStorageException">The name is not a valid container name.</exception>
    public string ContainerPath(string containerName)
    {
        ArgumentNullException.ThrowIfNull(containerName);
        StorageNames.ThrowIfInvalidContainerName(containerName);
        string path = Path.GetFullPath(Path.Combine(RootDirectory, containerName));
        if (!IsStrictlyUnder(path, RootDirectory))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Container name '{containerName}' does not resolve to a folder under '{RootDirectory}'.", containerName);
        }

        return path;
    }

    /// <summary>The full paths of a container's folder and of a blob's file, after checking both names.</summary>
    /// <exception cref="ArgumentNullException">A name is <see langword="null"/>.</exception>
    /// <exception cref="BlobStorageException">A name is not valid, or cannot be a file name on this machine.</exception>
    public (string ContainerPath, string BlobPath) ResolveBlob(string containerName, string blobName)
    {
        string containerPath = ContainerPath(containerName);
        ArgumentNullException.ThrowIfNull(blobName);
        StorageNames.ThrowIfInvalidBlobName(containerName, blobName);
        string[] segments = blobName.Split('/');
        foreach (string segment in segments)
        {
            if (segment.IndexOfAny(InvalidFileNameChars) >= 0)
            {
                throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' contains a character this machine's file system does not allow in file names.", containerName, blobName);
            }
        }

        if (IsTemporaryFileName(segments[^1]))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' has the form '.<name>.<32 hex digits>.partial', which local folder storage reserves for uploads in progress.", containerName, blobName);
        }

        // Defence in depth: the name rules already forbid '..' and rooted names, but the file system has the last word.
        string blobPath = Path.GetFullPath(Path.Combine(containerPath, blobName.Replace('/', Path.DirectorySeparatorChar)));
        if (!IsStrictlyUnder(blobPath, containerPath))
        {
            throw new BlobStorageException(BlobStorageErrorKind.InvalidName, $"Blob name '{blobName}' does not resolve to a file under container '{containerName}'.", containerName, blobName);
        }

        return (containerPath, blobPath);
    }

    /// <summary>The failure of an operation on a container whose folder does not exist.</summary>
    public BlobStorageException ContainerNotFound(string containerName)
    {
        return new BlobStorageException(BlobStorageErrorKind.NotFound, $"Container '{containerName}' does not exist in local folder storage '{RootDirectory}'. Create it first with CreateContainerIfNotExistsAsync.", containerName);
    }

    /// <summary>Throws <see cref="ContainerNotFound"/> when the container's folder does not exist.</summary>
    public void RequireContainer(string containerName, string containerPath)
    {
        if (!Directory.Exists(containerPath))
        {
            throw ContainerNotFound(containerName);
        }
    }
}
