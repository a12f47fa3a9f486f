using Parity.Tasks;
using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parity;
using Parity.Configuration;
using Parity.Gateway;
using Parity.Gateway.Security;
using Parity.Hosting;

// Side-by-side benchmarks of the spine, each against its reference in the same run (docs/benchmarks.md).
//   dotnet run -c Release --project Parity.Benchmarks -- ingest [tasks] [concurrency] [warm-up requests] [raw|httpclient]
//   dotnet run -c Release --project Parity.Benchmarks -- ingest-listers [tasks] [concurrency] [warm-up requests] [listers]
//   dotnet run -c Release --project Parity.Benchmarks -- shell [tasks]
//   dotnet run -c Release --project Parity.Benchmarks -- docker [tasks] [engine socket URI]   (./deploy/docker.sh start; image)
//   dotnet run -c Release --project Parity.Benchmarks -- gemm [size] [repeats]
var mode = args.ElementAtOrDefault(0) ?? "all";
//   dotnet run -c Release --project Parity.Benchmarks -- gpu [repeats] [cpu threads]   (needs a CUDA device)
if (mode is "gpu") return GpuBenchmark.Run(args[1..]);
//   dotnet run -c Release --project Parity.Benchmarks -- retention [tasks] [RESULT_INLINE_LIMIT]
if (mode is "retention")
{
    await Parity.Benchmarks.RetentionBenchmark.Run(Arg(1, 2000), args.ElementAtOrDefault(2) ?? "16k", FreePort(), StartCluster);
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- llm [generations]
//   dotnet run -c Release --project Parity.Benchmarks -- llm-grain [generations]
if (mode is "llm-grain")
{
    await LlmGrainBenchmark.Run(Arg(1, 40), StartCluster);
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- stream [streams] [cpu window seconds]
if (mode is "stream")
{
    await PromptStreamBenchmark.Run(Arg(1, 8), Arg(2, 10), StartCluster, FreePort());
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- fl [redis host:port] [all|forest] [published bin folder]
//   (3 silo processes + the gateway process; the repository's Release build unless a folder is given)
if (mode is "fl")
{
    await FlSessionBenchmark.Run(args.ElementAtOrDefault(1) ?? "127.0.0.1:6390", args.ElementAtOrDefault(2) ?? "all",
        args.ElementAtOrDefault(3));
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- forest-exchange [trees] [parts]   (the histogram protocol in one process)
if (mode is "forest-exchange")
{
    ForestExchangeBenchmark.Run(Path.Combine(FlSessionBenchmark.RepoRoot(), "datasets", "digits.csv"), Arg(1, 100), Arg(2, 3));
    return 0;
}
if (mode is "llm")
{
    await LlmBenchmark.Run(Arg(1, 200));
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- dp [participants] [rounds] [clip] [delta] [z,z,...|none] [seeds]   (in-process)
if (mode is "dp")
{
    DpBenchmark.Run(Arg(1, 20), Arg(2, 30), double.Parse(args.ElementAtOrDefault(3) ?? "1.0", System.Globalization.CultureInfo.InvariantCulture),
        double.Parse(args.ElementAtOrDefault(4) ?? "1e-3", System.Globalization.CultureInfo.InvariantCulture),
        (args.ElementAtOrDefault(5) ?? "none,0,0.5,1,2,4").Split(','), Arg(6, 3));
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- import FILE_OR_SIZE_MB [legacy|v1-2025]
if (mode is "import")
{
    await ImportBenchmark.Run(args.ElementAtOrDefault(1) ?? "256", args.ElementAtOrDefault(2) ?? "legacy");
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- fetch [size MiB] [repeats]
if (mode is "fetch")
{
    await FetchBenchmark.Run(Arg(1, 256), Arg(2, 3));
    return 0;
}
//   dotnet run -c Release --project Parity.Benchmarks -- secagg [parameters] [repeats]
if (mode is "secagg")
{
    SecAggBenchmark.Run(Arg(1, 100_000), Arg(2, 5));
    return 0;
}
if (mode is "gemm")
{
    GemmBenchmark.Run(Arg(1, 1024), Arg(2, 10));
    return 0;
}
if (mode is "ingest" or "all")
    await IngestBenchmark.Run(Arg(1, 20_000), Arg(2, 64), Arg(3, 2_000), mode == "ingest" ? args.ElementAtOrDefault(4) ?? "raw" : "raw",
        listers: 0, FreePort(), StartCluster);
// Ingest while clients page through the task list: the index holds about 20,000 tasks when the clock starts.
if (mode is "ingest-listers")
    await IngestBenchmark.Run(Arg(1, 20_000), Arg(2, 64), Arg(3, 20_000), "raw", listers: Arg(4, 8), FreePort(), StartCluster);
if (mode is "shell" or "all") await ShellEndToEnd(Arg(mode == "shell" ? 1 : 3, 400));
if (mode is "docker" or "all")
    await DockerBenchmark.Run(Arg(mode == "docker" ? 1 : 4, 40),
        new Uri(args.ElementAtOrDefault(mode == "docker" ? 2 : 5) ?? "unix:///tmp/parity-engines/docker/docker.sock"));
return 0;

int Arg(int index, int fallback) => args.Length > index && int.TryParse(args[index], out var v) ? v : fallback;

// No-op shell tasks end to end (submit → dispatch → /bin/sh -c true in a sandbox → result stored) against raw
// Process.Start of the same command with the same concurrency (the runner's slots).
async Task ShellEndToEnd(int tasks)
{
    var slots = Environment.ProcessorCount;
    var warmUp = Math.Min(tasks, 300);
    async Task RawLaunches(int count) =>
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = slots }, async (_, _) =>
        {
            using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "true"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            await process.WaitForExitAsync();
        });
    await RawLaunches(warmUp);
    var raw = Stopwatch.StartNew();
    await RawLaunches(tasks);
    var rawRate = tasks / raw.Elapsed.TotalSeconds;

    await using var app = await StartCluster(new() { ["GATEWAY_URLS"] = $"http://127.0.0.1:{FreePort()}" });
    var grains = app.Services.GetRequiredService<IGrainFactory>();
    async Task<TimeSpan> RunBatch(string prefix, int count, int finishedBefore)
    {
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            await grains.GetGrain<ITaskGrain>($"{prefix}-{i}").Submit(new Parity.Tasks.ParityTask
            {
                Id = $"{prefix}-{i}", Type = Parity.Tasks.TaskType.Command, Config = """{"command":"true"}""", CreatedAt = DateTimeOffset.UtcNow,
            }));
        while (true)
        {
            var counts = await TaskIndex.CountsAsync(grains);
            if (counts.Failed > 0) throw new InvalidOperationException($"{counts.Failed} shell tasks failed");
            if (counts.Completed >= finishedBefore + count) return clock.Elapsed;
            await Task.Delay(5);
        }
    }
    // A warm-up batch first, as the raw side's Process.Start path is warm after its first few launches: the figure
    // is the steady state, not the JIT compiling the dispatch path.
    await RunBatch("warm", warmUp, 0);
    var parityRate = tasks / (await RunBatch("shell", tasks, warmUp)).TotalSeconds;
    Console.WriteLine($"shell: {tasks} no-op tasks, {slots} slots: Parity {parityRate:N1} tasks/s, raw Process.Start {rawRate:N1}/s, " +
                      $"ratio {parityRate / rawRate:P0}");
}

static async Task<WebApplication> StartCluster(Dictionary<string, string?> values)
{
    values.TryAdd("SILO_PORT", FreePort().ToString());
    values.TryAdd("SILO_GATEWAY_PORT", FreePort().ToString());
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    var builder = WebApplication.CreateBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls([.. configuration.ReadParityOptions<GatewayOptions>().Urls]);
    builder.UseOrleans(silo => silo.AddParityCluster(configuration.ReadParityOptions<ClusteringOptions>()).AddParityRunner(configuration));
    builder.Services.AddParityGateway(configuration);
    var app = builder.Build();
    app.MapParityGateway();
    await app.StartAsync();
    await Task.Delay(1000);
    return app;
}

static int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}
