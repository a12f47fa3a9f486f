using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Parity.Tests.Llm.Ollama;

/// <summary>The test server's wire format, checked against Ollama's documented API rather than through a client.</summary>
public sealed class OllamaTestServerTests : IAsyncLifetime
{
    private readonly OllamaTestServer _server = new();
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _server.AddModel("tiny");
        await _server.StartAsync();
        _http.BaseAddress = _server.Url;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<List<JsonObject>> PostLines(string path, object body)
    {
        using var response = await _http.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject())];
    }

    [Fact]
    public async Task Generate_streams_ndjson_with_the_counters_on_the_last_line_and_leaves_out_a_cached_prompt_count()
    {
        var request = new { model = "tiny", prompt = "one two three", options = new { temperature = 0, num_predict = 3 } };

        var lines = await PostLines("/api/generate", request);

        Assert.Equal(4, lines.Count);
        Assert.All(lines[..^1], l => Assert.False((bool)l["done"]!));
        Assert.All(lines[..^1], l => Assert.Equal("tiny:latest", (string?)l["model"]));
        var final = lines[^1];
        Assert.True((bool)final["done"]!);
        Assert.Equal("length", (string?)final["done_reason"]);
        Assert.Equal(3, (int)final["prompt_eval_count"]!);
        Assert.Equal(3, (int)final["eval_count"]!);
        Assert.Equal(3 * OllamaTestServer.DecodeNanosPerToken, (long)final["eval_duration"]!);
        Assert.Equal(OllamaTestServer.LoadNanos, (long)final["load_duration"]!);
        Assert.NotEmpty(final["context"]!.AsArray());
        var streamed = string.Concat(lines.Select(l => (string?)l["response"]));

        using var single = await _http.PostAsJsonAsync("/api/generate",
            new { request.model, request.prompt, request.options, stream = false });
        var whole = (await single.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(streamed, (string?)whole["response"]);
        Assert.True((bool)whole["done"]!);
        Assert.False(whole.ContainsKey("prompt_eval_count"), "a fully cached prompt has no prompt_eval_count");
        Assert.Equal(3, (int)whole["eval_count"]!);
    }

    [Fact]
    public async Task Chat_streams_assistant_messages_and_ps_lists_the_model_after_first_use()
    {
        Assert.Empty((await _http.GetFromJsonAsync<JsonObject>("/api/ps"))!["models"]!.AsArray());

        var lines = await PostLines("/api/chat", new { model = "tiny", messages = new[] { new { role = "user", content = "hi" } } });

        Assert.All(lines, l => Assert.Equal("assistant", (string?)l["message"]!["role"]));
        Assert.True((bool)lines[^1]["done"]!);
        Assert.False(lines[^1].ContainsKey("context"));
        var running = (await _http.GetFromJsonAsync<JsonObject>("/api/ps"))!["models"]!.AsArray();
        Assert.Equal("tiny:latest", (string?)Assert.Single(running)!["name"]);
    }

    [Theory]
    [InlineData("/api/generate")]
    [InlineData("/api/chat")]
    public async Task An_unknown_model_answers_404_with_ollamas_error(string path)
    {
        using var response = await _http.PostAsJsonAsync(path, new { model = "nope", prompt = "hi", messages = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("model \"nope\" not found, try pulling it first", (string?)body["error"]);
    }

    [Fact]
    public async Task Show_reports_the_context_length_under_the_architecture()
    {
        var show = (await (await _http.PostAsJsonAsync("/api/show", new { model = "tiny" })).Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal("llama", (string?)show["model_info"]!["general.architecture"]);
        Assert.Equal(8192, (int)show["model_info"]!["llama.context_length"]!);
        Assert.Equal("Q4_K_M", (string?)show["details"]!["quantization_level"]);
    }
}
