using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using Parity.Execution;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// The stdout of one attempt running on this silo, read as it grows: each wake-up of the capture's append signal
/// yields the bytes appended since the last piece, decoded once, cut at a character boundary so a multi-byte UTF-8
/// character is never split between two pieces. The reader ends when the execution ends (after its last bytes) or
/// its caller cancels.
/// </summary>
/// <remarks>
/// Why an <see cref="IAsyncEnumerable{T}"/> grain method carries these pieces, rather than an Orleans stream or a
/// grain observer: the pieces of one attempt matter only to the callers that ask for them, and only while they ask.
/// Orleans' async-enumerable calls give exactly that: the enumeration lives as long as its caller enumerates it,
/// pieces that are ready together go back in one batch, a caller that goes away cancels it, and a dead silo fails
/// the caller's pending call instead of leaving a subscription behind. A stream would need a stream provider and
/// pub-sub storage on every silo and leaves subscriptions to clean up after a failover; an observer needs
/// re-subscription on a timer and a registry in the grain. Neither buys anything for one reader per prompt.
/// </remarks>
public sealed class LiveOutputFeed(OutputCapture stdout, int attempt, CancellationToken ended)
{
    /// <summary>The most bytes one piece carries, so one read never copies an unbounded buffer.</summary>
    private const int MaxPieceBytes = 64 * 1024;

    public async IAsyncEnumerable<LiveOutputPiece> Read(long offset, [EnumeratorCancellation] CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ended, cancellation);
        var stopped = Task.Delay(Timeout.Infinite, stop.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxPieceBytes);
        try
        {
            var position = Math.Max(0, offset);
            var seen = position;
            while (!cancellation.IsCancellationRequested)
            {
                var appended = stdout.WhenLongerThan(seen);
                if (!appended.IsCompleted) await Task.WhenAny(appended, stopped);
                if (cancellation.IsCancellationRequested) yield break;
                // Read "ended" before the bytes: every append happens before the execution ends, so once it has
                // ended, the bytes read after it are all there will be.
                var last = ended.IsCancellationRequested;
                var count = stdout.Read(position, buffer.AsSpan(0, MaxPieceBytes));
                last &= position + count >= stdout.Length;
                seen = position + count;
                // At the end nothing more can complete a cut character: decode it as it is (as the result's text does).
                var whole = last ? count : WholeCharacters(buffer.AsSpan(0, count));
                if (whole > 0)
                {
                    yield return new LiveOutputPiece
                    {
                        Attempt = attempt,
                        Offset = position,
                        Next = position + whole,
                        Text = Encoding.UTF8.GetString(buffer, 0, whole),
                    };
                    position += whole;
                }
                if (last) yield break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The length of the longest prefix of <paramref name="bytes"/> that does not end inside a UTF-8 character: a
    /// lead byte in the last three whose sequence runs past the end is held back for the next piece. Decoding the
    /// prefixes one by one then gives what decoding the whole gives, invalid bytes included.
    /// </summary>
    public static int WholeCharacters(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80) continue;
            var length = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : b < 0xF8 ? 4 : 1;
            return length > back ? bytes.Length - back : bytes.Length;
        }
        return bytes.Length;
    }
}
