using Parity.Runners;
using Parity.Tasks;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// The silo generating a prompt dies mid-stream: the prompt starts over on the other runner that has the model and
/// completes; a client streaming it is told the text so far is void, then gets the whole new text, and never hangs.
/// </summary>
public sealed class LlmFailoverTests : IAsyncLifetime
{
    private const string Model = "qwen2.5:0.5b";
    private const string Prompt = "Tell me a long story";
    private const int Tokens = 10; // under the fake model's natural length (12), so max_tokens ends it
    private readonly OllamaTestServer[] _ollamas = [new(), new()];
    private readonly string _emptyDir = Directory.CreateTempSubdirectory("parity-no-models-").FullName;
    private ParityTestCluster _cluster = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        foreach (var ollama in _ollamas)
        {
            ollama.AddModel(Model);
            ollama.TokenDelay = TimeSpan.FromMilliseconds(200);
            await ollama.StartAsync();
        }
        // Silo 0 (the cluster's primary) serves no model, so the silo that dies is never the primary.
        _cluster = await ParityTestCluster.StartAsync(silos: 3, overrides: index => new Dictionary<string, string?>
        {
            ["RUNNER_MODELS_DIR"] = _emptyDir,
            ["OLLAMA_URL"] = index == 0 ? "off" : _ollamas[index - 1].Url.ToString(),
            ["RUNNER_MODELS_REFRESH_INTERVAL"] = "200ms",
        });
        _gateway = await GatewayHost.StartAsync(_cluster.Client);
        await Eventually.True(async () => (await _cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners())
            .Count(r => r.Capabilities.Models.Count > 0) == 2, TimeSpan.FromSeconds(30), "two runners serve the model");
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        foreach (var ollama in _ollamas) await ollama.DisposeAsync();
        Directory.Delete(_emptyDir, recursive: true);
    }

    [Fact]
    public async Task A_prompt_whose_silo_dies_mid_generation_completes_on_another_and_its_stream_says_so()
    {
        var request = _gateway.Api(HttpMethod.Post, "/api/v1/llm/prompts",
            JsonSerializer.Serialize(new { model_name = Model, prompt = Prompt, max_tokens = Tokens, temperature = 0, stream = true }));
        using var response = await _gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var events = new List<(string Type, JsonElement Data)>();
        var text = new StringBuilder();
        string? firstRunner = null;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            var data = JsonDocument.Parse(item.Data).RootElement.Clone();
            events.Add((item.EventType, data));
            if (item.EventType == "status" && data.GetProperty("runner").GetString() is { } runner) firstRunner ??= runner;
            if (item.EventType == "restart") text.Clear();
            if (item.EventType != "token") continue;
            text.Append(data.GetProperty("text").GetString());
            if (events.Count(e => e.Type == "token") == 3 && events.All(e => e.Type != "restart"))
            {
                Assert.NotNull(firstRunner);
                await _cluster.Cluster.KillSiloAsync(_cluster.Cluster.Silos.Single(s => s.Name == firstRunner));
            }
        }

        var (type, done) = events[^1];
        Assert.Equal("done", type);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.NotEqual(firstRunner, done.GetProperty("runner").GetString());
        Assert.True(done.GetProperty("attempt").GetInt32() >= 2);
        Assert.Single(events, e => e.Type == "restart");
        var expected = string.Concat(OllamaTestServer.TokensFor(Prompt, 0, Tokens));
        Assert.True(expected == text.ToString(), string.Join("\n", events.Select(e => $"{e.Type}: {e.Data}")));
        Assert.Equal(expected, done.GetProperty("response").GetString());
        Assert.Equal(Tokens, done.GetProperty("response_tokens").GetInt64());
    }

    [Fact]
    public async Task After_a_failover_the_task_pushes_the_new_attempts_pieces_and_the_lost_attempt_has_none()
    {
        var id = "failover-live-" + Guid.NewGuid().ToString("N")[..8];
        var grain = _cluster.Client.GetGrain<ITaskGrain>(id);
        await grain.Submit(new ParityTask
        {
            Id = id,
            Type = TaskType.Llm,
            Config = JsonSerializer.Serialize(new { model = Model, prompt = Prompt, max_tokens = Tokens, temperature = 0 }),
            CreatedAt = DateTimeOffset.UtcNow,
        });
        var first = await _cluster.WaitFor(id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        // The lost attempt's stream ends (cleanly, or failing if the task grain's own silo died): it never hangs.
        var lost = new List<LiveOutputPiece>();
        try
        {
            await foreach (var piece in grain.LiveOutput(first.Attempt, 0, timeout.Token))
            {
                lost.Add(piece);
                if (lost.Count == 2) await _cluster.Cluster.KillSiloAsync(_cluster.Cluster.Silos.Single(s => s.Name == first.Runner));
            }
        }
        catch (Exception e) when (!timeout.IsCancellationRequested && e is not Xunit.Sdk.XunitException)
        {
        }
        Assert.False(timeout.IsCancellationRequested);
        Assert.All(lost, p => Assert.Equal(first.Attempt, p.Attempt));

        var second = await _cluster.WaitFor(id, t => t.Status == TaskState.Running && t.Attempt > first.Attempt,
            TimeSpan.FromSeconds(60), "re-dispatched");
        var pieces = await grain.LiveOutput(second.Attempt, 0, timeout.Token).ToListAsync(timeout.Token);

        Assert.NotEqual(first.Runner, second.Runner);
        Assert.NotEmpty(pieces);
        Assert.All(pieces, p => Assert.Equal(second.Attempt, p.Attempt));
        Assert.Equal(string.Concat(OllamaTestServer.TokensFor(Prompt, 0, Tokens)), string.Concat(pieces.Select(p => p.Text)));
        Assert.Empty(await grain.LiveOutput(first.Attempt, 0, timeout.Token).ToListAsync(timeout.Token));
        Assert.Equal(TaskState.Completed, (await _cluster.WaitFinished(id)).Status);
    }
}
