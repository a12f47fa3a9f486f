using Parity.Learning.Compute.Gpu;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning.Compute.Gpu;

public sealed class GpuHistogramTests(CpuEmulatorFixture emulator) : IClassFixture<CpuEmulatorFixture>
{
    private static readonly int[] Bins = [3, 256, 17, 1, 64];

    [Fact]
    public void Layout_is_the_cpu_forest_layout()
    {
        var data = BinnedTestData.Random(1, 10, Bins, 4);
        var cpu = new HistogramLayout(data.Edges(), 4);
        var gpu = GpuHistogramLayout.FromEdges(data.Edges(), 4);

        Assert.Equal(cpu.Size, gpu.Size);
        Assert.Equal(cpu.Stride, gpu.Stride);
        for (var f = 0; f < Bins.Length; f++)
        {
            Assert.Equal(cpu.Offset(f), gpu.Offset(f));
            Assert.Equal(cpu.Bins(f), gpu.Bins(f));
        }
        Assert.Equal(256, gpu.MaxFeatureBins);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Histogram_of_all_rows_equals_the_cpu_one(bool globalAtomics)
    {
        var data = BinnedTestData.Random(2, 3000, Bins, 3);
        using var device = Upload(data);
        using var histogram = new GpuHistogram(emulator.Accelerator, data.GpuLayout(), globalAtomics);

        Assert.Equal(data.CpuHistogram(Enumerable.Range(0, data.Rows)), histogram.BuildAll(device));
    }

    [Fact]
    public void Histogram_of_a_row_subset_equals_the_cpu_one()
    {
        var data = BinnedTestData.Random(3, 2000, Bins, 5);
        var rows = Enumerable.Range(0, data.Rows).ToArray();
        new SeededRandom(4).Shuffle(rows.AsSpan());
        using var device = Upload(data);
        using var histogram = new GpuHistogram(emulator.Accelerator, data.GpuLayout());

        foreach (var count in new[] { 0, 1, 37, 700 })
            Assert.Equal(data.CpuHistogram(rows[..count]), histogram.Build(device, rows.AsSpan(0, count)));
    }

    [Fact]
    public void New_weights_give_a_new_histogram()
    {
        var data = BinnedTestData.Random(5, 500, [8, 2], 2);
        using var device = Upload(data);
        using var histogram = new GpuHistogram(emulator.Accelerator, data.GpuLayout());
        histogram.BuildAll(device);

        var reweighted = data with { Weights = data.Weights.Select(w => w == 0 ? 2 : 0).ToArray() };
        device.SetWeights(reweighted.Weights);

        Assert.Equal(reweighted.CpuHistogram(Enumerable.Range(0, data.Rows)), histogram.BuildAll(device));
    }

    private GpuBinnedData Upload(BinnedTestData data) =>
        new(emulator.Accelerator, data.Bins, data.Rows, data.Features, data.ClassOf, data.Weights);
}
