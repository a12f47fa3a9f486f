using Parity.Storage;

namespace Parity.Tests.Storage;

[CollectionDefinition(nameof(StreamingMemoryTests), DisableParallelization = true)]
public sealed class StreamingMemoryCollection;

/// <summary>Live managed memory (after full collections, sampled every 16 MiB) stays flat while 256 MiB go through.</summary>
[Collection(nameof(StreamingMemoryTests))]
public sealed class StreamingMemoryTests : IDisposable
{
    private const long Size = 256L * 1024 * 1024;
    private const long Budget = 32L * 1024 * 1024;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-mem-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, true);

    private sealed class Sampler(long baseline)
    {
        private long _next;
        public long Peak { get; private set; }

        public void At(long position)
        {
            if (position < _next) return;
            _next = position + 16L * 1024 * 1024;
            Peak = Math.Max(Peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
    }

    [Fact]
    public async Task Importing_and_reading_back_256_MiB_keeps_live_memory_flat()
    {
        var store = new FileBlockstore(_dir);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var sampler = new Sampler(baseline);
        var result = await UnixFsImporter.ImportAsync(new SeededStream(Size, 77), ImportProfile.V1_2025, store,
            new Progress(sampler.At));
        Assert.Equal(Size, result.FileSize);

        var expected = new SeededStream(Size, 77);
        var buffer = new byte[1024 * 1024];
        long read = 0;
        await foreach (var piece in UnixFsReader.ReadAsync(result.Root, store))
        {
            var n = expected.Read(buffer, 0, piece.Length);
            Assert.True(piece.Span.SequenceEqual(buffer.AsSpan(0, n)), $"bytes differ at {read}");
            read += piece.Length;
            sampler.At(read);
        }
        Assert.Equal(Size, read);
        Assert.InRange(sampler.Peak, long.MinValue, Budget);
    }

    // Synchronous, unlike Progress<T>, so samples are taken on the importing thread at the moment they are due.
    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
