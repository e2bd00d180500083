using System.Globalization;

namespace TopNWords.Batch;

/// <summary>Reads the task runner's output file back into a <see cref="TopWordsOutput"/>.</summary>
public static class TopWordsOutputParser
{
    private const string Header = "Word\tCount";
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
        var strings = default(NewStrings);
        return Parse(text, sourceName, ref strings);
    }

    /// <summary>
    /// Parses the text of a <c>*_OUTPUT*</c> file, line by line over <paramref name="text"/>: the only strings made are the
    /// ones <paramref name="strings"/> gives for the words and the four name lines (which may be strings it holds already).
    /// Lines are what <c>text.Split('\n')</c> gives, without the empty one after a final line break.
    /// </summary>
    internal static TopWordsOutput Parse<TStrings>(ReadOnlySpan<char> text, string sourceName, ref TStrings strings)
        where TStrings : struct, IOutputStrings
    {
        var lines = new LineReader(text);
        Expect(ref lines, Header, sourceName);
        Expect(ref lines, Dashes, sourceName);
        var words = new List<TopWord>();
        while (true)
        {
            if (!lines.TryNext(out var line))
            {
                throw Error(sourceName, lines.Index, $"expected '{Dashes}', found the end of the file");
            }

            if (line.SequenceEqual(Dashes))
            {
                break;
            }

            int tab = line.LastIndexOf('\t');
            if (tab < 1 || line[tab - 1] != ':' || !long.TryParse(line[(tab + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out long count))
            {
                throw Error(sourceName, lines.Index - 1, $"expected 'word:<TAB>count', found '{line}'");
            }

            words.Add(new TopWord(strings.Word(line[..(tab - 1)]), count));
        }

        string node = strings.Field(Field(ref lines, "Node: ", sourceName), OutputField.Node);
        string task = strings.Field(Field(ref lines, "Task: ", sourceName), OutputField.Task);
        string job = strings.Field(Field(ref lines, "Job:  ", sourceName), OutputField.Job);
        string pool = strings.Field(Field(ref lines, "Pool: ", sourceName), OutputField.Pool);

        // A merge of count files (the runner's --merge) says how many inputs its top N covers.
        int? inputs = null;
        bool more = lines.TryNext(out var next);
        if (more && next.StartsWith(InputsPrefix, StringComparison.Ordinal))
        {
            if (!int.TryParse(next[InputsPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int inputCount))
            {
                throw Error(sourceName, lines.Index - 1, $"expected 'Inputs: <count>', found '{next}'");
            }

            inputs = inputCount;
            more = lines.TryNext(out _);
        }

        if (more)
        {
            throw Error(sourceName, lines.Index - 1, $"unexpected text after the '{(inputs is null ? "Pool:" : "Inputs:")}' line");
        }

        return new TopWordsOutput(words.ToArray(), node, task, job, pool) { InputCount = inputs };
    }

    private static void Expect(ref LineReader lines, string expected, string sourceName)
    {
        bool read = lines.TryNext(out var line);
        if (!read || !line.SequenceEqual(expected))
        {
            string found = read ? $"'{line}'" : "the end of the file";
            throw Error(sourceName, read ? lines.Index - 1 : lines.Index, $"expected '{expected.Replace("\t", "<TAB>", StringComparison.Ordinal)}', found {found}");
        }
    }

    private static ReadOnlySpan<char> Field(ref LineReader lines, string prefix, string sourceName)
    {
        bool read = lines.TryNext(out var line);
        if (!read || !line.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw Error(sourceName, read ? lines.Index - 1 : lines.Index, $"expected a line starting with '{prefix}'");
        }

        return line[prefix.Length..];
    }

    private static FormatException Error(string sourceName, int lineIndex, string what) =>
        new($"'{sourceName}' is not a task runner output file: line {lineIndex + 1}: {what}.");

    /// <summary>Makes every string a new one.</summary>
    private struct NewStrings : IOutputStrings
    {
        public readonly string Word(ReadOnlySpan<char> word) => new(word);

        public readonly string Field(ReadOnlySpan<char> value, OutputField field) => new(value);
    }

    /// <summary>The lines of a text as <c>Split('\n')</c> gives them, one at a time, without the empty one after a final line break.</summary>
    private ref struct LineReader(ReadOnlySpan<char> text)
    {
        private ReadOnlySpan<char> _rest = text;

        /// <summary>Gets the number of lines read so far: the 0-based index of the next one.</summary>
        public int Index { get; private set; }

        private bool _ended;

        public bool TryNext(out ReadOnlySpan<char> line)
        {
            if (_ended)
            {
                line = default;
                return false;
            }

            int end = _rest.IndexOf('\n');
            if (end < 0)
            {
                line = _rest;
                _rest = default;
                _ended = true;
                if (line.IsEmpty)
                {
                    return false;
                }
            }
            else
            {
                line = _rest[..end];
                _rest = _rest[(end + 1)..];
            }

            Index++;
            return true;
        }
    }
}

/// <summary>Which name line of a task runner output a value comes from.</summary>
internal enum OutputField
{
    Node,
    Task,
    Job,
    Pool,
}

/// <summary>Gives the strings a parsed task runner output keeps: new ones, or ones the caller holds already.</summary>
internal interface IOutputStrings
{
    /// <summary>A word of the top words.</summary>
    string Word(ReadOnlySpan<char> word);

    /// <summary>The value of a name line.</summary>
    string Field(ReadOnlySpan<char> value, OutputField field);
}
