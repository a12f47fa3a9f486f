using System.Numerics;

namespace Parity.Chain;

/// <summary>The token as the chain describes it: its address, its <c>symbol()</c> and its <c>decimals()</c>, which every
/// amount shown or parsed uses (never an assumed 18).</summary>
public sealed record ChainToken(string Address, string Symbol, int Decimals)
{
    /// <summary>Units as exact text with the symbol: <c>10.5 PRTY</c>.</summary>
    public string Format(BigInteger units) => $"{TokenAmount.Format(units, Decimals)} {Symbol}";
}
