using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Parity.Learning.Data;

namespace Parity.Tests.Learning;

public sealed class DatasetMemoryTests
{
    private const int Features = 10;

    private static float Value(int row, int column) => (float)((row * 7919L + column * 104729L) % 1_000_000 / 1e6);

    [Fact]
    public void A_20_MB_csv_loads_into_one_exact_buffer_without_holding_rows_as_text()
    {
        var builder = new StringBuilder(21 << 20);
        builder.Append(string.Join(',', Enumerable.Range(0, Features).Select(c => $"f{c}"))).Append(",label\n");
        var rows = 0;
        while (builder.Length < 20 << 20)
        {
            for (var c = 0; c < Features; c++)
                builder.Append(Value(rows, c).ToString("F6", CultureInfo.InvariantCulture)).Append(',');
            builder.Append(rows % 5).Append('\n');
            rows++;
        }
        var file = Encoding.UTF8.GetBytes(builder.ToString());
        builder.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var data = DatasetReader.Read(file);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(rows, data.Rows);
        Assert.Equal(Features, data.Columns);
        Assert.True(MemoryMarshal.TryGetArray(data.Features, out var features));
        Assert.Equal((long)rows * Features * sizeof(float), (long)features.Array!.Length * sizeof(float));
        Assert.True(MemoryMarshal.TryGetArray(data.Labels, out var labels));
        Assert.Equal(rows, labels.Array!.Length);
        Assert.True(allocated < 2L * file.Length, $"loading {file.Length} bytes allocated {allocated} bytes");

        var last = rows - 1;
        Assert.Equal(float.Parse(Value(last, 3).ToString("F6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), data.Row(last)[3]);
        Assert.Equal(last % 5, data.Label(last));
    }
}
