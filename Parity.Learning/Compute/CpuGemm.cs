using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Parity.Learning.Compute;

/// <summary>How a GEMM operand is used: as stored, or transposed.</summary>
public enum MatrixOp
{
    None,
    Transpose,
}

/// <summary>The micro-kernel family a <see cref="CpuGemm"/> runs.</summary>
public enum GemmKernel
{
    /// <summary>Vector512 FMA, 6 × 32 tiles.</summary>
    Avx512,
    /// <summary>Vector256 FMA (AVX2 + FMA3), 6 × 16 tiles.</summary>
    Avx2,
    /// <summary>Portable <see cref="System.Numerics.Vector{T}"/>, separate multiply and add.</summary>
    Vector,
}

/// <summary>
/// Single-precision GEMM on the CPU: <c>C = alpha · op(A) · op(B) + beta · C</c> for row-major matrices, with op(A)
/// of m × k, op(B) of k × n and C of m × n.
/// </summary>
/// <remarks>
/// <para>Blocked in the usual three levels: a k-slice of op(B) (<see cref="Kc"/> rows × up to <see cref="Nc"/> columns)
/// and of op(A) are packed into contiguous, zero-padded panels; C is then computed in tiles of <see cref="Mc"/> rows ×
/// <see cref="NcTask"/> columns, in parallel, each tile sweeping register-blocked micro-kernels over one B panel kept
/// in L1 and the A block kept in L2.</para>
/// <para>Results do not depend on the thread count: which kernel computes an element, and in which order its k terms
/// are summed (in order within each k-slice, slices added in order), is fixed by the shape alone. With beta = 0, C is
/// only written (NaN in it does not propagate), as in BLAS.</para>
/// <para>Thread-safe: an instance holds only its settings.</para>
/// </remarks>
public sealed class CpuGemm
{
    /// <summary>Depth of a k-slice: a B micro-panel is Kc × Nr floats (32 KiB for AVX-512), kept in L1.</summary>
    internal const int Kc = 256;

    /// <summary>Columns of op(B) packed at once.</summary>
    internal const int Nc = 4096;

    /// <summary>Rows of op(A) packed at once (bounds the packing buffer to 4 MiB).</summary>
    internal const int McChunk = 4096;

    /// <summary>Rows of a parallel task, sized so the task's A block (Mc × Kc) stays in L2.</summary>
    internal const int Mc = 96;

    /// <summary>Columns of a parallel task.</summary>
    internal const int NcTask = 256;

    /// <summary>Up to this many multiply-adds (m·n·k), a plain loop beats packing.</summary>
    internal const long SmallWork = 16 * 1024;

    /// <summary>Below this many multiply-adds, handing work to other threads costs more than it saves.</summary>
    internal const long ParallelWork = 1L << 22;

    public static CpuGemm Default { get; } = new();

    /// <param name="threads">Most threads one multiplication uses; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    /// <param name="kernel">The micro-kernel; null picks the widest the CPU supports.</param>
    public CpuGemm(int threads = 0, GemmKernel? kernel = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        Kernel = kernel ?? BestKernel();
        if (!IsSupported(Kernel))
            throw new PlatformNotSupportedException($"the {Kernel} GEMM kernel is not supported on this CPU");
    }

    public int Threads { get; }

    public GemmKernel Kernel { get; }

