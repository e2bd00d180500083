using System.Globalization;

namespace TopNWords.Batch;

/// <summary>Reads the task runner's output file back into a <see cref="TopWordsOutput"/>.</summary>
public static class TopWordsOutputParser
{
    private const string Dashes = "------------------------------";
    private const string InputsPrefix = "Inputs: ";

    /// <summary>Parses the text of a <c>*_OUTPUT*</c> file.</summary>
    /// <param name="text">The file's text.</param>
    /// <param name="sourceName">The file's name, for error messages.</param>
    /// <returns>The parsed output.</returns>
    /// <exception cref="FormatException">The text is not in the task runner's format; the message names the file and line.</exception>
    public static TopWordsOutput Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Split('\n');
        int n = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        int i = 0;

        Expect(lines, n, i++, "Word\tCount", sourceName);
        Expect(lines, n, i++, Dashes, sourceName);
        var words = new List<TopWord>();
        while (i < n && lines[i] != Dashes)
        {
            string line = lines[i];
            int tab = line.LastIndexOf('\t');
            if (tab < 1 || line[tab - 1] != ':' || !long.TryParse(line.AsSpan(tab + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long count))
            {
                throw Error(sourceName, i, $"expected 'word:<TAB>count', found '{line}'");
            }

            words.Add(new TopWord(line[..(tab - 1)], count));
            i++;
        }

        Expect(lines, n, i++, Dashes, sourceName);
        string node = Field(lines, n, i++, "Node: ", sourceName);
        string task = Field(lines, n, i++, "Task: ", sourceName);
        string job = Field(lines, n, i++, "Job:  ", sourceName);
        string pool = Field(lines, n, i++, "Pool: ", sourceName);

        // A merge of count files (the runner's --merge) says how many inputs its top N covers.
        int? inputs = null;
        if (i < n && lines[i].StartsWith(InputsPrefix, StringComparison.Ordinal))
        {
            if (!int.TryParse(lines[i].AsSpan(InputsPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                throw Error(sourceName, i, $"expected 'Inputs: <count>', found '{lines[i]}'");
            }

            inputs = count;
            i++;
        }

        if (i != n)
        {
            throw Error(sourceName, i, $"unexpected text after the '{(inputs is null ? "Pool:" : "Inputs:")}' line");
        }

        return new TopWordsOutput(words.ToArray(), node, task, job, pool) { InputCount = inputs };
    }

    private static void Expect(string[] lines, int n, int i, string expected, string sourceName)
    {
        if (i >= n || lines[i] != expected)
        {
            throw Error(sourceName, i, $"expected '{expected.Replace("\t", "<TAB>", StringComparison.Ordinal)}', found {(i >= n ? "the end of the file" : $"'{lines[i]}'")}");
        }
    }

    private static string Field(string[] lines, int n, int i, string prefix, string sourceName)
    {
        if (i >= n || !lines[i].StartsWith(prefix, StringComparison.Ordinal))
        {
            throw Error(sourceName, i, $"expected a line starting with '{prefix}'");
        }

        return lines[i][prefix.Length..];
    }

    private static FormatException Error(string sourceName, int lineIndex, string what) =>
        new($"'{sourceName}' is not a task runner output file: line {lineIndex + 1}: {what}.");
}
