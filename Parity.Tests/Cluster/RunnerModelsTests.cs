using Parity.Runners;
using System.Text.Json;
using Parity.Llm.Embedded;
using Parity.Tasks;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// Two real silos: one serves GGUF files in-process, the other an Ollama (the in-repo server that speaks its API).
/// Each runner reports its own models, and picks up new ones without a restart.
/// </summary>
public sealed class RunnerModelsTests : IAsyncLifetime
{
    private readonly string _modelsDir = Directory.CreateTempSubdirectory("parity-models-").FullName;
    private readonly string _emptyDir = Directory.CreateTempSubdirectory("parity-no-models-").FullName;
    private readonly OllamaTestServer _ollama = new();
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        TinyGgufWriter.Write(Path.Combine(_modelsDir, "tiny.gguf"));
        _ollama.AddModel("qwen2.5:0.5b");
        await _ollama.StartAsync();
        _cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: index => new Dictionary<string, string?>
        {
            ["RUNNER_MODELS_DIR"] = index == 0 ? _modelsDir : _emptyDir,
            ["OLLAMA_URL"] = index == 0 ? "off" : _ollama.Url.ToString(),
            ["RUNNER_MODELS_REFRESH_INTERVAL"] = "200ms",
            ["RUNNER_MODEL_PULL_ALLOW"] = "llama3:*",
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _ollama.DisposeAsync();
        Directory.Delete(_modelsDir, recursive: true);
        Directory.Delete(_emptyDir, recursive: true);
    }

    [Fact]
    public async Task Each_runner_reports_its_models_and_picks_up_new_files()
    {
        var directory = _cluster.Client.GetGrain<IRunnerDirectoryGrain>(0);
        var runners = await Eventually.Get(async () =>
        {
            var all = await directory.GetRunners();
            return all.Count(r => r.Capabilities.Models.Count > 0) == 2 ? all : null;
        }, TimeSpan.FromSeconds(30), "both runners report models");

        var embedded = Assert.Single(runners, r => r.Capabilities.Models.Any(m => m.Backend == "embedded"));
        var tiny = Assert.Single(embedded.Capabilities.Models);
        Assert.Equal("tiny", tiny.Name);
        Assert.Equal(new FileInfo(Path.Combine(_modelsDir, "tiny.gguf")).Length, tiny.SizeBytes);
        Assert.Equal(256, tiny.ContextLength);
        Assert.StartsWith("sha256:", tiny.Digest);

        var ollama = Assert.Single(runners, r => r.Capabilities.Models.Any(m => m.Backend == "ollama"));
        Assert.Equal(["qwen2.5:0.5b"], ollama.Capabilities.Models.Select(m => m.Name));
        Assert.NotEqual(embedded.Name, ollama.Name);

        File.Copy(Path.Combine(_modelsDir, "tiny.gguf"), Path.Combine(_modelsDir, "second.gguf"));
        await Eventually.True(async () => (await directory.GetRunners()).Single(r => r.Name == embedded.Name)
                .Capabilities.Models.Select(m => m.Name).Order().SequenceEqual(["second", "tiny"]),
            TimeSpan.FromSeconds(30), "the new model file is reported");
    }

    private static ParityTask LlmTask(string model, string prompt, int maxTokens = 8) => new()
    {
        Id = "llm-" + Guid.NewGuid().ToString("N")[..12],
        Title = prompt,
        Type = TaskType.Llm,
        Config = JsonSerializer.Serialize(new { model, prompt, max_tokens = maxTokens, temperature = 0 }),
        CreatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Llm_tasks_go_to_the_runner_that_serves_the_model_and_complete_with_token_counts()
    {
        var directory = _cluster.Client.GetGrain<IRunnerDirectoryGrain>(0);
        var runners = await Eventually.Get(async () =>
        {
            var all = await directory.GetRunners();
            return all.Count(r => r.Capabilities.Models.Count > 0) == 2 ? all : null;
        }, TimeSpan.FromSeconds(30), "both runners report models");
        var embeddedRunner = runners.Single(r => r.Capabilities.Models.Any(m => m.Backend == "embedded")).Name;
        var ollamaRunner = runners.Single(r => r.Capabilities.Models.Any(m => m.Backend == "ollama")).Name;

        // The upstream shape {"model", "prompt"}; "qwen2.5" resolves to the only tag there is.
        var tiny = LlmTask("tiny", "Hello world, the model said");
        var qwen = LlmTask("qwen2.5", "Why is the sky blue?");
        await _cluster.TaskGrain(tiny.Id).Submit(tiny);
        await _cluster.TaskGrain(qwen.Id).Submit(qwen);

        var tinyDone = await _cluster.WaitFinished(tiny.Id);
        Assert.Equal(TaskState.Completed, tinyDone.Status);
        Assert.Equal(embeddedRunner, tinyDone.Runner);
        var tinyResult = (await _cluster.TaskGrain(tiny.Id).GetResult())!;
        Assert.Equal(11, tinyResult.PromptTokens);
        Assert.Equal(8, tinyResult.ResponseTokens);
        Assert.NotEmpty(tinyResult.Stdout);

        var qwenDone = await _cluster.WaitFinished(qwen.Id);
        Assert.Equal(TaskState.Completed, qwenDone.Status);
        Assert.Equal(ollamaRunner, qwenDone.Runner);
        var qwenResult = (await _cluster.TaskGrain(qwen.Id).GetResult())!;
        Assert.Equal(8, qwenResult.ResponseTokens);
        Assert.True(qwenResult.PromptTokens > 0);
        Assert.Equal(string.Concat(OllamaTestServer.TokensFor("Why is the sky blue?", 0, 8)), qwenResult.Stdout);
    }

    [Fact]
    public async Task An_llm_task_for_a_model_no_runner_has_or_can_pull_fails_with_that_reason()
    {
        // The Ollama runner tries to pull it; its registry has no such model.
        var task = LlmTask("llama3:70b", "hi");
        await _cluster.TaskGrain(task.Id).Submit(task);

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.StartsWith("pulling 'llama3:70b' on Ollama at ", finished.Error);
        Assert.Contains("file does not exist", finished.Error);
    }
}
