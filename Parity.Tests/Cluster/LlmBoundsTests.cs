using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Parity.Llm;
using Parity.Tasks;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// What a client can make the LLM runners do is bounded (issue 11 §5): pulls only of the models RUNNER_MODEL_PULL_ALLOW
/// allows and at most RUNNER_MODEL_PULL_CONCURRENCY at once per runner, generations capped by RUNNER_LLM_MAX_TOKENS,
/// and a streaming prompt whose client goes away is cancelled on its runner. Each attack is tried through the gateway
/// and, where a task can skip it, straight at the task grain.
/// </summary>
public sealed class LlmBoundsTests(LlmClusterFixture fixture) : IClassFixture<LlmClusterFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private GatewayHost Gateway => fixture.Gateway;
    private ParityTestCluster Cluster => fixture.Cluster;
    private OllamaTestServer[] Ollamas => [fixture.OllamaOne, fixture.OllamaTwo];

    [Fact]
    public async Task Twenty_made_up_model_names_start_no_pull_and_are_refused_naming_the_key()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var pullsBefore = Ollamas.Sum(o => o.Pulls.Count);
        for (var i = 0; i < 20; i++)
        {
            var (status, answer) = await Send(HttpMethod.Post, "/api/v1/llm/prompts",
                JsonSerializer.Serialize(new { model_name = $"made-up-{tag}-{i}:7b", prompt = "hi" }));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            var detail = answer.GetProperty("detail").GetString()!;
            Assert.Contains($"may not pull model 'made-up-{tag}-{i}:7b': it is not in RUNNER_MODEL_PULL_ALLOW ({LlmClusterFixture.AllowedPulls.Replace(" ", "")})", detail);
        }

        // A task that skips the gateway (webhook, upstream) fails with the same reason in its error.
        var id = $"made-up-task-{tag}";
        await Cluster.TaskGrain(id).Submit(LlmTask(id, new { model = $"made-up-{tag}-direct", prompt = "hi" }));
        var failed = await Cluster.WaitFinished(id, Limit);
        Assert.Equal(TaskState.Failed, failed.Status);
        Assert.Contains($"may not pull model 'made-up-{tag}-direct': it is not in RUNNER_MODEL_PULL_ALLOW", failed.Error);

        Assert.Equal(pullsBefore, Ollamas.Sum(o => o.Pulls.Count));
        Assert.DoesNotContain(Ollamas.SelectMany(o => o.Pulls), name => name.Contains(tag));
    }

    [Fact]
    public async Task Pulls_beyond_the_concurrency_limit_wait_for_a_slot_and_then_run()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var models = Enumerable.Range(0, 6).Select(i => $"gated-{tag}-{i}:1b").ToList();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var ollama in Ollamas)
        {
            foreach (var model in models) ollama.AddRegistryModel(new FakeOllamaModel(model));
            ollama.PullGate = gate.Task;
        }
        var ids = new List<string>();
        try
        {
            foreach (var model in models) ids.Add(await Submit(new { model_name = model, prompt = "pulled", max_tokens = 3, temperature = 0 }));

            // Two runners may pull, two pulls each (RUNNER_MODEL_PULL_CONCURRENCY defaults to 2): four run, two wait.
            await Eventually.True(() => Task.FromResult(Ollamas.All(o => o.RunningPulls == 2)), Limit, "two pulls running on each Ollama");
            foreach (var id in ids[4..])
                await Eventually.True(async () => (await Cluster.TaskGrain(id).GetLogs())!.Events.Any(e =>
                        e.Message.StartsWith("waiting for a model pull slot: ") && e.Message.Contains("the limit RUNNER_MODEL_PULL_CONCURRENCY (2)")),
                    Limit, $"prompt {id} waits for a pull slot, naming the limit");
            foreach (var id in ids) Assert.Equal("queued", (await Send(HttpMethod.Get, $"/api/v1/llm/prompts/{id}")).Body.GetProperty("status").GetString());
        }
        finally
        {
            gate.SetResult();
            foreach (var ollama in Ollamas) ollama.PullGate = null;
        }

        foreach (var id in ids)
            Assert.Equal(TaskState.Completed, (await Cluster.WaitFinished(id, Limit)).Status);
        Assert.All(Ollamas, o => Assert.Equal(2, o.MaxConcurrentPulls));
        Assert.Equal(models.Order(), Ollamas.SelectMany(o => o.Pulls).Where(n => n.Contains(tag)).Order());
    }

    [Fact]
    public async Task Max_tokens_above_the_cap_is_refused_by_the_gateway_and_by_the_runner()
    {
        var (status, answer) = await Send(HttpMethod.Post, "/api/v1/llm/prompts",
            JsonSerializer.Serialize(new { model_name = LlmClusterFixture.Qwen, prompt = "hi", max_tokens = 1048576 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("max_tokens: 1048576 is above the limit 4096 (RUNNER_LLM_MAX_TOKENS)", answer.GetProperty("detail").GetString());

        // A task that skips the gateway fails on the runner, and its backend is never asked.
        var id = "too-many-tokens-" + Guid.NewGuid().ToString("N")[..8];
        await Cluster.TaskGrain(id).Submit(LlmTask(id, new { model = LlmClusterFixture.Qwen, prompt = "hi", max_tokens = 1048576 }));
        var failed = await Cluster.WaitFinished(id, Limit);
        Assert.Equal(TaskState.Failed, failed.Status);
        Assert.Equal("config.max_tokens: 1048576 is above the limit 4096 (RUNNER_LLM_MAX_TOKENS)", failed.Error);
        Assert.DoesNotContain(Ollamas.SelectMany(o => o.NumPredicts), n => n > 4096);

        // A prompt that names no max_tokens is generated with the cap, not without a bound.
        var capped = Ollamas.Sum(o => o.NumPredicts.Count(n => n == 4096));
        var open = await Submit(new { model_name = LlmClusterFixture.Qwen, prompt = "no max_tokens given", temperature = 0 });
        Assert.Equal(TaskState.Completed, (await Cluster.WaitFinished(open, Limit)).Status);
        Assert.Equal(capped + 1, Ollamas.Sum(o => o.NumPredicts.Count(n => n == 4096)));
        Assert.DoesNotContain(Ollamas.SelectMany(o => o.NumPredicts), n => n < 0);
    }

    [Fact]
    public async Task A_streaming_prompt_whose_client_disconnects_is_cancelled_and_its_generation_stops()
    {
        // A model that would write 4096 tokens (the cap), 150 ms apart: ten minutes unless it is stopped.
        var story = $"story-{Guid.NewGuid().ToString("N")[..6]}:long";
        foreach (var ollama in Ollamas) ollama.AddModel(new FakeOllamaModel(story) { NaturalLength = 100_000 });
        await Eventually.True(async () => (await Cluster.Client.GetGrain<Parity.Runners.IRunnerDirectoryGrain>(0).GetRunners())
            .Count(r => r.Capabilities.Models.Any(m => m.Name == story)) == 2, Limit, $"both runners list {story}");
        // Each silo's copy of the directory catches up a moment later; the model's grain routes from its silo's copy.
        await Eventually.True(async () => (await Cluster.Client.GetGrain<IModelGrain>(ModelGrainKey.Of(story)).Route()).Runners.Count > 0,
            Limit, $"{story} routes to a runner");
        SlowTokens();
        try
        {
            var aborted = Ollamas.Sum(o => o.AbortedStreams);
            var request = Gateway.Api(HttpMethod.Post, "/api/v1/llm/prompts", JsonSerializer.Serialize(
                new { model_name = story, prompt = "a long story", temperature = 0, stream = true }));
            var response = await Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string? id = null;
            var stream = await response.Content.ReadAsStreamAsync();
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
            {
                if (item.EventType == "status") id ??= JsonDocument.Parse(item.Data).RootElement.GetProperty("id").GetString();
                if (item.EventType == "token") break;
                Assert.NotEqual("done", item.EventType);
            }
            Assert.NotNull(id);

            // The client goes away mid-generation.
            await stream.DisposeAsync();
            response.Dispose();

            var finished = await Cluster.WaitFinished(id, Limit);
            Assert.Equal(TaskState.Cancelled, finished.Status);
            Assert.Equal("cancelled: the client of the streaming request disconnected", finished.Error);
            // The runner stopped the generation: Ollama saw its stream abandoned.
            await Eventually.True(() => Task.FromResult(Ollamas.Sum(o => o.AbortedStreams) > aborted), Limit, "Ollama saw the generation cancelled");
        }
        finally
        {
            FastTokens();
        }
    }

    [Fact]
    public async Task A_reader_that_leaves_does_not_cancel_a_prompt_submitted_without_streaming()
    {
        SlowTokens();
        try
        {
            var id = await Submit(new { model_name = LlmClusterFixture.Qwen, prompt = "read and leave", max_tokens = 10, temperature = 0 });
            var response = await Gateway.Http.SendAsync(Gateway.Api(HttpMethod.Get, $"/api/v1/llm/prompts/{id}/stream"),
                HttpCompletionOption.ResponseHeadersRead);
            var stream = await response.Content.ReadAsStreamAsync();
            await foreach (var item in SseParser.Create(stream).EnumerateAsync())
                if (item.EventType is "token" or "done") break;
            await stream.DisposeAsync();
            response.Dispose();
            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, $"/api/v1/llm/prompts/{id}")).Status);

            var finished = await Cluster.WaitFinished(id, Limit);
            Assert.Equal(TaskState.Completed, finished.Status);
            Assert.Equal(string.Concat(OllamaTestServer.TokensFor("read and leave", 0, 10)), (await Cluster.TaskGrain(id).GetResult())!.Stdout);
        }
        finally
        {
            FastTokens();
        }
    }

    private void SlowTokens()
    {
        foreach (var ollama in Ollamas) ollama.TokenDelay = TimeSpan.FromMilliseconds(150);
    }

    private void FastTokens()
    {
        foreach (var ollama in Ollamas) ollama.TokenDelay = TimeSpan.Zero;
    }

    private static ParityTask LlmTask(string id, object config) => new()
    {
        Id = id,
        Type = TaskType.Llm,
        Config = JsonSerializer.Serialize(config),
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? json = null)
    {
        var response = await Gateway.Http.SendAsync(Gateway.Api(method, path, json));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<string> Submit(object body)
    {
        var (status, answer) = await Send(HttpMethod.Post, "/api/v1/llm/prompts", JsonSerializer.Serialize(body));
        Assert.True(status == HttpStatusCode.Accepted, $"{status}: {answer}");
        return answer.GetProperty("id").GetString()!;
    }
}
