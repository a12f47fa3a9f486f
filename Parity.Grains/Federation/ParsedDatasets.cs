using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Federation;

/// <summary>
/// The datasets a runner parsed lately, by CID, with the parts it took of them. Content by CID never changes, so a
/// parsed copy stays right for as long as it is kept: a session's later rounds skip reading, re-hashing, parsing and
/// partitioning the same file on every round (most of a small round's time on the runner). A few recent datasets are
/// kept, and none larger than <see cref="MaxBytes"/>; the trainers only read them.
/// </summary>
public sealed class ParsedDatasets
{
    public const int Capacity = 4;
    public const long MaxBytes = 256L << 20;

    private readonly Lock _gate = new();
    private readonly LinkedList<Entry> _recent = new();

    /// <summary>The dataset and its size in bytes: from memory, or read by <paramref name="read"/> and parsed.</summary>
    public async Task<(Dataset Dataset, long Bytes)> GetAsync(string cid, DatasetFormat format, Func<Task<byte[]>> read)
    {
        lock (_gate)
        {
            if (Find(cid, format) is { } hit)
            {
                _recent.Remove(hit);
                _recent.AddFirst(hit);
                return (hit.Value.Dataset, hit.Value.Bytes);
            }
        }
        var bytes = await read();
        var dataset = DatasetReader.Read(bytes, format);
        if (bytes.Length > MaxBytes) return (dataset, bytes.Length);
        lock (_gate)
        {
            if (Find(cid, format) is null)
            {
                _recent.AddFirst(new Entry(cid, format, dataset, bytes.Length));
                if (_recent.Count > Capacity) _recent.RemoveLast();
            }
        }
        return (dataset, bytes.Length);
    }

    /// <summary>This runner's part of a dataset kept here, taken once per partition config.</summary>
    public Dataset Part(string cid, DatasetFormat format, Dataset dataset, PartitionConfig partition)
    {
        Entry? entry;
        lock (_gate) entry = Find(cid, format)?.Value;
        if (entry is null || !ReferenceEquals(entry.Dataset, dataset)) return Partitioner.Apply(dataset, partition);
        lock (_gate)
            if (entry.Parts.TryGetValue(partition, out var known)) return known;
        var part = Partitioner.Apply(dataset, partition);
        lock (_gate)
        {
            // One session's rounds reuse one part; a runner in several sessions keeps a few.
            if (entry.Parts.Count >= Capacity) entry.Parts.Clear();
            entry.Parts[partition] = part;
        }
        return part;
    }

    private LinkedListNode<Entry>? Find(string cid, DatasetFormat format)
    {
        for (var node = _recent.First; node is not null; node = node.Next)
            if (node.Value.Cid == cid && node.Value.Format == format) return node;
        return null;
    }

    private sealed record Entry(string Cid, DatasetFormat Format, Dataset Dataset, long Bytes)
    {
        public Dictionary<PartitionConfig, Dataset> Parts { get; } = new();
    }
}
