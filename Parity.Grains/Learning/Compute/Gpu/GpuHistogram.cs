using ILGPU;
using ILGPU.Runtime;

namespace Parity.Learning.Compute.Gpu;

/// <summary>
/// Builds node histograms (see <see cref="GpuHistogramLayout"/>) of a set of rows on the device, equal to the CPU
/// forest's: per feature and bin, the summed weight of each class and the number of rows, rows of weight 0 left out.
/// </summary>
/// <remarks>
/// A group takes one feature and a chunk of the rows, counts them into a histogram of that feature in shared memory
/// (atomics there are cheap), then adds its non-zero counts into the node histogram with global atomics. When a
/// feature's histogram does not fit in shared memory (very many classes) the groups count straight into global
/// memory. Not thread-safe: it reuses device buffers.
/// </remarks>
public sealed class GpuHistogram : IDisposable
{
    internal const int GroupSize = 256;

    private readonly Action<AcceleratorStream, KernelConfig, HistogramViews, HistogramArgs> _shared;
    private readonly Action<AcceleratorStream, KernelConfig, HistogramViews, HistogramArgs> _global;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _offsets;
    private readonly bool _useShared;
    private MemoryBuffer1D<int, Stride1D.Dense>? _rows;
    private MemoryBuffer1D<int, Stride1D.Dense>? _histogram;

    public GpuHistogram(Accelerator accelerator, GpuHistogramLayout layout) : this(accelerator, layout, forceGlobal: false)
    {
    }

