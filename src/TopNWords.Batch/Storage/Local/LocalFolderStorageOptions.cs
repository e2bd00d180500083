namespace TopNWords.Batch.Storage.Local;

/// <summary>Options for <see cref="LocalFolderStorage"/>.</summary>
public sealed class LocalFolderStorageOptions
{
    /// <summary>
    /// Gets or sets the clock that stamps each uploaded blob's last-modified time (what
    /// <see cref="BlobItemInfo.LastModified"/> reports), so tests can control it.
    /// </summary>
    /// <remarks>
    /// The expiry of the URLs this storage hands out is checked by whoever uses them
    /// (<see cref="Transfer.UrlTransfer"/>), against that code's own clock.
    /// </remarks>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
