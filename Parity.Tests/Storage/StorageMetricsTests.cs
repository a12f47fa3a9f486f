using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>
/// The storage meter (Parity.Storage) counts what a runner fetched where each block is hashed against its CID: a
/// gateway's verified blocks and bytes, and the blocks it served that were refused. Each gateway here listens on a port
/// of its own, so the counts under its URL are this test's alone.
/// </summary>
public sealed class StorageMetricsTests : IAsyncLifetime
{
    private readonly MemoryBlockstore _blocks = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly List<FaultyGateway> _gateways = [];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Gateway), long> _counts = new();
    private byte[] _content = null!;
    private Cid _root = null!;

    public async Task InitializeAsync()
    {
        _content = new byte[700_000]; // three 256 KiB leaves under one root: four blocks
        new Random(7).NextBytes(_content);
        _root = (await UnixFsImporter.ImportAsync(new MemoryStream(_content), ImportProfile.Legacy, _blocks)).Root;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == StorageMetrics.Name) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "storage.gateway")
                    _counts.AddOrUpdate((instrument.Name, (string)tag.Value!), value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        foreach (var gateway in _gateways) await gateway.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task Verified_bytes_and_refused_blocks_are_counted_per_gateway()
    {
        var liar = await FaultyGateway.StartAsync(_blocks, GatewayFault.FlipBit);
        var honest = await FaultyGateway.StartAsync(_blocks, GatewayFault.None);
        _gateways.AddRange([liar, honest]);
        var source = new GatewayBlockSource(_http, new GatewayFetchOptions
        {
            RaceFirstBlock = false,
            Gateways = [liar.Url, honest.Url],
            HedgeDelay = TimeSpan.FromMinutes(1),
            RetryDelay = TimeSpan.FromMilliseconds(10),
        });

        var output = new MemoryStream();
        await UnixFsReader.CopyToAsync(_root, source, output);
        Assert.Equal(_content, output.ToArray());

        var blockBytes = 0L;
        foreach (var cid in await AllBlocks()) blockBytes += (await _blocks.GetAsync(cid, CancellationToken.None)).Length;
        Assert.Equal(4, Count("parity.storage.blocks.verified", honest));
        Assert.Equal(blockBytes, Count("parity.storage.fetched", honest));
        Assert.Equal(0, Count("parity.storage.blocks.rejected", honest));
        Assert.Equal(1, Count("parity.storage.blocks.rejected", liar));
        Assert.Equal(0, Count("parity.storage.blocks.verified", liar));
        Assert.Equal(0, Count("parity.storage.fetched", liar));
    }

    private long Count(string instrument, FaultyGateway gateway) => _counts.GetValueOrDefault((instrument, gateway.Url.AbsoluteUri));

    /// <summary>The root and its leaves: the blocks a reader of the file fetches.</summary>
    private async Task<IReadOnlyList<Cid>> AllBlocks()
    {
        var node = DagPbCodec.Decode(await _blocks.GetAsync(_root, CancellationToken.None));
        return [_root, .. node.Links.Select(l => l.Hash)];
    }
}
