using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace Parity.Gateway.Security;

/// <summary>
/// Remembers accepted webhook signatures for twice the signature tolerance window (a signature verifies from
/// <see cref="WebhookSignature.Tolerance"/> before its timestamp to as long after it), so a captured request cannot be
/// sent again while it would still verify. Bounded: past its capacity the oldest entries are compacted away.
/// </summary>
public sealed class ReplayGuard(TimeProvider clock, int capacity = ReplayGuard.Capacity) : IDisposable
{
    public const int Capacity = 1_000_000;

    /// <summary>How long a signature is remembered: the whole span in which it verifies.</summary>
    public static TimeSpan Memory => WebhookSignature.Tolerance * 2;

    // The cache reads the gateway's clock, so expiry follows the clock the signatures are checked against.
    private readonly MemoryCache _seen = new(new MemoryCacheOptions
    {
        SizeLimit = capacity, CompactionPercentage = 0.1, Clock = new Clock(clock),
    });

    /// <summary>True the first time a signature is seen; false for a replay.</summary>
    public bool FirstSeen(string signature)
    {
        var fresh = false;
        _seen.GetOrCreate(signature, entry =>
        {
            fresh = true;
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = Memory;
            return true;
        });
        return fresh;
    }

    /// <summary>Signatures remembered now.</summary>
    public long Count => _seen.Count;

    public void Dispose() => _seen.Dispose();

    private sealed class Clock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
