using System.Security.Cryptography;
using System.Text.Json;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Llm;

/// <summary>
/// <c>parity-runner models pull &lt;url|cid&gt;</c>, <c>models list</c> and <c>models create-demo</c> as a user without
/// Ollama runs them: a generated GGUF served by a local HTTP server or added to the real IPFS test node.
/// </summary>
public sealed class ModelsPullCommandTests : IAsyncLifetime
{
    private readonly string _home = Directory.CreateTempSubdirectory("parity-cli-pull-").FullName;
    private readonly ModelFileServer _server = new();
    private byte[] _model = [];

    private string ModelsDir => Path.Combine(_home, "models");

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_home, "source.bin");
        TinyGgufWriter.Write(path, seed: 3);
        _model = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        _server.Add("tiny-chat.Q8_0.gguf", _model);
        _server.Add("index.html", "<!doctype html><title>hub</title>"u8.ToArray());
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    private Task<(int Code, string Stdout, string Stderr)> Run(Dictionary<string, string>? extra, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = _home,
            ["RUNNER_MODELS_DIR"] = ModelsDir,
            ["OLLAMA_URL"] = "off",
        };
        foreach (var (key, value) in extra ?? []) environment[key] = value;
        return Task.Run(() => ParityCli.Run(environment, arguments));
    }

    private Task<(int Code, string Stdout, string Stderr)> Run(params string[] arguments) => Run(null, arguments);

    private List<string> Files() => Directory.Exists(ModelsDir)
        ? Directory.EnumerateFileSystemEntries(ModelsDir).Select(f => Path.GetFileName(f)).Order().ToList()
        : [];

    private async Task<List<string>> ListedNames()
    {
        var (code, stdout, stderr) = await Run("models", "list", "--json");
        Assert.True(code == 0, stderr);
        using var models = JsonDocument.Parse(stdout);
        return models.RootElement.EnumerateArray().Select(m => m.GetProperty("name").GetString()!).Order().ToList();
    }

    [Fact]
    public async Task A_url_pull_lands_in_a_created_models_dir_and_list_shows_it()
    {
        var (before, listed, _) = await Run("models", "list");
        Assert.Equal(0, before);
        Assert.Contains($"RUNNER_MODELS_DIR {ModelsDir}: missing", listed);
        Assert.Contains("Ollama: not asked (OLLAMA_URL=off)", listed);

        var url = _server.File("tiny-chat.Q8_0.gguf").ToString();
        var sha = Convert.ToHexStringLower(SHA256.HashData(_model));
        var (code, stdout, stderr) = await Run("models", "pull", url, "--sha256", sha);
        Assert.True(code == 0, stderr);
        Assert.Contains($"pulling {url} into {Path.Combine(ModelsDir, "tiny-chat.Q8_0.gguf")}", stdout);
        Assert.Contains("(100 %)", stdout); // output is redirected: plain progress lines
        Assert.Contains($"pulled tiny-chat.Q8_0: {Path.Combine(ModelsDir, "tiny-chat.Q8_0.gguf")}, {_model.Length} bytes, sha256 {sha}", stdout);
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(ModelsDir, "tiny-chat.Q8_0.gguf")));

        Assert.Equal(["tiny-chat.Q8_0"], await ListedNames());
        var (_, table, _) = await Run("models", "list");
        Assert.Contains($"RUNNER_MODELS_DIR {ModelsDir}: 1 GGUF model(s)", table);

        // The same name again is refused before downloading; --force replaces it.
        var (again, _, againErr) = await Run("models", "pull", url);
        Assert.Equal(1, again);
        Assert.Contains("exists already", againErr);
        var (forced, _, forcedErr) = await Run("models", "pull", url, "--force", "--name", "tiny-chat.Q8_0.gguf");
        Assert.True(forced == 0, forcedErr);
        Assert.Equal(["tiny-chat.Q8_0.gguf"], Files());
    }

    [Fact]
    public async Task Refused_pulls_say_why_and_keep_nothing()
    {
        var url = _server.File("tiny-chat.Q8_0.gguf").ToString();

        var mismatch = await Run("models", "pull", url, "--sha256", new string('0', 64));
        Assert.Equal(1, mismatch.Code);
        Assert.Contains($"not the {new string('0', 64)} given with --sha256; nothing was kept", mismatch.Stderr);

        var capped = await Run("models", "pull", url, "--max-size", "100k");
        Assert.Equal(1, capped.Code);
        Assert.Contains($"announces {_model.Length} bytes, over the cap of 102400 bytes (--max-size)", capped.Stderr);

        var cappedByKey = await Run(new Dictionary<string, string> { ["RUNNER_MODEL_MAX_SIZE"] = "100k" }, "models", "pull", new Uri(_server.Url, "chunked/tiny-chat.Q8_0.gguf").ToString());
        Assert.Equal(1, cappedByKey.Code);
        Assert.Contains("sent more than the cap of 102400 bytes (RUNNER_MODEL_MAX_SIZE)", cappedByKey.Stderr);

        var html = await Run("models", "pull", _server.File("index.html").ToString(), "--name", "hub");
        Assert.Equal(1, html.Code);
        Assert.Contains("is not a GGUF file: it starts with \"<!do\"", html.Stderr);

        var redirect = await Run("models", "pull", new Uri(_server.Url, "redirect-file").ToString(), "--name", "x");
        Assert.Equal(1, redirect.Code);
        Assert.Contains("which is not an http(s) URL", redirect.Stderr);

        Assert.DoesNotContain(Files(), f => f.EndsWith(".gguf", StringComparison.Ordinal) || f.EndsWith(".part", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--name", "../x", "--name '../x' is not a model name")]
    [InlineData("--name", "/tmp/evil", "--name '/tmp/evil' is not a model name")]
    [InlineData("--sha256", "xyz", "--sha256 must be 64 hexadecimal digits (optionally prefixed sha256:), got 'xyz'")]
    [InlineData("--max-size", "lots", "--max-size must be a size like 512m or 8g, got 'lots'")]
    public async Task Bad_options_exit_2_naming_the_value(string option, string value, string message)
    {
        var (code, _, stderr) = await Run("models", "pull", _server.File("tiny-chat.Q8_0.gguf").ToString(), option, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Empty(Files());
    }

    [Theory]
    [InlineData("RUNNER_MODEL_MAX_SIZE", "huge", "configuration error: RUNNER_MODEL_MAX_SIZE must be a size")]
    [InlineData("RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT", "0s", "configuration error: RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT must be a duration")]
    public async Task Bad_keys_exit_2_naming_the_key(string key, string value, string message)
    {
        var (code, _, stderr) = await Run(new Dictionary<string, string> { [key] = value },
            "models", "pull", _server.File("tiny-chat.Q8_0.gguf").ToString());
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Empty(Files());
    }

    [Theory]
    [InlineData("file:///etc/passwd", "is a file: URL; only http and https URLs are pulled")]
    [InlineData("ftp://127.0.0.1/m.gguf", "is a ftp: URL; only http and https URLs are pulled")]
    [InlineData("qwen2.5:0.5b", "OLLAMA_URL is off, so an Ollama name cannot be pulled; pull a GGUF file by http(s) URL or CID")]
    public async Task References_it_cannot_pull_exit_2(string reference, string message)
    {
        var (code, _, stderr) = await Run("models", "pull", reference);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public async Task A_cid_pull_fetches_verified_blocks_from_the_ipfs_node()
    {
        // Larger than one 256 KiB chunk, so the CID names a tree of blocks, not one block.
        Assert.True(_model.Length > 2 * ImportProfile.Legacy.ChunkSize);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        var cid = await new IpfsNodeClient(TestEngines.Ipfs, http).AddAsync(new MemoryStream(_model));
        var computed = await UnixFsImporter.ImportAsync(new MemoryStream(_model), ImportProfile.Legacy, DiscardingBlockSink.Instance);
        Assert.Equal(computed.Root.ToString(), cid);

        var gateways = new Dictionary<string, string> { ["IPFS_GATEWAYS"] = TestEngines.Ipfs.ToString() };
        var (code, stdout, stderr) = await Run(gateways, "models", "pull", cid);
        Assert.True(code == 0, stderr);
        Assert.Contains($"pulled {cid}:", stdout);
        Assert.Equal(_model, await File.ReadAllBytesAsync(Path.Combine(ModelsDir, cid + ".gguf")));

        var named = await Run(gateways, "models", "pull", cid, "--name", "from-ipfs", "--sha256", Convert.ToHexStringLower(SHA256.HashData(_model)));
        Assert.True(named.Code == 0, named.Stderr);
        Assert.Equal([cid, "from-ipfs"], await ListedNames());

        // A CID of other content (here: an HTML page) is fetched and verified, then refused as no GGUF file.
        var page = await new IpfsNodeClient(TestEngines.Ipfs, http).AddAsync(new MemoryStream("<!doctype html>"u8.ToArray()));
        var refused = await Run(gateways, "models", "pull", page);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"{page} is not a GGUF file", refused.Stderr);
    }

    [Fact]
    public async Task Create_demo_writes_a_labelled_model_that_generates()
    {
        Directory.CreateDirectory(ModelsDir);
        var (_, empty, _) = await Run("models", "list");
        Assert.Contains($"RUNNER_MODELS_DIR {ModelsDir}: no .gguf files", empty);
        Assert.Contains("no models", empty);

        var (code, stdout, stderr) = await Run("models", "create-demo");
        Assert.True(code == 0, stderr);
        Assert.Contains("produces NOISE, not language", stdout);
        Assert.Contains("\"model_name\":\"parity-demo-noise\"", stdout);
        Assert.Equal(["parity-demo-noise"], await ListedNames());
        Assert.Equal(1, (await Run("models", "create-demo")).Code);

        await using var backend = new EmbeddedLlmBackend(new EmbeddedLlmOptions { ModelsDirectory = ModelsDir, Threads = 1 });
        var (pieces, completion) = await TinyModel.Generate(backend,
            new LlmRequest { Model = "parity-demo-noise", Prompt = TinyModel.Prompt, MaxTokens = 8, Temperature = 0 });
        Assert.Equal(8, completion.Usage.CompletionTokens);
        Assert.Equal(8, pieces.Count);
        Assert.Equal(TinyModel.PromptIds.Length, completion.Usage.PromptTokens);
    }
}
