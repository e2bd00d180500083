using System.Collections.Concurrent;
using System.Text;

namespace TopNWords.WordCount.Benchmarks;

/// <summary>
/// The benchmark inputs, made the same way in every process (fixed seeds), so that the throughput column
/// in the host process can size the input that a benchmark process counted.
/// </summary>
public static class BenchmarkInputs
{
    /// <summary>ASCII prose: the King James Bible (4.3 MB).</summary>
    public const string Kjv = "kjv";

    /// <summary>Cyrillic, Greek, CJK, accented Latin and emoji words with multi-byte separators (about 4 MB).</summary>
    public const string Unicode = "unicode";

    /// <summary>Random words, nearly all distinct (about 4 MB).</summary>
    public const string Distinct = "distinct";

    /// <summary>Eight tokens of 512 KiB each, four of them repeats (4 MB).</summary>
    public const string LongTokens = "longtokens";

    private const int TargetSize = 4 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, byte[]> Cache = new();

    public static byte[] Get(string name) => Cache.GetOrAdd(name, static n => n switch
    {
        Kjv => LoadKjv(),
        Unicode => MakeUnicode(),
        Distinct => MakeDistinct(),
        LongTokens => MakeLongTokens(),
        _ => throw new ArgumentException($"Unknown input '{n}'.", nameof(name)),
    });

    /// <summary>
    /// <c>kjvbible.txt</c> from <c>$TOPNWORDS_KJV</c>, or from <c>shared/data/</c> in a folder above this
    /// one (the repository's sibling <c>shared/</c>); without it, the tutorial files repeated to 4 MiB.
    /// </summary>
    private static byte[] LoadKjv()
    {
        string? path = Environment.GetEnvironmentVariable("TOPNWORDS_KJV");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); path is null && dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", "kjvbible.txt");
            if (File.Exists(candidate))
            {
                path = candidate;
            }
        }

        if (path is not null)
        {
            return File.ReadAllBytes(path);
        }

        Console.Error.WriteLine("kjvbible.txt not found (set TOPNWORDS_KJV): using the tutorial files instead.");
        var text = new StringBuilder();
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string tutorial = Path.Combine(dir.FullName, "testdata", "tutorial");
            if (Directory.Exists(tutorial))
            {
                string all = string.Concat(Directory.GetFiles(tutorial).Order(StringComparer.Ordinal).Select(File.ReadAllText));
                while (text.Length < TargetSize)
                {
                    text.Append(all);
                }

                return Encoding.UTF8.GetBytes(text.ToString());
            }
        }

        throw new FileNotFoundException("Neither kjvbible.txt nor testdata/tutorial was found; set TOPNWORDS_KJV.");
    }

    private static byte[] MakeUnicode()
    {
        string[] alphabets =
        [
            "абвгдежзийклмнопрстуфхцчшщыьэюяАБВГДЕ",
            "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔ",
            "日本語文字漢字中国人大小山川水火木金土月",
            "éèêëàâäôöûüçñßøåæ",
            "😀🚀🌍🎉🧪📚",
        ];
        string[] separators = [" ", " ", " ", " ", " ", "\n", "\u3000", "\u00A0", "\u2009", "\u2028", "\u0085"];
        string[] wraps = ["", "", "", "", ",", ".", "«»", "“”", "(", ")"];
        var random = new Random(11);
        var vocabulary = new string[5000];
        for (int v = 0; v < vocabulary.Length; v++)
        {
            var runes = alphabets[random.Next(alphabets.Length)].EnumerateRunes().ToArray();
            var word = new StringBuilder();
            for (int k = random.Next(2, 9); k > 0; k--)
            {
                word.Append(runes[random.Next(runes.Length)].ToString());
            }

            vocabulary[v] = word.ToString();
        }

        return MakeText(random, vocabulary, separators, wraps);
    }

    private static byte[] MakeDistinct()
    {
        var random = new Random(13);
        var text = new StringBuilder(TargetSize + 64);
        while (text.Length < TargetSize)
        {
            for (int k = random.Next(6, 13); k > 0; k--)
            {
                text.Append((char)('a' + random.Next(26)));
            }

            text.Append(random.Next(12) == 0 ? '\n' : ' ');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static byte[] MakeLongTokens()
    {
        const int TokenLength = 512 * 1024;
        var random = new Random(17);
        var tokens = new string[4];
        for (int t = 0; t < tokens.Length; t++)
        {
            var token = new StringBuilder(TokenLength);
            while (token.Length < TokenLength)
            {
                token.Append(random.Next(50) == 0 ? 'é' : (char)('a' + random.Next(26)));
            }

            tokens[t] = token.ToString();
        }

        var text = new StringBuilder();
        foreach (int t in (int[])[0, 1, 2, 3, 2, 0, 3, 1])
        {
            text.Append('"').Append(tokens[t]).Append("\",\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Words drawn with a skew towards the first ones, roughly as in natural text.</summary>
    private static byte[] MakeText(Random random, string[] vocabulary, string[] separators, string[] wraps)
    {
        var text = new StringBuilder(TargetSize + 64);
        int bytes = 0;
        while (bytes < TargetSize)
        {
            double r = random.NextDouble();
            string word = vocabulary[(int)(vocabulary.Length * r * r * r)];
            string wrap = wraps[random.Next(wraps.Length)];
            string piece = wrap.Length == 2 ? $"{wrap[0]}{word}{wrap[1]}" : word + wrap;
            string separator = separators[random.Next(separators.Length)];
            text.Append(piece).Append(separator);
            bytes += Encoding.UTF8.GetByteCount(piece) + Encoding.UTF8.GetByteCount(separator);
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
