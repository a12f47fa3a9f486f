using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parity.Storage;

/// <summary>
/// Verified fetch against the plain download it replaces, side by side in one run, from one local Kestrel server:
/// (1) N MiB as one plain GET vs block by block through <see cref="GatewayBlockSource"/> (every block hashed), serial
/// and with the reader's prefetch; (2) 16 MiB from three gateways (one answering 500, one stalling, one honest, in that
/// order) vs the honest one alone.
/// </summary>
internal static class FetchBenchmark
{
    public static async Task Run(int megabytes, int repeats)
    {
        var content = new byte[megabytes << 20];
        new Random(1).NextBytes(content);
        var blocks = new MemoryBlockstore();
        var root = (await UnixFsImporter.ImportAsync(new MemoryStream(content), ImportProfile.Legacy, blocks)).Root;
        var small = new MemoryBlockstore();
        var smallRoot = (await UnixFsImporter.ImportAsync(new MemoryStream(content, 0, 16 << 20), ImportProfile.Legacy, small)).Root;

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/plain", () => Results.Bytes(content, "application/octet-stream"));
        app.MapGet("/honest/ipfs/{cid}", async (HttpContext context, string cid) =>
        {
            var parsed = Cid.Parse(cid);
            if (context.Request.Query["format"] == "car")
            {
                context.Response.ContentType = "application/vnd.ipld.car";
                await CarWriter.WriteAsync(parsed, blocks.Has(parsed) ? blocks : small, context.Response.Body, context.RequestAborted);
                return;
            }
            context.Response.ContentType = "application/vnd.ipld.raw";
            await context.Response.Body.WriteAsync(await Either(blocks, small, parsed));
        });
        app.MapGet("/refusing/ipfs/{cid}", () => Results.StatusCode(500));
        app.MapGet("/stalling/ipfs/{cid}", async (HttpContext context) =>
        {
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted); } catch (OperationCanceledException) { }
        });
        await app.StartAsync();
        var url = app.Urls.First();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        GatewayBlockSource Source(params string[] names) =>
            new(http, new GatewayFetchOptions { Gateways = [.. names.Select(n => new Uri($"{url}/{n}/"))] });

        static async Task<double> Time(Func<Task> run)
        {
            // The previous run's garbage (hundreds of MiB of blocks) is collected here, not inside the next timed run.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var clock = Stopwatch.StartNew();
            await run();
            return clock.Elapsed.TotalSeconds;
        }

        async Task<double> Best(Func<Task> run)
        {
            await run(); // warm-up
            var best = double.MaxValue;
            for (var i = 0; i < repeats; i++) best = Math.Min(best, await Time(run));
            return best;
        }

        // Two ways of doing the same thing, alternated run by run, so a burst of load on the shared machine falls on both
        // rather than on whichever ran during it: the best and the median of each.
        async Task<((double Best, double Median) A, (double Best, double Median) B)> Compare(Func<Task> a, Func<Task> b, int times)
        {
            await a();
            await b();
            var ta = new List<double>();
            var tb = new List<double>();
            for (var i = 0; i < times; i++)
            {
                ta.Add(await Time(a));
                tb.Add(await Time(b));
            }
            static (double, double) Summary(List<double> t) => (t.Min(), t.Order().ElementAt(t.Count / 2));
            return (Summary(ta), Summary(tb));
        }

        var serial = await Best(() => UnixFsReader.CopyToAsync(root, Source("honest"), Stream.Null));
        var prefetch = await Best(() => UnixFsReader.CopyToAsync(root, new PrefetchingBlockSource(Source("honest")), Stream.Null));
        var (plain, car) = await Compare(async () =>
        {
            // Read in 256 KiB pieces, as the CAR fetch reads (the 80 KiB default would make the reference slower than it need be).
            await using var stream = await http.GetStreamAsync($"{url}/plain");
            await stream.CopyToAsync(Stream.Null, 1 << 18);
        }, async () =>
        {
            // What a runner does: the DAG as one CAR into its store (every block hashed on arrival), then the file read from it.
            var fetch = new GatewayFetch(new MemoryBlockstore(), Source("honest"));
            await fetch.PreloadAsync(root, long.MaxValue, CancellationToken.None);
            await UnixFsReader.CopyToAsync(root, fetch, Stream.Null);
        }, repeats);
        double Mbps(double seconds) => megabytes / seconds;
        Console.WriteLine($"fetch {megabytes} MiB, best of {repeats}: plain GET {Mbps(plain.Best):F0} MiB/s; verified block by block " +
                          $"{Mbps(serial):F0} MiB/s ({plain.Best / serial:P0} of plain); with prefetch (8) {Mbps(prefetch):F0} MiB/s ({plain.Best / prefetch:P0} of plain); " +
                          $"as one verified CAR {Mbps(car.Best):F0} MiB/s ({plain.Best / car.Best:P0} of plain)");
        Console.WriteLine($"  plain GET and CAR alternated, {repeats} each: best {Mbps(plain.Best):F0} vs {Mbps(car.Best):F0} MiB/s = {plain.Best / car.Best:P0}; " +
                          $"median {Mbps(plain.Median):F0} vs {Mbps(car.Median):F0} MiB/s = {plain.Median / car.Median:P0}");

        var alone = await Best(() => UnixFsReader.CopyToAsync(smallRoot, new PrefetchingBlockSource(Source("honest")), Stream.Null));
        var three = await Best(() => UnixFsReader.CopyToAsync(smallRoot, new PrefetchingBlockSource(Source("refusing", "stalling", "honest")), Stream.Null));
        Console.WriteLine($"16 MiB from [refusing, stalling, honest], block by block with prefetch: {three * 1000:F0} ms vs the honest gateway alone {alone * 1000:F0} ms = {three / alone:F2}x");
        async Task RunnerPath(params string[] gateways)
        {
            // A runner's path: the root (raced across the gateways), the size check, the DAG as one CAR, the read.
            var fetch = new GatewayFetch(new MemoryBlockstore(), Source(gateways));
            var stat = await UnixFsReader.StatAsync(smallRoot, fetch, CancellationToken.None);
            await fetch.PreloadAsync(smallRoot, stat.FileSize * 2, CancellationToken.None);
            await UnixFsReader.CopyToAsync(smallRoot, new PrefetchingBlockSource(fetch), Stream.Null);
        }
        // Tens of milliseconds each: three times the runs, so the median means something on a shared machine.
        var (carAlone, carThree) = await Compare(() => RunnerPath("honest"), () => RunnerPath("refusing", "stalling", "honest"), 3 * repeats);
        Console.WriteLine($"16 MiB from [refusing, stalling, honest], root then one CAR, alternated, {3 * repeats} each: best {carThree.Best * 1000:F0} ms vs " +
                          $"the honest gateway alone {carAlone.Best * 1000:F0} ms = {carThree.Best / carAlone.Best:F2}x; " +
                          $"median {carThree.Median * 1000:F0} vs {carAlone.Median * 1000:F0} ms = {carThree.Median / carAlone.Median:F2}x");
        // The same with the root already in the runner's cache (fetched before, or by the size check of an earlier
        // try): no block was raced, so no gateway has a record when the CAR is asked for.
        var rootBlock = await small.GetAsync(smallRoot, CancellationToken.None);
        async Task CachedRootPath(params string[] gateways)
        {
            var store = new MemoryBlockstore();
            await store.PutAsync(smallRoot, rootBlock, CancellationToken.None);
            var fetch = new GatewayFetch(store, Source(gateways));
            var stat = await UnixFsReader.StatAsync(smallRoot, fetch, CancellationToken.None);
            await fetch.PreloadAsync(smallRoot, stat.FileSize * 2, CancellationToken.None);
            await UnixFsReader.CopyToAsync(smallRoot, new PrefetchingBlockSource(fetch), Stream.Null);
        }
        var (cachedAlone, cachedThree) = await Compare(() => CachedRootPath("honest"), () => CachedRootPath("refusing", "stalling", "honest"), repeats);
        Console.WriteLine($"16 MiB from [refusing, stalling, honest], root cached then one CAR, alternated, {repeats} each: best {cachedThree.Best * 1000:F0} ms vs " +
                          $"the honest gateway alone {cachedAlone.Best * 1000:F0} ms = {cachedThree.Best / cachedAlone.Best:F2}x; " +
                          $"median {cachedThree.Median * 1000:F0} vs {cachedAlone.Median * 1000:F0} ms = {cachedThree.Median / cachedAlone.Median:F2}x");
        await app.StopAsync();
    }

    private static async Task<byte[]> Either(MemoryBlockstore a, MemoryBlockstore b, Cid cid) =>
        a.Has(cid) ? await a.GetAsync(cid, CancellationToken.None) : await b.GetAsync(cid, CancellationToken.None);
}
