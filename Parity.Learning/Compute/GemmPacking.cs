using System.Runtime.CompilerServices;

namespace Parity.Learning.Compute;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel order the micro-kernels stream through, zero-padding the last
/// panel so that the kernels never need a partial case.
/// </summary>
internal static class GemmPacking
{
    /// <summary>
    /// One <paramref name="mr"/>-row panel of op(A): rows <paramref name="row0"/>.. (at most mr of them, fewer at the
    /// edge), columns <paramref name="col0"/>..+<paramref name="kc"/>, written as <c>dest[p·mr + i]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackAPanel(ReadOnlySpan<float> a, int lda, bool transposed, int row0, int rows, int col0, int kc,
        int mr, Span<float> dest)
    {
        dest = dest[..(kc * mr)];
        if (rows < mr) dest.Clear();
        if (transposed)
        {
            // op(A)[i, p] = a[p, i]: each p reads `rows` consecutive values.
            for (var p = 0; p < kc; p++)
                a.Slice((col0 + p) * lda + row0, rows).CopyTo(dest.Slice(p * mr, rows));
        }
        else
        {
            for (var i = 0; i < rows; i++)
            {
                var source = a.Slice((row0 + i) * lda + col0, kc);
                for (var p = 0; p < kc; p++) dest[p * mr + i] = source[p];
            }
        }
    }

    /// <summary>
    /// One <paramref name="nr"/>-column panel of op(B): rows <paramref name="row0"/>..+<paramref name="kc"/>, columns
    /// <paramref name="col0"/>.. (at most nr, fewer at the edge), written as <c>dest[p·nr + j]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBPanel(ReadOnlySpan<float> b, int ldb, bool transposed, int row0, int kc, int col0, int cols,
        int nr, Span<float> dest)
    {
        dest = dest[..(kc * nr)];
        if (cols < nr) dest.Clear();
        if (transposed)
        {
            // op(B)[p, j] = b[j, p]: each column j of op(B) is a contiguous row of b.
            for (var j = 0; j < cols; j++)
            {
                var source = b.Slice((col0 + j) * ldb + row0, kc);
                for (var p = 0; p < kc; p++) dest[p * nr + j] = source[p];
            }
        }
        else
        {
            for (var p = 0; p < kc; p++)
                b.Slice((row0 + p) * ldb + col0, cols).CopyTo(dest.Slice(p * nr, cols));
        }
    }
}
