namespace Parity;

/// <summary>Reports on the caller's thread, in order (<see cref="Progress{T}"/> posts to the thread pool and may reorder).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
