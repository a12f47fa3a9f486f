using Orleans.Concurrency;

namespace Parity.Tasks;

/// <summary>
/// A runner's output store, keyed by the runner's (silo's) name and living on that silo: the long stdout and stderr
/// of the tasks that ran there, on its disk. Stream names are <c>stdout</c> and <c>stderr</c>.
/// </summary>
public interface IOutputStoreGrain : IGrainWithStringKey
{
    /// <summary>The stored stream's length in bytes, or null when it is not stored here (expired, or deleted).</summary>
    [AlwaysInterleave]
    Task<long?> Length(string taskId, int attempt, string stream);

    /// <summary>The stored stream in pieces of up to 64 KiB (ask <see cref="Length"/> first: a missing one throws).</summary>
    [AlwaysInterleave]
    IAsyncEnumerable<byte[]> Read(string taskId, int attempt, string stream, CancellationToken cancellation = default);

    /// <summary>Deletes every stored stream of the task (it expired).</summary>
    [OneWay, AlwaysInterleave]
    Task Delete(string taskId);
}
