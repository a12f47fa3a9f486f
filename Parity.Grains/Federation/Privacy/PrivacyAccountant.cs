namespace Parity.Federation.Privacy;

/// <summary>
/// Adds up the privacy a session spends, round after round, as RDP at a fixed set of orders (RDP composes by addition),
/// and says the ε spent at a δ. Every round is one sampled Gaussian step: a fraction q of the participants (or records)
/// contribute, each clipped, and the sum gets noise of multiplier σ.
/// </summary>
public sealed class PrivacyAccountant
{
    /// <summary>Fine steps near 1 (where small-ε, many-round budgets find their optimum), then integers to 64, then 128 and 256.</summary>
    public static IReadOnlyList<double> DefaultOrders { get; } =
        [.. Enumerable.Range(1, 99).Select(x => 1 + x / 10.0), .. Enumerable.Range(11, 54).Select(x => (double)x), 128, 256];

    private readonly double[] _rdp;

    public PrivacyAccountant(IReadOnlyList<double>? orders = null)
    {
        Orders = orders ?? DefaultOrders;
        _rdp = new double[Orders.Count];
    }

    public IReadOnlyList<double> Orders { get; }

    /// <summary>The RDP spent so far at each of <see cref="Orders"/>.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    public void Spend(double q, double noiseMultiplier, long steps = 1)
    {
        for (var i = 0; i < Orders.Count; i++) _rdp[i] += SampledGaussianRdp.Rdp(q, noiseMultiplier, Orders[i], steps);
    }

    /// <summary>The ε the steps so far cost at <paramref name="delta"/>, and the order that gives it.</summary>
    public (double Epsilon, double Order) Epsilon(double delta) => RdpConversion.Epsilon(Orders, _rdp, delta);
}
