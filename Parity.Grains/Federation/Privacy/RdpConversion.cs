namespace Parity.Federation.Privacy;

/// <summary>
/// From RDP at several orders to (ε, δ)-DP: ε = min over α of RDP(α) + log((α − 1)/α) − (log δ + log α)/(α − 1), the
/// conversion of Balle et al., "Hypothesis Testing Interpretations and Renyi Differential Privacy" (2020, Theorem 21),
/// which is never looser than the classic RDP(α) + log(1/δ)/(α − 1) of Mironov (2017).
/// </summary>
public static class RdpConversion
{
    public static (double Epsilon, double Order) Epsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        if (orders.Count != rdp.Count || orders.Count == 0) throw new ArgumentException("one RDP value per order, and at least one order");
        if (!(delta is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(delta), delta, "δ must be in (0, 1)");
        // Zero at every order is a mechanism that reveals nothing (nothing was sampled): 0-DP, which the bound below,
        // loose by log terms, would not say.
        if (rdp.All(r => r == 0)) return (0, orders[0]);
        var best = (Epsilon: double.PositiveInfinity, Order: double.NaN);
        for (var i = 0; i < orders.Count; i++)
        {
            var alpha = orders[i];
            if (!(alpha > 1) || double.IsNaN(rdp[i]) || rdp[i] < 0) throw new ArgumentException($"order {alpha} with RDP {rdp[i]} is not valid");
            if (double.IsPositiveInfinity(rdp[i])) continue;
            var epsilon = rdp[i] + Math.Log((alpha - 1) / alpha) - (Math.Log(delta) + Math.Log(alpha)) / (alpha - 1);
            if (epsilon < best.Epsilon) best = (epsilon, alpha);
        }
        return best.Epsilon < 0 ? (0, best.Order) : best;
    }
}
