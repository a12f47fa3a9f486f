using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>
/// The verified multi-gateway fetch against hostile gateways on real sockets: every fault is caught, the file still
/// arrives whole from an honest gateway, and the report names the gateway that misbehaved.
/// </summary>
public sealed class GatewayBlockSourceTests : IAsyncLifetime
{
    private readonly MemoryBlockstore _blocks = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly List<FaultyGateway> _gateways = [];
    private byte[] _content = null!;
    private Cid _root = null!;

    public async Task InitializeAsync()
    {
        _content = new byte[1_500_000]; // six 256 KiB leaves under one root: seven blocks
        new Random(42).NextBytes(_content);
        _root = (await UnixFsImporter.ImportAsync(new MemoryStream(_content), ImportProfile.Legacy, _blocks)).Root;
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways) await gateway.DisposeAsync();
        _http.Dispose();
    }

    private async Task<FaultyGateway> Gateway(GatewayFault fault = GatewayFault.None)
    {
        var gateway = await FaultyGateway.StartAsync(_blocks, fault);
        _gateways.Add(gateway);
        return gateway;
    }

    /// <summary>
    /// Short timeouts so stalls end quickly; a long hedge delay and no first-block race, so the order of asking is the
    /// configured one and the faulty gateway is always asked (a race would cancel it before it is caught).
    /// </summary>
    private GatewayBlockSource Source(TimeSpan? hedge = null, TimeSpan? stall = null, bool race = false, params FaultyGateway[] gateways) =>
        new(_http, new GatewayFetchOptions
        {
            RaceFirstBlock = race,
            Gateways = [.. gateways.Select(g => g.Url)],
            StallTimeout = stall ?? TimeSpan.FromSeconds(5),
            HedgeDelay = hedge ?? TimeSpan.FromMinutes(1),
            RetryDelay = TimeSpan.FromMilliseconds(10),
        });

    private async Task<byte[]> ReadAll(IBlockSource source)
    {
        var output = new MemoryStream();
        await UnixFsReader.CopyToAsync(_root, source, output);
        return output.ToArray();
    }

    [Theory]
    [InlineData(GatewayFault.FlipBit)]
    [InlineData(GatewayFault.OtherBlock)]
    [InlineData(GatewayFault.Oversized)]
    [InlineData(GatewayFault.OversizedAnnounced)]
    public async Task A_gateway_serving_wrong_bytes_is_caught_dropped_and_reported_and_the_file_arrives_whole(GatewayFault fault)
    {
        var liar = await Gateway(fault);
        var honest = await Gateway();
        var source = Source(gateways: [liar, honest]);

        Assert.Equal(_content, await ReadAll(source));

        var report = source.Report[0];
        Assert.True(report.Dropped, report.ToString());
        Assert.Single(report.BadBlocks); // dropped after the first: never asked again in this fetch
        Assert.Equal(1, liar.Hits);
        Assert.Equal(0, report.Blocks);
        Assert.Equal(7, source.Report[1].Blocks);
    }

    [Theory]
    [InlineData(GatewayFault.Stall)]
    [InlineData(GatewayFault.ServerError)]
    [InlineData(GatewayFault.TooManyRequests)]
    [InlineData(GatewayFault.NotFound)]
    [InlineData(GatewayFault.Truncate)]
    public async Task A_gateway_that_fails_or_stalls_is_passed_over_and_reported(GatewayFault fault)
    {
        var failing = await Gateway(fault);
        var honest = await Gateway();
        var source = Source(gateways: [failing, honest]);

        Assert.Equal(_content, await ReadAll(source));

        var report = source.Report[0];
        Assert.False(report.Dropped);
        Assert.Equal(0, report.Blocks);
        Assert.True(report.Stalls + report.Errors.Count > 0, report.ToString());
        if (fault == GatewayFault.Stall) Assert.True(report.Stalls > 0 && failing.Aborted > 0, report.ToString());
        // Its record sinks below the honest gateway's, so it is not asked first for every block.
        Assert.True(failing.Hits < 7 * 3, $"{failing.Hits} requests to the failing gateway");
        Assert.Equal(7, source.Report[1].Blocks);
    }

    [Fact]
    public async Task With_only_lying_gateways_the_fetch_fails_naming_each_and_why()
    {
        var flips = await Gateway(GatewayFault.FlipBit);
        var missing = await Gateway(GatewayFault.NotFound);
        var source = Source(gateways: [flips, missing]);

        var error = await Assert.ThrowsAsync<BlockNotFoundException>(() => ReadAll(source));

        Assert.Contains($"no gateway gave a verified block {_root}", error.Message);
        Assert.Contains($"{flips.Url}: its ", error.Message);
        Assert.Contains("do not hash to the CID", error.Message);
        Assert.Contains($"{missing.Url}: 404", error.Message);
    }

    [Fact]
    public async Task A_transient_error_is_retried_at_the_same_gateway()
    {
        var flaky = await Gateway(GatewayFault.ServerError);
        flaky.FaultCount = 2; // two 500s, then honest
        var source = Source(gateways: [flaky]);

        Assert.Equal(_content, await ReadAll(source));

        Assert.Equal(7, source.Report[0].Blocks);
        // The first answer (500) is recorded; the second pass retried with backoff until the gateway answered.
        Assert.Single(source.Report[0].Errors);
        Assert.Equal(7 + 2, flaky.Hits);
    }

    [Fact]
    public async Task A_slow_gateway_is_hedged_and_its_request_cancelled_once_another_answers()
    {
        var staller = await Gateway(GatewayFault.Stall);
        var honest = await Gateway();
        // The stall timeout is long: what rescues the fetch here is the hedge, not the timeout.
        var source = Source(hedge: TimeSpan.FromMilliseconds(200), stall: TimeSpan.FromMinutes(2), gateways: [staller, honest]);

        var block = await source.GetAsync(_root, CancellationToken.None);

        Assert.True(_root.Matches(block));
        Assert.Equal(1, source.Report[1].Blocks);
        await Eventually.True(() => Task.FromResult(staller.Aborted == 1), TimeSpan.FromSeconds(10), "the stalled request was cancelled");
    }

    [Fact]
    public async Task The_first_block_is_raced_so_a_stalling_first_gateway_costs_nothing()
    {
        var staller = await Gateway(GatewayFault.Stall);
        var refuser = await Gateway(GatewayFault.ServerError);
        var honest = await Gateway();
        // Neither the hedge nor the stall timeout can rescue this fetch in time: only the race does.
        var source = Source(hedge: TimeSpan.FromMinutes(1), stall: TimeSpan.FromMinutes(2), race: true, gateways: [staller, refuser, honest]);

        Assert.Equal(_content, await ReadAll(source));

        Assert.Equal(7, source.Report[2].Blocks);
        Assert.Equal(1, staller.Hits); // asked once, in the race, then ranked below the gateway that answered
        await Eventually.True(() => Task.FromResult(staller.Aborted == 1), TimeSpan.FromSeconds(10), "the stalled request was cancelled");
    }

    [Fact]
    public async Task A_gateway_that_dies_halfway_through_a_file_is_replaced_by_another()
    {
        var first = await Gateway();
        var second = await Gateway();
        var source = Source(gateways: [first, second]);

        var output = new MemoryStream();
        await foreach (var chunk in UnixFsReader.ReadAsync(_root, source))
        {
            output.Write(chunk.Span);
            if (output.Length >= _content.Length / 2 && _gateways.Contains(first))
            {
                _gateways.Remove(first);
                await first.DisposeAsync();
            }
        }

        Assert.Equal(_content, output.ToArray());
        Assert.True(source.Report[0].Blocks is > 0 and < 7, source.Report[0].ToString());
        // The first block is asked of both at once (no record yet), so the loser of that race may have served it too.
        Assert.True(source.Report[0].Blocks + source.Report[1].Blocks is 7 or 8, $"{source.Report[0]} / {source.Report[1]}");
    }

    [Fact]
    public async Task Many_blocks_at_once_all_arrive_verified()
    {
        var raw = new List<Cid>();
        for (var i = 0; i < 64; i++)
        {
            var block = new byte[1000 + i];
            new Random(i).NextBytes(block);
            var cid = Cid.Of(block, Multicodec.Raw, 1);
            await _blocks.PutAsync(cid, block, CancellationToken.None);
            raw.Add(cid);
        }
        var source = Source(gateways: [await Gateway(GatewayFault.FlipBit), await Gateway(), await Gateway()]);

        var blocks = await Task.WhenAll(raw.Select(cid => source.GetAsync(cid, CancellationToken.None).AsTask()));

        Assert.All(raw.Zip(blocks), pair => Assert.True(pair.First.Matches(pair.Second)));
        Assert.True(source.Report[0].Dropped);
    }

    [Fact]
    public async Task A_damaged_cache_file_is_detected_and_fetched_again()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"parity-cache-{Guid.NewGuid():N}");
        try
        {
            var gateway = await Gateway();
            var cache = new FileBlockstore(dir);
            Assert.Equal(_content, await ReadAll(new CachingBlockSource(cache, Source(gateways: [gateway]))));
            Assert.Equal(7, gateway.Hits);
            Assert.Equal(_content, await ReadAll(new CachingBlockSource(cache, Source(gateways: [gateway]))));
            Assert.Equal(7, gateway.Hits); // all from the cache

            var file = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).First(f => new FileInfo(f).Length > 1000);
            var bytes = await File.ReadAllBytesAsync(file);
            bytes[10] ^= 1;
            await File.WriteAllBytesAsync(file, bytes);

            Assert.Equal(_content, await ReadAll(new CachingBlockSource(cache, Source(gateways: [gateway]))));
            Assert.Equal(8, gateway.Hits); // the damaged block only
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_file_preloaded_as_one_car_needs_no_block_requests()
    {
        var gateway = await Gateway();
        var store = new MemoryBlockstore();
        var fetch = new GatewayFetch(store, Source(gateways: [gateway]));

        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.Equal(1, gateway.CarHits);
        Assert.Equal(0, gateway.Hits);
    }

    [Fact]
    public async Task A_tampered_car_drops_its_gateway_and_the_car_comes_from_another()
    {
        var liar = await Gateway();
        liar.CarFault = GatewayFault.FlipBit;
        var honest = await Gateway();
        var store = new MemoryBlockstore();
        var fetch = new GatewayFetch(store, Source(gateways: [liar, honest]));

        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.True(fetch.Remote.Report[0].Dropped, fetch.Remote.Report[0].ToString());
        Assert.Equal(1, honest.CarHits);
        Assert.Equal(0, liar.Hits + honest.Hits); // every block came in the honest CAR
    }

    [Fact]
    public async Task What_a_cut_off_car_lacked_is_fetched_block_by_block()
    {
        var gateway = await Gateway();
        gateway.CarFault = GatewayFault.Truncate;
        var store = new MemoryBlockstore();
        var fetch = new GatewayFetch(store, Source(gateways: [gateway]));

        await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None);
        var fromCar = store.Count;

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.True(fromCar is > 0 and < 7, $"{fromCar} blocks came in the cut-off CAR");
        Assert.Equal(7 - fromCar, gateway.Hits);
    }

    [Fact]
    public async Task The_car_is_asked_of_the_gateway_that_answered_the_root_first()
    {
        var refuser = await Gateway(GatewayFault.ServerError);
        refuser.CarFault = GatewayFault.ServerError;
        var staller = await Gateway(GatewayFault.Stall);
        staller.CarFault = GatewayFault.Stall;
        var honest = await Gateway();
        // What a runner does: the root raced across the gateways (for the size check), then the DAG as one CAR. Neither
        // the hedge nor the stall timeout could rescue a CAR asked of the wrong gateway in time.
        var fetch = new GatewayFetch(new MemoryBlockstore(),
            Source(hedge: TimeSpan.FromMinutes(1), stall: TimeSpan.FromMinutes(2), race: true, gateways: [refuser, staller, honest]));

        await UnixFsReader.StatAsync(_root, fetch, CancellationToken.None);
        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.Equal((0, 0, 1), (refuser.CarHits, staller.CarHits, honest.CarHits));
        Assert.Equal(1, honest.Hits); // the root, in the race; everything else came in its CAR
        Assert.Empty(fetch.Remote.Report[1].Errors);
    }

    [Fact]
    public async Task With_no_record_yet_the_car_is_raced_so_a_stalling_first_gateway_costs_nothing()
    {
        var staller = await Gateway();
        staller.CarFault = GatewayFault.Stall;
        var honest = await Gateway();
        // The root is already in the store (a runner's cache), so no block was raced and no gateway has a record.
        var store = new MemoryBlockstore();
        await store.PutAsync(_root, await _blocks.GetAsync(_root, CancellationToken.None), CancellationToken.None);
        var fetch = new GatewayFetch(store,
            Source(hedge: TimeSpan.FromMinutes(1), stall: TimeSpan.FromMinutes(2), race: true, gateways: [staller, honest]));

        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.Equal((1, 1), (staller.CarHits, honest.CarHits));
        Assert.Equal(0, staller.Hits + honest.Hits);
        // The stalled CAR lost the race and was cancelled: not a failure of the staller's, and not waited out.
        Assert.Empty(fetch.Remote.Report[0].Errors);
        Assert.Equal(0, fetch.Remote.Report[0].Blocks);
        await Eventually.True(() => Task.FromResult(staller.Aborted == 1), TimeSpan.FromSeconds(10), "the stalled CAR request was cancelled");
    }

    [Fact]
    public async Task A_car_that_stalls_at_the_preferred_gateway_is_hedged_at_the_next()
    {
        var preferred = await Gateway();
        preferred.CarFault = GatewayFault.Stall;
        var other = await Gateway();
        var fetch = new GatewayFetch(new MemoryBlockstore(),
            Source(hedge: TimeSpan.FromMilliseconds(200), stall: TimeSpan.FromMinutes(2), gateways: [preferred, other]));
        // The first gateway serves the root, so it leads the record and is asked for the CAR first.
        await UnixFsReader.StatAsync(_root, fetch, CancellationToken.None);
        Assert.Equal(1, fetch.Remote.Report[0].Blocks);

        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.Equal((1, 1), (preferred.CarHits, other.CarHits));
        Assert.Equal(1, preferred.Hits + other.Hits); // the root only
        Assert.Empty(fetch.Remote.Report[0].Errors);
        await Eventually.True(() => Task.FromResult(preferred.Aborted == 1), TimeSpan.FromSeconds(10), "the stalled CAR request was cancelled");
    }

    [Fact]
    public async Task A_car_refused_by_the_preferred_gateway_is_asked_of_the_next_at_once()
    {
        var refuser = await Gateway();
        refuser.CarFault = GatewayFault.ServerError;
        var other = await Gateway();
        var fetch = new GatewayFetch(new MemoryBlockstore(),
            Source(hedge: TimeSpan.FromMinutes(1), stall: TimeSpan.FromMinutes(2), gateways: [refuser, other]));
        await UnixFsReader.StatAsync(_root, fetch, CancellationToken.None);

        Assert.True(await fetch.PreloadAsync(_root, 2 << 20, CancellationToken.None));

        Assert.Equal(_content, await ReadAll(fetch));
        Assert.Equal((1, 1), (refuser.CarHits, other.CarHits));
        Assert.Contains(fetch.Remote.Report[0].Errors, e => e.Contains("as CAR: answered 500"));
    }

    /// <summary>A store that checks, as each block is put, that its bytes hash to its CID.</summary>
    private sealed class CheckingStore : IBlockSink
    {
        public int Puts;
        public int Unverified;
        public ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation)
        {
            Interlocked.Increment(ref Puts);
            if (!block.Cid.Matches(block.Bytes.Span)) Interlocked.Increment(ref Unverified);
            return ValueTask.CompletedTask;
        }
    }

    [Theory]
    [InlineData(GatewayFault.FlipBit)]
    [InlineData(GatewayFault.Truncate)]
    public async Task Blocks_hashed_beside_the_reading_of_a_car_reach_the_store_only_once_they_hashed_right(GatewayFault fault)
    {
        var liar = await Gateway();
        liar.CarFault = fault;
        var source = Source(gateways: [liar]);
        var store = new CheckingStore();

        Assert.False(await source.FetchCarAsync(_root, store, 2 << 20, CancellationToken.None));

        Assert.Equal(0, store.Unverified);
        Assert.InRange(store.Puts, 0, 6); // the blocks before the fault, never the bad one or what followed it
        Assert.Equal(store.Puts, source.Report[0].Blocks);
        Assert.Equal(fault == GatewayFault.FlipBit, source.Report[0].Dropped);
    }

    [Fact]
    public async Task A_car_larger_than_the_file_can_be_is_refused()
    {
        var gateway = await Gateway();
        var fetch = new GatewayFetch(new MemoryBlockstore(), Source(gateways: [gateway]));

        Assert.False(await fetch.PreloadAsync(_root, 100_000, CancellationToken.None));

        Assert.True(fetch.Remote.Report[0].Dropped);
        Assert.Contains("sent more than 100000 bytes", fetch.Remote.Report[0].BadBlocks[0]);
    }

    [Theory]
    [InlineData("ftp://gw.example/", "IPFS_GATEWAYS[1] must be an http(s) URL")]
    [InlineData("http://user:pw@gw.example/", "IPFS_GATEWAYS[1] must be an http(s) URL")]
    [InlineData("http://gw.example/?token=1", "IPFS_GATEWAYS[1] must be an http(s) URL")]
    public void Gateways_are_validated_up_front_naming_the_entry(string bad, string expected)
    {
        var options = new GatewayFetchOptions { Gateways = [new Uri("http://127.0.0.1:8080/"), new Uri(bad)] };
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => options.Validate()).Message);
    }
}
