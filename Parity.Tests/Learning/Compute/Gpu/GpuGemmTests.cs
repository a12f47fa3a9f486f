using ILGPU;
using ILGPU.Runtime;
using Parity.Learning.Compute;
using Parity.Learning.Compute.Gpu;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Compute.Gpu;

public sealed class GpuGemmTests(CpuEmulatorFixture emulator) : IClassFixture<CpuEmulatorFixture>, IDisposable
{
    private readonly GpuGemm _gemm = new(emulator.Accelerator);

    public static TheoryData<int, int, int, MatrixOp, MatrixOp> Cases()
    {
        var cases = new TheoryData<int, int, int, MatrixOp, MatrixOp>();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (5, 7, 3), (33, 17, 65), (64, 64, 64), (130, 3, 9) })
        {
            foreach (var opA in new[] { MatrixOp.None, MatrixOp.Transpose })
            {
                foreach (var opB in new[] { MatrixOp.None, MatrixOp.Transpose }) cases.Add(m, n, k, opA, opB);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_a_naive_loop(int m, int n, int k, MatrixOp opA, MatrixOp opB)
    {
        var random = new SeededRandom(m * 10_000 + n * 100 + k);
        var a = Random(random, m * k);
        var b = Random(random, k * n);
        var c = Random(random, m * n);
        var expected = Naive(opA, opB, m, n, k, 1.5f, a, b, 0.5f, c);

        _gemm.Multiply(opA, opB, m, n, k, 1.5f, a, b, 0.5f, c);

        AssertClose(expected, c, k);
    }

    [Fact]
    public void Beta_zero_writes_C_without_reading_it()
    {
        var random = new SeededRandom(7);
        var a = Random(random, 6 * 4);
        var b = Random(random, 4 * 5);
        var c = Enumerable.Repeat(float.NaN, 6 * 5).ToArray();
        var expected = Naive(MatrixOp.None, MatrixOp.None, 6, 5, 4, 2f, a, b, 0f, new float[30]);

        _gemm.Multiply(MatrixOp.None, MatrixOp.None, 6, 5, 4, 2f, a, b, 0f, c);

        AssertClose(expected, c, 4);
    }

    [Fact]
    public void Alpha_zero_or_empty_k_only_scales_C()
    {
        var a = Enumerable.Repeat(float.NaN, 3 * 2).ToArray();
        var b = Enumerable.Repeat(float.NaN, 2 * 4).ToArray();
        var c = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();

        _gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 2, 0f, a, b, 2f, c);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => 2f * i), c);

        _gemm.Multiply(MatrixOp.None, MatrixOp.None, 3, 4, 0, 1f, [], [], 0f, c);
        Assert.All(c, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Works_on_strided_device_buffers()
    {
        const int m = 9, n = 6, k = 5, lda = 8, ldb = 7, ldc = 10;
        var random = new SeededRandom(3);
        var a = Random(random, m * lda);
        var b = Random(random, k * ldb);
        var c = Random(random, m * ldc);
        var expected = (float[])c.Clone();
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++) sum += (double)a[i * lda + p] * b[p * ldb + j];
                expected[i * ldc + j] = (float)(0.25 * sum - c[i * ldc + j]);
            }
        }
        var accelerator = emulator.Accelerator;
        using var da = accelerator.Allocate1D(a);
        using var db = accelerator.Allocate1D(b);
        using var dc = accelerator.Allocate1D(c);

        _gemm.Multiply(MatrixOp.None, MatrixOp.None, m, n, k, 0.25f, da.View, lda, db.View, ldb, -1f, dc.View, ldc);
        accelerator.Synchronize();

        AssertClose(expected, dc.GetAsArray1D(), k);
    }

    [Fact]
    public void Rejects_operands_too_short()
    {
        Assert.Throws<ArgumentException>(() =>
            _gemm.Multiply(MatrixOp.None, MatrixOp.None, 2, 2, 2, 1f, new float[3], new float[4], 0f, new float[4]));
    }

    public void Dispose() => _gemm.Dispose();

    private static float[] Random(SeededRandom random, int length)
    {
        var values = new float[length];
        for (var i = 0; i < length; i++) values[i] = (float)random.NextDouble() * 2 - 1;
        return values;
    }

    private static float[] Naive(MatrixOp opA, MatrixOp opB, int m, int n, int k, float alpha, float[] a, float[] b, float beta, float[] c)
    {
        var result = new float[m * n];
        for (var i = 0; i < m; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = 0.0;
                for (var p = 0; p < k; p++)
                {
                    var x = opA == MatrixOp.None ? a[i * k + p] : a[p * m + i];
                    var y = opB == MatrixOp.None ? b[p * n + j] : b[j * k + p];
                    sum += (double)x * y;
                }
                result[i * n + j] = (float)(alpha * sum + (beta == 0 ? 0 : beta * c[i * n + j]));
            }
        }
        return result;
    }

    private static void AssertClose(float[] expected, float[] actual, int k)
    {
        Assert.Equal(expected.Length, actual.Length);
        var tolerance = 1e-5f * (k + 4);
        for (var i = 0; i < expected.Length; i++)
        {
            if (Math.Abs(expected[i] - actual[i]) > tolerance)
                Assert.Fail($"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
