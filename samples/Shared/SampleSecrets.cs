namespace TopNWords.Samples;

/// <summary>
/// Where a sample gets a secret (a key, a connection string): a file named on the command line (<c>-</c> for
/// standard input), else an environment variable; never the command line itself, which any user of the machine
/// can read (<c>/proc/&lt;pid&gt;/cmdline</c>, <c>ps</c>). Errors name the file, never its content.
/// </summary>
internal static class SampleSecrets
{
    /// <summary>
    /// Reads the secret: from <paramref name="file"/> when given (the whole file, or standard input for <c>-</c>,
    /// without its trailing line break), else from the environment variable <paramref name="variable"/>.
    /// </summary>
    /// <param name="file">The file option's value, or <see langword="null"/> when the option is not given.</param>
    /// <param name="fileOption">The file option's name, for errors.</param>
    /// <param name="variable">The environment variable read when there is no file.</param>
    /// <param name="what">What the secret is, for errors, such as "storage connection string".</param>
    /// <param name="secret">The secret, or <see langword="null"/> when neither the file nor the variable gives one.</param>
    /// <returns><see langword="false"/> after printing an error when the file cannot be read or is empty.</returns>
    public static bool TryRead(string? file, string fileOption, string variable, string what, out string? secret)
    {
        secret = null;
        if (file is null)
        {
            string? value = Environment.GetEnvironmentVariable(variable);
            secret = string.IsNullOrWhiteSpace(value) ? null : value;
            return true;
        }

        string source = file == "-" ? "standard input" : $"'{file}'";
        string text;
        try
        {
            text = file == "-" ? Console.In.ReadToEnd() : File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The exception's message names the path at most; the file's content is never read into it.
            Console.Error.WriteLine($"error: {fileOption}: cannot read the {what} from {source}: {ex.Message}");
            return false;
        }

        text = text.TrimEnd('\r', '\n');
        if (string.IsNullOrWhiteSpace(text))
        {
            Console.Error.WriteLine($"error: {fileOption}: {source} holds no {what}.");
            return false;
        }

        secret = text;
        return true;
    }
}
