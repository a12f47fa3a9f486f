using Parity.Learning.Compute;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Compute;

public sealed class CpuGemmTests
{
    public static TheoryData<int, int, int> Shapes => new()
    {
        { 1, 1, 1 },
        { 7, 13, 5 },
        { 33, 65, 17 },
        { 129, 1, 257 },
        { 1, 300, 70 },
        { 64, 64, 64 },
        { 97, 255, 300 },   // edges in m and n; k spans two k-slices (Kc = 256)
        { 200, 33, 513 },   // three k-slices
        { 301, 290, 40 },   // several parallel tasks in both directions
        { 4100, 40, 3 },    // two row chunks of packed A (McChunk = 4096)
        { 5, 4200, 20 },    // two column slices of packed B (Nc = 4096)
    };

    public static IEnumerable<object[]> KernelsAndShapes()
    {
        foreach (var kernel in Enum.GetValues<GemmKernel>().Where(CpuGemm.IsSupported))
        foreach (var shape in Shapes)
            yield return [kernel, shape[0], shape[1], shape[2]];
    }

    [Theory]
    [MemberData(nameof(KernelsAndShapes))]
    public void Every_transpose_combination_matches_a_naive_triple_loop(GemmKernel kernel, int m, int n, int k)
    {
        var gemm = new CpuGemm(threads: 2, kernel);
        foreach (var opA in Enum.GetValues<MatrixOp>())
        foreach (var opB in Enum.GetValues<MatrixOp>())
        {
            var a = RandomMatrix(m * k, seed: 1);
            var b = RandomMatrix(k * n, seed: 2);
            var c = RandomMatrix(m * n, seed: 3);
            var lda = opA == MatrixOp.None ? k : m;
            var ldb = opB == MatrixOp.None ? n : k;
            var expected = Naive(opA, opB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);

            gemm.Multiply(opA, opB, m, n, k, 1f, a, b, 0f, c);

            AssertClose(expected, c, k, $"{kernel} {opA}/{opB} {m}×{n}×{k}");
        }
    }

    [Theory]
    [InlineData(2.5f, 0f)]
    [InlineData(1f, 1f)]
    [InlineData(-0.5f, 3f)]
    [InlineData(0f, 2f)]
    [InlineData(0f, 0f)]
    public void Alpha_and_beta_scale_the_product_and_the_previous_c(float alpha, float beta)
    {
        foreach (var (m, n, k) in new[] { (5, 6, 7), (70, 90, 300) })
        {
            var a = RandomMatrix(m * k, seed: 4);
            var b = RandomMatrix(k * n, seed: 5);
            var c = RandomMatrix(m * n, seed: 6);
            var expected = Naive(MatrixOp.None, MatrixOp.None, m, n, k, alpha, a, k, b, n, beta, c, n);

            new CpuGemm(2).Multiply(MatrixOp.None, MatrixOp.None, m, n, k, alpha, a, b, beta, c);

            AssertClose(expected, c, k, $"alpha {alpha} beta {beta} {m}×{n}×{k}");
        }
    }

    [Fact]
    public void Beta_zero_overwrites_c_without_reading_it()
    {
        foreach (var (m, n, k) in new[] { (3, 4, 5), (50, 70, 90) })
        {
            var a = RandomMatrix(m * k, seed: 7);
            var b = RandomMatrix(k * n, seed: 8);
            var c = Enumerable.Repeat(float.NaN, m * n).ToArray();

            new CpuGemm(1).Multiply(MatrixOp.None, MatrixOp.None, m, n, k, 1f, a, b, 0f, c);

            Assert.All(c, value => Assert.True(float.IsFinite(value)));
        }
    }

    [Fact]
    public void Zero_depth_scales_c_by_beta()
    {
        var c = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        new CpuGemm(1).Multiply(MatrixOp.None, MatrixOp.None, 2, 3, 0, 1f, Array.Empty<float>(), Array.Empty<float>(), 0.5f, c);
        Assert.Equal([0.5f, 1f, 1.5f, 2f, 2.5f, 3f], c);
    }

