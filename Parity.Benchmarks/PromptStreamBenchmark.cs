using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Parity.Tests.Llm.Ollama;

/// <summary>
/// Live output through the gateway's prompt stream (<c>POST /api/v1/llm/prompts</c> with <c>stream: true</c>, real
/// HTTP over loopback) on a one-silo cluster whose runner generates with the Ollama test server at a fixed pace.
/// <list type="bullet">
/// <item>Latency: for every token, the time from the model server flushing it to the runner to the SSE client
/// reading the event that carries it (several concurrent streams, 50 ms between tokens).</item>
/// <item>CPU per open stream: the process's CPU time over a window while N slow generations (1 token/s) run, once with
/// an SSE client on each and once with none (submitted without stream, nobody watching); the difference per stream
/// per second is what an open stream costs. The process hosts the gateway, the silo and the model server.</item>
/// </list>
/// </summary>
public static class PromptStreamBenchmark
{
    private const string Model = "bench";
    private static readonly JsonSerializerOptions Json = new();

    public static async Task Run(int streams, int seconds, Func<Dictionary<string, string?>, Task<WebApplication>> startCluster, int port)
    {
        await using var ollama = new OllamaTestServer();
        ollama.AddModel(new FakeOllamaModel(Model) { NaturalLength = 100_000 });
        await ollama.StartAsync();
        var written = new ConcurrentDictionary<string, ConcurrentQueue<(long At, int Chars)>>();
        var totals = new ConcurrentDictionary<string, int>();
        ollama.TokenWritten = (prompt, text) =>
        {
            var chars = totals.AddOrUpdate(prompt, text.Length, (_, sum) => sum + text.Length);
            written.GetOrAdd(prompt, _ => new()).Enqueue((Stopwatch.GetTimestamp(), chars));
        };
        var models = Directory.CreateTempSubdirectory("parity-stream-bench-").FullName;
        try
        {
            await using var app = await startCluster(new()
            {
                ["GATEWAY_URLS"] = $"http://127.0.0.1:{port}",
                ["OLLAMA_URL"] = ollama.Url.ToString(),
                ["RUNNER_MODELS_DIR"] = models,
                ["RUNNER_MAX_CONCURRENT_TASKS"] = (2 * streams).ToString(),
            });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeout.InfiniteTimeSpan };
            await WaitForModel(http);

            ollama.TokenDelay = TimeSpan.FromMilliseconds(50);
            await Latency(http, streams, 20, "warm-up", written); // JIT and connections
            var latencies = new List<double>();
            var firstTokens = new List<double>();
            for (var round = 0; round < 3; round++)
            {
                var (l, f) = await Latency(http, streams, 40, $"latency-{round}", written);
                latencies.AddRange(l);
                firstTokens.AddRange(f);
            }
            latencies.Sort();
            firstTokens.Sort();
            Console.WriteLine($"prompt stream latency: {streams} concurrent streams x 3 rounds x 40 tokens, 50 ms between tokens");
            Console.WriteLine($"  model server flush -> SSE event read: mean {latencies.Average():F2} ms, p50 {Pct(latencies, 0.5):F2} ms, " +
                              $"p90 {Pct(latencies, 0.9):F2} ms, p99 {Pct(latencies, 0.99):F2} ms, max {latencies[^1]:F2} ms ({latencies.Count} tokens)");
            Console.WriteLine($"  submit -> first token event: p50 {Pct(firstTokens, 0.5):F0} ms, max {firstTokens[^1]:F0} ms");

            ollama.TokenDelay = TimeSpan.FromSeconds(1);
            var watched = await Cpu(http, streams, seconds, watch: true);
            var unwatched = await Cpu(http, streams, seconds, watch: false);
            Console.WriteLine($"prompt stream CPU: {streams} generations at 1 token/s, {seconds} s window, process CPU (gateway + silo + model server)");
            Console.WriteLine($"  with an SSE client on each: {watched:F3} CPU-s/s; with none: {unwatched:F3} CPU-s/s; " +
                              $"per open stream: {(watched - unwatched) / streams * 1000:F2} CPU-ms/s");
        }
        finally
        {
            Directory.Delete(models, recursive: true);
        }
    }

    private static async Task WaitForModel(HttpClient http)
    {
        for (var i = 0; i < 300; i++)
        {
            if ((await http.GetStringAsync("/api/v1/llm/models")).Contains(Model)) return;
            await Task.Delay(100);
        }
        throw new InvalidOperationException("the runner never listed the benchmark model");
    }

    /// <summary>One round of concurrent streamed prompts; each token's server-to-client latency and each prompt's time to first token.</summary>
    private static async Task<(List<double> Latencies, List<double> FirstTokens)> Latency(HttpClient http, int streams, int tokens,
        string round, ConcurrentDictionary<string, ConcurrentQueue<(long At, int Chars)>> written)
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, streams).Select(i => Stream(http, $"{round} prompt #{i}#", tokens)));
        var latencies = new List<double>();
        var firstTokens = new List<double>();
        foreach (var (prompt, submitted, received) in runs)
        {
            firstTokens.Add(Stopwatch.GetElapsedTime(submitted, received[0].At).TotalMilliseconds);
            // The runner may render the prompt (a template around it): find the server's record by the unique prompt.
            foreach (var (at, chars) in written.Single(w => w.Key.Contains(prompt, StringComparison.Ordinal)).Value)
            {
                // The first event whose text reaches the end of this token carries it.
                var arrival = received.First(r => r.Chars >= chars).At;
                latencies.Add(Stopwatch.GetElapsedTime(at, arrival).TotalMilliseconds);
            }
        }
        return (latencies, firstTokens);
    }

    /// <summary>Streams one prompt to its end: when it was submitted and when each token event arrived with the text so far.</summary>
    private static async Task<(string Prompt, long Submitted, List<(long At, int Chars)> Received)> Stream(HttpClient http, string prompt, int tokens)
    {
        var submitted = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(Submit(prompt, tokens, stream: true), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new List<(long At, int Chars)>();
        var chars = 0;
        await foreach (var item in SseParser.Create(body).EnumerateAsync())
        {
            if (item.EventType == "restart") throw new InvalidOperationException("a benchmark prompt restarted");
            if (item.EventType != "token") continue;
            chars += JsonDocument.Parse(item.Data).RootElement.GetProperty("text").GetString()!.Length;
            received.Add((Stopwatch.GetTimestamp(), chars));
        }
        if (received.Count == 0) throw new InvalidOperationException($"no token for '{prompt}'");
        return (prompt, submitted, received);
    }

    /// <summary>Process CPU seconds per second over <paramref name="seconds"/> while <paramref name="streams"/> slow generations run.</summary>
    private static async Task<double> Cpu(HttpClient http, int streams, int seconds, bool watch)
    {
        var tag = watch ? "watched" : "unwatched";
        using var stop = new CancellationTokenSource();
        var ids = new List<string>();
        var readers = new List<Task>();
        for (var i = 0; i < streams; i++)
        {
            var id = $"cpu-{tag}-{i}-{Guid.NewGuid():N}";
            ids.Add(id);
            if (watch) readers.Add(Drain(http, Submit($"{tag} {i}", seconds + 30, stream: true, id), stop.Token));
            else (await http.SendAsync(Submit($"{tag} {i}", seconds + 30, stream: false, id))).EnsureSuccessStatusCode();
        }
        await Task.Delay(TimeSpan.FromSeconds(3)); // every generation started and streaming
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        process.Refresh();
        var rate = (process.TotalProcessorTime - cpu).TotalSeconds / clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { })));
        foreach (var id in ids) await http.PostAsync($"/api/v1/llm/prompts/{id}/cancel", null);
        await Task.Delay(TimeSpan.FromSeconds(2)); // the cancelled generations wind down before the next window
        return rate;
    }

    private static async Task Drain(HttpClient http, HttpRequestMessage request, CancellationToken cancellation)
    {
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        await foreach (var _ in SseParser.Create(body).EnumerateAsync(cancellation))
        {
        }
    }

    private static HttpRequestMessage Submit(string prompt, int tokens, bool stream, string? id = null) =>
        new(HttpMethod.Post, "/api/v1/llm/prompts")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { id, model_name = Model, prompt, max_tokens = tokens, temperature = 0, stream }, Json),
                Encoding.UTF8, "application/json"),
        };

    private static double Pct(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * q))];
}
