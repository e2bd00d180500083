using System.Text;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Runs <c>/bin/sh -c 'exec WORD… "$@"' NAME ARG…</c>, the form task command lines take to expand an environment
/// variable in the program's path (as the word-count workflow's tasks do), without the shell: the words are expanded
/// here, exactly as the shell would, from the task's environment, and the program runs directly with the arguments
/// after <c>NAME</c>. One process start less per task (the shell's), which is most of a short task's cost.
/// </summary>
/// <remarks>
/// Only a script the shell would run the same way is taken: <c>exec</c>, then words made of unquoted characters that
/// the shell leaves alone (letters, digits, <c>_ . / : = @ % + , -</c>), single-quoted text, and double-quoted text
/// with <c>$NAME</c> or <c>${NAME}</c>, and at most a last word <c>"$@"</c>; words separated by spaces. Anything else
/// (another command, <c>;</c>, <c>&amp;&amp;</c>, an unquoted variable, globbing, <c>$1</c>, a missing program, a file
/// that is neither an executable nor a <c>#!</c> script) goes to the shell as written, so its errors and exit codes stay the shell's.
/// </remarks>
internal static class ShellExecShortcut
{
    private const string Shell = "/bin/sh";

    /// <summary>
    /// The command line to run instead of <paramref name="arguments"/>, or <see langword="null"/> to run it as it is.
    /// </summary>
    /// <param name="arguments">The command line, program first.</param>
    /// <param name="environment">The process's environment (what the shell would expand the variables from).</param>
    /// <param name="workingDirectory">The working directory (where a relative program path is taken from).</param>
    /// <returns>The program's full path and its arguments, or <see langword="null"/>.</returns>
    public static IReadOnlyList<string>? TryUnwrap(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        if (!OperatingSystem.IsLinux() || arguments.Count < 3 || arguments[0] != Shell || arguments[1] != "-c")
        {
            return null;
        }

        if (ParseExec(arguments[2], environment) is not { } parsed || parsed.Words.Count == 0 || parsed.Words[0].Length == 0)
        {
            return null;
        }

        string? program = LocalProcessRunner.ResolveProgram(parsed.Words[0], workingDirectory, environment.GetValueOrDefault("PATH"));
        if (program is null || OperatingSystem.IsWindows() || !IsDirectlyExecutable(program))
        {
            return null; // the shell's own message and exit code (127, 126)
        }

        var result = new List<string>(parsed.Words.Count + arguments.Count) { program };
        result.AddRange(parsed.Words.Skip(1));
        if (parsed.PassArguments)
        {
            result.AddRange(arguments.Skip(4)); // "$@": the arguments after $0 (arguments[3])
        }

        return result;
    }

    /// <summary>Parses <c>exec WORD… ["$@"]</c>, expanding the variables; <see langword="null"/> when the script is anything else.</summary>
    internal static (List<string> Words, bool PassArguments)? ParseExec(string script, IReadOnlyDictionary<string, string> environment)
    {
        const string Exec = "exec ";
        if (!script.StartsWith(Exec, StringComparison.Ordinal))
        {
            return null;
        }

        var words = new List<string>();
        bool passArguments = false;
        int i = Exec.Length;
        while (true)
        {
            while (i < script.Length && script[i] == ' ')
            {
                i++;
            }

            if (i == script.Length)
            {
                return (words, passArguments);
            }

            if (passArguments)
            {
                return null; // "$@" is the last word only
            }

            if (string.CompareOrdinal(script, i, "\"$@\"", 0, 4) == 0 && (i + 4 == script.Length || script[i + 4] == ' '))
            {
                passArguments = true;
                i += 4;
                continue;
            }

            var word = new StringBuilder();
            while (i < script.Length && script[i] != ' ')
            {
                char c = script[i];
                if (c == '\'')
                {
                    int end = script.IndexOf('\'', i + 1);
                    if (end < 0)
                    {
                        return null;
                    }

                    word.Append(script, i + 1, end - i - 1);
                    i = end + 1;
                }
                else if (c == '"')
                {
                    i++;
                    while (i < script.Length && script[i] != '"')
                    {
                        char d = script[i];
                        if (d == '$')
                        {
                            if (ReadVariable(script, ref i) is not { } name)
                            {
                                return null;
                            }

                            word.Append(environment.GetValueOrDefault(name));
                        }
                        else if (d is '\\' or '`')
                        {
                            return null;
                        }
                        else
                        {
                            word.Append(d);
                            i++;
                        }
                    }

                    if (i == script.Length)
                    {
                        return null; // unterminated
                    }

                    i++;
                }
                else if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or '=' or '@' or '%' or '+' or ',' or '-')
                {
                    word.Append(c);
                    i++;
                }
                else
                {
                    return null; // $ unquoted (split), globbing, operators, tabs, newlines, ~, \ ...
                }
            }

            words.Add(word.ToString());
        }
    }

    /// <summary>Reads <c>$NAME</c> or <c>${NAME}</c> at <paramref name="i"/> (a <c>$</c>), moving past it; <see langword="null"/> for anything else (<c>$1</c>, <c>$@</c>, <c>${x:-y}</c>...).</summary>
    private static string? ReadVariable(string script, ref int i)
    {
        int start = i + 1;
        bool braced = start < script.Length && script[start] == '{';
        if (braced)
        {
            start++;
        }

        int end = start;
        while (end < script.Length && (char.IsAsciiLetterOrDigit(script[end]) || script[end] == '_'))
        {
            end++;
        }

        if (end == start || char.IsAsciiDigit(script[start]))
        {
            return null;
        }

        if (braced)
        {
            if (end == script.Length || script[end] != '}')
            {
                return null;
            }

            i = end + 1;
        }
        else
        {
            i = end;
        }

        return script[start..end];
    }

    /// <summary>An executable file the kernel runs itself (ELF, or a <c>#!</c> script); the shell would run anything else as a script.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static bool IsDirectlyExecutable(string path)
    {
        try
        {
            if ((File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            {
                return false;
            }

            Span<byte> head = stackalloc byte[4];
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int read = RandomAccess.Read(file, head, 0);
            return (read >= 4 && head.SequenceEqual("\u007fELF"u8)) || (read >= 2 && head[..2].SequenceEqual("#!"u8));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
