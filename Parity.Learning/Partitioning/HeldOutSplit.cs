namespace Parity.Learning.Partitioning;

/// <summary>
/// A participant's held-out rows for federated evaluation: a fraction of its part it never trains on, on which it
/// scores the global model it receives. The split is a pure function of the part's labels, the fraction, the session
/// seed and the participant's index, so a participant computes the same rows every round (and after a restart), and the
/// session knows how many rows each participant holds out from the part's size alone (<see cref="Size"/>).
/// </summary>
public static class HeldOutSplit
{
    /// <summary>Far from the partitioner's streams (1 to 4, and 2³² + k for overlaps), so no draw is shared with them.</summary>
    private const long StreamBase = 3L << 32;

    /// <summary>
    /// Rows held out of a part of <paramref name="rows"/> rows: <c>⌈fraction · rows⌉</c>, so at least one. Fixed by the
    /// part's size alone, not by its classes, so the session can check every participant's counts without its data.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside (0, 0.5], or the part has fewer than 2 rows.</exception>
    public static int Size(int rows, double fraction)
    {
        CheckFraction(fraction);
        if (rows < 2)
            throw new ArgumentOutOfRangeException(nameof(rows), rows,
                "a part needs at least 2 rows to hold one out and train on the rest");
        // The small tolerance keeps 0.1 · 30 (3.0000000000000004 in binary) at 3 instead of 4.
        var size = (int)Math.Ceiling(fraction * rows - 1e-9);
        return Math.Clamp(size, 1, rows - 1);
    }

    /// <summary>
    /// The rows of a part to train on and to hold out, each ascending. With <paramref name="stratified"/> (classifiers)
    /// each class gives its share of the held-out rows, the shares rounded by largest remainder so they add up to
    /// <see cref="Size"/>; otherwise the held-out rows are drawn from the whole part.
    /// </summary>
    /// <param name="labels">The part's labels; class values for a classifier.</param>
    /// <param name="seed">The session seed (every participant has the same).</param>
    /// <param name="partIndex">The participant's part: it picks this participant's own stream of draws.</param>
    public static (int[] Train, int[] HeldOut) Select(ReadOnlySpan<float> labels, double fraction, long seed, int partIndex, bool stratified)
    {
        var size = Size(labels.Length, fraction);
        var random = new SeededRandom(seed, StreamBase + partIndex);
        var heldOut = new List<int>(size);
        if (!stratified)
        {
            var order = Enumerable.Range(0, labels.Length).ToArray();
            random.Shuffle(order.AsSpan());
            heldOut.AddRange(order.AsSpan(0, size));
        }
        else
        {
            // Classes in ascending label order, so the shares and the draws do not depend on the rows' order.
            var classes = new SortedDictionary<float, List<int>>();
            for (var i = 0; i < labels.Length; i++)
            {
                var label = labels[i] == 0 ? 0f : labels[i];
                if (!classes.TryGetValue(label, out var rows)) classes[label] = rows = [];
                rows.Add(i);
            }
            var groups = classes.Values.ToList();
            var shares = Shares(groups.Select(g => g.Count).ToArray(), size);
            for (var c = 0; c < groups.Count; c++)
            {
                var rows = groups[c].ToArray();
                random.Shuffle(rows.AsSpan());
                heldOut.AddRange(rows.AsSpan(0, shares[c]));
            }
        }
        var held = new bool[labels.Length];
        foreach (var row in heldOut) held[row] = true;
        var train = new int[labels.Length - size];
        var taken = 0;
        for (var i = 0; i < labels.Length; i++)
            if (!held[i]) train[taken++] = i;
        heldOut.Sort();
        return (train, heldOut.ToArray());
    }

    /// <summary>
    /// Splits <paramref name="total"/> over classes in proportion to their counts: each gets the whole part of its exact
    /// share, and the rows left go one each to the largest remainders (ties to the lower class).
    /// </summary>
    public static int[] Shares(int[] counts, int total)
    {
        var rows = counts.Sum();
        var shares = new int[counts.Length];
        var remainders = new double[counts.Length];
        for (var c = 0; c < counts.Length; c++)
        {
            var exact = (double)total * counts[c] / rows;
            shares[c] = Math.Min(counts[c], (int)Math.Floor(exact + 1e-9));
            remainders[c] = exact - shares[c];
        }
        var left = total - shares.Sum();
        foreach (var c in Enumerable.Range(0, counts.Length).OrderByDescending(c => remainders[c]).ThenBy(c => c))
        {
            if (left == 0) break;
            if (shares[c] >= counts[c]) continue;
            shares[c]++;
            left--;
        }
        return shares;
    }

    private static void CheckFraction(double fraction)
    {
        if (!(fraction > 0 && fraction <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the held-out fraction must be in (0, 0.5]");
    }
}
