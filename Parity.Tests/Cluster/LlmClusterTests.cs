using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// Three real silos behind the real gateway: silo 0 serves no LLM, silo 1 has an Ollama (the in-repo server) and a GGUF
/// file, silo 2 another Ollama. Both Ollamas have qwen2.5:0.5b and can pull phi3:mini from their registry; the runners
/// may pull phi3, llama3 and gated-* models (RUNNER_MODEL_PULL_ALLOW), nothing else.
/// </summary>
public sealed class LlmClusterFixture : IAsyncLifetime
{
    public const string Qwen = "qwen2.5:0.5b";
    public const string Phi = "phi3:mini";
    public const string AllowedPulls = "phi3:*, llama3:*, gated-*";
    private readonly string _modelsDir = Directory.CreateTempSubdirectory("parity-models-").FullName;
    private readonly string _emptyDir = Directory.CreateTempSubdirectory("parity-no-models-").FullName;

    public OllamaTestServer OllamaOne { get; } = new();
    public OllamaTestServer OllamaTwo { get; } = new();
    public ParityTestCluster Cluster { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    public string SiloOne { get; private set; } = "";
    public string SiloTwo { get; private set; } = "";

    public async Task InitializeAsync()
    {
        TinyGgufWriter.Write(Path.Combine(_modelsDir, "tiny.gguf"));
        foreach (var ollama in new[] { OllamaOne, OllamaTwo })
        {
            ollama.AddModel(Qwen);
            ollama.AddRegistryModel(new FakeOllamaModel(Phi));
            ollama.PullStepDelay = TimeSpan.FromMilliseconds(150);
            await ollama.StartAsync();
        }
        Cluster = await ParityTestCluster.StartAsync(silos: 3, overrides: index => new Dictionary<string, string?>
        {
            ["RUNNER_MODELS_DIR"] = index == 1 ? _modelsDir : _emptyDir,
            ["OLLAMA_URL"] = index switch { 1 => OllamaOne.Url.ToString(), 2 => OllamaTwo.Url.ToString(), _ => "off" },
            ["RUNNER_MODELS_REFRESH_INTERVAL"] = "200ms",
            ["RUNNER_MODEL_PULL_ALLOW"] = AllowedPulls,
        });
        Gateway = await GatewayHost.StartAsync(Cluster.Client);
        var runners = await Eventually.Get(async () =>
        {
            var all = await Cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
            return all.Count(r => r.Capabilities.Models.Count > 0) == 2 ? all : null;
        }, TimeSpan.FromSeconds(30), "two runners report models");
        SiloOne = runners.Single(r => r.Capabilities.Models.Any(m => m.Backend == "embedded")).Name;
        SiloTwo = runners.Single(r => r.Capabilities.Models.Count > 0 && r.Name != SiloOne).Name;
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        await OllamaOne.DisposeAsync();
        await OllamaTwo.DisposeAsync();
        Directory.Delete(_modelsDir, recursive: true);
        Directory.Delete(_emptyDir, recursive: true);
    }

    public OllamaTestServer OllamaOf(string silo) => silo == SiloOne ? OllamaOne : OllamaTwo;
}

public sealed class LlmClusterTests(LlmClusterFixture fixture) : IClassFixture<LlmClusterFixture>
{
    private const string Qwen = LlmClusterFixture.Qwen;
    private GatewayHost Gateway => fixture.Gateway;
    private ParityTestCluster Cluster => fixture.Cluster;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? json = null,
        string? client = null)
    {
        var request = Gateway.Api(method, path, json);
        if (client is not null) request.Headers.Add("X-Client-ID", client);
        var response = await Gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<string> Submit(object body, string? client = null)
    {
        var (status, answer) = await Send(HttpMethod.Post, "/api/v1/llm/prompts", JsonSerializer.Serialize(body), client);
        Assert.True(status == HttpStatusCode.Accepted, $"{status}: {answer}");
        return answer.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitPrompt(string id, string status = "completed") =>
        await Eventually.Get<object>(async () =>
        {
            var (_, prompt) = await Send(HttpMethod.Get, $"/api/v1/llm/prompts/{id}");
            var now = prompt.GetProperty("status").GetString();
            if (now is "failed" or "cancelled" && now != status) throw new Xunit.Sdk.XunitException($"prompt {id}: {prompt}");
            return now == status ? prompt : null;
        }, TimeSpan.FromSeconds(60), $"prompt {id} {status}") is JsonElement done ? done : default;

    private static string Expected(string prompt, int tokens, long seed = 0) => string.Concat(OllamaTestServer.TokensFor(prompt, seed, tokens));

    private async Task WaitLoaded(string silo, bool loaded) =>
        await Eventually.True(async () =>
                (await Cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners()).Single(r => r.Name == silo)
                .Capabilities.Models.Single(m => m.Name == Qwen).Loaded == loaded,
            TimeSpan.FromSeconds(20), $"{Qwen} loaded={loaded} on {silo}");

    /// <summary>
    /// Routing reads each silo's own copy of the directory (refreshed every 100 ms in tests), not the directory grain:
    /// wait until every silo's copy shows the model loaded on <paramref name="warm"/> and not on <paramref name="cold"/>.
    /// </summary>
    private async Task WaitDirectoryCopies(string warm, string cold)
    {
        await WaitLoaded(warm, loaded: true);
        await WaitLoaded(cold, loaded: false);
        await Eventually.True(() => Task.FromResult(Cluster.Cluster.GetActiveSilos().All(silo =>
        {
            var copy = Cluster.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<RunnerDirectoryCache>().Runners;
            bool Loaded(string runner) => copy.Single(r => r.Name == runner).Capabilities.Models.Single(m => m.Name == Qwen).Loaded;
            return Loaded(warm) && !Loaded(cold);
        })), TimeSpan.FromSeconds(20), $"every silo's directory copy shows {Qwen} loaded on {warm} only");
    }

    [Fact]
    public async Task A_prompt_through_the_api_completes_with_exact_counts_and_is_metered_once_per_client_and_model()
    {
        const string client = "lab-user-7";
        var id = await Submit(new { model_name = "qwen2.5", prompt = "Why is the sky blue?", max_tokens = 6, temperature = 0 }, client);
        var prompt = await WaitPrompt(id);

        Assert.Equal(Expected("Why is the sky blue?", 6), prompt.GetProperty("response").GetString());
        Assert.Equal(6, prompt.GetProperty("response_tokens").GetInt64());
        Assert.True(prompt.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.Equal(Qwen, prompt.GetProperty("model").GetString());
        Assert.Equal("qwen2.5", prompt.GetProperty("model_name").GetString());
        Assert.StartsWith("sha256:", prompt.GetProperty("model_digest").GetString());
        Assert.Equal("length", prompt.GetProperty("finish_reason").GetString());
        Assert.True(prompt.GetProperty("decode_ms").GetDouble() > 0);
        Assert.Equal(client, prompt.GetProperty("client_id").GetString());

        // The same prompt is an llm task under /api/v1/tasks, with the usage in its result.
        var (_, result) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/result");
        Assert.Equal(6, result.GetProperty("usage").GetProperty("completion_tokens").GetInt64());

        var usage = await Eventually.Get<object>(async () =>
        {
            var (_, body) = await Send(HttpMethod.Get, $"/api/v1/llm/usage?client_id={client}");
            var clients = body.GetProperty("clients");
            return clients.GetArrayLength() == 1 && clients[0].GetProperty("prompts").GetInt64() == 1 ? clients[0] : null;
        }, TimeSpan.FromSeconds(10), "usage recorded") is JsonElement u ? u : default;
        var model = Assert.Single(usage.GetProperty("models").EnumerateArray());
        Assert.Equal(Qwen, model.GetProperty("model").GetString());
        Assert.Equal(6, model.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(prompt.GetProperty("prompt_tokens").GetInt64(), model.GetProperty("prompt_tokens").GetInt64());

        // A second delivery of the same record (an answer lost on the way back) is not counted again.
        var record = new LlmUsageRecord { PromptId = id, ClientId = client, Model = Qwen, Usage = new LlmUsage { CompletionTokens = 6 } };
        await Cluster.Client.GetGrain<ILlmUsageGrain>(client).Record(record);
        var totals = Assert.Single(await Cluster.Client.GetGrain<ILlmUsageGrain>(client).Totals());
        Assert.Equal(1, totals.Prompts);
        Assert.Equal(6, totals.CompletionTokens);

        var (_, all) = await Send(HttpMethod.Get, "/api/v1/llm/usage");
        Assert.Contains(all.GetProperty("clients").EnumerateArray(), c => c.GetProperty("client_id").GetString() == client);
    }

    [Fact]
    public async Task Ollama_prompt_cache_hits_are_metered_as_unknown_never_as_zero()
    {
        const string client = "cache-client";
        var body = new { model_name = Qwen, prompt = "A cached prefix, twice", max_tokens = 3, temperature = 0 };
        var first = await WaitPrompt(await Submit(body, client));
        var runner = first.GetProperty("runner").GetString()!;
        // The second must meet the same Ollama's cache: send it while that runner is the warm one.
        fixture.OllamaOf(runner == fixture.SiloOne ? fixture.SiloTwo : fixture.SiloOne).Unload(Qwen);
        await WaitDirectoryCopies(warm: runner, cold: runner == fixture.SiloOne ? fixture.SiloTwo : fixture.SiloOne);
        var second = await WaitPrompt(await Submit(body, client));
        Assert.Equal(runner, second.GetProperty("runner").GetString());

        Assert.True(first.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("prompt_tokens").ValueKind);
        var totals = await Eventually.Get(async () =>
        {
            var all = await Cluster.Client.GetGrain<ILlmUsageGrain>(client).Totals();
            return all.Count == 1 && all[0].Prompts == 2 ? all[0] : null;
        }, TimeSpan.FromSeconds(10), "both prompts metered");
        Assert.Equal(1, totals.PromptsWithUnknownPromptTokens);
        Assert.Equal(first.GetProperty("prompt_tokens").GetInt64(), totals.PromptTokens);
    }

    [Fact]
    public async Task Prompts_go_to_the_runner_that_has_the_model_loaded()
    {
        foreach (var (warm, cold) in new[] { (fixture.SiloOne, fixture.SiloTwo), (fixture.SiloTwo, fixture.SiloOne) })
        {
            fixture.OllamaOf(warm).Load(Qwen);
            fixture.OllamaOf(cold).Unload(Qwen);
            await WaitDirectoryCopies(warm, cold);
            var prompt = await WaitPrompt(await Submit(new { model_name = Qwen, prompt = "warm first", max_tokens = 2 }));
            Assert.Equal(warm, prompt.GetProperty("runner").GetString());
        }

        var (_, models) = await Send(HttpMethod.Get, "/api/v1/llm/models");
        var qwen = Assert.Single(models.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == Qwen);
        string[] both = [.. new[] { fixture.SiloOne, fixture.SiloTwo }.Order(StringComparer.Ordinal)];
        Assert.Equal(both, qwen.GetProperty("runners").EnumerateArray()
            .Select(r => r.GetProperty("runner").GetString()!).Order(StringComparer.Ordinal));
        Assert.True(qwen.GetProperty("loaded").GetBoolean());
        var tiny = Assert.Single(models.GetProperty("models").EnumerateArray(), m => m.GetProperty("name").GetString() == "tiny");
        Assert.Equal("embedded", Assert.Single(tiny.GetProperty("runners").EnumerateArray()).GetProperty("backend").GetString());
        Assert.Equal(both,
            models.GetProperty("can_pull").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_model_no_runner_has_is_pulled_on_demand_with_progress_on_the_prompt()
    {
        var id = await Submit(new { model_name = LlmClusterFixture.Phi, prompt = "pulled for me", max_tokens = 4, temperature = 0 });

        var waiting = await Eventually.Get<object>(async () =>
        {
            var (_, prompt) = await Send(HttpMethod.Get, $"/api/v1/llm/prompts/{id}");
            return prompt.GetProperty("progress").GetString() is { } p && p.Contains('%') ? prompt : null;
        }, TimeSpan.FromSeconds(30), "pull progress on the prompt") is JsonElement w ? w : default;
        Assert.Equal("queued", waiting.GetProperty("status").GetString());
        Assert.StartsWith($"pulling model '{LlmClusterFixture.Phi}' on ", waiting.GetProperty("progress").GetString());

        var done = await WaitPrompt(id);
        Assert.Equal(Expected("pulled for me", 4), done.GetProperty("response").GetString());
        var puller = done.GetProperty("runner").GetString()!;
        Assert.Contains(fixture.OllamaOf(puller).Requests, r => r == "POST /api/pull");
        Assert.DoesNotContain(fixture.OllamaOf(puller == fixture.SiloOne ? fixture.SiloTwo : fixture.SiloOne).Requests, r => r == "POST /api/pull");
        var logs = (await Cluster.TaskGrain(id).GetLogs())!;
        Assert.Contains(logs.Events, e => e.Message.StartsWith($"pulling model '{LlmClusterFixture.Phi}' on {puller}: "));
        var pull = (await Cluster.Client.GetGrain<IModelGrain>(LlmClusterFixture.Phi).GetPull())!;
        Assert.True(pull is { Done: true, Error: null, Status: "success" }, pull.ToString());
    }

    [Fact]
    public async Task A_model_that_cannot_be_pulled_fails_the_prompt_with_the_registrys_reason()
    {
        var id = await Submit(new { model_name = "llama3:70b", prompt = "hi" });
        var failed = await WaitPrompt(id, "failed");
        Assert.Contains("pulling 'llama3:70b'", failed.GetProperty("error").GetString());
        Assert.Contains("file does not exist", failed.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Concurrent_prompts_never_exceed_a_runners_slots()
    {
        fixture.OllamaOne.TokenDelay = fixture.OllamaTwo.TokenDelay = TimeSpan.FromMilliseconds(40);
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 8; i++) ids.Add(await Submit(new { model_name = Qwen, prompt = $"concurrent {i}", max_tokens = 8, temperature = 0 }));
            var runners = new List<string>();
            for (var i = 0; i < ids.Count; i++)
            {
                var done = await WaitPrompt(ids[i]);
                Assert.Equal(Expected($"concurrent {i}", 8), done.GetProperty("response").GetString());
                runners.Add(done.GetProperty("runner").GetString()!);
            }
            // RUNNER_MAX_CONCURRENT_TASKS is 2 on each silo (ParityTestCluster.FastTimings).
            Assert.InRange(fixture.OllamaOne.MaxConcurrentGenerations, 1, 2);
            Assert.InRange(fixture.OllamaTwo.MaxConcurrentGenerations, 1, 2);
            Assert.Equal(2, runners.Distinct().Count());
        }
        finally
        {
            fixture.OllamaOne.TokenDelay = fixture.OllamaTwo.TokenDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task Tokens_stream_as_server_sent_events_while_the_model_generates()
    {
        // Generation stops before its 7th token until the test has read a token event (or a minute has passed): a token
        // event read while generation is held proves tokens stream as generated, whatever the machine's load.
        var tokenSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releasedByTimeout = false;
        fixture.OllamaOne.BeforeToken = fixture.OllamaTwo.BeforeToken = async index =>
        {
            if (index != 6) return;
            try
            {
                await tokenSeen.Task.WaitAsync(TimeSpan.FromMinutes(1));
            }
            catch (TimeoutException)
            {
                releasedByTimeout = true;
            }
        };
        try
        {
            var request = Gateway.Api(HttpMethod.Post, "/api/v1/llm/prompts",
                JsonSerializer.Serialize(new { model_name = Qwen, prompt = "stream it", max_tokens = 12, temperature = 0, stream = true }));
            using var response = await Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

            var events = new List<(string Type, string Data)>();
            var text = new StringBuilder();
            await using var stream = await response.Content.ReadAsStreamAsync();
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                events.Add((item.EventType, item.Data));
                // A runner that misses the tests' short heartbeat window under load is taken for lost and the prompt
                // starts over elsewhere: the protocol says so with a restart event, after which the text is new.
                if (item.EventType == "restart") text.Clear();
                if (item.EventType == "token")
                {
                    text.Append(JsonDocument.Parse(item.Data).RootElement.GetProperty("text").GetString());
                    tokenSeen.TrySetResult();
                }
            }

            Assert.Equal(Expected("stream it", 12), text.ToString());
            // Tokens arrive as generated, not in one piece at the end.
            Assert.False(releasedByTimeout, "no token event reached the client while generation was held: " + string.Join(" | ", events));
            Assert.Contains(events, e => e.Type == "status" && e.Data.Contains("\"processing\""));
            Assert.All(events.Where(e => e.Type == "status").Select(e => JsonDocument.Parse(e.Data).RootElement), status =>
                Assert.Equal(["id", "status", "runner", "progress"], status.EnumerateObject().Select(p => p.Name)));
            var (type, data) = events[^1];
            Assert.Equal("done", type);
            var done = JsonDocument.Parse(data).RootElement;
            Assert.Equal("completed", done.GetProperty("status").GetString());
            Assert.Equal(12, done.GetProperty("response_tokens").GetInt64());

            // The stream of a finished prompt replays it at once.
            var id = done.GetProperty("id").GetString()!;
            using var replay = await Gateway.Http.SendAsync(Gateway.Api(HttpMethod.Get, $"/api/v1/llm/prompts/{id}/stream"));
            var replayed = await replay.Content.ReadAsStringAsync();
            Assert.Contains("event: done", replayed);
        }
        finally
        {
            fixture.OllamaOne.BeforeToken = fixture.OllamaTwo.BeforeToken = null;
        }
    }

    [Fact]
    public async Task Embedded_models_and_chat_messages_take_the_same_path()
    {
        var id = await Submit(new
        {
            model_name = "tiny",
            messages = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Hello world" } },
            max_tokens = 5,
            seed = 3,
        });
        var done = await WaitPrompt(id);
        Assert.Equal(fixture.SiloOne, done.GetProperty("runner").GetString());
        Assert.Equal(5, done.GetProperty("response_tokens").GetInt64());
        Assert.True(done.GetProperty("prompt_tokens").GetInt64() > 5);
    }

    [Fact]
    public async Task An_upstream_llm_task_by_webhook_completes_with_its_token_counts()
    {
        var id = "upstream-llm-" + Guid.NewGuid().ToString("N")[..8];
        var task = $$"""{"id":"{{id}}","title":"LLM Prompt: qwen2.5","type":"llm","config":{"model":"qwen2.5","prompt":"Hello upstream"},"creator_address":"0xabc"}""";
        var response = await Gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(task)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var finished = await Cluster.WaitFinished(id);
        Assert.Equal(TaskState.Completed, finished.Status);
        var result = (await Cluster.TaskGrain(id).GetResult())!;
        Assert.True(result.ResponseTokens > 0);
        Assert.True(result.PromptTokens > 0);
        Assert.Equal(result.ResponseTokens, result.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        await Eventually.True(async () => (await Cluster.Client.GetGrain<ILlmUsageGrain>("0xabc").Totals()).Sum(t => t.Prompts) == 1,
            TimeSpan.FromSeconds(10), "usage under the creator address");
    }

    [Theory]
    [InlineData("""{"prompt":"hi"}""", "model_name is required")]
    [InlineData("""{"model_name":"qwen2.5"}""", "prompt (or messages) is required")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","messages":[{"role":"user","content":"hi"}]}""", "prompt and messages exclude each other")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","max_tokens":0}""", "max_tokens must be an integer from 1 to")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","temperature":"hot"}""", "temperature must be a number")]
    [InlineData("""{"model_name":"qwen2.5","messages":[{"role":"robot","content":"x"}]}""", "messages[0].role must be system, user or assistant")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","stop":[""]}""", "stop must hold non-empty strings")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","stream":"yes"}""", "stream must be true or false")]
    [InlineData("""{"model_name":"qwen2.5","prompt":"hi","id":"no spaces allowed"}""", "id must be 1-128")]
    [InlineData("""[1,2]""", "body must be a JSON object")]
    public async Task Bad_prompts_get_a_400_that_names_the_field(string body, string expected)
    {
        var (status, answer) = await Send(HttpMethod.Post, "/api/v1/llm/prompts", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, answer.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_prompts_duplicate_ids_bad_clients_and_cancel()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v1/llm/prompts/nope")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v1/llm/prompts/nope/stream")).Status);
        var (badClient, problem) = await Send(HttpMethod.Post, "/api/v1/llm/prompts", """{"model_name":"tiny","prompt":"x"}""", client: "has space");
        Assert.Equal(HttpStatusCode.BadRequest, badClient);
        Assert.Contains("X-Client-ID", problem.GetProperty("detail").GetString());

        var id = "prompt-" + Guid.NewGuid().ToString("N")[..8];
        fixture.OllamaOne.TokenDelay = fixture.OllamaTwo.TokenDelay = TimeSpan.FromMilliseconds(200);
        try
        {
            await Submit(new { id, model_name = Qwen, prompt = "long one", max_tokens = 200 });
            var (duplicate, _) = await Send(HttpMethod.Post, "/api/v1/llm/prompts", JsonSerializer.Serialize(new { id, model_name = Qwen, prompt = "again" }));
            Assert.Equal(HttpStatusCode.Conflict, duplicate);
            await WaitPrompt(id, "processing");
            var (cancelled, view) = await Send(HttpMethod.Post, $"/api/v1/llm/prompts/{id}/cancel");
            Assert.Equal(HttpStatusCode.OK, cancelled);
            Assert.Equal("cancelled", view.GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, $"/api/v1/llm/prompts/{id}/cancel")).Status);
        }
        finally
        {
            fixture.OllamaOne.TokenDelay = fixture.OllamaTwo.TokenDelay = TimeSpan.Zero;
        }
        // A command task is not a prompt.
        var (_, created) = await Send(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"true"}}""");
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v1/llm/prompts/{created.GetProperty("id").GetString()}")).Status);
    }
}
