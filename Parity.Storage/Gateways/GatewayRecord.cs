namespace Parity.Storage;

/// <summary>What one gateway did during one fetch: the fetch's report lists one per gateway.</summary>
public sealed class GatewayRecord(Uri gateway)
{
    private readonly Lock _lock = new();
    private readonly List<string> _badBlocks = [];
    private readonly List<string> _errors = [];

    public Uri Gateway { get; } = gateway;
    public int Blocks { get; private set; }
    public long Bytes { get; private set; }
    public int Stalls { get; private set; }
    /// <summary>Dropped for the rest of the fetch after serving a block that is not what its CID names.</summary>
    public bool Dropped { get; private set; }
    public IReadOnlyList<string> BadBlocks { get { lock (_lock) return [.. _badBlocks]; } }
    public IReadOnlyList<string> Errors { get { lock (_lock) return [.. _errors]; } }

    /// <summary>Higher is better: verified blocks count for a gateway, failures and stalls against it.</summary>
    public double Score { get { lock (_lock) return Blocks - 4.0 * _errors.Count - 8.0 * Stalls; } }

    internal void Served(int bytes)
    {
        lock (_lock)
        {
            Blocks++;
            Bytes += bytes;
        }
        StorageMetrics.RecordVerified(Gateway, bytes);
    }

    internal void Bad(Cid cid, string why)
    {
        lock (_lock)
        {
            _badBlocks.Add($"{cid}: {why}");
            Dropped = true;
        }
        StorageMetrics.RecordRejected(Gateway);
    }

    internal void Stalled()
    {
        lock (_lock) Stalls++;
    }

    internal void Failed(string error)
    {
        lock (_lock)
            if (_errors.Count < 100) _errors.Add(error);
    }

    public override string ToString() =>
        $"{Gateway}: {Blocks} blocks, {Bytes} bytes, {BadBlocks.Count} bad, {Stalls} stalls, {Errors.Count} errors{(Dropped ? ", dropped" : "")}";
}
