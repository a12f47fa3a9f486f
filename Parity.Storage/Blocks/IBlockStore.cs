namespace Parity.Storage;

/// <summary>A place that keeps blocks: read back verified, written, and asked whether it has one.</summary>
public interface IBlockStore : IBlockSource, IBlockSink
{
    bool Has(Cid cid);
}
