using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Parity.Learning.Compute;
using Parity.Learning.Compute.Gpu;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;

/// <summary>
/// GPU kernels on a CUDA device, each against its reference in the same run: <see cref="GpuGemm"/> against cuBLAS
/// SGEMM (same device buffers), and a node's histogram plus split search against the CPU forest's way of doing the
/// same (its histogram loop and NodeSplitter's scan, on <c>cpuThreads</c> threads). Best of <c>repeats</c> runs.
///   dotnet run -c Release --project Parity.Benchmarks -- gpu [repeats] [cpuThreads]
/// </summary>
public static class GpuBenchmark
{
    public static int Run(string[] args)
    {
        args = args.SkipWhile(a => a == "gpu").ToArray();
        var repeats = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 10;
        var cpuThreads = args.Length > 1 && int.TryParse(args[1], out var t) ? t : 2;

        using var device = AcceleratorSelector.Select();
        if (device.Kind != ComputeKind.Cuda || device.Accelerator is not { } accelerator)
        {
            Console.WriteLine($"No CUDA device found (selected: {device.Info.Kind}, {device.Info.Name}).");
            foreach (var skipped in device.Skipped) Console.WriteLine($"  skipped {skipped}");
            return 1;
        }
        Console.WriteLine($"{device.Info.Name}, compute capability {device.Info.ComputeCapability}, " +
                          $"{device.Info.MemoryBytes / (1L << 30)} GiB; best of {repeats}");

        Gemm(accelerator, repeats);
        SplitSearch(accelerator, repeats, cpuThreads);
        return 0;
    }

    private static void Gemm(Accelerator accelerator, int repeats)
    {
        using var gemm = new GpuGemm(accelerator);
        CuBlas? blas = null;
        try
        {
            blas = new CuBlas((CudaAccelerator)accelerator);
        }
        catch (Exception e)
        {
            Console.WriteLine($"  cuBLAS not available ({e.GetType().Name}: {e.Message}); GpuGemm alone");
        }

        Console.WriteLine("fp32 GEMM, row-major C = A·B (n³):");
        foreach (var n in new[] { 1024, 2048, 4096 })
        {
            var random = new SeededRandom(n);
            var host = new float[n * n];
            for (var i = 0; i < host.Length; i++) host[i] = (float)random.NextDouble() - 0.5f;
            using var a = accelerator.Allocate1D(host);
            for (var i = 0; i < host.Length; i++) host[i] = (float)random.NextDouble() - 0.5f;
            using var b = accelerator.Allocate1D(host);
            using var c = accelerator.Allocate1D<float>(n * n);
            using var reference = accelerator.Allocate1D<float>(n * n);
            var flops = 2.0 * n * n * n;

            var ours = Best(repeats, accelerator, () =>
                gemm.Multiply(MatrixOp.None, MatrixOp.None, n, n, n, 1f, a.View, b.View, 0f, c.View));
            var line = $"  {n,5}: GpuGemm {flops / ours / 1e9,8:F0} GFLOP/s ({ours * 1e3:F2} ms)";
            if (blas is not null)
            {
                // cuBLAS is column-major: the row-major C = A·B is the column-major Cᵀ = Bᵀ·Aᵀ.
                var theirs = Best(repeats, accelerator, () =>
                    blas.Gemm(CuBlasOperation.NonTranspose, CuBlasOperation.NonTranspose, n, n, n,
                        1f, b.View, n, a.View, n, 0f, reference.View, n));
                var error = MaxDifference(c.GetAsArray1D(), reference.GetAsArray1D());
                line += $"   cuBLAS {flops / theirs / 1e9,8:F0} GFLOP/s ({theirs * 1e3:F2} ms)   " +
                        $"{100 * theirs / ours,5:F1} % of cuBLAS, max |difference| {error:E1}";
            }
            Console.WriteLine(line);

            if (n == 2048)
            {
                foreach (var (opA, opB, name) in new[] { (MatrixOp.None, MatrixOp.Transpose, "A·Bᵀ"), (MatrixOp.Transpose, MatrixOp.None, "Aᵀ·B") })
                {
                    var time = Best(repeats, accelerator, () => gemm.Multiply(opA, opB, n, n, n, 1f, a.View, b.View, 0f, c.View));
                    Console.WriteLine($"  {n,5}: GpuGemm {name} {flops / time / 1e9,8:F0} GFLOP/s ({time * 1e3:F2} ms)");
                }
            }
        }
        blas?.Dispose();
    }

    private static void SplitSearch(Accelerator accelerator, int repeats, int cpuThreads)
    {
        const int rows = 1_000_000, features = 40, bins = 256, classes = 5;
        Console.WriteLine($"Node histogram + split search, {rows:N0} rows × {features} features × {bins} bins × {classes} classes (gini):");
        var random = new SeededRandom(17);
        var binned = new byte[(long)rows * features];
        var classOf = new int[rows];
        var weights = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            classOf[i] = random.NextInt(classes);
            weights[i] = random.NextInt(3); // about a bootstrap's weights, a third of the rows out of bag
        }
        for (var f = 0; f < features; f++)
        {
            for (var i = 0; i < rows; i++)
            {
                // Some signal: the class nudges the bin, more for the first features.
                var bin = random.NextInt(bins) + (f < 8 ? classOf[i] * (8 - f) : 0);
                binned[(long)f * rows + i] = (byte)Math.Min(bins - 1, bin);
            }
        }
        var layout = new GpuHistogramLayout(Enumerable.Repeat(bins, features).ToArray(), classes);
        var totals = new int[classes + 1];
        for (var i = 0; i < rows; i++)
        {
            if (weights[i] == 0) continue;
            totals[classOf[i]] += weights[i];
            totals[classes]++;
        }
        long rootWeight = 0;
        for (var c = 0; c < classes; c++) rootWeight += totals[c];
        var order = Enumerable.Range(0, features).ToArray();

