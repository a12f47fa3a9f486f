
namespace Parity.Storage;

/// <summary>Datasets by CID from the runner's cache and the configured gateways, verified (the default source).</summary>
public sealed class IpfsDatasetSource(ContentFetcher content, long maxBytes) : IDatasetSource
{
    public async Task<byte[]> ReadAsync(string cid, CancellationToken cancellation)
    {
        if (!Cid.TryParse(cid, out var parsed, out var error))
            throw new DatasetNotFoundException($"dataset_cid '{cid}' is not a CID: {error}");
        try
        {
            return await content.ReadAllAsync(parsed!, maxBytes, "RUNNER_DATASET_MAX_SIZE", cancellation);
        }
        catch (ContentTooLargeException e)
        {
            throw new DatasetNotFoundException($"dataset {e.Message}");
        }
        catch (BlockNotFoundException e)
        {
            throw new DatasetNotFoundException($"dataset {cid} could not be fetched: {e.Message}");
        }
        catch (DagPbFormatException e)
        {
            throw new DatasetNotFoundException($"dataset {cid} is not a UnixFS file: {e.Message}");
        }
    }
}
