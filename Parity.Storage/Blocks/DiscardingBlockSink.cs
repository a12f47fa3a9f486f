namespace Parity.Storage;

/// <summary>A sink that keeps nothing: importing into it computes a file's CID only (as <c>ipfs add --only-hash</c>).</summary>
public sealed class DiscardingBlockSink : IBlockSink
{
    public static DiscardingBlockSink Instance { get; } = new();

    public ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation) => ValueTask.CompletedTask;

    /// <summary>Nothing is kept, so the importer reuses its chunk buffers for this sink.</summary>
    public bool RetainsBlocks => false;
}