        using var data = new GpuBinnedData(accelerator, binned, rows, features, classOf, weights);
        using var histogram = new GpuHistogram(accelerator, layout);
        using var search = new GpuSplitSearch(accelerator, layout, new GpuSplitOptions(SplitCriterion.Gini));
        using var counts = accelerator.Allocate1D<int>(layout.Size);
        GpuSplit? gpuSplit = null;
        var gpuBuild = Best(repeats, accelerator, () => histogram.BuildAll(data, counts.View));
        var gpu = Best(repeats, accelerator, () =>
        {
            histogram.BuildAll(data, counts.View);
            gpuSplit = search.FindBest(counts.View, totals, order, rootWeight);
        });

        var cpuHistogram = new int[layout.Size];
        (int Feature, int Threshold) cpuSplit = default;
        var cpuBuild = Best(repeats, null, () => CpuHistogram(binned, rows, classOf, weights, layout, cpuHistogram, cpuThreads));
        var cpu = Best(repeats, null, () =>
        {
            CpuHistogram(binned, rows, classOf, weights, layout, cpuHistogram, cpuThreads);
            cpuSplit = CpuBestSplit(cpuHistogram, layout, totals, minLeaf: 1);
        });

        var sameHistogram = counts.GetAsArray1D().AsSpan().SequenceEqual(cpuHistogram);
        var sameSplit = gpuSplit is { Found: true } s && (s.Feature, s.ThresholdBin) == cpuSplit;
        Console.WriteLine($"  histogram:           GPU {gpuBuild * 1e3,8:F2} ms   CPU ({cpuThreads} threads) {cpuBuild * 1e3,8:F2} ms   {cpuBuild / gpuBuild,6:F1}×");
        Console.WriteLine($"  histogram + search:  GPU {gpu * 1e3,8:F2} ms   CPU ({cpuThreads} threads) {cpu * 1e3,8:F2} ms   {cpu / gpu,6:F1}×");
        Console.WriteLine($"  same histogram: {sameHistogram}; same split: {sameSplit} " +
                          $"(GPU feature {gpuSplit?.Feature} bin {gpuSplit?.ThresholdBin}, CPU feature {cpuSplit.Feature} bin {cpuSplit.Threshold})");
    }

    /// <summary>The CPU forest's histogram loop (TreeGrower.Accumulate) over every row, features in parallel.</summary>
    private static void CpuHistogram(byte[] binned, int rows, int[] classOf, int[] weights, GpuHistogramLayout layout,
        int[] histogram, int threads)
    {
        Array.Clear(histogram);
        var stride = layout.Stride;
        Parallel.For(0, layout.Features, new ParallelOptions { MaxDegreeOfParallelism = threads }, f =>
        {
            var column = binned.AsSpan((int)((long)f * rows), rows);
            var counts = histogram.AsSpan(layout.Offset(f), layout.Bins(f) * stride);
            for (var i = 0; i < rows; i++)
            {
                var w = weights[i];
                if (w == 0) continue;
                var at = column[i] * stride;
                counts[at + classOf[i]] += w;
                counts[at + stride - 1]++;
            }
        });
    }

    /// <summary>NodeSplitter's scan and gini proxy over every feature in order (max_features = all).</summary>
    private static (int Feature, int Threshold) CpuBestSplit(int[] histogram, GpuHistogramLayout layout, int[] totals, int minLeaf)
    {
        var stride = layout.Stride;
        var rowsAt = stride - 1;
        var totalRows = totals[rowsAt];
        var cumulative = new long[stride];
        var best = double.NegativeInfinity;
        (int, int) split = (-1, -1);
        for (var f = 0; f < layout.Features; f++)
        {
            Array.Clear(cumulative);
            var previous = -1;
            for (var b = 0; b < layout.Bins(f); b++)
            {
                var at = layout.Offset(f) + b * stride;
                if (histogram[at + rowsAt] == 0) continue;
                if (previous >= 0 && cumulative[rowsAt] >= minLeaf)
                {
                    if (totalRows - cumulative[rowsAt] < minLeaf) break;
                    double wl = 0, wr = 0, sl = 0, sr = 0;
                    for (var c = 0; c < rowsAt; c++)
                    {
                        double l = cumulative[c], r = totals[c] - cumulative[c];
                        wl += l;
                        wr += r;
                        sl += l * l;
                        sr += r * r;
                    }
                    var proxy = sl / wl + sr / wr;
                    if (proxy > best)
                    {
                        best = proxy;
                        split = (f, (previous + b - 1) / 2);
                    }
                }
                for (var k = 0; k < stride; k++) cumulative[k] += histogram[at + k];
                previous = b;
                if (cumulative[rowsAt] >= totalRows) break;
            }
        }
        return split;
    }

    /// <summary>Seconds of the fastest of <paramref name="repeats"/> runs, after a warm-up (kernel compilation).</summary>
    private static double Best(int repeats, Accelerator? accelerator, Action action)
    {
        action();
        accelerator?.Synchronize();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            accelerator?.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static double MaxDifference(float[] x, float[] y)
    {
        var max = 0.0;
        for (var i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }
}
