using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// The query of a list operation: <c>$filter</c>, <c>$select</c>, <c>maxresults</c> (default and maximum 1000)
/// and the continuation token (<c>$skiptoken</c>) that <c>odata.nextLink</c> carries.
/// </summary>
internal sealed class ListQuery
{
    public const int DefaultMaxResults = 1000;
    public const int MaxMaxResults = 1000;
    private const string TokenPrefix = "after:";

    private ListQuery(int maxResults, long after, ODataFilter? filter, IReadOnlyCollection<string>? select, string? filterText, string? selectText, IReadOnlyList<KeyValuePair<string, string?>>? carried = null)
    {
        Carried = carried ?? [];
        MaxResults = maxResults;
        After = after;
        Filter = filter;
        Select = select;
        FilterText = filterText;
        SelectText = selectText;
    }

    /// <summary>Gets the most items of one page.</summary>
    public int MaxResults { get; }

    /// <summary>Gets the sequence number the page starts after (0 for the first page).</summary>
    public long After { get; }

    /// <summary>Gets the filter, if any.</summary>
    public ODataFilter? Filter { get; }

    /// <summary>Gets the selected top-level members (canonical names), or <see langword="null"/> for all.</summary>
    public IReadOnlyCollection<string>? Select { get; }

    private string? FilterText { get; }

    private string? SelectText { get; }

    /// <summary>Gets further parameters of the first request that every next link repeats (such as <c>recursive</c> or <c>$expand</c>).</summary>
    private IReadOnlyList<KeyValuePair<string, string?>> Carried { get; }

    /// <summary>Reads and checks the list parameters of a request.</summary>
    /// <exception cref="BatchRequestException">400 <c>InvalidQueryParameterValue</c>.</exception>
    public static ListQuery Parse(HttpRequest request, IReadOnlyList<FilterProperty> filterable, IReadOnlyCollection<string> members)
    {
        var (maxResults, after) = ParsePage(request);
        string? filterText = request.Query.TryGetValue("$filter", out var f) && !string.IsNullOrWhiteSpace(f.ToString()) ? f.ToString() : null;
        ODataFilter? filter = filterText is null ? null : ODataFilter.Parse(filterText, filterable);

        string? selectText = request.Query.TryGetValue("$select", out var s) && !string.IsNullOrWhiteSpace(s.ToString()) ? s.ToString() : null;
        List<KeyValuePair<string, string?>> carried = request.Query.TryGetValue("$expand", out var e) && !string.IsNullOrWhiteSpace(e.ToString()) ? [new("$expand", e.ToString())] : [];
        return new ListQuery(maxResults, after, filter, selectText is null ? null : ParseSelect(selectText, members), filterText, selectText, carried);
    }

    /// <summary>
    /// Reads the paging parameters of a list whose <c>$filter</c> the caller reads itself (it is kept, as sent, for
    /// the next links, as are the <paramref name="carried"/> parameters).
    /// </summary>
    /// <exception cref="BatchRequestException">400 <c>InvalidQueryParameterValue</c>.</exception>
    public static ListQuery ParsePaging(HttpRequest request, params string[] carried)
    {
        var (maxResults, after) = ParsePage(request);
        string? filterText = request.Query.TryGetValue("$filter", out var f) && !string.IsNullOrWhiteSpace(f.ToString()) ? f.ToString() : null;
        var kept = carried.Where(name => request.Query.ContainsKey(name)).Select(name => new KeyValuePair<string, string?>(name, request.Query[name].ToString())).ToList();
        return new ListQuery(maxResults, after, null, null, filterText, null, kept);
    }

    /// <summary>Reads a <c>$select</c> of a single-entity GET.</summary>
    public static IReadOnlyCollection<string>? ParseSelect(HttpRequest request, IReadOnlyCollection<string> members) =>
        request.Query.TryGetValue("$select", out var s) && !string.IsNullOrWhiteSpace(s.ToString()) ? ParseSelect(s.ToString(), members) : null;

    /// <summary>
    /// Reads a <c>$expand</c>: each comma-separated part must be one of <paramref name="allowed"/> (case-insensitive);
    /// anything else is <c>InvalidQueryParameterValue</c>. Empty when the request has none.
    /// </summary>
    public static IReadOnlyCollection<string> ParseExpand(HttpRequest request, IReadOnlyCollection<string> allowed)
    {
        if (!request.Query.TryGetValue("$expand", out var e) || string.IsNullOrWhiteSpace(e.ToString()))
        {
            return [];
        }

        string text = e.ToString();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string name = allowed.FirstOrDefault(a => string.Equals(a, part, StringComparison.OrdinalIgnoreCase))
                ?? throw BatchErrorResponses.InvalidQueryParameterValue(
                    "$expand",
                    text,
                    allowed.Count == 0 ? "This resource has nothing to expand." : $"'{part}' cannot be expanded here (it can: {string.Join(", ", allowed)}).");
            names.Add(name);
        }

        return names;
    }

    /// <summary>The <c>odata.nextLink</c> of a page whose last item has <paramref name="lastSequence"/>.</summary>
    public string NextLink(HttpContext context, long lastSequence)
    {
        var query = new List<KeyValuePair<string, string?>>
        {
            new("api-version", context.Request.Query["api-version"].ToString()),
            new("maxresults", MaxResults.ToString(CultureInfo.InvariantCulture)),
        };
        if (FilterText is not null)
        {
            query.Add(new("$filter", FilterText));
        }

        if (SelectText is not null)
        {
            query.Add(new("$select", SelectText));
        }

        query.AddRange(Carried);
        query.Add(new("$skiptoken", Base64UrlTextEncoder.Encode(Encoding.UTF8.GetBytes(TokenPrefix + lastSequence.ToString(CultureInfo.InvariantCulture)))));
        return QueryHelpers.AddQueryString(Responses.BaseUrl(context) + context.Request.PathBase + context.Request.Path, query);
    }

    private static (int MaxResults, long After) ParsePage(HttpRequest request)
    {
        int maxResults = DefaultMaxResults;
        if (request.Query.TryGetValue("maxresults", out var max))
        {
            if (!int.TryParse(max.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out maxResults) || maxResults is < 1 or > MaxMaxResults)
            {
                throw BatchErrorResponses.InvalidQueryParameterValue("maxresults", max.ToString(), $"maxresults must be an integer from 1 to {MaxMaxResults}.");
            }
        }

        long after = 0;
        if (request.Query.TryGetValue("$skiptoken", out var token))
        {
            after = ParseToken(token.ToString());
        }

        return (maxResults, after);
    }

    private static long ParseToken(string token)
    {
        try
        {
            string text = Encoding.UTF8.GetString(Base64UrlTextEncoder.Decode(token));
            if (text.StartsWith(TokenPrefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long after))
            {
                return after;
            }
        }
        catch (FormatException)
        {
            // reported below
        }

        throw BatchErrorResponses.InvalidQueryParameterValue("$skiptoken", token, "The continuation token is not one this service issued; use the odata.nextLink of the previous page as it is.");
    }

    private static string[] ParseSelect(string text, IReadOnlyCollection<string> members)
    {
        var names = new List<string>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string name = members.FirstOrDefault(m => string.Equals(m, part, StringComparison.OrdinalIgnoreCase))
                ?? throw BatchErrorResponses.InvalidQueryParameterValue("$select", text, $"'{part}' is not a property of this resource.");
            names.Add(name);
        }

        return [.. names];
    }
}
