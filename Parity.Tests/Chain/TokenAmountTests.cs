using System.Globalization;
using System.Numerics;
using Parity.Chain;

namespace Parity.Tests.Chain;

/// <summary>Exact decimal text ↔ token units, both ways, and every form of amount that must be refused.</summary>
public class TokenAmountTests
{
    private static BigInteger Big(string digits) => BigInteger.Parse(digits, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("10.5", 18, "10500000000000000000")]
    [InlineData("10.5", 6, "10500000")]
    [InlineData("0.000001", 6, "1")]
    [InlineData("0.000000000000000001", 18, "1")]
    [InlineData("1234.567891234567891234", 18, "1234567891234567891234")]
    [InlineData("7", 0, "7")]
    [InlineData(" 7 ", 0, "7")]
    [InlineData("007.50", 1, "75")]
    [InlineData("1.50", 1, "15")]                 // fractional zeros beyond the token's places change nothing
    [InlineData("2.000000000000000000000", 6, "2000000")]
    [InlineData("99999999999999999999999999", 18, "99999999999999999999999999000000000000000000")]
    public void Parse_gives_the_exact_units(string text, int decimals, string units) =>
        Assert.Equal(Big(units), TokenAmount.Parse(text, decimals, "--amount"));

    [Fact]
    public void The_largest_uint256_is_accepted_and_one_more_unit_is_not()
    {
        var max = TokenAmount.Format(TokenAmount.MaxUnits, 18);
        Assert.Equal(TokenAmount.MaxUnits, TokenAmount.Parse(max, 18, "--amount"));
        Assert.Equal(TokenAmount.MaxUnits, TokenAmount.Parse(TokenAmount.MaxUnits.ToString(CultureInfo.InvariantCulture), 0, "--amount"));

        var error = Assert.Throws<TokenAmountException>(() =>
            TokenAmount.Parse((TokenAmount.MaxUnits + 1).ToString(CultureInfo.InvariantCulture), 0, "--amount"));
        Assert.Contains("2^256 - 1 units", error.Message);
        // A whole number that fits at 0 decimals overflows once the token's places are added to it.
        Assert.Throws<TokenAmountException>(() => TokenAmount.Parse(TokenAmount.MaxUnits.ToString(CultureInfo.InvariantCulture), 6, "--amount"));
    }

    [Fact]
    public void Very_long_text_is_refused_without_reading_it_all_into_a_number()
    {
        var error = Assert.Throws<TokenAmountException>(() => TokenAmount.Parse(new string('9', 100_000), 18, "--amount"));
        Assert.Contains("more than any token amount can be", error.Message);
    }

    [Theory]
    [InlineData("1.0000001", 6, "--amount: at most 6 decimal places (the token has 6 decimals), got '1.0000001'")]
    [InlineData("0.0000000000000000001", 18, "--amount: at most 18 decimal places (the token has 18 decimals)")]
    [InlineData("1.5", 0, "--amount: the token has 0 decimals, so an amount is a whole number")]
    [InlineData("-1", 18, "--amount must be more than 0, got '-1'")]
    [InlineData("-0.5", 6, "must be more than 0")]
    [InlineData("0", 18, "must be more than 0")]
    [InlineData("0.000", 6, "must be more than 0")]
    [InlineData("000", 6, "must be more than 0")]
    [InlineData("", 18, "--amount is empty")]
    [InlineData("   ", 18, "--amount is empty")]
    [InlineData("1e18", 18, "exponent forms like 1e18 are not accepted")]
    [InlineData("1E5", 18, "exponent forms")]
    [InlineData("1.5e3", 18, "exponent forms")]
    [InlineData("2e-3", 18, "exponent forms")]
    [InlineData("abc", 18, "plain digits like 10 or 10.5, got 'abc'")]
    [InlineData("1,5", 18, "plain digits")]
    [InlineData("1 000", 18, "plain digits")]
    [InlineData("+5", 18, "plain digits")]
    [InlineData(".5", 18, "plain digits")]
    [InlineData("5.", 18, "plain digits")]
    [InlineData("1.2.3", 18, "plain digits")]
    [InlineData("0x10", 18, "plain digits")]
    [InlineData("١٢", 18, "plain digits")]          // Arabic-Indic digits: digits, but not ASCII ones
    [InlineData("NaN", 18, "plain digits")]
    [InlineData("Infinity", 18, "plain digits")]
    [InlineData("e", 18, "plain digits")]
    public void Refused_amounts_say_why_naming_the_option(string text, int decimals, string message)
    {
        var error = Assert.Throws<TokenAmountException>(() => TokenAmount.Parse(text, decimals, "--amount"));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void CheckForm_refuses_what_is_malformed_whatever_the_token_and_accepts_the_rest()
    {
        Assert.Throws<TokenAmountException>(() => TokenAmount.CheckForm("abc", "--amount"));
        Assert.Throws<TokenAmountException>(() => TokenAmount.CheckForm("0", "--amount"));
        Assert.Throws<TokenAmountException>(() => TokenAmount.CheckForm("-2", "--amount"));
        // Places and size depend on the token: checked once its decimals are known, not here.
        TokenAmount.CheckForm("1.0000000000000000000000001", "--amount");
        TokenAmount.CheckForm(new string('9', 200), "--amount");
    }

    [Theory]
    [InlineData("0", 18, "0")]
    [InlineData("1", 18, "0.000000000000000001")]
    [InlineData("10500000000000000000", 18, "10.5")]
    [InlineData("1000000", 6, "1")]
    [InlineData("1234567", 6, "1.234567")]
    [InlineData("123", 0, "123")]
    [InlineData("-1500000", 6, "-1.5")]
    public void Format_writes_exact_text_without_trailing_zeros(string units, int decimals, string text) =>
        Assert.Equal(text, TokenAmount.Format(Big(units), decimals));

    [Fact]
    public void Format_and_Parse_are_inverse_for_any_amount_and_decimals()
    {
        var random = new Random(16);
        foreach (var decimals in new[] { 0, 1, 6, 8, 18, 36, 77, 255 })
            for (var i = 0; i < 200; i++)
            {
                var bytes = new byte[random.Next(1, 33)];
                random.NextBytes(bytes);
                var units = new BigInteger(bytes, isUnsigned: true);
                if (units.IsZero) continue;
                Assert.Equal(units, TokenAmount.Parse(TokenAmount.Format(units, decimals), decimals, "--amount"));
            }
    }
}
