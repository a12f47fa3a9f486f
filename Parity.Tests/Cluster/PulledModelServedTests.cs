using System.Text.Json;
using Parity.Llm.Embedded;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A running silo serves a model pulled with <c>parity-runner models pull &lt;url&gt;</c> at once, without a restart:
/// its RUNNER_MODELS_DIR did not exist before it started (it creates it), and its refresh interval is an hour, so only
/// its watch on the folder can make the runner report the model and take a prompt for it.
/// </summary>
public sealed class PulledModelServedTests : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("parity-served-").FullName;
    private readonly ModelFileServer _server = new();
    private ParityTestCluster _cluster = null!;

    private string ModelsDir => Path.Combine(_home, "not", "yet", "models");

    public async Task InitializeAsync()
    {
        var source = Path.Combine(_home, "source.bin");
        TinyGgufWriter.Write(source);
        _server.Add("hub-model.gguf", await File.ReadAllBytesAsync(source));
        await _server.StartAsync();
        _cluster = await ParityTestCluster.StartAsync(silos: 1, overrides: _ => new Dictionary<string, string?>
        {
            ["RUNNER_MODELS_DIR"] = ModelsDir,
            ["OLLAMA_URL"] = "off",
            ["RUNNER_MODELS_REFRESH_INTERVAL"] = "1h",
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    public async Task A_model_pulled_into_a_running_silos_folder_is_reported_and_serves_a_prompt()
    {
        Assert.True(Directory.Exists(ModelsDir), "the silo creates its missing RUNNER_MODELS_DIR at start");
        var directory = _cluster.Client.GetGrain<IRunnerDirectoryGrain>(0);
        var runner = Assert.Single(await Eventually.Get(async () =>
        {
            var all = await directory.GetRunners();
            return all.Count == 1 ? all : null;
        }, TimeSpan.FromSeconds(30), "the runner registers"));
        Assert.Empty(runner.Capabilities.Models);

        var (code, stdout, stderr) = await Task.Run(() => ParityCli.Run(new Dictionary<string, string>
        {
            ["HOME"] = _home,
            ["RUNNER_MODELS_DIR"] = ModelsDir,
            ["OLLAMA_URL"] = "off",
        }, "models", "pull", _server.File("hub-model.gguf").ToString()));
        Assert.True(code == 0, stderr);
        Assert.Contains("pulled hub-model", stdout);

        // Well under the hour-long refresh interval: the watcher re-read the folder and the runner announced it.
        await Eventually.True(async () => (await directory.GetRunners()).Single().Capabilities.Models.Any(m => m.Name == "hub-model"),
            TimeSpan.FromSeconds(60), "the runner reports the pulled model");

        var task = new ParityTask
        {
            Id = "llm-" + Guid.NewGuid().ToString("N")[..12],
            Title = "pulled model",
            Type = TaskType.Llm,
            Config = JsonSerializer.Serialize(new { model = "hub-model", prompt = "Hello world, the model said", max_tokens = 8, temperature = 0 }),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await _cluster.TaskGrain(task.Id).Submit(task);
        var done = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Completed, done.Status);
        var result = (await _cluster.TaskGrain(task.Id).GetResult())!;
        Assert.Equal(11, result.PromptTokens);
        Assert.Equal(8, result.ResponseTokens);
        Assert.NotEmpty(result.Stdout);
    }
}