    [Theory]
    [InlineData(20, 25, 30)]
    [InlineData(70, 90, 300)]
    public void Leading_dimensions_and_offsets_select_submatrices(int m, int n, int k)
    {
        foreach (var opA in Enum.GetValues<MatrixOp>())
        foreach (var opB in Enum.GetValues<MatrixOp>())
        {
            // Each operand is a block of a wider matrix; B and C also start some way into their buffers.
            var lda = (opA == MatrixOp.None ? k : m) + 11;
            var ldb = (opB == MatrixOp.None ? n : k) + 7;
            const int ldcExtra = 5, bOffset = 13, cOffset = 3;
            var ldc = n + ldcExtra;
            var a = RandomMatrix((opA == MatrixOp.None ? m : k) * lda, seed: 9);
            var b = RandomMatrix(bOffset + (opB == MatrixOp.None ? k : n) * ldb, seed: 10);
            var c = RandomMatrix(cOffset + m * ldc, seed: 11);
            var expected = Naive(opA, opB, m, n, k, 1f, a, lda, b[bOffset..], ldb, 0.5f, c[cOffset..], ldc);

            new CpuGemm(2).Multiply(opA, opB, m, n, k, 1f, a, lda, b.AsMemory(bOffset), ldb, 0.5f, c.AsMemory(cOffset), ldc);

            AssertClose(expected, c[cOffset..], k, $"{opA}/{opB} {m}×{n}×{k} with leading dimensions");
        }
    }

    [Theory]
    [InlineData(MatrixOp.None, MatrixOp.None)]
    [InlineData(MatrixOp.Transpose, MatrixOp.None)]
    [InlineData(MatrixOp.None, MatrixOp.Transpose)]
    public void Results_are_bit_identical_for_every_thread_count(MatrixOp opA, MatrixOp opB)
    {
        const int m = 333, n = 517, k = 600;
        var a = RandomMatrix(m * k, seed: 12);
        var b = RandomMatrix(k * n, seed: 13);
        var c0 = RandomMatrix(m * n, seed: 14);
        float[]? reference = null;
        foreach (var threads in new[] { 1, 2, 3, 8 })
        {
            var c = c0.ToArray();
            new CpuGemm(threads).Multiply(opA, opB, m, n, k, 0.75f, a, b, 0.25f, c);
            reference ??= c;
            Assert.Equal(reference, c);
        }
    }

    [Fact]
    public void Operands_too_short_for_their_shape_are_rejected()
    {
        var gemm = new CpuGemm(1);
        var ok = new float[12];
        Assert.Throws<ArgumentException>(() => gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 4, 1f, new float[11], ok, 0f, ok));
        Assert.Throws<ArgumentException>(() => gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 4, 1f, ok, new float[15], 0f, ok));
        Assert.Throws<ArgumentException>(() => gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 4, 1f, ok, new float[16], 0f, new float[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 4, 1f, ok, 3, new float[16], 4, 0f, ok, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuGemm(-1));
    }

    private static float[] RandomMatrix(int length, int seed)
    {
        var random = new SeededRandom(seed);
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static float[] Naive(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha,
        float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        var result = c.ToArray();
        for (var i = 0; i < m; i++)
        for (var j = 0; j < n; j++)
        {
            double sum = 0;
            for (var p = 0; p < k; p++)
            {
                var x = opA == MatrixOp.Transpose ? a[p * lda + i] : a[i * lda + p];
                var y = opB == MatrixOp.Transpose ? b[j * ldb + p] : b[p * ldb + j];
                sum += (double)x * y;
            }
            result[i * ldc + j] = (float)(alpha * sum + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]));
        }
        return result;
    }

    private static void AssertClose(float[] expected, float[] actual, int k, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        // Inputs are in [-1, 1]: fp32 summation error grows at most like k · ε.
        var tolerance = 1e-5f * (k + 10);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
                Assert.Fail($"{what}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance})");
        }
    }
}
