using Parity.Llm.Embedded;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Llm;

/// <summary><c>parity-runner models list|pull</c> as a user runs it, against a GGUF directory and the Ollama test server.</summary>
public sealed class ModelsCommandTests : IAsyncLifetime
{
    private readonly string _modelsDir = Directory.CreateTempSubdirectory("parity-cli-models-").FullName;
    private readonly OllamaTestServer _ollama = new();

    public async Task InitializeAsync()
    {
        TinyGgufWriter.Write(Path.Combine(_modelsDir, "tiny.gguf"));
        _ollama.AddModel("qwen2.5:0.5b");
        _ollama.AddRegistryModel(new FakeOllamaModel("llama3.2:1b"));
        await _ollama.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _ollama.DisposeAsync();
        Directory.Delete(_modelsDir, recursive: true);
    }

    [Fact]
    public void List_shows_the_models_of_both_backends_and_pull_adds_one()
    {
        Assert.Equal(["embedded tiny", "ollama qwen2.5:0.5b"], ListJson());
        var (code, table, stderr) = Run("models", "list");
        Assert.True(code == 0, stderr);
        Assert.Contains("tiny", table);

        var (pullCode, pullOut, pullErr) = Run("models", "pull", "llama3.2:1b");
        Assert.True(pullCode == 0, pullErr);
        Assert.Contains("pulled llama3.2:1b", pullOut);
        Assert.Equal(["embedded tiny", "ollama llama3.2:1b", "ollama qwen2.5:0.5b"], ListJson());

        var (missingCode, _, missingErr) = Run("models", "pull", "no-such-model:7b");
        Assert.Equal(1, missingCode);
        Assert.Contains("models pull: ", missingErr);
        Assert.Contains("no-such-model:7b", missingErr);
    }

    private List<string> ListJson()
    {
        var (code, stdout, stderr) = Run("models", "list", "--json");
        Assert.True(code == 0, stderr);
        using var models = System.Text.Json.JsonDocument.Parse(stdout);
        return models.RootElement.EnumerateArray()
            .Select(m => $"{m.GetProperty("backend").GetString()} {m.GetProperty("name").GetString()}").Order().ToList();
    }

    private (int Code, string Stdout, string Stderr) Run(params string[] arguments) =>
        ParityCli.Run(new Dictionary<string, string> { ["RUNNER_MODELS_DIR"] = _modelsDir, ["OLLAMA_URL"] = _ollama.Url.ToString() },
            arguments);
}