    internal GpuHistogram(Accelerator accelerator, GpuHistogramLayout layout, bool forceGlobal)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(layout);
        if (accelerator.MaxNumThreadsPerGroup < GroupSize)
            throw new NotSupportedException($"{accelerator.Name} runs fewer than {GroupSize} threads per group");
        Accelerator = accelerator;
        Layout = layout;
        _useShared = !forceGlobal && (long)layout.MaxFeatureBins * layout.Stride * sizeof(int) <= accelerator.MaxSharedMemoryPerGroup;
        _shared = accelerator.LoadKernel<HistogramViews, HistogramArgs>(SharedKernel);
        _global = accelerator.LoadKernel<HistogramViews, HistogramArgs>(GlobalKernel);
        _offsets = accelerator.Allocate1D(layout.Offsets.ToArray());
    }

    public Accelerator Accelerator { get; }

    public GpuHistogramLayout Layout { get; }

    /// <summary>
    /// Overwrites <paramref name="histogram"/> (at least <see cref="GpuHistogramLayout.Size"/> counts) with the
    /// histogram of the rows listed in <paramref name="rows"/> (row indices into <paramref name="data"/>). Queued on
    /// the default stream.
    /// </summary>
    public void Build(GpuBinnedData data, ArrayView<int> rows, int rowCount, ArrayView<int> histogram) =>
        Launch(data, rows, rowCount, allRows: false, histogram);

    /// <summary>Like <see cref="Build(GpuBinnedData, ArrayView{int}, int, ArrayView{int})"/> over every row of <paramref name="data"/>.</summary>
    public void BuildAll(GpuBinnedData data, ArrayView<int> histogram) =>
        Launch(data, _offsets.View, data.Rows, allRows: true, histogram);

    /// <summary>The histogram of the listed rows, copied to the host.</summary>
    public int[] Build(GpuBinnedData data, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        foreach (var row in rows)
        {
            if ((uint)row >= (uint)data.Rows) throw new ArgumentOutOfRangeException(nameof(rows), row, $"not a row of the {data.Rows}");
        }
        if (_rows is null || _rows.Length < rows.Length)
        {
            _rows?.Dispose();
            _rows = Accelerator.Allocate1D<int>(Math.Max(1, rows.Length));
        }
        _rows.Upload(rows);
        var histogram = HistogramBuffer();
        Build(data, _rows.View, rows.Length, histogram);
        return histogram.Download(Layout.Size);
    }

    /// <summary>The histogram of every row, copied to the host.</summary>
    public int[] BuildAll(GpuBinnedData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var histogram = HistogramBuffer();
        BuildAll(data, histogram);
        return histogram.Download(Layout.Size);
    }

    public void Dispose()
    {
        _offsets.Dispose();
        _rows?.Dispose();
        _histogram?.Dispose();
    }

    private ArrayView<int> HistogramBuffer() => (_histogram ??= Accelerator.Allocate1D<int>(Layout.Size)).View;

    private void Launch(GpuBinnedData data, ArrayView<int> rows, int rowCount, bool allRows, ArrayView<int> histogram)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Layout.Features)
            throw new ArgumentException($"the data has {data.Features} features, the layout {Layout.Features}", nameof(data));
        if (histogram.Length < Layout.Size)
            throw new ArgumentException($"the histogram holds {histogram.Length} counts, the layout needs {Layout.Size}", nameof(histogram));
        if (!allRows && (rowCount < 0 || rowCount > rows.Length))
            throw new ArgumentOutOfRangeException(nameof(rowCount), rowCount, $"must be in [0, {rows.Length}]");

        var stream = Accelerator.DefaultStream;
        histogram.SubView(0, Layout.Size).MemSetToZero(stream);
        if (rowCount == 0) return;

        // Enough groups to fill the device a few times over, none with fewer than one row per thread.
        var target = Math.Max(1, 4 * Accelerator.NumMultiprocessors);
        var chunks = Math.Clamp((target + Layout.Features - 1) / Layout.Features, 1, (rowCount + GroupSize - 1) / GroupSize);
        var rowsPerGroup = (rowCount + chunks - 1) / chunks;
        chunks = (rowCount + rowsPerGroup - 1) / rowsPerGroup;

        var views = new HistogramViews(data.Bins, data.ClassOf, data.Weights, rows, _offsets.View, histogram);
        var args = new HistogramArgs(data.Rows, rowCount, allRows ? 1 : 0, Layout.Stride, rowsPerGroup);
        var groups = new Index2D(chunks, Layout.Features);
        if (_useShared)
        {
            var shared = SharedMemoryConfig.RequestDynamic<int>(Layout.MaxFeatureBins * Layout.Stride);
            _shared(stream, new KernelConfig(groups, new Index2D(GroupSize, 1), shared), views, args);
        }
        else
        {
            _global(stream, new KernelConfig(groups, new Index2D(GroupSize, 1)), views, args);
        }
    }

    internal readonly record struct HistogramViews(
        ArrayView<byte> Bins, ArrayView<int> ClassOf, ArrayView<int> Weights, ArrayView<int> Rows,
        ArrayView<int> Offsets, ArrayView<int> Histogram);

    internal readonly record struct HistogramArgs(int DataRows, int RowCount, int AllRows, int Stride, int RowsPerGroup);

    private static void SharedKernel(HistogramViews v, HistogramArgs g)
    {
        var local = SharedMemory.GetDynamic<int>();
        var feature = Grid.IdxY;
        var size = v.Offsets[feature + 1] - v.Offsets[feature];
        for (var i = Group.IdxX; i < size; i += GroupSize) local[i] = 0;
        Group.Barrier();

        Count(v, g, feature, local, 0);
        Group.Barrier();

        var target = v.Offsets[feature];
        for (var i = Group.IdxX; i < size; i += GroupSize)
        {
            var count = local[i];
            if (count != 0) Atomic.Add(ref v.Histogram[target + i], count);
        }
    }

    private static void GlobalKernel(HistogramViews v, HistogramArgs g)
    {
        var feature = Grid.IdxY;
        Count(v, g, feature, v.Histogram, v.Offsets[feature]);
    }

    /// <summary>Counts this group's chunk of rows for <paramref name="feature"/> into <paramref name="counts"/> at <paramref name="at"/>.</summary>
    private static void Count(in HistogramViews v, in HistogramArgs g, int feature, ArrayView<int> counts, int at)
    {
        var start = Grid.IdxX * g.RowsPerGroup;
        var end = Math.Min(g.RowCount, start + g.RowsPerGroup);
        var column = (long)feature * g.DataRows;
        var rowsAt = g.Stride - 1;
        for (var i = start + Group.IdxX; i < end; i += GroupSize)
        {
            var row = g.AllRows != 0 ? i : v.Rows[i];
            var weight = v.Weights[row];
            if (weight == 0) continue;
            var bin = at + v.Bins[column + row] * g.Stride;
            Atomic.Add(ref counts[bin + v.ClassOf[row]], weight);
            Atomic.Add(ref counts[bin + rowsAt], 1);
        }
    }
}
