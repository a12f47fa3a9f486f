using MathNet.Numerics;

namespace Parity.Federation.Privacy;

/// <summary>
/// Rényi differential privacy of the sampled Gaussian mechanism: each record takes part with probability q, and the sum
/// of the clipped contributions gets Gaussian noise of standard deviation σ·clip (σ the noise multiplier). RDP of order
/// α is log(A_α)/(α − 1), where A_α is the α-th moment of the privacy loss, computed as in Mironov, Talwar and Zhang,
/// "Rényi Differential Privacy of the Sampled Gaussian Mechanism" (2019): a finite binomial sum for integer orders
/// (§3.2), and two alternating series with erfc weights for fractional ones (§3.3). Everything is in log space, so
/// moments far beyond double range still compose. Pure functions; the accountant composes them.
/// </summary>
public static class SampledGaussianRdp
{
    /// <summary>RDP of order <paramref name="order"/> after <paramref name="steps"/> compositions of one sampled Gaussian step.</summary>
    public static double Rdp(double q, double noiseMultiplier, double order, long steps = 1)
    {
        if (q is < 0 or > 1 || double.IsNaN(q)) throw new ArgumentOutOfRangeException(nameof(q), q, "the sampling rate must be in [0, 1]");
        if (noiseMultiplier < 0 || double.IsNaN(noiseMultiplier))
            throw new ArgumentOutOfRangeException(nameof(noiseMultiplier), noiseMultiplier, "the noise multiplier must not be negative");
        if (!(order > 1)) throw new ArgumentOutOfRangeException(nameof(order), order, "an RDP order must be above 1");
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (q == 0 || steps == 0) return 0;
        if (noiseMultiplier == 0 || double.IsPositiveInfinity(order)) return double.PositiveInfinity;
        // Without sampling the mechanism is the plain Gaussian one, whose RDP is exact.
        if (q == 1) return steps * order / (2 * noiseMultiplier * noiseMultiplier);
        var logA = order == Math.Floor(order) ? LogAIntegerOrder(q, noiseMultiplier, (int)Math.Min(order, int.MaxValue))
            : LogAFractionalOrder(q, noiseMultiplier, order);
        return steps * logA / (order - 1);
    }

    /// <summary>log A_α for integer α: Σ_k C(α,k) (1−q)^(α−k) q^k exp((k² − k)/(2σ²)).</summary>
    private static double LogAIntegerOrder(double q, double sigma, int alpha)
    {
        var logA = double.NegativeInfinity;
        for (var k = 0; k <= alpha; k++)
        {
            var term = LogBinomial(alpha, k) + k * Math.Log(q) + (alpha - k) * Math.Log(1 - q) + (k * (double)k - k) / (2 * sigma * sigma);
            logA = LogAdd(logA, term);
        }
        return logA;
    }

    /// <summary>
    /// log A_α for fractional α: the moment splits at z₀ = σ² ln(1/q − 1) + 1/2 into two series over i ≥ 0 (j = α − i),
    /// each term a real binomial coefficient (its sign alternates once i passes α), a power of q and 1 − q, a Gaussian
    /// moment and an erfc tail weight. The terms fall off fast; the sum stops once both are below e^−30 past i = α.
    /// </summary>
    private static double LogAFractionalOrder(double q, double sigma, double alpha)
    {
        double positive0 = double.NegativeInfinity, negative0 = double.NegativeInfinity;
        double positive1 = double.NegativeInfinity, negative1 = double.NegativeInfinity;
        var z0 = sigma * sigma * Math.Log(1 / q - 1) + 0.5;
        var logAbsCoefficient = 0.0;  // log |C(α, 0)|
        var negative = false;
        for (var i = 0; ; i++)
        {
            if (i > 0)
            {
                var factor = (alpha - (i - 1)) / i;
                logAbsCoefficient += Math.Log(Math.Abs(factor));
                if (factor < 0) negative = !negative;
            }
            var j = alpha - i;
            var log0 = logAbsCoefficient + i * Math.Log(q) + j * Math.Log(1 - q)
                       + (i * (double)i - i) / (2 * sigma * sigma) + Math.Log(0.5) + LogErfc((i - z0) / (Math.Sqrt(2) * sigma));
            var log1 = logAbsCoefficient + j * Math.Log(q) + i * Math.Log(1 - q)
                       + (j * j - j) / (2 * sigma * sigma) + Math.Log(0.5) + LogErfc((z0 - j) / (Math.Sqrt(2) * sigma));
            if (negative)
            {
                negative0 = LogAdd(negative0, log0);
                negative1 = LogAdd(negative1, log1);
            }
            else
            {
                positive0 = LogAdd(positive0, log0);
                positive1 = LogAdd(positive1, log1);
            }
            if (i > alpha && Math.Max(log0, log1) < -30) break;
            if (i > 100_000) throw new InvalidOperationException($"the RDP series for order {alpha} (q={q}, σ={sigma}) did not converge");
        }
        return LogAdd(LogSubtract(positive0, negative0), LogSubtract(positive1, negative1));
    }

    private static double LogBinomial(int n, int k) =>
        SpecialFunctions.GammaLn(n + 1.0) - SpecialFunctions.GammaLn(k + 1.0) - SpecialFunctions.GammaLn(n - k + 1.0);

    /// <summary>log(erfc(x)), accurate where erfc(x) underflows (x above ~26): there its asymptotic series.</summary>
    internal static double LogErfc(double x)
    {
        if (x < 20) return Math.Log(SpecialFunctions.Erfc(x));
        var r = 1 / (x * x);
        return -x * x - Math.Log(x) - 0.5 * Math.Log(Math.PI) + Math.Log(1 - 0.5 * r + 0.75 * r * r - 1.875 * r * r * r + 6.5625 * r * r * r * r);
    }

    internal static double LogAdd(double a, double b)
    {
        if (double.IsNegativeInfinity(a)) return b;
        if (double.IsNegativeInfinity(b)) return a;
        var max = Math.Max(a, b);
        return max + Math.Log(Math.Exp(a - max) + Math.Exp(b - max));
    }

    /// <summary>log(e^a − e^b) for a ≥ b; the series' partial sums never go negative, so a &lt; b is a bug.</summary>
    internal static double LogSubtract(double a, double b)
    {
        if (double.IsNegativeInfinity(b)) return a;
        if (b > a) throw new InvalidOperationException("log of a negative difference in the RDP series");
        if (b == a) return double.NegativeInfinity;
        return a + Math.Log(-double.ExpM1(b - a));
    }
}
