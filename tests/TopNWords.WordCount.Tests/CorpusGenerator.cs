using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>Random small corpora for property tests: few distinct words (many ties), non-ASCII words, Unicode whitespace,
/// punctuation-only tokens, BOMs, empty files and one-word files.</summary>
internal static class CorpusGenerator
{
    private static readonly string[] Words =
    [
        "a", "b", "the", "The", "don't", "high-performance", "é", "café", "日本", "Ünïcödé", "Привет", "😀", "x\u200By", "\uFEFFa",
        "a1", "longwordlongwordlongwordlongword", "Ω", "c",
    ];

    private static readonly string[] Decorations = ["", "", "", "(", ")", ",", ".", "\"", "'", "--", "...", "!?"];

    private static readonly string[] Separators =
        [" ", " ", " ", "\n", "\r\n", "\t", "\u00A0", "\u3000", "\u2028", "\u0085", "\u2009", "\u000B", "\u001F"];

    /// <summary>One file: empty, one word, or up to 40 tokens; sometimes with a BOM.</summary>
    public static byte[] File(Random random)
    {
        int kind = random.Next(10);
        var sb = new StringBuilder();
        if (kind == 0)
        {
            return random.Next(2) == 0 ? [] : [0xEF, 0xBB, 0xBF];
        }

        int tokens = kind == 1 ? 1 : random.Next(1, 40);
        for (int i = 0; i < tokens; i++)
        {
            if (random.Next(12) == 0)
            {
                sb.Append(Decorations[random.Next(1, Decorations.Length)]); // a punctuation-only token
            }
            else
            {
                string word = Words[random.Next(Words.Length)];
                sb.Append(Decorations[random.Next(Decorations.Length)]).Append(word).Append(Decorations[random.Next(Decorations.Length)]);
            }

            if (i + 1 < tokens || random.Next(2) == 0)
            {
                sb.Append(Separators[random.Next(Separators.Length)]);
            }
        }

        byte[] text = Encoding.UTF8.GetBytes(sb.ToString());
        return random.Next(4) == 0 ? [0xEF, 0xBB, 0xBF, .. text] : text;
    }

    public static List<byte[]> Corpus(Random random, int files)
    {
        var corpus = new List<byte[]>(files);
        for (int i = 0; i < files; i++)
        {
            corpus.Add(File(random));
        }

        return corpus;
    }
}
