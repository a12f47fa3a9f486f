using System.Globalization;
using System.Numerics;
using Parity.Tasks;

namespace Parity.Chain;

/// <summary>
/// What a completed task earns, in tokens, exactly: the creator's <c>reward</c> when it set one (more than 0), else the
/// upstream's metered formula (UPSTREAM.md §11) over the result's metrics,
/// <c>1.2 × (cpu_seconds·1e-5 + memory_gb_hours·5e-5 + storage_gb·1e-4 + network_data_gb·1e-4 + cycles/1e6·1e-6)</c>,
/// at least 0.0001, computed in <see cref="decimal"/> (the metrics arrive as doubles; each is taken to decimal once) and
/// cut to 8 decimal places, the upstream's reward column (decimal 20,8).
/// </summary>
public static class RewardFormula
{
    public const decimal Minimum = 0.0001m;
    public const int Places = 8;

    // A metric beyond this is not a measurement (a year of a million cores is 3e13 cpu-seconds): it is capped, so no
    // result can overflow the arithmetic or earn without bound.
    private const double MetricCap = 1e13;

    public static (decimal Tokens, string Basis) Of(ParityTask task, TaskResult result) =>
        task.Reward > 0 ? (task.Reward, "task") : (Metered(result), "metered");

    public static decimal Metered(TaskResult result)
    {
        var sum = Metric(result.CpuSeconds) * 0.00001m
                  + Metric(result.MemoryGbHours) * 0.00005m
                  + Metric(result.StorageGb) * 0.0001m
                  + Metric(result.NetworkDataGb) * 0.0001m
                  + Math.Max(0L, result.EstimatedCycles) / 1_000_000m * 0.000001m;
        var reward = decimal.Round(1.2m * sum, Places, MidpointRounding.ToZero);
        return reward < Minimum ? Minimum : reward;
    }

    /// <summary>A metric as a decimal: not a number, infinite or negative counts as 0, and it is capped.</summary>
    private static decimal Metric(double value) =>
        double.IsNaN(value) || value <= 0 ? 0m : (decimal)Math.Min(value, MetricCap);

    /// <summary>
    /// <paramref name="tokens"/> in units of a token with <paramref name="decimals"/> decimals, exactly, by shifting its
    /// decimal digits (no float); places beyond the token's are cut, so never more than was earned is paid.
    /// </summary>
    public static BigInteger Units(decimal tokens, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        var text = tokens.ToString(CultureInfo.InvariantCulture);
        var point = text.IndexOf('.');
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        fraction = fraction.Length >= decimals ? fraction[..decimals] : fraction.PadRight(decimals, '0');
        return BigInteger.Parse(whole + fraction, NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
