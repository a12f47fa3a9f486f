using System.Text;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Tests.Support;

namespace Parity.Tests.Llm;

/// <summary>The embedded backend's models directory: loading, unloading, replaced and unusable files.</summary>
public sealed class EmbeddedModelFilesTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parity-llm-files-").FullName;
    private readonly List<EmbeddedLlmBackend> _backends = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends) await backend.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private EmbeddedLlmBackend Backend(int maxLoaded = 1, TimeSpan? idleUnload = null, string? directory = null)
    {
        var backend = new EmbeddedLlmBackend(new EmbeddedLlmOptions
        {
            ModelsDirectory = directory ?? _directory,
            Threads = 1,
            MaxLoadedModels = maxLoaded,
            IdleUnload = idleUnload,
        });
        _backends.Add(backend);
        return backend;
    }

    private string Model(string name, int seed = 42, bool withChatTemplate = true)
    {
        var path = Path.Combine(_directory, name + ".gguf");
        TinyGgufWriter.Write(path, seed, withChatTemplate);
        return path;
    }

    private static Task<(List<string> Pieces, LlmCompletion Completion)> Run(ILlmBackend backend, string model, int maxTokens = 4) =>
        TinyModel.Generate(backend, new LlmRequest { Model = model, Prompt = TinyModel.Prompt, MaxTokens = maxTokens });

    private static async Task<string[]> Loaded(ILlmBackend backend) =>
        (await backend.ListModelsAsync(CancellationToken.None)).Where(m => m.Loaded).Select(m => m.Name).Order().ToArray();

    [Fact]
    public async Task A_model_loads_on_first_use_only()
    {
        Model("tiny");
        var backend = Backend();
        Assert.Empty(await Loaded(backend));

        var (_, first) = await Run(backend, "tiny");
        var (_, second) = await Run(backend, "tiny");

        Assert.Equal(["tiny"], await Loaded(backend));
        Assert.True(first.Usage.LoadMs > 0);
        Assert.Equal(0, second.Usage.LoadMs);
    }

    [Fact]
    public async Task Loading_another_model_unloads_the_least_recently_used()
    {
        Model("a", seed: 1);
        Model("b", seed: 2);
        Model("c", seed: 3);
        var backend = Backend(maxLoaded: 2);

        await Run(backend, "a");
        await Run(backend, "b");
        await Run(backend, "a");
        await Run(backend, "c");
        Assert.Equal(["a", "c"], await Loaded(backend));

        var (_, again) = await Run(backend, "b");
        Assert.True(again.Usage.LoadMs > 0);
        Assert.Equal(["b", "c"], await Loaded(backend));
    }

    [Fact]
    public async Task Different_files_are_different_models()
    {
        Model("a", seed: 1);
        Model("b", seed: 2);
        var backend = Backend();

        var (_, a) = await Run(backend, "a", 16);
        var (_, b) = await Run(backend, "b", 16);

        Assert.NotEqual(a.Text, b.Text);
        Assert.NotEqual(a.Usage.ModelDigest, b.Usage.ModelDigest);
        Assert.Equal(["b"], await Loaded(backend));
    }

    [Fact]
    public async Task An_idle_model_is_unloaded()
    {
        Model("tiny");
        var backend = Backend(idleUnload: TimeSpan.FromMilliseconds(50));

        await Run(backend, "tiny");

        await Eventually.True(async () => (await Loaded(backend)).Length == 0, TimeSpan.FromSeconds(10), "the idle model to unload");
        var (_, reloaded) = await Run(backend, "tiny");
        Assert.True(reloaded.Usage.LoadMs > 0);
    }

    [Fact]
    public async Task A_replaced_file_is_loaded_again_with_its_new_digest()
    {
        var path = Model("m", seed: 1);
        var backend = Backend();
        var (_, before) = await Run(backend, "m", 16);

        TinyGgufWriter.Write(path, seed: 2);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1)); // same length: make the change visible to the stamp
        var (_, after) = await Run(backend, "m", 16);

        Assert.NotEqual(before.Usage.ModelDigest, after.Usage.ModelDigest);
        Assert.NotEqual(before.Text, after.Text);
        Assert.True(after.Usage.LoadMs > 0);
    }

    [Fact]
    public async Task Random_bytes_give_an_error_naming_the_file()
    {
        var bytes = new byte[64 * 1024];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(_directory, "broken.gguf"), bytes);
        var backend = Backend();

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(backend, "broken"));

        Assert.Contains("broken.gguf", error.Message);
        Assert.Contains("not a GGUF file", error.Message);
        var listed = Assert.Single(await backend.ListModelsAsync(CancellationToken.None));
        Assert.Equal(("broken", false, null, null, 64 * 1024L), (listed.Name, listed.Loaded, listed.ContextLength, listed.Quantization, listed.SizeBytes));
    }

    [Fact]
    public async Task A_truncated_file_gives_llama_cpp_complaint_and_the_file_name()
    {
        var path = Model("whole");
        File.WriteAllBytes(Path.Combine(_directory, "truncated.gguf"), File.ReadAllBytes(path)[..(731_456 / 2)]);
        File.Delete(path);
        var backend = Backend();

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(backend, "truncated"));

        Assert.Contains("truncated.gguf", error.Message);
        Assert.Contains("not within the file bounds", error.Message); // llama.cpp's own words, from its log
    }

    [Fact]
    public async Task An_unknown_architecture_gives_llama_cpp_complaint()
    {
        var bytes = File.ReadAllBytes(Model("alien"));
        var at = bytes.AsSpan().IndexOf("llama"u8); // the first "llama" is general.architecture's value
        Encoding.ASCII.GetBytes("alien").CopyTo(bytes, at);
        File.WriteAllBytes(Path.Combine(_directory, "alien.gguf"), bytes);
        var backend = Backend();

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(backend, "alien"));

        Assert.Contains("alien.gguf", error.Message);
        Assert.Contains("unknown model architecture", error.Message);
        // The backend still works for good files after a failed load.
        Model("tiny");
        var (_, completion) = await Run(backend, "tiny");
        Assert.Equal(4, completion.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_model_without_chat_template_refuses_messages_but_takes_prompts()
    {
        Model("plain", withChatTemplate: false);
        var backend = Backend();

        var error = await Assert.ThrowsAsync<LlmException>(() => TinyModel.Generate(backend,
            new LlmRequest { Model = "plain", Messages = [new("user", "Hello")], MaxTokens = 4 }));
        var (_, completion) = await Run(backend, "plain");

        Assert.Contains("model 'plain' has no chat template", error.Message);
        Assert.Equal(11, completion.Usage.PromptTokens);
    }

    [Fact]
    public async Task A_missing_directory_serves_nothing()
    {
        var backend = Backend(directory: Path.Combine(_directory, "absent"));

        Assert.Empty(await backend.ListModelsAsync(CancellationToken.None));
        var error = await Assert.ThrowsAsync<LlmException>(() => Run(backend, "tiny"));
        Assert.Equal("model 'tiny' is not available on this runner (embedded models: none)", error.Message);
    }

    [Fact]
    public async Task Several_tags_of_one_name_are_ambiguous_without_a_tag()
    {
        Model("tiny:a", seed: 1);
        Model("tiny:b", seed: 2);
        var backend = Backend();

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(backend, "tiny"));
        var (_, tagged) = await Run(backend, "tiny:b");

        Assert.Equal("model 'tiny' is ambiguous on this runner; name one of: tiny:a, tiny:b", error.Message);
        Assert.Equal(4, tagged.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_disposed_backend_refuses_prompts()
    {
        Model("tiny");
        var backend = Backend();
        await Run(backend, "tiny");

        await backend.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Run(backend, "tiny"));
    }
}
