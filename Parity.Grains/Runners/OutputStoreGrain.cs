using System.Runtime.CompilerServices;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// This silo's output store as a grain (see <see cref="IOutputStoreGrain"/>): placed on the silo its key names, so a
/// gateway anywhere reads a stream from the disk it is on. Stateless; the store does the work.
/// </summary>
[SiloNamePlacement]
public sealed class OutputStoreGrain(LongOutputs outputs) : Grain, IOutputStoreGrain
{
    private const int PieceBytes = 64 * 1024;

    public Task<long?> Length(string taskId, int attempt, string stream) =>
        Task.FromResult(outputs.Store.Length(taskId, attempt, stream));

    public async IAsyncEnumerable<byte[]> Read(string taskId, int attempt, string stream,
        [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await using var file = outputs.Store.Open(taskId, attempt, stream);
        var buffer = new byte[PieceBytes];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellation)) > 0)
            yield return buffer.AsSpan(0, read).ToArray();
    }

    public Task Delete(string taskId)
    {
        outputs.Store.Delete(taskId);
        return Task.CompletedTask;
    }
}
