using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Parity.Gateway.Security;

/// <summary>
/// Signed webhooks over real HTTP into durable TaskGrains (memory storage: the embedded default). Every request is
/// unique and signed, and the server verifies, replay-checks, validates, admits and persists each one. The tasks are
/// of a type no runner here takes, so they stay queued and the figure is ingest alone.
/// <para>
/// The load generator shares the server's process and its two cores. <c>raw</c> (the default) serializes and signs
/// every request before the clock starts and drives keep-alive sockets, so the client's share is small;
/// <c>httpclient</c> builds and signs each request with HttpClient while the clock runs (the figures before
/// 2026-12); comparing their CPU per task shows what the generator costs. With listers, that many clients list
/// tasks (GET /api/v1/tasks?limit=500) in a loop while the measured ingest runs.
/// </para>
/// </summary>
public static class IngestBenchmark
{
    private const string Secret = "benchmark-webhook-secret-0123";
    private const int ListPage = 500;

    public static async Task Run(int tasks, int concurrency, int warmUp, string generator, int listers, int port,
        Func<Dictionary<string, string?>, Task<WebApplication>> startCluster)
    {
        if (generator is not ("raw" or "httpclient")) throw new ArgumentException($"generator must be raw or httpclient, got '{generator}'");
        await using var app = await startCluster(new()
        {
            ["RUNNER_WEBHOOK_SECRET"] = Secret,
            ["GATEWAY_URLS"] = $"http://127.0.0.1:{port}",
            ["RUNNER_DISPATCH_TIMEOUT"] = "1h",
            ["TASK_QUEUE_LIMIT"] = "10000000",
            ["RUNNER_HEARTBEAT_INTERVAL"] = "1m",
            // No engine: the docker tasks stay queued and the figure is ingest alone.
            ["RUNNER_DOCKER_HOST"] = "unix:///nonexistent/docker.sock",
        });
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency + listers })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        };

        // The figure is the steady state of a long-running gateway: connections open, caches filled, index grown.
        await Ingest(http, endpoint, generator, "warm", warmUp, concurrency);

        using var stopListers = new CancellationTokenSource();
        var listings = Enumerable.Range(0, listers).Select(_ => List(http, stopListers.Token)).ToArray();
        if (listers > 0) await Task.Delay(500); // the listers are under way before the clock starts

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var pauses = GC.GetTotalPauseDuration();
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var (latencies, elapsed) = await Ingest(http, endpoint, generator, "bench", tasks, concurrency);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        allocated = GC.GetTotalAllocatedBytes() - allocated;
        pauses = GC.GetTotalPauseDuration() - pauses;
        for (var g = 0; g < 3; g++) collections[g] = GC.CollectionCount(g) - collections[g];
        await stopListers.CancelAsync();
        var listed = (await Task.WhenAll(listings)).SelectMany(l => l).ToArray();

        Array.Sort(latencies);
        Console.WriteLine($"ingest ({generator} client{(listers > 0 ? $", {listers} listers" : "")}): {tasks} signed webhooks after {warmUp} warm-up, " +
                          $"concurrency {concurrency}: {tasks / elapsed.TotalSeconds:N0} tasks/s, p50 {Percentile(latencies, 0.5):N1} ms, " +
                          $"p99 {Percentile(latencies, 0.99):N1} ms, max {latencies[^1]:N1} ms");
        Console.WriteLine($"  process CPU {cpu.TotalMicroseconds / tasks:N0} µs/task ({cpu.TotalSeconds / elapsed.TotalSeconds:N2} cores), " +
                          $"allocated {allocated / tasks:N0} B/task, GCs {collections[0]}/{collections[1]}/{collections[2]} (gen0/1/2), " +
                          $"GC pauses {pauses.TotalMilliseconds:N0} ms");
        if (listers > 0)
        {
            Array.Sort(listed);
            Console.WriteLine(listed.Length == 0
                ? "  listing: no listing finished during the run"
                : $"  listing (limit {ListPage}): {listed.Length} pages, {listed.Length / elapsed.TotalSeconds:N1}/s, " +
                  $"p50 {Percentile(listed, 0.5):N1} ms, p99 {Percentile(listed, 0.99):N1} ms, max {listed[^1]:N1} ms");
        }
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];

    private static async Task<(double[] Latencies, TimeSpan Elapsed)> Ingest(HttpClient http, IPEndPoint endpoint, string generator,
        string prefix, int count, int concurrency)
    {
        var latencies = new double[count];
        if (count == 0) return (latencies, TimeSpan.Zero);
        if (generator == "httpclient")
        {
            var started = Stopwatch.StartNew();
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency },
                async (i, _) => latencies[i] = await SendWithHttpClient(http, $"{prefix}-{i}"));
            return (latencies, started.Elapsed);
        }

        // Everything the client can do ahead is done before the clock: each request serialized, signed and unique.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var requests = new byte[count][];
        for (var i = 0; i < count; i++) requests[i] = SignedRequest(endpoint, $"{prefix}-{i}", now);
        var connections = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => RawHttpConnection.OpenAsync(endpoint)));
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(connections.Select(async connection =>
        {
            using var _ = connection;
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                var (status, body) = await connection.SendAsync(requests[i]);
                if (status != 200) throw new InvalidOperationException($"{status}: {body}");
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        return (latencies, clock.Elapsed);
    }

    private static byte[] Body(string id) =>
        Encoding.UTF8.GetBytes("{\"type\":\"available_tasks\",\"payload\":{\"id\":\"" + id +
                               "\",\"title\":\"bench\",\"type\":\"docker\",\"config\":{\"image_name\":\"none\"}}}");

    private static byte[] SignedRequest(IPEndPoint endpoint, string id, long unixSeconds)
    {
        var body = Body(id);
        var head = Encoding.ASCII.GetBytes(
            $"POST /webhook HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/json\r\n" +
            $"{WebhookSignature.HeaderName}: {WebhookSignature.Sign(Secret, unixSeconds, body)}\r\n" +
            $"Content-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    private static async Task<double> SendWithHttpClient(HttpClient http, string id)
    {
        var body = Body(id);
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(Secret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body));
        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>One lister: GET /api/v1/tasks?limit=500 back to back until stopped; the time of each page.</summary>
    private static async Task<List<double>> List(HttpClient http, CancellationToken stop)
    {
        var times = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync($"/api/v1/tasks?limit={ListPage}", stop);
                var page = await response.Content.ReadAsByteArrayAsync(stop);
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException($"listing: {response.StatusCode}: {Encoding.UTF8.GetString(page)}");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return times;
    }
}
