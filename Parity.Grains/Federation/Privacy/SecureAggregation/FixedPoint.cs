using System.Globalization;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Real updates in the ring Z_{2^32}, where masks are uniform and cancel exactly. A value x in [−clip, clip] becomes
/// round(x·2^f) (f fractional bits, ties to even), stored as its two's complement in a uint; words add with wrap-around,
/// and a sum of up to <see cref="MaxSummands"/> encodings is read back as a signed 32-bit integer divided by 2^f.
/// <para>
/// Error bound: the scale is a power of two, so x·2^f and the final division are exact in double arithmetic and the
/// only error is the rounding of each summand, at most 1/2 unit. For a sum of n summands every decoded coordinate is
/// within <c>n / 2^(f+1)</c> (<see cref="ErrorBound"/>) of the exact sum of the float inputs. The ring holds the sum
/// without ambiguity because n·round(clip·2^f) ≤ 2^31 − 1 is checked up front for n = <see cref="MaxSummands"/>.
/// </para>
/// </summary>
public sealed class FixedPoint
{
    /// <summary>The largest magnitude a signed sum may reach and still decode: 2^31 − 1.</summary>
    private const long RingHalf = int.MaxValue;

    /// <param name="clipRange">Every encoded value must lie in [−clipRange, clipRange]; clip the update before.</param>
    /// <param name="fractionalBits">f: the scale is 2^f, the resolution 2^−f.</param>
    /// <param name="maxSummands">The most encodings one sum may add up (the round's participant count).</param>
    public FixedPoint(double clipRange, int fractionalBits, int maxSummands)
    {
        if (!(clipRange > 0) || !double.IsFinite(clipRange))
            throw new ArgumentOutOfRangeException(nameof(clipRange), clipRange, "fixed point: clipRange must be a finite number > 0");
        if (fractionalBits is < 0 or > 30)
            throw new ArgumentOutOfRangeException(nameof(fractionalBits), fractionalBits, "fixed point: fractionalBits must be between 0 and 30");
        if (maxSummands < 1) throw new ArgumentOutOfRangeException(nameof(maxSummands), maxSummands, "fixed point: maxSummands must be ≥ 1");
        var largest = LargestMagnitude(clipRange, fractionalBits);
        if (largest > RingHalf / maxSummands)
            throw new ArgumentException(
                $"fixed point: a sum of {maxSummands} values of up to ±{clipRange.ToString(CultureInfo.InvariantCulture)} at {fractionalBits} fractional bits " +
                $"overflows the 32-bit ring; use fewer fractional bits (at most {WidestFractionalBits(clipRange, maxSummands)})", nameof(fractionalBits));
        ClipRange = clipRange;
        FractionalBits = fractionalBits;
        MaxSummands = maxSummands;
        Scale = Math.ScaleB(1, fractionalBits);
    }

    /// <summary>The finest encoding whose sums of <paramref name="maxSummands"/> values still fit the ring.</summary>
    /// <exception cref="ArgumentException">Not even whole units fit (clipRange·maxSummands ≥ 2^31).</exception>
    public static FixedPoint Finest(double clipRange, int maxSummands)
    {
        if (!(clipRange > 0) || !double.IsFinite(clipRange))
            throw new ArgumentOutOfRangeException(nameof(clipRange), clipRange, "fixed point: clipRange must be a finite number > 0");
        if (maxSummands < 1) throw new ArgumentOutOfRangeException(nameof(maxSummands), maxSummands, "fixed point: maxSummands must be ≥ 1");
        var bits = WidestFractionalBits(clipRange, maxSummands);
        if (bits < 0)
            throw new ArgumentException(
                $"fixed point: a sum of {maxSummands} values of up to ±{clipRange.ToString(CultureInfo.InvariantCulture)} does not fit the 32-bit ring even in whole units",
                nameof(clipRange));
        return new FixedPoint(clipRange, bits, maxSummands);
    }

    public double ClipRange { get; }
    public int FractionalBits { get; }
    public int MaxSummands { get; }

    /// <summary>2^<see cref="FractionalBits"/>.</summary>
    public double Scale { get; }

    /// <summary>The most a decoded sum of <paramref name="summands"/> encodings can differ from the exact sum, per coordinate: n / 2^(f+1).</summary>
    public double ErrorBound(int summands) => summands / (2 * Scale);

    /// <exception cref="ArgumentOutOfRangeException">A value is not finite or lies outside [−clip, clip]; the message names its coordinate.</exception>
    public uint[] Encode(ReadOnlySpan<float> values)
    {
        var words = new uint[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            double value = values[i];
            if (!(Math.Abs(value) <= ClipRange))
                throw new ArgumentOutOfRangeException(nameof(values), values[i],
                    $"update[{i}] = {values[i].ToString("R", CultureInfo.InvariantCulture)} is outside the clip range " +
                    $"[−{ClipRange.ToString(CultureInfo.InvariantCulture)}, {ClipRange.ToString(CultureInfo.InvariantCulture)}]");
            // Exact: a float times a power of two is a double without rounding; Math.Round then rounds once.
            words[i] = unchecked((uint)(int)Math.Round(value * Scale, MidpointRounding.ToEven));
        }
        return words;
    }

    /// <summary>The real sum of <paramref name="summands"/> encodings whose ring sum is <paramref name="sum"/>.</summary>
    public double[] DecodeSum(ReadOnlySpan<uint> sum, int summands)
    {
        if (summands < 1 || summands > MaxSummands)
            throw new ArgumentOutOfRangeException(nameof(summands), summands, $"fixed point: a sum decodes for 1 to {MaxSummands} summands");
        var values = new double[sum.Length];
        // The signed reading is the true integer sum, as its magnitude is below 2^31 by the constructor's check.
        for (var i = 0; i < sum.Length; i++) values[i] = unchecked((int)sum[i]) / Scale;
        return values;
    }

    private static long LargestMagnitude(double clipRange, int fractionalBits)
    {
        var scaled = Math.Round(clipRange * Math.ScaleB(1, fractionalBits), MidpointRounding.ToEven);
        return scaled >= RingHalf ? RingHalf + 1 : (long)scaled;
    }

    /// <summary>The largest f with maxSummands·round(clip·2^f) ≤ 2^31 − 1, or −1 when none.</summary>
    private static int WidestFractionalBits(double clipRange, int maxSummands)
    {
        for (var bits = 30; bits >= 0; bits--)
            if (LargestMagnitude(clipRange, bits) <= RingHalf / maxSummands) return bits;
        return -1;
    }
}
