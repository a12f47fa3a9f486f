using System.Net;
using System.Net.Sockets;
using Parity.Llm;
using Parity.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Llm.Ollama;

public sealed class OllamaLlmBackendTests : IAsyncLifetime
{
    private readonly OllamaTestServer _server = new();
    private OllamaLlmBackend? _backend;

    private OllamaLlmBackend Backend => _backend ?? throw new InvalidOperationException("not initialised");

    public async Task InitializeAsync()
    {
        _server.AddModel("tiny");
        await _server.StartAsync();
        _backend = new OllamaLlmBackend(new OllamaOptions { Url = _server.Url });
    }

    public async Task DisposeAsync()
    {
        if (_backend is not null) await _backend.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static LlmRequest Prompt(string prompt, string model = "tiny") => new() { Model = model, Prompt = prompt, Temperature = 0 };

    /// <summary>Runs a generation to its end: the text pieces, and the completion, which must come once and last.</summary>
    private static async Task<(List<string> Pieces, LlmCompletion Completion)> Run(ILlmBackend backend, LlmRequest request)
    {
        var items = new List<LlmStreamItem>();
        await foreach (var item in backend.GenerateAsync(request, CancellationToken.None)) items.Add(item);
        var completion = Assert.IsType<LlmCompletion>(items[^1]);
        var pieces = items[..^1].Select(i => Assert.IsType<LlmToken>(i).Text).ToList();
        return (pieces, completion);
    }

    private static string Expected(string renderedPrompt, long seed, int tokens) =>
        string.Concat(OllamaTestServer.TokensFor(renderedPrompt, seed, tokens));

    [Fact]
    public async Task Generate_streams_pieces_that_concatenate_to_the_completion_text()
    {
        var (pieces, completion) = await Run(Backend, Prompt("tell me about trees"));

        Assert.Equal(12, pieces.Count);
        Assert.Equal(completion.Text, string.Concat(pieces));
        Assert.Equal(Expected("tell me about trees", 0, 12), completion.Text);
        Assert.Contains("POST /api/generate", _server.Requests);
        Assert.DoesNotContain("POST /api/chat", _server.Requests);
    }

    [Fact]
    public async Task Generate_reports_the_final_chunk_counts_and_durations_in_milliseconds()
    {
        var (_, cold) = await Run(Backend, Prompt("alpha beta gamma delta"));

        Assert.Equal(4, cold.Usage.PromptTokens);
        Assert.Null(cold.Usage.CachedPromptTokens);
        Assert.Equal(12, cold.Usage.CompletionTokens);
        Assert.Equal(250, cold.Usage.LoadMs);
        Assert.Equal(8, cold.Usage.PrefillMs);
        Assert.Equal(300, cold.Usage.DecodeMs);
        Assert.Equal(250 + 8 + 300 + 3, cold.Usage.TotalMs);
        Assert.Equal(OllamaTestServer.DigestOf("tiny"), cold.Usage.ModelDigest);
        Assert.Equal("stop", cold.Usage.FinishReason);

        var (_, warm) = await Run(Backend, Prompt("epsilon zeta"));
        Assert.Equal(2, warm.Usage.PromptTokens);
        Assert.Equal(1, warm.Usage.LoadMs);
        Assert.Equal(4, warm.Usage.PrefillMs);
    }

    [Fact]
    public async Task Generate_records_a_prompt_served_from_ollamas_cache_as_unknown_never_zero()
    {
        var (_, first) = await Run(Backend, Prompt("alpha beta gamma delta"));
        var (_, repeated) = await Run(Backend, Prompt("alpha beta gamma delta"));

        Assert.Equal(4, first.Usage.PromptTokens);
        Assert.Null(repeated.Usage.PromptTokens);
        Assert.Null(repeated.Usage.CachedPromptTokens);
        Assert.Equal(0, repeated.Usage.PrefillMs);
        Assert.Equal(12, repeated.Usage.CompletionTokens);
        Assert.Equal(first.Text, repeated.Text);
    }

    [Fact]
    public async Task Generate_with_max_tokens_stops_at_the_limit_with_finish_reason_length()
    {
        var (pieces, completion) = await Run(Backend, Prompt("count to five") with { MaxTokens = 5 });

        Assert.Equal("length", completion.Usage.FinishReason);
        Assert.Equal(5, completion.Usage.CompletionTokens);
        Assert.Equal(5, pieces.Count);
        Assert.Equal(Expected("count to five", 0, 5), completion.Text);
    }

    [Fact]
    public async Task Generate_ends_at_a_stop_string_without_sending_any_of_it()
    {
        const string prompt = "name some places";
        var tokens = OllamaTestServer.TokensFor(prompt, 0, 12);
        var full = string.Concat(tokens);
        var stop = tokens[3] + tokens[4]; // spans two tokens, so the server must hold the first one back
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var (pieces, completion) = await Run(Backend, Prompt(prompt) with { Stop = [stop] });

        Assert.Equal(expected, completion.Text);
        Assert.Equal(expected, string.Concat(pieces));
        Assert.DoesNotContain(stop, completion.Text, StringComparison.Ordinal);
        Assert.Equal("stop", completion.Usage.FinishReason);
        Assert.InRange(completion.Usage.CompletionTokens, 1, 5);
    }

    [Fact]
    public async Task Messages_go_to_the_chat_endpoint_and_stream_the_assistant_reply()
    {
        var request = new LlmRequest
        {
            Model = "tiny",
            Messages = [new("system", "be brief"), new("user", "hello there")],
            Temperature = 0,
        };

        var (pieces, completion) = await Run(Backend, request);

        Assert.Contains("POST /api/chat", _server.Requests);
        Assert.DoesNotContain("POST /api/generate", _server.Requests);
        var rendered = OllamaTestServer.RenderChat([("system", "be brief"), ("user", "hello there")]);
        Assert.Equal(Expected(rendered, 0, 12), completion.Text);
        Assert.Equal(completion.Text, string.Concat(pieces));
        // <|system|> be brief <|user|> hello there <|assistant|>
        Assert.Equal(7, completion.Usage.PromptTokens);
        Assert.Equal(12, completion.Usage.CompletionTokens);
        Assert.Equal("stop", completion.Usage.FinishReason);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text_and_another_seed_another_text()
    {
        var sampled = Prompt("write a poem") with { Temperature = 0.8f };

        var (_, first) = await Run(Backend, sampled with { Seed = 42 });
        var (_, again) = await Run(Backend, sampled with { Seed = 42 });
        var (_, other) = await Run(Backend, sampled with { Seed = 43 });

        Assert.Equal(Expected("write a poem", 42, 12), first.Text);
        Assert.Equal(first.Text, again.Text);
        Assert.Equal(Expected("write a poem", 43, 12), other.Text);
        Assert.NotEqual(first.Text, other.Text);
    }

    [Fact]
    public async Task A_bare_model_name_resolves_to_the_single_local_tag()
    {
        _server.AddModel("qwen3:8b");

        var (_, completion) = await Run(Backend, Prompt("hi", model: "qwen3"));

        Assert.Equal(OllamaTestServer.DigestOf("qwen3:8b"), completion.Usage.ModelDigest);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("tiny:7b")]
    public async Task An_unknown_model_throws_an_LlmException_naming_it_and_the_server(string model)
    {
        var error = await Assert.ThrowsAsync<LlmException>(() => Run(Backend, Prompt("hi", model)));

        Assert.Contains($"'{model}'", error.Message);
        Assert.Contains(_server.Url.ToString(), error.Message);
        Assert.DoesNotContain("POST /api/generate", _server.Requests);
    }

    [Fact]
    public async Task A_model_that_ollama_no_longer_finds_throws_an_LlmException_naming_it()
    {
        _server.AddModel(new FakeOllamaModel("gone")
        {
            Failure = (HttpStatusCode.NotFound, "model \"gone\" not found, try pulling it first"),
        });

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(Backend, Prompt("hi", "gone")));

        Assert.Contains("'gone'", error.Message);
        Assert.Contains("not available", error.Message);
        Assert.Contains("POST /api/generate", _server.Requests);
    }

    [Fact]
    public async Task A_model_ollama_cannot_load_throws_an_LlmException_with_ollamas_reason()
    {
        _server.AddModel(new FakeOllamaModel("broken")
        {
            Failure = (HttpStatusCode.InternalServerError, "llama runner process has terminated: error loading model"),
        });

        var error = await Assert.ThrowsAsync<LlmException>(() => Run(Backend, Prompt("hi", "broken")));

        Assert.Contains("error loading model", error.Message);
        Assert.Contains("500", error.Message);
    }

    [Fact]
    public async Task An_unreachable_server_throws_an_LlmException_naming_the_url()
    {
        var url = new Uri($"http://127.0.0.1:{ClosedPort()}/");
        await using var backend = new OllamaLlmBackend(new OllamaOptions { Url = url });

        var generate = await Assert.ThrowsAsync<LlmException>(() => Run(backend, Prompt("hi")));
        var list = await Assert.ThrowsAsync<LlmException>(() => backend.ListModelsAsync(CancellationToken.None));
        var pull = await Assert.ThrowsAsync<LlmException>(() =>
            backend.PullAsync("tiny", new Recorded<LlmPullProgress>(), CancellationToken.None));

        foreach (var error in new[] { generate, list, pull })
        {
            Assert.Contains(url.ToString(), error.Message);
            Assert.Contains("OLLAMA_URL", error.Message);
        }
    }

    [Fact]
    public async Task ListModels_maps_tags_show_and_ps_and_a_generation_loads_the_model()
    {
        _server.AddModel(new FakeOllamaModel("big:70b")
        {
            SizeBytes = 42_000_000_000,
            Quantization = "Q8_0",
            ContextLength = 131_072,
            Family = "qwen2",
        });

        var before = await Backend.ListModelsAsync(CancellationToken.None);

        Assert.Equal(["big:70b", "tiny:latest"], before.Select(m => m.Name).Order(StringComparer.Ordinal));
        var big = before.Single(m => m.Name == "big:70b");
        Assert.Equal("ollama", big.Backend);
        Assert.Equal(42_000_000_000, big.SizeBytes);
        Assert.Equal("Q8_0", big.Quantization);
        Assert.Equal(131_072, big.ContextLength);
        Assert.Equal(OllamaTestServer.DigestOf("big:70b"), big.Digest);
        Assert.Equal(8192, before.Single(m => m.Name == "tiny:latest").ContextLength);
        Assert.All(before, m => Assert.False(m.Loaded));

        await Run(Backend, Prompt("wake up"));
        var after = await Backend.ListModelsAsync(CancellationToken.None);

        Assert.True(after.Single(m => m.Name == "tiny:latest").Loaded);
        Assert.False(after.Single(m => m.Name == "big:70b").Loaded);
    }

    [Fact]
    public async Task Pull_reports_growing_progress_ends_with_success_and_the_model_is_then_listed()
    {
        _server.AddRegistryModel(new FakeOllamaModel("fresh") { SizeBytes = 4_000 });
        Assert.DoesNotContain((await Backend.ListModelsAsync(CancellationToken.None)), m => m.Name == "fresh:latest");
        var progress = new Recorded<LlmPullProgress>();

        await Backend.PullAsync("fresh", progress, CancellationToken.None);

        Assert.Equal("pulling manifest", progress.Items[0].Status);
        Assert.Equal("success", progress.Items[^1].Status);
        var downloads = progress.Items.Where(p => p.Total is not null).ToList();
        Assert.True(downloads.Count >= 2, "expected several download steps");
        Assert.All(downloads, p => Assert.Equal(4_000, p.Total));
        var completed = downloads.Select(p => p.Completed!.Value).ToList();
        Assert.Equal(completed.Order(), completed);
        Assert.True(completed[0] < completed[^1]);
        Assert.Equal(4_000, completed[^1]);
        Assert.Contains(await Backend.ListModelsAsync(CancellationToken.None), m => m.Name == "fresh:latest");
    }

    [Fact]
    public async Task Pulling_a_model_the_registry_does_not_have_throws_an_LlmException()
    {
        var progress = new Recorded<LlmPullProgress>();

        var error = await Assert.ThrowsAsync<LlmException>(() => Backend.PullAsync("ghost", progress, CancellationToken.None));

        Assert.Contains("'ghost'", error.Message);
        Assert.Contains("file does not exist", error.Message);
        Assert.DoesNotContain(progress.Items, p => p.Status == "success");
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_the_next_token_throws_and_closes_the_stream()
    {
        _server.TokenDelay = TimeSpan.FromMinutes(10);
        using var cancellation = new CancellationTokenSource();
        await using var stream = Backend.GenerateAsync(Prompt("slow please"), cancellation.Token).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.IsType<LlmToken>(stream.Current);

        var next = stream.MoveNextAsync().AsTask(); // waits on a token the server holds back for 10 minutes
        cancellation.Cancel();

        // The guard only keeps a broken cancellation from hanging the run; it is far beyond any prompt answer.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TimeSpan.FromSeconds(60)));
        await Eventually.True(() => _server.AbortedStreams == 1, TimeSpan.FromSeconds(30), "the server to see the stream closed");
    }

    [Fact]
    public async Task A_cancelled_token_throws_before_any_request()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Backend.GenerateAsync(Prompt("hi"), cancellation.Token)) { }
        });
        Assert.DoesNotContain("POST /api/generate", _server.Requests);
    }

    [Fact]
    public async Task A_generation_past_the_request_timeout_throws_an_LlmException_not_a_cancellation()
    {
        await Run(Backend, Prompt("warm up")); // JIT and model load, so the short timeout below hits mid-stream
        _server.TokenDelay = TimeSpan.FromMinutes(10);
        await using var backend = new OllamaLlmBackend(new OllamaOptions { Url = _server.Url, RequestTimeout = TimeSpan.FromSeconds(2) });
        await using var stream = backend.GenerateAsync(Prompt("slow please"), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.IsType<LlmToken>(stream.Current);

        var error = await Assert.ThrowsAsync<LlmException>(() => stream.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("did not finish", error.Message);
        Assert.Contains(_server.Url.ToString(), error.Message);
        await Eventually.True(() => _server.AbortedStreams == 1, TimeSpan.FromSeconds(30), "the server to see the stream closed");
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Records progress on the reporting thread, in order (<see cref="Progress{T}"/> posts asynchronously).</summary>
    private sealed class Recorded<T> : IProgress<T>
    {
        private readonly List<T> _items = [];

        public IReadOnlyList<T> Items
        {
            get { lock (_items) return [.. _items]; }
        }

        public void Report(T value)
        {
            lock (_items) _items.Add(value);
        }
    }
}
