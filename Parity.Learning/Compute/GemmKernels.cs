using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Parity.Learning.Compute;

/// <summary>
/// A register-blocked GEMM micro-kernel: an <see cref="Mr"/> × <see cref="Nr"/> tile of C from packed panels.
/// </summary>
/// <remarks>
/// The A panel holds <c>kc</c> columns of <see cref="Mr"/> values each, the B panel <c>kc</c> rows of <see cref="Nr"/>
/// values each (see <see cref="GemmPacking"/>). The kernel sums <c>acc[i, j] = Σ_p a[p·Mr + i] · b[p·Nr + j]</c> in order
/// of p, starting from zero, then stores <c>c = alpha·acc + beta·c</c> (C is not read when beta is 0). Multiply and add
/// of that store are separate roundings, exactly like the scalar store of edge tiles, so a C element comes out the same
/// whichever way its tile is stored.
/// <para>Kernels and packing are marked AggressiveOptimization: a training run lasts about as long as tiered
/// compilation waits before optimizing, so without it the first hundreds of milliseconds would run unoptimized code.</para>
/// </remarks>
internal interface IMicroKernel
{
    static abstract int Mr { get; }

    static abstract int Nr { get; }

    static abstract void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta);
}

/// <summary>AVX-512: 6 rows × 32 columns (two zmm per row) = 12 accumulators.</summary>
internal readonly struct Avx512Kernel : IMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 32;

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref b);
            var b1 = Vector512.LoadUnsafe(ref b, 16);
            var a0 = Vector512.Create(a);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00);
            c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(Unsafe.Add(ref a, 1));
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10);
            c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(Unsafe.Add(ref a, 2));
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20);
            c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(Unsafe.Add(ref a, 3));
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30);
            c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(Unsafe.Add(ref a, 4));
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40);
            c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(Unsafe.Add(ref a, 5));
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50);
            c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
            b = ref Unsafe.Add(ref b, 32);
        }

        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        var storeOnly = beta == 0;
        Store(ref c, c00, c01, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, ldc), c10, c11, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, va, vb, storeOnly);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float c, Vector512<float> acc0, Vector512<float> acc1,
        Vector512<float> alpha, Vector512<float> beta, bool storeOnly)
    {
        if (storeOnly)
        {
            (alpha * acc0).StoreUnsafe(ref c);
            (alpha * acc1).StoreUnsafe(ref c, 16);
        }
        else
        {
            (alpha * acc0 + beta * Vector512.LoadUnsafe(ref c)).StoreUnsafe(ref c);
            (alpha * acc1 + beta * Vector512.LoadUnsafe(ref c, 16)).StoreUnsafe(ref c, 16);
        }
    }
}

/// <summary>AVX2 + FMA3: 6 rows × 16 columns (two ymm per row) = 12 of the 16 ymm registers as accumulators.</summary>
internal readonly struct Avx2Kernel : IMicroKernel
{
    public static int Mr => 6;

    public static int Nr => 16;

    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            var a0 = Vector256.Create(a);
            c00 = Fma.MultiplyAdd(a0, b0, c00);
            c01 = Fma.MultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Fma.MultiplyAdd(a1, b0, c10);
            c11 = Fma.MultiplyAdd(a1, b1, c11);
            var a2 = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Fma.MultiplyAdd(a2, b0, c20);
            c21 = Fma.MultiplyAdd(a2, b1, c21);
            var a3 = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Fma.MultiplyAdd(a3, b0, c30);
            c31 = Fma.MultiplyAdd(a3, b1, c31);
            var a4 = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Fma.MultiplyAdd(a4, b0, c40);
            c41 = Fma.MultiplyAdd(a4, b1, c41);
            var a5 = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Fma.MultiplyAdd(a5, b0, c50);
            c51 = Fma.MultiplyAdd(a5, b1, c51);
            a = ref Unsafe.Add(ref a, 6);
            b = ref Unsafe.Add(ref b, 16);
        }

        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        var storeOnly = beta == 0;
        Store(ref c, c00, c01, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, ldc), c10, c11, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, va, vb, storeOnly);
        Store(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, va, vb, storeOnly);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float c, Vector256<float> acc0, Vector256<float> acc1,
        Vector256<float> alpha, Vector256<float> beta, bool storeOnly)
    {
        if (storeOnly)
        {
            (alpha * acc0).StoreUnsafe(ref c);
            (alpha * acc1).StoreUnsafe(ref c, 8);
        }
        else
        {
            (alpha * acc0 + beta * Vector256.LoadUnsafe(ref c)).StoreUnsafe(ref c);
            (alpha * acc1 + beta * Vector256.LoadUnsafe(ref c, 8)).StoreUnsafe(ref c, 8);
        }
    }
}

/// <summary>
/// Portable fallback on <see cref="Vector{T}"/> (any width, separate multiply and add): 4 rows × 2 vectors.
/// </summary>
internal readonly struct VectorKernel : IMicroKernel
{
    public static int Mr => 4;

    public static int Nr => 2 * Vector<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, ref float a, ref float b, ref float c, nint ldc, float alpha, float beta)
    {
        var width = (nuint)Vector<float>.Count;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (var p = 0; p < kc; p++)
        {
            var b0 = Vector.LoadUnsafe(ref b);
            var b1 = Vector.LoadUnsafe(ref b, width);
            var a0 = new Vector<float>(a);
            c00 += a0 * b0;
            c01 += a0 * b1;
            var a1 = new Vector<float>(Unsafe.Add(ref a, 1));
            c10 += a1 * b0;
            c11 += a1 * b1;
            var a2 = new Vector<float>(Unsafe.Add(ref a, 2));
            c20 += a2 * b0;
            c21 += a2 * b1;
            var a3 = new Vector<float>(Unsafe.Add(ref a, 3));
            c30 += a3 * b0;
            c31 += a3 * b1;
            a = ref Unsafe.Add(ref a, 4);
            b = ref Unsafe.Add(ref b, 2 * (int)width);
        }

        var va = new Vector<float>(alpha);
        var vb = new Vector<float>(beta);
        var storeOnly = beta == 0;
        Store(ref c, c00, c01, va, vb, storeOnly, width);
        Store(ref Unsafe.Add(ref c, ldc), c10, c11, va, vb, storeOnly, width);
        Store(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, va, vb, storeOnly, width);
        Store(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, va, vb, storeOnly, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float c, Vector<float> acc0, Vector<float> acc1,
        Vector<float> alpha, Vector<float> beta, bool storeOnly, nuint width)
    {
        if (storeOnly)
        {
            (alpha * acc0).StoreUnsafe(ref c);
            (alpha * acc1).StoreUnsafe(ref c, width);
        }
        else
        {
            (alpha * acc0 + beta * Vector.LoadUnsafe(ref c)).StoreUnsafe(ref c);
            (alpha * acc1 + beta * Vector.LoadUnsafe(ref c, width)).StoreUnsafe(ref c, width);
        }
    }
}
