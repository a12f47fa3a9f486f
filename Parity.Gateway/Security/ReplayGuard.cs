using Microsoft.Extensions.Caching.Memory;

namespace Parity.Gateway.Security;

/// <summary>
/// Remembers accepted webhook signatures for the signature tolerance window, so a captured request cannot be sent
/// again. Bounded: past <see cref="Capacity"/> entries the oldest are compacted away.
/// </summary>
public sealed class ReplayGuard : IDisposable
{
    public const int Capacity = 1_000_000;
    private readonly MemoryCache _seen = new(new MemoryCacheOptions { SizeLimit = Capacity, CompactionPercentage = 0.1 });

    /// <summary>True the first time a signature is seen; false for a replay.</summary>
    public bool FirstSeen(string signature)
    {
        var fresh = false;
        _seen.GetOrCreate(signature, entry =>
        {
            fresh = true;
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = WebhookSignature.Tolerance * 2;
            return true;
        });
        return fresh;
    }

    public void Dispose() => _seen.Dispose();
}
