using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Parity;

/// <summary>
/// The live sources of an observable instrument: each registers while it exists (a grain activation, a silo's runner)
/// and is read at each collection. Several can be alive in one process: test clusters, or a grain that moved away
/// and back; each measurement carries its own attributes.
/// </summary>
public sealed class MetricSources<T> where T : struct
{
    private readonly ConcurrentDictionary<object, Func<IEnumerable<Measurement<T>>>> _sources = new();

    public IDisposable Add(Func<IEnumerable<Measurement<T>>> source)
    {
        var token = new object();
        _sources[token] = source;
        return new Registration(() => _sources.TryRemove(token, out _));
    }

    public IEnumerable<Measurement<T>> Observe() => _sources.Values.SelectMany(source => source()).ToList();

    private sealed class Registration(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) remove();
        }
    }
}
