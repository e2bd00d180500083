using System.Globalization;
using System.Text;
using TopNWords.WordCount;

namespace TopNWords.Batch.Conformance.Testing;

/// <summary>The reference for the corpus top N, and generated corpora for its tests.</summary>
public static class CorpusReference
{
    /// <summary>
    /// The top words of the concatenation of <paramref name="files"/> in order (each file's UTF-8 BOM dropped, a line break
    /// between files), counted in one pass as one text: what a merge of the files' count files must give.
    /// </summary>
    /// <param name="files">The files, in input order.</param>
    /// <param name="n">How many top words.</param>
    /// <returns>The top words.</returns>
    public static List<TopWord> TopWords(IEnumerable<string> files, int n)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var concatenation = new MemoryStream();
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            int start = bytes.AsSpan().StartsWith((byte[])[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            concatenation.Write(bytes, start, bytes.Length - start);
            concatenation.WriteByte((byte)'\n');
        }

        return [.. WordCounter.Count(concatenation.ToArray(), n).TopWords.Select(w => new TopWord(w.Word, w.Count))];
    }

    /// <summary>Shows top words as <c>word count, word count</c>, for assertions that print well.</summary>
    /// <param name="words">The words.</param>
    /// <returns>The text.</returns>
    public static string Show(IEnumerable<TopWord> words) =>
        string.Join(", ", words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}")));

    /// <summary>Writes <paramref name="count"/> small files (<c>file0000.txt</c>…) of 20 words from a small vocabulary with many ties.</summary>
    /// <param name="folder">The folder (created).</param>
    /// <param name="count">How many files.</param>
    /// <param name="seed">The random seed.</param>
    /// <returns>The folder.</returns>
    public static string WriteSmallFiles(string folder, int count, int seed)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        string[] vocabulary = ["in", "the", "beginning", "god", "created", "heaven", "and", "earth", "light", "day", "night", "été"];
        for (int i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            for (int w = 0; w < 20; w++)
            {
                text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(w % 7 == 6 ? '\n' : ' ');
            }

            File.WriteAllText(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"file{i:D4}.txt")), text.ToString());
        }

        return folder;
    }
}
