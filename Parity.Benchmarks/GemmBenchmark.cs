using System.Diagnostics;
using System.Numerics.Tensors;
using Parity.Learning.Compute;

/// <summary>
/// fp32 GEMM throughput: the blocked <see cref="CpuGemm"/> against a plain parallel row-times-matrix loop on
/// TensorPrimitives, same operands, best of <c>repeats</c> runs each.
/// </summary>
public static class GemmBenchmark
{
    public static void Run(int size, int repeats)
    {
        var random = new Parity.Learning.Partitioning.SeededRandom(1);
        var a = new float[size * size];
        var b = new float[size * size];
        for (var i = 0; i < a.Length; i++) a[i] = (float)random.NextDouble() - 0.5f;
        for (var i = 0; i < b.Length; i++) b[i] = (float)random.NextDouble() - 0.5f;
        var c = new float[size * size];
        var flops = 2.0 * size * size * size;

        Console.WriteLine($"GEMM {size}³ fp32, {Environment.ProcessorCount} cores, best of {repeats}");
        foreach (var threads in new[] { 1, Environment.ProcessorCount }.Distinct())
        {
            var gemm = new CpuGemm(threads);
            var best = Best(repeats, () => gemm.Multiply(MatrixOp.None, MatrixOp.None, size, size, size, 1f, a, b, 0f, c));
            Console.WriteLine($"  CpuGemm ({gemm.Kernel}, {threads} thread{(threads == 1 ? "" : "s")}): {flops / best / 1e9,7:F1} GFLOP/s  ({best * 1e3:F1} ms)");
        }

        var naive = Best(repeats, () => Parallel.For(0, size, i =>
        {
            var row = c.AsSpan(i * size, size);
            row.Clear();
            for (var p = 0; p < size; p++)
                TensorPrimitives.MultiplyAdd(b.AsSpan(p * size, size), a[i * size + p], row, row);
        }));
        Console.WriteLine($"  parallel TensorPrimitives row loop:  {flops / naive / 1e9,7:F1} GFLOP/s  ({naive * 1e3:F1} ms)");
    }

    private static double Best(int repeats, Action action)
    {
        action(); // warm-up: JIT tiers, thread pool
        var best = double.MaxValue;
        for (var r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            action();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return best;
    }
}
