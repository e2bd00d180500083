using System.Globalization;
using System.Text;

namespace TopNWords.Samples.Service.Tests;

/// <summary>Input files for the tests.</summary>
internal static class Inputs
{
    public static readonly string[] Vocabulary = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];

    /// <summary>The tutorial's three files (from the test output's testdata folder).</summary>
    public static string TutorialFolder => Path.Combine(AppContext.BaseDirectory, "testdata", "tutorial");

    /// <summary>The top three words of each tutorial file, as the end-to-end tests of the library know them.</summary>
    public static readonly Dictionary<string, string> TutorialTopThree = new(StringComparer.Ordinal)
    {
        ["taskdata1.txt"] = "to 18, and 17, you 14",
        ["taskdata2.txt"] = "Storage 11, for 8, data 7",
        ["taskdata3.txt"] = "the 10, of 8, and 6",
    };

    /// <summary>Writes <paramref name="count"/> small files into <paramref name="folder"/>: file i repeats word i % 8 most often.</summary>
    /// <returns>The expected top word of each file, by file name.</returns>
    public static Dictionary<string, string> WriteMany(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(15);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            for (int k = 0; k < 50; k++)
            {
                text.Append(Vocabulary[i % 8]).Append(' ');
            }

            for (int k = 0; k < 40; k++)
            {
                text.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(' ');
            }

            string name = string.Create(CultureInfo.InvariantCulture, $"part{i:D2}.txt");
            File.WriteAllText(Path.Combine(folder, name), text.ToString());
            expected[name] = Vocabulary[i % 8];
        }

        return expected;
    }

    /// <summary>A multipart form with each file of <paramref name="folder"/> in field <c>files</c>, and <c>numWords</c>.</summary>
    public static MultipartFormDataContent Upload(string folder, int numWords)
    {
        var form = new MultipartFormDataContent();
        foreach (string file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            form.Add(new ByteArrayContent(File.ReadAllBytes(file)), "files", Path.GetFileName(file));
        }

        form.Add(new StringContent(numWords.ToString(CultureInfo.InvariantCulture)), "numWords");
        return form;
    }
}
