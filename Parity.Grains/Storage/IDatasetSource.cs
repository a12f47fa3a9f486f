namespace Parity.Storage;

/// <summary>
/// Where a runner finds a dataset by its CID. The storage issue puts verified IPFS fetching behind this; until then
/// <see cref="DirectoryDatasetSource"/> reads an operator's directory of files named by CID.
/// </summary>
public interface IDatasetSource
{
    /// <summary>The dataset's bytes; a <see cref="DatasetNotFoundException"/> says why there are none.</summary>
    Task<byte[]> ReadAsync(string cid, CancellationToken cancellation);
}
