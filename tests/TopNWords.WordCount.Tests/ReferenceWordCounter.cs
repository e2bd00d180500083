using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>
/// A deliberately simple implementation of the counting rule, for differential tests: decode the whole
/// text to a string, split on Python's whitespace, strip punctuation, count in a dictionary.
/// </summary>
internal static class ReferenceWordCounter
{
    public const string PythonWhitespace =
        "\u0009\u000A\u000B\u000C\u000D\u001C\u001D\u001E\u001F\u0020\u0085\u00A0\u1680" +
        "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";

    public const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>
    /// Every word of the concatenation of <paramref name="inputs"/> in order, with its count, in order of first
    /// occurrence: each input's leading BOM dropped, and a line break between inputs so that no word spans two.
    /// </summary>
    public static List<(string Word, long Count)> CountConcatenation(IEnumerable<byte[]> inputs)
    {
        var bom = new byte[] { 0xEF, 0xBB, 0xBF };
        var joined = new List<byte>();
        foreach (byte[] input in inputs)
        {
            joined.AddRange(input.AsSpan().StartsWith(bom) ? input[3..] : input);
            joined.Add((byte)'\n');
        }

        return CountAll(joined.ToArray());
    }

    /// <summary>Every word with its count, in order of first occurrence.</summary>
    public static List<(string Word, long Count)> CountAll(byte[] utf8)
    {
        var (all, _, distinct) = Count(utf8, int.MaxValue, replaceInvalid: false, sortByCount: false);
        Assert.That(all, Has.Count.EqualTo(distinct));
        return all;
    }

    /// <summary>The top <paramref name="topN"/> of a first-occurrence-ordered table: by count, ties in table order.</summary>
    public static List<(string Word, long Count)> Top(List<(string Word, long Count)> table, int topN) =>
        table.OrderByDescending(e => e.Count).Take(topN).ToList();

    public static (List<(string Word, long Count)> Top, long Total, int Distinct) Count(byte[] utf8, int topN, bool replaceInvalid) =>
        Count(utf8, topN, replaceInvalid, sortByCount: true);

    private static (List<(string Word, long Count)> Top, long Total, int Distinct) Count(byte[] utf8, int topN, bool replaceInvalid, bool sortByCount)
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: !replaceInvalid);
        int start = utf8.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) ? 3 : 0;
        string text = encoding.GetString(utf8, start, utf8.Length - start);

        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>();
        long total = 0;
        foreach (string raw in text.Split(PythonWhitespace.ToCharArray(), StringSplitOptions.RemoveEmptyEntries))
        {
            string word = raw.Trim(AsciiPunctuation.ToCharArray());
            if (word.Length == 0)
            {
                continue;
            }

            total++;
            if (counts.TryGetValue(word, out long c))
            {
                counts[word] = c + 1;
            }
            else
            {
                counts[word] = 1;
                order.Add(word);
            }
        }

        // A stable sort by count keeps first-occurrence order among ties.
        var all = order.Select(w => (Word: w, Count: counts[w]));
        var top = (sortByCount ? all.OrderByDescending(e => e.Count) : all).Take(topN).ToList();
        return (top, total, counts.Count);
    }
}
