using Parity.Chain;

namespace Parity.Tests.Chain;

/// <summary>Private keys as users type them, and the secp256k1 range they must fall in.</summary>
public class PrivateKeyTextTests
{
    private const string CurveOrder = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

    [Theory]
    [InlineData("0x" + "00000000000000000000000000000000000000000000000000000000000000ff")]
    [InlineData("  00000000000000000000000000000000000000000000000000000000000000FF\n")]
    [InlineData("0X00000000000000000000000000000000000000000000000000000000000000ff")]
    public void Accepts_64_hex_digits_with_or_without_0x_and_surrounding_space(string text)
    {
        var key = PrivateKeyText.Parse(text, "the key");
        Assert.Equal(32, key.Length);
        Assert.Equal(0xff, key[31]);
        Assert.All(key[..31], b => Assert.Equal(0, b));
    }

    [Fact]
    public void The_largest_key_below_the_curve_order_is_valid_and_the_order_itself_is_not()
    {
        Assert.Equal(32, PrivateKeyText.Parse(CurveOrder[..^1] + "0", "the key").Length);
        var error = Assert.Throws<IdentityException>(() => PrivateKeyText.Parse(CurveOrder, "the key"));
        Assert.Contains("curve order", error.Message);
        Assert.DoesNotContain(CurveOrder, error.Message);
    }

    [Fact]
    public void Errors_name_the_source_and_never_the_text()
    {
        var text = "0x" + new string('g', 64);
        var error = Assert.Throws<IdentityException>(() => PrivateKeyText.Parse(text, "--private-key-file k.txt"));
        Assert.StartsWith("--private-key-file k.txt", error.Message);
        Assert.DoesNotContain("gggg", error.Message);
    }

    [Fact]
    public void The_keystore_refuses_a_scrypt_cost_that_protects_nothing()
    {
        Assert.Throws<ArgumentException>(() => new RunnerKeystore("/tmp/k.json", new() { N = 512, R = 8, P = 1, Dklen = 32 }));
        Assert.Throws<ArgumentException>(() => new RunnerKeystore("/tmp/k.json", new() { N = 3000, R = 8, P = 1, Dklen = 32 }));
    }
}
