using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Compute;

[TestFixture]
public class BatchIdRulesTests
{
    [TestCase("a")]
    [TestCase("pool-1_A")]
    [TestCase("0123456789012345678901234567890123456789012345678901234567890123")]
    public void IsValid_LettersDigitsHyphensUnderscoresUpTo64_IsTrue(string id)
    {
        Assert.That(BatchIdRules.IsValid(id), Is.True);
        Assert.That(BatchIdRules.Validate("pool", id), Is.Null);
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("has space")]
    [TestCase("dot.ted")]
    [TestCase("café")]
    [TestCase("01234567890123456789012345678901234567890123456789012345678901234")]
    public void IsValid_AnythingElse_IsFalseAndValidateSaysWhy(string? id)
    {
        Assert.That(BatchIdRules.IsValid(id), Is.False);
        Assert.That(BatchIdRules.Validate("job", id), Does.Contain("job id"));
    }

    [Test]
    public void ThrowIfInvalid_InvalidId_ThrowsInvalidRequestWithTheServiceCode()
    {
        var ex = Assert.Throws<BatchComputeException>(() => BatchIdRules.ThrowIfInvalid("task", "a/b"));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
        Assert.That(ex.ErrorCode, Is.EqualTo("InvalidPropertyValue"));
        Assert.That(ex.Message, Does.Contain("'a/b'"));
    }
}
