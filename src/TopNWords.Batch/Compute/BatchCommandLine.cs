using System.Text;

namespace TopNWords.Batch.Compute;

/// <summary>
/// Command lines as Batch runs them on Linux nodes: split into words with POSIX shell quoting rules,
/// with no variable expansion, globbing or other shell features unless the command line invokes a shell.
/// </summary>
public static class BatchCommandLine
{
    /// <summary>
    /// Quotes one argument so that <see cref="Split"/> (and <c>/bin/sh</c>) yield it back unchanged and
    /// never interpret it: single quotes, with each <c>'</c> written as <c>'\''</c>.
    /// </summary>
    /// <param name="argument">The argument.</param>
    /// <returns>The quoted argument.</returns>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Length > 0 && argument.All(IsSafeUnquoted))
        {
            return argument;
        }

        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins arguments into one command line, quoting each as needed.</summary>
    /// <param name="arguments">The arguments; the first is the program.</param>
    /// <returns>The command line.</returns>
    public static string Join(IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return string.Join(' ', arguments.Select(Quote));
    }

    /// <summary>
    /// Splits a command line into words: whitespace separates words; <c>'…'</c> keeps everything
    /// literally; <c>"…"</c> keeps everything but <c>\"</c>, <c>\\</c>, <c>\$</c> and <c>\`</c> escapes;
    /// outside quotes <c>\</c> escapes the next character. Nothing is expanded.
    /// </summary>
    /// <param name="commandLine">The command line.</param>
    /// <returns>The words.</returns>
    /// <exception cref="FormatException">A quote is not closed, or the line ends with a lone backslash.</exception>
    public static IReadOnlyList<string> Split(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        int i = 0;
        while (i < commandLine.Length)
        {
            char c = commandLine[i];
            if (c is ' ' or '\t' or '\n' or '\r')
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                i++;
                continue;
            }

            inWord = true;
            if (c == '\'')
            {
                int end = commandLine.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException($"The command line has an unclosed single quote at {i}: {commandLine}");
                }

                current.Append(commandLine, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= commandLine.Length)
                    {
                        throw new FormatException($"The command line has an unclosed double quote: {commandLine}");
                    }

                    char d = commandLine[i];
                    if (d == '"')
                    {
                        i++;
                        break;
                    }

                    if (d == '\\' && i + 1 < commandLine.Length && commandLine[i + 1] is '"' or '\\' or '$' or '`')
                    {
                        current.Append(commandLine[i + 1]);
                        i += 2;
                        continue;
                    }

                    current.Append(d);
                    i++;
                }
            }
            else if (c == '\\')
            {
                if (i + 1 >= commandLine.Length)
                {
                    throw new FormatException($"The command line ends with a lone backslash: {commandLine}");
                }

                current.Append(commandLine[i + 1]);
                i += 2;
            }
            else
            {
                current.Append(c);
                i++;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private static bool IsSafeUnquoted(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or ':' or '=' or '+' or ',' or '@' or '%';
}
