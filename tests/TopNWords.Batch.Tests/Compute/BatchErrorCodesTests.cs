using System.Reflection;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Compute;

[TestFixture]
public class BatchErrorCodesTests
{
    [Test]
    public void Constants_EachValue_IsTheServiceSpellingOfItsName()
    {
        FieldInfo[] codes = typeof(BatchErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static);

        Assert.That(codes, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (FieldInfo code in codes)
            {
                Assert.That(code.IsLiteral, Is.True, code.Name);
                Assert.That(code.GetRawConstantValue(), Is.EqualTo(code.Name), code.Name);
            }
        });
    }
}
