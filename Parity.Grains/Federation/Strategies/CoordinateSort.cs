namespace Parity.Federation.Strategies;

/// <summary>
/// The shared loop of the coordinate-wise robust statistics: for every coordinate, gather the participants' deltas,
/// sort them, and reduce the sorted values to one step. Sorting by value makes the result independent of update
/// order by construction.
/// </summary>
internal static class CoordinateSort
{
    public static Dictionary<string, double[]> Reduce(RoundInput input, Func<double[], double> reduce)
    {
        var step = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var column = new double[input.Count];
        foreach (var key in input.Keys)
        {
            var length = input.Global[key].Length;
            var result = new double[length];
            for (var j = 0; j < length; j++)
            {
                for (var i = 0; i < column.Length; i++)
                    column[i] = input.Updates[i].Delta[key][j];
                Array.Sort(column);
                result[j] = reduce(column);
            }
            step[key] = result;
        }
        return step;
    }
}
