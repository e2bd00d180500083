using Azure;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>
/// A Batch list as an <see cref="AsyncPageable{T}"/>: fetches the first page, then follows <c>odata.nextLink</c>
/// (the continuation token) until a page has none. Pages are fetched lazily, one at a time.
/// </summary>
internal sealed class BatchAsyncPageable<T> : AsyncPageable<T>
    where T : notnull
{
    private readonly Func<string?, int?, CancellationToken, Task<Page<T>>> _fetchPage;

    /// <param name="fetchPage">Fetches one page: the next link (null for the first page), the page size hint, the token.</param>
    /// <param name="cancellationToken">The token of the list call.</param>
    internal BatchAsyncPageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _fetchPage = fetchPage;
    }

    public override async IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
    {
        string? nextLink = continuationToken;
        do
        {
            Page<T> page = await _fetchPage(nextLink, pageSizeHint, CancellationToken).ConfigureAwait(false);
            yield return page;
            nextLink = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(nextLink));
    }
}
