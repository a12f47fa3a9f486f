using ILGPU;
using ILGPU.Runtime;

namespace Parity.Learning.Compute.Gpu;

/// <summary>
/// Single-precision GEMM on an ILGPU accelerator: <c>C = alpha · op(A) · op(B) + beta · C</c> for row-major
/// matrices, with op(A) of m × k, op(B) of k × n and C of m × n, the same contract as <see cref="CpuGemm"/>.
/// </summary>
/// <remarks>
/// <para>Each group of 16 × 16 threads computes a 128 × 128 tile of C, each thread an 8 × 8 block of it held in
/// registers. The k dimension is walked 8 at a time: the group stages an 8-deep slice of op(A) and op(B) in shared
/// memory (A transposed, so both are read along m and n), then every thread does 8 rank-1 updates of its block from
/// it. Transposed operands differ only in how the slices are loaded.</para>
/// <para>With beta = 0, C is only written (NaN in it does not propagate), as in BLAS. Not thread-safe: the host-array
/// overload reuses device buffers.</para>
/// </remarks>
public sealed class GpuGemm : IDisposable
{
    internal const int TileM = 128;
    internal const int TileN = 128;
    internal const int TileK = 8;
    internal const int GroupSide = 16;
    // Shared rows are padded so the transposing stores of a warp fall in distinct banks.
    private const int Pad = 4;
    private const int AStride = TileM + Pad;
    private const int BStride = TileN + Pad;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs> _gemm;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, GemmArgs> _scale;
    private MemoryBuffer1D<float, Stride1D.Dense>? _a, _b, _c;

