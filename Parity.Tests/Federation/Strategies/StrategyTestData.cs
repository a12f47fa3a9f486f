using Parity.Federation.Strategies;

namespace Parity.Tests.Federation.Strategies;

/// <summary>Small builders and the shared fixtures of the strategy tests; every expected value is worked out by hand in the tests.</summary>
internal static class StrategyTestData
{
    public static Dictionary<string, float[]> Weights(params (string Key, float[] Values)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Values, StringComparer.Ordinal);

    public static ClientUpdate Update(int part, long samples, params (string Key, float[] Values)[] delta) =>
        new(part, Weights(delta), samples);

    /// <summary>One key "w", for the one-key tests.</summary>
    public static ClientUpdate W(int part, long samples, params float[] delta) => Update(part, samples, ("w", delta));

    public static Dictionary<string, float[]> GlobalW(params float[] values) => Weights(("w", values));

    /// <summary>
    /// Four honest updates around (1.5, 1.5) and one attacker at (1000, −1000), one sample each, over two keys "a" and
    /// "b" of one value each, from a global of a = 0, b = 0:
    /// part 0 (1, 1), part 1 (1, 2), part 2 (2, 1), part 3 (2, 2), part 4 (1000, −1000).
    /// </summary>
    public static IReadOnlyList<ClientUpdate> Poisoned() =>
    [
        Update(0, 1, ("a", [1f]), ("b", [1f])),
        Update(1, 1, ("a", [1f]), ("b", [2f])),
        Update(2, 1, ("a", [2f]), ("b", [1f])),
        Update(3, 1, ("a", [2f]), ("b", [2f])),
        Update(4, 1, ("a", [1000f]), ("b", [-1000f])),
    ];

    public static Dictionary<string, float[]> PoisonedGlobal() => Weights(("a", [0f]), ("b", [0f]));

    /// <summary>The same updates in a different order (a caller that forgot to sort).</summary>
    public static IReadOnlyList<ClientUpdate> Shuffled(IReadOnlyList<ClientUpdate> updates)
    {
        // A fixed permutation, not a random one: reverse, then rotate by one.
        var reversed = updates.Reverse().ToList();
        return reversed.Skip(1).Append(reversed[0]).ToList();
    }

    /// <summary>
    /// Every byte of a result (global, state, used, rejected) in a fixed order, to check bit-for-bit equality.
    /// </summary>
    public static byte[] Bytes(AggregationResult result)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        void Write(IReadOnlyDictionary<string, float[]> map)
        {
            writer.Write(map.Count);
            foreach (var (key, values) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(values.Length);
                foreach (var value in values)
                    writer.Write(value);
            }
        }
        Write(result.Global);
        Write(result.State.Buffers);
        writer.Write(result.State.Round);
        writer.Write(result.Used.Count);
        foreach (var part in result.Used)
            writer.Write(part);
        writer.Write(result.Rejected.Count);
        foreach (var rejection in result.Rejected)
        {
            writer.Write(rejection.PartIndex);
            writer.Write(rejection.Reason);
        }
        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Checks the expected values element by element, to <paramref name="precision"/> decimal places.</summary>
    public static void Close(double[] expected, float[] actual, int precision = 5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i], precision);
    }
}
