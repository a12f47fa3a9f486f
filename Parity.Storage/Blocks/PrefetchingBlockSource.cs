using System.Collections.Concurrent;

namespace Parity.Storage;

/// <summary>
/// Asks for the next blocks of a file before the reader does. A file is read in link order, so when a dag-pb node
/// arrives its children are queued and up to <paramref name="window"/> of them are fetched at once: the network round
/// trips overlap instead of adding up. Memory stays bounded by the window.
/// </summary>
public sealed class PrefetchingBlockSource(IBlockSource inner, int window = 8) : IBlockSource
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Cid> _upcoming = new();
    private readonly ConcurrentDictionary<Cid, Task<byte[]>> _inFlight = new();

    public async ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation)
    {
        Task<byte[]> fetch;
        lock (_lock)
        {
            _upcoming.Remove(cid);
            fetch = _inFlight.TryRemove(cid, out var started) ? started : inner.GetAsync(cid, cancellation).AsTask();
        }
        var block = await fetch.WaitAsync(cancellation);
        // A plain file leaf has no links to queue: recognised without decoding it (a copy of its chunk, or several).
        if (cid.Codec == Multicodec.DagPb && !UnixFsLeaf.TryFind(block, out _, out _))
        {
            PbNode node;
            try
            {
                node = DagPbCodec.Decode(block);
            }
            catch (DagPbFormatException)
            {
                return block; // the reader reports it; nothing to prefetch
            }
            lock (_lock)
            {
                // Children come before what was queued earlier: the reader goes depth first.
                for (var i = node.Links.Count - 1; i >= 0; i--) _upcoming.AddFirst(node.Links[i].Hash);
            }
        }
        TopUp(cancellation);
        return block;
    }

    private void TopUp(CancellationToken cancellation)
    {
        lock (_lock)
        {
            while (_inFlight.Count < window && _upcoming.First is { } first)
            {
                _upcoming.RemoveFirst();
                var task = inner.GetAsync(first.Value, cancellation).AsTask();
                // A prefetch nobody reads (the reader stopped) must not surface as an unobserved failure.
                _ = task.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                _inFlight.TryAdd(first.Value, task);
            }
        }
    }
}
