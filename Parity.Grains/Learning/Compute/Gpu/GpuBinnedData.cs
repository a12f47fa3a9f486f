using ILGPU;
using ILGPU.Runtime;

namespace Parity.Learning.Compute.Gpu;

/// <summary>
/// A training set on the device, as the forest bins it: features column-major as bytes (feature f of row r at
/// <c>f * Rows + r</c>), each row's class index and integer weight (the tree's resample count; 0 leaves the row out).
/// </summary>
public sealed class GpuBinnedData : IDisposable
{
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _bins;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _classOf;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _weights;

    public GpuBinnedData(Accelerator accelerator, ReadOnlySpan<byte> bins, int rows, int features,
        ReadOnlySpan<int> classOf, ReadOnlySpan<int> weights)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (bins.Length != (long)rows * features)
            throw new ArgumentException($"{bins.Length} bins for {rows} rows × {features} features", nameof(bins));
        if (classOf.Length != rows) throw new ArgumentException($"{classOf.Length} classes for {rows} rows", nameof(classOf));
        Rows = rows;
        Features = features;
        _bins = accelerator.Allocate1D<byte>(Math.Max(1, bins.Length));
        _classOf = accelerator.Allocate1D<int>(Math.Max(1, rows));
        _weights = accelerator.Allocate1D<int>(Math.Max(1, rows));
        if (rows > 0)
        {
            Bins.Upload(bins);
            ClassOf.Upload(classOf);
        }
        SetWeights(weights);
    }

    public int Rows { get; }

    public int Features { get; }

    public ArrayView<byte> Bins => _bins.View;

    public ArrayView<int> ClassOf => _classOf.View;

    public ArrayView<int> Weights => _weights.View;

    /// <summary>Replaces the row weights (one tree's resample).</summary>
    public void SetWeights(ReadOnlySpan<int> weights)
    {
        if (weights.Length != Rows) throw new ArgumentException($"{weights.Length} weights for {Rows} rows", nameof(weights));
        Weights.Upload(weights);
    }

    public void Dispose()
    {
        _bins.Dispose();
        _classOf.Dispose();
        _weights.Dispose();
    }
}
