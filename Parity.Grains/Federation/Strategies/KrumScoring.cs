namespace Parity.Federation.Strategies;

/// <summary>
/// Krum scoring (Blanchard et al. 2017), shared by <see cref="Krum"/> and <see cref="MultiKrum"/>. With n updates of
/// which at most f are malicious, an update's score is the sum of its squared Euclidean distances (over all weight
/// keys) to its n − f − 2 nearest other updates; honest updates cluster, so they score low.
/// </summary>
internal static class KrumScoring
{
    /// <summary>
    /// Indexes into <see cref="RoundInput.Updates"/> ordered best first: by ascending score, ties to the lower
    /// PartIndex (the updates are already in PartIndex order and the sort is stable).
    /// </summary>
    public static int[] Rank(string strategy, RoundInput input, int numMalicious)
    {
        var n = input.Count;
        // The guarantee needs n > 2f + 2; it also keeps n − f − 2 ≥ 1 so every score has a neighbour.
        if ((long)n <= 2L * numMalicious + 2)
            throw new ArgumentException(
                $"{strategy} needs more than 2·num_malicious + 2 updates: got {n} with num_malicious = {numMalicious} " +
                $"(needs at least {2L * numMalicious + 3})",
                "updates");

        var distances = new double[n, n];
        for (var a = 0; a < n; a++)
        {
            for (var b = a + 1; b < n; b++)
            {
                var sum = 0.0;
                foreach (var key in input.Keys)
                {
                    var x = input.Updates[a].Delta[key];
                    var y = input.Updates[b].Delta[key];
                    for (var j = 0; j < x.Length; j++)
                    {
                        var d = (double)x[j] - y[j];
                        sum += d * d;
                    }
                }
                distances[a, b] = sum;
                distances[b, a] = sum;
            }
        }

        var neighbours = n - numMalicious - 2;
        var scores = new double[n];
        var row = new double[n - 1];
        for (var a = 0; a < n; a++)
        {
            var k = 0;
            for (var b = 0; b < n; b++)
                if (b != a)
                    row[k++] = distances[a, b];
            Array.Sort(row);
            var score = 0.0;
            for (var i = 0; i < neighbours; i++)
                score += row[i];
            scores[a] = score;
        }

        var order = Enumerable.Range(0, n).ToArray();
        // OrderBy is a stable sort, so equal scores keep PartIndex order.
        return order.OrderBy(i => scores[i]).ToArray();
    }
}
