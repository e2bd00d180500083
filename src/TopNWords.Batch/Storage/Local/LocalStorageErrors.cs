namespace TopNWords.Batch.Storage.Local;

/// <summary>The <see cref="BlobStorageException"/>s of <see cref="LocalFolderStorage"/> that do not depend on where its root is.</summary>
internal static class LocalStorageErrors
{
    /// <summary>A file-system failure of <paramref name="what"/>; an access denial is <see cref="BlobStorageErrorKind.Forbidden"/>.</summary>
    public static BlobStorageException Failure(Exception ex, string what, string? containerName, string? blobName)
    {
        var kind = ex is UnauthorizedAccessException ? BlobStorageErrorKind.Forbidden : BlobStorageErrorKind.Other;
        string advice = kind == BlobStorageErrorKind.Forbidden ? " Check the folder's permissions." : string.Empty;
        return new BlobStorageException(kind, $"{what}: {ex.Message}{advice}", containerName, blobName, ex);
    }

    /// <summary>An upload that may not overwrite found the blob there.</summary>
    public static BlobStorageException AlreadyExists(string containerName, string blobName)
    {
        return new BlobStorageException(BlobStorageErrorKind.AlreadyExists, $"Blob '{blobName}' already exists in container '{containerName}' and overwriting was not allowed. Set BlobStorageUploadOptions.Overwrite to replace it.", containerName, blobName);
    }

    /// <summary>A download found its destination there.</summary>
    public static BlobStorageException DestinationExists(string containerName, string blobName, string destination)
    {
        return new BlobStorageException(BlobStorageErrorKind.DestinationExists, $"Blob '{blobName}' of container '{containerName}' was not downloaded: '{destination}' already exists and is never overwritten. Choose another path or delete it first.", containerName, blobName);
    }
}
