namespace TopNWords.Batch.Storage.Local;

/// <summary>Options for <see cref="LocalFolderStorage"/>.</summary>
/// <remarks>The storage does not log, so these options have no logger factory.</remarks>
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

    /// <summary>Checks the options; the constructor of <see cref="LocalFolderStorage"/> calls it.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is <see langword="null"/>; the exception's <see cref="ArgumentException.ParamName"/> names it.</exception>
    public void Validate()
    {
        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "LocalFolderStorageOptions.TimeProvider is null: leave it at TimeProvider.System, or set the clock to use (such as a FakeTimeProvider in tests).");
        }
    }
}
