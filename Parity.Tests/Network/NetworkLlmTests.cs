using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Parity.Llm.Embedded;
using Parity.Network;
using Parity.Tasks;
using Parity.Tests.Llm;
using Parity.Tests.Support;

namespace Parity.Tests.Network;

/// <summary>
/// LLM work and capabilities in network mode: a real cluster whose runner serves the tiny GGUF model through the
/// embedded llama.cpp backend (no Ollama) answers a prompt the test server assigned to it, completing the prompt on the
/// upstream's prompt route and then the task, once each through 503 answers; and it registers again, with the new
/// model list, when a model file appears in or leaves its models folder.
/// </summary>
public sealed class NetworkLlmTests : IAsyncLifetime
{
    private const string Device = "llm-cluster-device";
    private const int MaxTokens = 6;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly UpstreamTestServer _server = new();
    private readonly string _models = Directory.CreateTempSubdirectory("parity-netllm-").FullName;
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        TinyGgufWriter.Write(Path.Combine(_models, "tiny.gguf"));
        await _server.StartAsync();
        _cluster = await ParityTestCluster.StartAsync(1,
            _ => new Dictionary<string, string?>
            {
                ["RUNNER_SERVER_URL"] = _server.Url.ToString(),
                ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
                ["RUNNER_WEBHOOK_URL"] = UpstreamTestClient.Webhook,
                ["RUNNER_SERVER_POLL_INTERVAL"] = "200ms",
                ["RUNNER_SERVER_TIMEOUT"] = "5s",
                ["RUNNER_MODELS_DIR"] = _models,
                ["OLLAMA_URL"] = "off",
                ["RUNNER_MODELS_REFRESH_INTERVAL"] = "200ms",
                ["RUNNER_LLM_MAX_TOKENS"] = MaxTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            silo => NetworkTestSilo.Configure(silo, Device));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_models, recursive: true);
    }

    private static string[] ModelNames(JsonObject registration) =>
        (registration["model_capabilities"] as JsonArray ?? []).Select(m => m!["model_name"]!.GetValue<string>()).ToArray();

    [Fact]
    public async Task A_prompt_from_the_server_is_answered_by_the_embedded_model_and_completed_once_then_its_task()
    {
        await Eventually.True(() => _server.Registrations.Any(r => ModelNames(r).Contains("tiny")), Patience, "registered with the tiny model");
        var capability = _server.Capabilities(Device).Single(c => c["model_name"]!.GetValue<string>() == "tiny");
        Assert.True(capability["is_loaded"]!.GetValue<bool>());
        Assert.Equal(256, capability["max_tokens"]!.GetValue<int>()); // the model's context length

        // As the reference server forwards a client's prompt: a prompt in "processing" and an llm task of the same id,
        // config {"model","prompt"}, assigned to this runner. Its completion route answers 503 twice first.
        var id = Guid.NewGuid().ToString();
        _server.Fail($"POST /api/v1/llm/prompts/{id}/complete", 503, count: 2);
        _server.AddPrompt(id, "tiny", TinyModel.Prompt, runnerId: Device);

        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the task's result reported");

        var task = (await _cluster.TaskGrain(id).Get())!;
        Assert.Equal(TaskState.Completed, task.Status);
        var result = (await _cluster.TaskGrain(id).GetResult())!;
        Assert.Equal("completed", _server.Prompt(id)!["status"]!.GetValue<string>());
        var completion = Assert.Single(_server.Completions);
        Assert.Equal(result.Stdout, completion["response"]!.GetValue<string>());
        Assert.NotEmpty(result.Stdout);
        // The prompt as the model tokenizes it (BOS included), and the answer cut at RUNNER_LLM_MAX_TOKENS.
        Assert.Equal(TinyModel.PromptIds.Length, completion["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(MaxTokens, completion["response_tokens"]!.GetValue<int>());
        Assert.True(completion["inference_time_ms"]!.GetValue<long>() > 0);

        var receipt = Assert.Single(_server.Receipts);
        Assert.Equal(Device, receipt.DeviceId);
        Assert.Equal(result.Stdout, receipt.Body["output"]!.GetValue<string>());
        Assert.Equal(TinyModel.PromptIds.Length, receipt.Body["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(MaxTokens, receipt.Body["response_tokens"]!.GetValue<int>());
        // The prompt is completed before the task (the reference server bills and answers its client from the prompt).
        var requests = _server.Requests.ToList();
        Assert.True(requests.LastIndexOf($"POST /api/v1/llm/prompts/{id}/complete") < requests.IndexOf($"POST /api/v1/runners/tasks/{id}/result"));
        Assert.Equal(3, requests.Count(r => r == $"POST /api/v1/llm/prompts/{id}/complete"));
    }

    [Fact]
    public async Task A_completion_the_server_refuses_with_400_is_not_retried_and_the_task_is_still_reported_once()
    {
        await Eventually.True(() => _server.Registrations.Any(r => ModelNames(r).Contains("tiny")), Patience, "registered with the tiny model");
        // What the reference answers a completion with a 0 token count (its fields are all `binding:"required"`).
        var id = Guid.NewGuid().ToString();
        var route = $"POST /api/v1/llm/prompts/{id}/complete";
        _server.Answer(route, 400,
            () => """{"error":"Key: 'prompt_tokens' Error:Field validation for 'prompt_tokens' failed on the 'required' tag"}"""u8.ToArray());
        _server.AddPrompt(id, "tiny", TinyModel.Prompt, runnerId: Device);

        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the task's result reported");

        // A refusal is final: one attempt, no retry by the client or the grain; the task's result still goes, once.
        Assert.Equal(1, _server.Requests.Count(r => r == route));
        Assert.Empty(_server.Completions);
        var receipt = Assert.Single(_server.Receipts);
        Assert.Equal(MaxTokens, receipt.Body["response_tokens"]!.GetValue<int>());
        var beats = _server.Heartbeats.Count;
        await Eventually.True(() => _server.Heartbeats.Count > beats + 1, Patience, "two more heartbeats");
        Assert.Equal(1, _server.Requests.Count(r => r == route));
        Assert.Single(_server.Receipts);
    }

    [Fact]
    public async Task A_model_added_to_or_removed_from_the_folder_makes_the_runner_register_again_with_the_new_list()
    {
        await Eventually.True(() => _server.Registrations.Any(r => ModelNames(r).SequenceEqual(["tiny"])), Patience, "registered with the tiny model");
        // Nothing changed: heartbeats go on, and no registration is repeated.
        var registrations = _server.Registrations.Count;
        var beats = _server.Heartbeats.Count;
        await Eventually.True(() => _server.Heartbeats.Count > beats + 2, Patience, "three more heartbeats");
        Assert.Equal(registrations, _server.Registrations.Count);

        // A second model appears (as `parity-runner models pull` leaves it): registered again with both.
        TinyGgufWriter.Write(Path.Combine(_models, "second.gguf"));
        await Eventually.True(() => _server.Registrations.Skip(registrations).Any(r => ModelNames(r).SequenceEqual(["second", "tiny"])),
            Patience, "registered again with both models");
        Assert.Equal(["second", "tiny"], _server.Capabilities(Device).Select(c => c["model_name"]!.GetValue<string>()));
        var latest = _server.Registrations[^1];
        Assert.Equal(UpstreamTestClient.Wallet, latest["wallet_address"]!.GetValue<string>());
        Assert.Equal(UpstreamTestClient.Webhook, latest["webhook"]!.GetValue<string>());

        // The first one is removed: registered again with the one left.
        registrations = _server.Registrations.Count;
        File.Delete(Path.Combine(_models, "tiny.gguf"));
        await Eventually.True(() => _server.Registrations.Skip(registrations).Any(r => ModelNames(r).SequenceEqual(["second"])),
            Patience, "registered again without the removed model");
        Assert.Equal(["second"], _server.Capabilities(Device).Select(c => c["model_name"]!.GetValue<string>()));
        Assert.Equal("online", _server.Runner(Device)!["status"]!.GetValue<string>());
    }
}
