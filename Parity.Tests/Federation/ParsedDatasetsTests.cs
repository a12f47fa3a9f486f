using System.Text;
using Parity.Federation;
using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Federation;

public sealed class ParsedDatasetsTests
{
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes(
        "a,b,label\n" + string.Join("\n", Enumerable.Range(0, 60).Select(i => $"{i},{i * 2},{i % 3}")) + "\n");

    private static PartitionConfig Part(int index) => new()
    {
        Strategy = PartitionStrategy.Stratified, TotalParts = 3, PartIndex = index, MinSamples = 5, Seed = 1,
    };

    [Fact]
    public async Task A_dataset_is_read_and_parsed_once_and_then_served_from_memory()
    {
        var cache = new ParsedDatasets();
        var reads = 0;
        Task<byte[]> Read() { reads++; return Task.FromResult(Csv); }

        var (first, bytes) = await cache.GetAsync("cid-1", DatasetFormat.Csv, Read);
        var (second, _) = await cache.GetAsync("cid-1", DatasetFormat.Csv, Read);
        Assert.Equal(1, reads);
        Assert.Same(first, second);
        Assert.Equal(Csv.Length, bytes);
        Assert.Equal(60, first.Rows);

        // Another format of the same content is another parse.
        await cache.GetAsync("cid-1", DatasetFormat.Auto, Read);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task Only_the_most_recent_datasets_are_kept()
    {
        var cache = new ParsedDatasets();
        var reads = new Dictionary<string, int>();
        Func<Task<byte[]>> Reader(string cid) => () =>
        {
            reads[cid] = reads.GetValueOrDefault(cid) + 1;
            return Task.FromResult(Csv);
        };
        for (var i = 0; i <= ParsedDatasets.Capacity; i++) await cache.GetAsync($"cid-{i}", DatasetFormat.Csv, Reader($"cid-{i}"));
        await cache.GetAsync($"cid-{ParsedDatasets.Capacity}", DatasetFormat.Csv, Reader($"cid-{ParsedDatasets.Capacity}"));
        Assert.Equal(1, reads[$"cid-{ParsedDatasets.Capacity}"]);
        // The oldest went when the capacity was passed: it is read again.
        await cache.GetAsync("cid-0", DatasetFormat.Csv, Reader("cid-0"));
        Assert.Equal(2, reads["cid-0"]);
    }

    [Fact]
    public async Task A_failed_read_or_parse_keeps_nothing()
    {
        var cache = new ParsedDatasets();
        await Assert.ThrowsAsync<IOException>(() => cache.GetAsync("cid-x", DatasetFormat.Csv, () => throw new IOException("gone")));
        await Assert.ThrowsAsync<DatasetException>(() =>
            cache.GetAsync("cid-x", DatasetFormat.Csv, () => Task.FromResult(Encoding.UTF8.GetBytes("a,b,c\n1,2,0\n1,2\n"))));
        var reads = 0;
        await cache.GetAsync("cid-x", DatasetFormat.Csv, () => { reads++; return Task.FromResult(Csv); });
        Assert.Equal(1, reads);
    }

    [Fact]
    public async Task A_part_is_taken_once_per_partition_and_equals_a_fresh_one()
    {
        var cache = new ParsedDatasets();
        var (dataset, _) = await cache.GetAsync("cid-1", DatasetFormat.Csv, () => Task.FromResult(Csv));
        var part = cache.Part("cid-1", DatasetFormat.Csv, dataset, Part(1));
        Assert.Same(part, cache.Part("cid-1", DatasetFormat.Csv, dataset, Part(1)));
        Assert.NotSame(part, cache.Part("cid-1", DatasetFormat.Csv, dataset, Part(2)));

        var fresh = Partitioner.Apply(dataset, Part(1));
        Assert.Equal(fresh.Labels.ToArray(), part.Labels.ToArray());
        Assert.Equal(fresh.Features.ToArray(), part.Features.ToArray());

        // A dataset the cache does not hold (a caller's own copy) is never mixed up with one it does.
        var other = DatasetReader.Read(Csv, DatasetFormat.Csv);
        Assert.NotSame(part, cache.Part("cid-1", DatasetFormat.Csv, other, Part(1)));
    }
}
