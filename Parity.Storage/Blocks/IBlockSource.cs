namespace Parity.Storage;

/// <summary>
/// Somewhere blocks can be had by CID. The contract every implementation keeps: the bytes returned hash to the CID
/// asked for (a source that cannot prove it throws), so a consumer never sees an unverified byte.
/// </summary>
public interface IBlockSource
{
    /// <summary>The verified block; <see cref="BlockNotFoundException"/> when no one has it.</summary>
    ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation);
}