    public static GemmKernel BestKernel() =>
        Avx512Kernel.IsSupported ? GemmKernel.Avx512 : Avx2Kernel.IsSupported ? GemmKernel.Avx2 : GemmKernel.Vector;

    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Avx512 => Avx512Kernel.IsSupported,
        GemmKernel.Avx2 => Avx2Kernel.IsSupported,
        GemmKernel.Vector => true,
        _ => false,
    };

    /// <summary><c>C = alpha · op(A) · op(B) + beta · C</c> on densely stored matrices (rows back to back).</summary>
    public void Multiply(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        ReadOnlyMemory<float> a, ReadOnlyMemory<float> b, float beta, Memory<float> c) =>
        Multiply(opA, opB, m, n, k, alpha,
            a, Math.Max(1, opA == MatrixOp.None ? k : m),
            b, Math.Max(1, opB == MatrixOp.None ? n : k),
            beta, c, Math.Max(1, n));

    /// <summary>
    /// <c>C = alpha · op(A) · op(B) + beta · C</c>. A is stored row-major as m × k (or k × m when transposed) with rows
    /// <paramref name="lda"/> apart; likewise B as k × n (or n × k) with <paramref name="ldb"/>, and C as m × n with
    /// <paramref name="ldc"/>. C must not overlap A or B.
    /// </summary>
    public void Multiply(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        ReadOnlyMemory<float> a, int lda, ReadOnlyMemory<float> b, int ldb, float beta, Memory<float> c, int ldc)
    {
        CheckShapes(opA, opB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        var transA = opA == MatrixOp.Transpose;
        var transB = opB == MatrixOp.Transpose;
        if (m == 0 || n == 0) return;

        if (k == 0 || alpha == 0)
        {
            Scale(c.Span, m, n, ldc, beta);
            return;
        }

        var operands = new Operands(a, lda, transA, b, ldb, transB, c, ldc, m, n, k, alpha, beta);
        var work = (long)m * n * k;
        if (work <= SmallWork)
        {
            MultiplySmall(in operands);
            return;
        }

        var threads = work >= ParallelWork ? Threads : 1;
        switch (Kernel)
        {
            case GemmKernel.Avx512: Blocked<Avx512Kernel>(operands, threads); break;
            case GemmKernel.Avx2: Blocked<Avx2Kernel>(operands, threads); break;
            default: Blocked<VectorKernel>(operands, threads); break;
        }
    }

    /// <summary>The dimensions and operand sizes every GEMM (CPU or GPU) checks before it runs.</summary>
    internal static void CheckShapes(MatrixOp opA, MatrixOp opB, int m, int n, int k,
        long aLength, int lda, long bLength, int ldb, long cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var transA = opA == MatrixOp.Transpose;
        var transB = opB == MatrixOp.Transpose;
        CheckOperand("a", aLength, transA ? k : m, transA ? m : k, lda);
        CheckOperand("b", bLength, transB ? n : k, transB ? k : n, ldb);
        CheckOperand("c", cLength, m, n, ldc);
    }

    private static void CheckOperand(string name, long length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException($"ld{name}", ld,
                $"the leading dimension of {name} must be at least {Math.Max(1, cols)}");
        var needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException(
                $"{name} holds {length} values but a {rows} × {cols} matrix with leading dimension {ld} needs {needed}", name);
    }

    private static void Scale(Span<float> c, int m, int n, int ldc, float beta)
    {
        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0) row.Clear();
            else if (beta != 1) TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private readonly record struct Operands(
        ReadOnlyMemory<float> A, int Lda, bool TransA,
        ReadOnlyMemory<float> B, int Ldb, bool TransB,
        Memory<float> C, int Ldc,
        int M, int N, int K, float Alpha, float Beta);

    /// <summary>Tiny products: a scalar triple loop, summing each element's k terms in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplySmall(in Operands o)
    {
        var a = o.A.Span;
        var b = o.B.Span;
        var c = o.C.Span;
        for (var i = 0; i < o.M; i++)
        {
            for (var j = 0; j < o.N; j++)
            {
                var sum = 0f;
                for (var p = 0; p < o.K; p++)
                {
                    var x = o.TransA ? a[p * o.Lda + i] : a[i * o.Lda + p];
                    var y = o.TransB ? b[j * o.Ldb + p] : b[p * o.Ldb + j];
                    sum += x * y;
                }
                ref var target = ref c[i * o.Ldc + j];
                target = o.Beta == 0 ? o.Alpha * sum : o.Alpha * sum + o.Beta * target;
            }
        }
    }

    private static void Blocked<TKernel>(Operands o, int threads) where TKernel : struct, IMicroKernel
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        var kcMax = Math.Min(o.K, Kc);
        var bPanelsMax = CeilDiv(Math.Min(o.N, Nc), nr);
        var aPanelsMax = CeilDiv(Math.Min(o.M, McChunk), mr);
        var packedB = ArrayPool<float>.Shared.Rent(bPanelsMax * nr * kcMax);
        var packedA = ArrayPool<float>.Shared.Rent(aPanelsMax * mr * kcMax);
        try
        {
            for (var jc = 0; jc < o.N; jc += Nc)
            {
                var nc = Math.Min(Nc, o.N - jc);
                var bPanels = CeilDiv(nc, nr);
                for (var pc = 0; pc < o.K; pc += Kc)
                {
                    var kc = Math.Min(Kc, o.K - pc);
                    // Later k-slices add onto what the earlier ones stored.
                    var beta = pc == 0 ? o.Beta : 1f;
                    for (var ic = 0; ic < o.M; ic += McChunk)
                    {
                        var mc = Math.Min(McChunk, o.M - ic);
                        var aPanels = CeilDiv(mc, mr);
                        // B is packed once per (jc, pc) slice, together with the first A chunk.
                        var packB = ic == 0;
                        var packItems = aPanels + (packB ? bPanels : 0);
                        For(packItems, threads, item =>
                        {
                            if (item < aPanels)
                            {
                                var row = item * mr;
                                GemmPacking.PackAPanel(o.A.Span, o.Lda, o.TransA, ic + row, Math.Min(mr, mc - row), pc, kc,
                                    mr, packedA.AsSpan(item * mr * kc));
                            }
                            else
                            {
                                var panel = item - aPanels;
                                var col = panel * nr;
                                GemmPacking.PackBPanel(o.B.Span, o.Ldb, o.TransB, pc, kc, jc + col, Math.Min(nr, nc - col),
                                    nr, packedB.AsSpan(panel * nr * kc));
                            }
                        });

                        var rowTasks = CeilDiv(mc, Mc);
                        var colTasks = CeilDiv(nc, NcTask);
                        For(rowTasks * colTasks, threads, task =>
                        {
                            var rowTask = task / colTasks;
                            var colTask = task % colTasks;
                            MacroKernel<TKernel>(o, packedA, packedB, kc, beta,
                                rowTask * Mc, Math.Min(Mc, mc - rowTask * Mc), ic,
                                colTask * NcTask, Math.Min(NcTask, nc - colTask * NcTask), jc);
                        });
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
            ArrayPool<float>.Shared.Return(packedB);
        }
    }

    /// <summary>
    /// One task's tile: rows [row0, row0 + rows) of the packed A chunk (which starts at C row <paramref name="cRow"/>)
    /// times columns [col0, col0 + cols) of the packed B slice (which starts at C column <paramref name="cCol"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroKernel<TKernel>(in Operands o, float[] packedA, float[] packedB, int kc, float beta,
        int row0, int rows, int cRow, int col0, int cols, int cCol) where TKernel : struct, IMicroKernel
    {
        int mr = TKernel.Mr, nr = TKernel.Nr;
        var c = o.C.Span;
        Span<float> edge = stackalloc float[mr * nr];
        ref var aBase = ref MemoryMarshal.GetArrayDataReference(packedA);
        ref var bBase = ref MemoryMarshal.GetArrayDataReference(packedB);
        // B micro-panel outside, A micro-panels inside: the B panel stays in L1 while A streams from L2.
        for (var j = col0; j < col0 + cols; j += nr)
        {
            ref var bPanel = ref Unsafe.Add(ref bBase, (nint)(j / nr) * nr * kc);
            var tileCols = Math.Min(nr, col0 + cols - j);
            for (var i = row0; i < row0 + rows; i += mr)
            {
                ref var aPanel = ref Unsafe.Add(ref aBase, (nint)(i / mr) * mr * kc);
                var tileRows = Math.Min(mr, row0 + rows - i);
                var cOffset = (cRow + i) * o.Ldc + cCol + j;
                if (tileRows == mr && tileCols == nr)
                {
                    TKernel.Run(kc, ref aPanel, ref bPanel, ref c[cOffset], o.Ldc, o.Alpha, beta);
                    continue;
                }

                // Edge tile: the same kernel into a scratch tile, then the same store arithmetic on the valid part.
                TKernel.Run(kc, ref aPanel, ref bPanel, ref edge[0], nr, 1f, 0f);
                for (var ti = 0; ti < tileRows; ti++)
                {
                    var target = c.Slice(cOffset + ti * o.Ldc, tileCols);
                    var source = edge.Slice(ti * nr, tileCols);
                    for (var tj = 0; tj < tileCols; tj++)
                        target[tj] = beta == 0 ? o.Alpha * source[tj] : o.Alpha * source[tj] + beta * target[tj];
                }
            }
        }
    }

    private static void For(int count, int threads, Action<int> body)
    {
        if (threads <= 1 || count <= 1)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        // The default scheduler explicitly: inside an Orleans grain the current one runs a single turn at a time.
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, TaskScheduler = TaskScheduler.Default };
        Parallel.For(0, count, options, body);
    }

    private static int CeilDiv(int value, int divisor) => (value + divisor - 1) / divisor;
}
