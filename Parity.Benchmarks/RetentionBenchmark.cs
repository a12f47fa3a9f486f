using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Benchmarks;

/// <summary>
/// Silo memory after many tasks that print a lot (issue #12 §1): <paramref name="tasks"/> shell tasks each printing
/// 1 MiB to stdout, in the one-process cluster (memory grain storage, the embedded default), with long output kept in
/// the task record (RESULT_INLINE_LIMIT=16m: how every result was kept before) or moved to the output store (the
/// default 16k). Prints the process's RSS and managed heap after a full collection, before and after the tasks, and the
/// size of one result as the gateway serves it. Run each limit in its own process, so one run's heap is not the other's.
/// </summary>
public static class RetentionBenchmark
{
    public static async Task Run(int tasks, string inlineLimit, int port, Func<Dictionary<string, string?>, Task<WebApplication>> startCluster)
    {
        var outputs = Directory.CreateTempSubdirectory("parity-retention-bench-").FullName;
        try
        {
            await using var app = await startCluster(new()
            {
                ["GATEWAY_URLS"] = $"http://127.0.0.1:{port}",
                ["RESULT_INLINE_LIMIT"] = inlineLimit,
                ["RUNNER_OUTPUT_DIR"] = outputs,
                ["RUNNER_SHELL_ENABLED"] = "true",
                ["RUNNER_MAX_OUTPUT_BYTES"] = "1m",
            });
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            var before = Memory();

            var clock = Stopwatch.StartNew();
            var command = """{"command":"head -c 1048576 /dev/zero | tr '\\0' x"}""";
            await Parallel.ForAsync(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            {
                var id = $"print-{i}";
                await grains.GetGrain<ITaskGrain>(id).Submit(new ParityTask
                {
                    Id = id, Type = TaskType.Command, Config = command, CreatedAt = DateTimeOffset.UtcNow,
                });
            });
            while (true)
            {
                var counts = await TaskIndex.CountsAsync(grains);
                if (counts.Failed > 0) throw new InvalidOperationException($"{counts.Failed} tasks failed");
                if (counts.Completed >= tasks) break;
                await Task.Delay(200);
            }
            var elapsed = clock.Elapsed;
            var result = await grains.GetGrain<ITaskGrain>("print-0").GetResult()
                         ?? throw new InvalidOperationException("print-0 has no result");
            var served = JsonSerializer.SerializeToUtf8Bytes(result, ParityJson.Options).Length;
            var after = Memory();
            var stored = Directory.EnumerateFiles(outputs, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

            Console.WriteLine($"retention: {tasks} tasks x 1 MiB stdout, RESULT_INLINE_LIMIT={inlineLimit}, {tasks / elapsed.TotalSeconds:N0} tasks/s: " +
                              $"RSS {before.Rss / 1e6:N0} -> {after.Rss / 1e6:N0} MB (+{(after.Rss - before.Rss) / 1e6:N0} MB), " +
                              $"managed heap {before.Heap / 1e6:N0} -> {after.Heap / 1e6:N0} MB; one result served as {served:N0} bytes; " +
                              $"output store {stored / 1e6:N0} MB on disk");
        }
        finally
        {
            Directory.Delete(outputs, recursive: true);
        }
    }

    private static (long Rss, long Heap) Memory()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return (long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024, heap);
    }
}
