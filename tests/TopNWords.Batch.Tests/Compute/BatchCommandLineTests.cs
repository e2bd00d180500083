using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Compute;

[TestFixture]
public class BatchCommandLineTests
{
    [TestCase("plain", "plain")]
    [TestCase("has space", "'has space'")]
    [TestCase("it's", "'it'\\''s'")]
    [TestCase("", "''")]
    [TestCase("$(rm -rf /)", "'$(rm -rf /)'")]
    [TestCase("a/b-c_d.e:f=g", "a/b-c_d.e:f=g")]
    public void Quote_Argument_IsQuotedOnlyWhenNeeded(string argument, string expected)
    {
        Assert.That(BatchCommandLine.Quote(argument), Is.EqualTo(expected));
    }

    [TestCase("-n 3 $(echo hi).txt")]
    [TestCase("it's \"quoted\" `tick` \\back\\ $HOME *.txt ~")]
    [TestCase("données été 日本.txt")]
    [TestCase("tab\tand\nnewline")]
    [TestCase("")]
    [TestCase("'")]
    [TestCase("''''")]
    public void Split_OfJoin_GivesTheArgumentsBack(string tricky)
    {
        string[] args = ["/bin/sh", "-c", "exec \"$@\"", "sh", tricky, "--numwords", "3"];

        var split = BatchCommandLine.Split(BatchCommandLine.Join(args));

        Assert.That(split, Is.EqualTo(args));
    }

    [Test]
    public void Split_ShellQuoting_FollowsPosixRules()
    {
        var split = BatchCommandLine.Split("a  'b c' \"d \\\"e\\\" \\$f \\n\" g\\ h 'i'\"j\" $HOME");

        Assert.That(split, Is.EqualTo(new[] { "a", "b c", "d \"e\" $f \\n", "g h", "ij", "$HOME" }));
    }

    [TestCase("echo 'unclosed")]
    [TestCase("echo \"unclosed")]
    [TestCase("echo trailing\\")]
    public void Split_Malformed_Throws(string commandLine)
    {
        Assert.Throws<FormatException>(() => BatchCommandLine.Split(commandLine));
    }
}