    public GpuGemm(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator.MaxNumThreadsPerGroup < GroupSide * GroupSide)
            throw new NotSupportedException(
                $"{accelerator.Name} runs at most {accelerator.MaxNumThreadsPerGroup} threads per group; GpuGemm needs {GroupSide * GroupSide}");
        Accelerator = accelerator;
        _gemm = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(GemmKernel);
        _scale = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, GemmArgs>(ScaleKernel);
    }

    public Accelerator Accelerator { get; }

    /// <summary>On host arrays stored densely: copies the operands in, multiplies and copies C back.</summary>
    public void Multiply(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, float beta, Span<float> c)
    {
        var (lda, ldb, ldc) = DenseStrides(opA, opB, m, n, k);
        Check(opA, opB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;

        var av = Upload(ref _a, a);
        var bv = Upload(ref _b, b);
        var cv = beta == 0 ? Reserve(ref _c, c.Length) : Upload(ref _c, c);
        Multiply(opA, opB, m, n, k, alpha, av, lda, bv, ldb, beta, cv, ldc);
        cv.Download(c);
    }

    /// <summary>On dense device buffers (rows back to back); see the strided overload.</summary>
    public void Multiply(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        ArrayView<float> a, ArrayView<float> b, float beta, ArrayView<float> c)
    {
        var (lda, ldb, ldc) = DenseStrides(opA, opB, m, n, k);
        Multiply(opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>
    /// On device buffers, rows <paramref name="lda"/>, <paramref name="ldb"/> and <paramref name="ldc"/> apart, with
    /// no copies: queued on the accelerator's default stream, so C is ready after <c>Accelerator.Synchronize()</c> or a
    /// later copy on that stream. C must not overlap A or B.
    /// </summary>
    public void Multiply(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        ArrayView<float> a, int lda, ArrayView<float> b, int ldb, float beta, ArrayView<float> c, int ldc)
    {
        Check(opA, opB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        var args = new GemmArgs(m, n, k, lda, ldb, ldc, alpha, beta,
            opA == MatrixOp.Transpose ? 1 : 0, opB == MatrixOp.Transpose ? 1 : 0);
        var stream = Accelerator.DefaultStream;
        if (k == 0 || alpha == 0)
        {
            // op(A)·op(B) contributes nothing, and is not computed (so NaN in A or B does not reach C).
            _scale(stream, m * n, c, args);
            return;
        }
        var groups = new Index2D((n + TileN - 1) / TileN, (m + TileM - 1) / TileM);
        _gemm(stream, new KernelConfig(groups, new Index2D(GroupSide, GroupSide)), a, b, c, args);
    }

    public void Dispose()
    {
        _a?.Dispose();
        _b?.Dispose();
        _c?.Dispose();
        _a = _b = _c = null;
    }

    private static (int Lda, int Ldb, int Ldc) DenseStrides(MatrixOp opA, MatrixOp opB, int m, int n, int k) =>
        (Math.Max(1, opA == MatrixOp.None ? k : m), Math.Max(1, opB == MatrixOp.None ? n : k), Math.Max(1, n));

    private static void Check(MatrixOp opA, MatrixOp opB, int m, int n, int k,
        long aLength, int lda, long bLength, int ldb, long cLength, int ldc)
    {
        CpuGemm.CheckShapes(opA, opB, m, n, k, aLength, lda, bLength, ldb, cLength, ldc);
        if ((long)m * n > int.MaxValue) throw new ArgumentException("m × n must stay below 2³¹ elements");
    }

    private ArrayView<float> Reserve(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = Accelerator.Allocate1D<float>(Math.Max(1, length));
        }
        return buffer.View;
    }

    private ArrayView<float> Upload(ref MemoryBuffer1D<float, Stride1D.Dense>? buffer, ReadOnlySpan<float> data)
    {
        var view = Reserve(ref buffer, data.Length);
        view.Upload(data);
        return view;
    }

    internal readonly record struct GemmArgs(
        int M, int N, int K, int Lda, int Ldb, int Ldc, float Alpha, float Beta, int TransA, int TransB);

    private static void ScaleKernel(Index1D index, ArrayView<float> c, GemmArgs g)
    {
        int i = index;
        var at = (long)(i / g.N) * g.Ldc + i % g.N;
        c[at] = g.Beta == 0 ? 0 : g.Beta * c[at];
    }

    private static void GemmKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmArgs g)
    {
        var aTile = SharedMemory.Allocate<float>(TileK * AStride); // aTile[kk * AStride + row]: op(A) transposed
        var bTile = SharedMemory.Allocate<float>(TileK * BStride); // bTile[kk * BStride + col]
        int tx = Group.IdxX, ty = Group.IdxY;
        var thread = ty * GroupSide + tx;
        var row0 = Grid.IdxY * TileM;
        var col0 = Grid.IdxX * TileN;
        const int perThread = TileM * TileK / (GroupSide * GroupSide);

        var sum = default(Block8x8);
        for (var k0 = 0; k0 < g.K; k0 += TileK)
        {
            for (var p = 0; p < perThread; p++)
            {
                // Consecutive threads take consecutive elements in memory order, so global reads coalesce.
                var e = thread + p * GroupSide * GroupSide;
                int r, kk;
                if (g.TransA == 0) (r, kk) = (e / TileK, e % TileK);
                else (kk, r) = (e / TileM, e % TileM);
                int gr = row0 + r, gk = k0 + kk;
                var v = 0f;
                if (gr < g.M && gk < g.K) v = g.TransA == 0 ? a[(long)gr * g.Lda + gk] : a[(long)gk * g.Lda + gr];
                aTile[kk * AStride + r] = v;
            }
            for (var p = 0; p < perThread; p++)
            {
                var e = thread + p * GroupSide * GroupSide;
                int col, kk;
                if (g.TransB == 0) (kk, col) = (e / TileN, e % TileN);
                else (col, kk) = (e / TileK, e % TileK);
                int gc = col0 + col, gk = k0 + kk;
                var v = 0f;
                if (gc < g.N && gk < g.K) v = g.TransB == 0 ? b[(long)gk * g.Ldb + gc] : b[(long)gc * g.Ldb + gk];
                bTile[kk * BStride + col] = v;
            }
            Group.Barrier();

            for (var kk = 0; kk < TileK; kk++)
            {
                // The thread's rows are ty, ty + 16, …, its columns tx, tx + 16, …: a warp reads distinct banks.
                var left = Row8.Load(aTile, kk * AStride + ty);
                var right = Row8.Load(bTile, kk * BStride + tx);
                sum.MultiplyAdd(left, right);
            }
            Group.Barrier();
        }
        sum.Store(c, row0 + ty, col0 + tx, g);
    }

    /// <summary>Eight floats a thread keeps in registers, at a stride of <see cref="GroupSide"/> in the tile.</summary>
    private struct Row8
    {
        public float V0, V1, V2, V3, V4, V5, V6, V7;

        public static Row8 Load(ArrayView<float> tile, int at) => new()
        {
            V0 = tile[at], V1 = tile[at + GroupSide], V2 = tile[at + 2 * GroupSide], V3 = tile[at + 3 * GroupSide],
            V4 = tile[at + 4 * GroupSide], V5 = tile[at + 5 * GroupSide], V6 = tile[at + 6 * GroupSide], V7 = tile[at + 7 * GroupSide],
        };

        /// <summary>this += a · b.</summary>
        public void MultiplyAdd(float a, in Row8 b)
        {
            V0 += a * b.V0; V1 += a * b.V1; V2 += a * b.V2; V3 += a * b.V3;
            V4 += a * b.V4; V5 += a * b.V5; V6 += a * b.V6; V7 += a * b.V7;
        }

        public readonly void Store(ArrayView<float> c, int row, int col, in GemmArgs g)
        {
            if (row >= g.M) return;
            var at = (long)row * g.Ldc;
            Put(c, at, col, V0, g); Put(c, at, col + GroupSide, V1, g);
            Put(c, at, col + 2 * GroupSide, V2, g); Put(c, at, col + 3 * GroupSide, V3, g);
            Put(c, at, col + 4 * GroupSide, V4, g); Put(c, at, col + 5 * GroupSide, V5, g);
            Put(c, at, col + 6 * GroupSide, V6, g); Put(c, at, col + 7 * GroupSide, V7, g);
        }

        private static void Put(ArrayView<float> c, long rowAt, int col, float value, in GemmArgs g)
        {
            if (col >= g.N) return;
            var at = rowAt + col;
            c[at] = g.Beta == 0 ? g.Alpha * value : g.Alpha * value + g.Beta * c[at];
        }
    }

    /// <summary>A thread's 8 × 8 block of C.</summary>
    private struct Block8x8
    {
        public Row8 R0, R1, R2, R3, R4, R5, R6, R7;

        /// <summary>The rank-1 update this += left ⊗ right.</summary>
        public void MultiplyAdd(in Row8 left, in Row8 right)
        {
            R0.MultiplyAdd(left.V0, right); R1.MultiplyAdd(left.V1, right);
            R2.MultiplyAdd(left.V2, right); R3.MultiplyAdd(left.V3, right);
            R4.MultiplyAdd(left.V4, right); R5.MultiplyAdd(left.V5, right);
            R6.MultiplyAdd(left.V6, right); R7.MultiplyAdd(left.V7, right);
        }

        public readonly void Store(ArrayView<float> c, int row, int col, in GemmArgs g)
        {
            R0.Store(c, row, col, g); R1.Store(c, row + GroupSide, col, g);
            R2.Store(c, row + 2 * GroupSide, col, g); R3.Store(c, row + 3 * GroupSide, col, g);
            R4.Store(c, row + 4 * GroupSide, col, g); R5.Store(c, row + 5 * GroupSide, col, g);
            R6.Store(c, row + 6 * GroupSide, col, g); R7.Store(c, row + 7 * GroupSide, col, g);
        }
    }
}
