using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Parity.Tests.Llm.Ollama;

/// <summary>A model the <see cref="OllamaTestServer"/> serves. Its output is a deterministic function of the prompt and seed.</summary>
public sealed record FakeOllamaModel(string Name)
{
    public string Digest { get; init; } = OllamaTestServer.DigestOf(Name);
    public long SizeBytes { get; init; } = 1_300_000_000;
    public string Quantization { get; init; } = "Q4_K_M";
    public int ContextLength { get; init; } = 8192;
    /// <summary>Also the architecture in /api/show's model_info.</summary>
    public string Family { get; init; } = "llama";
    public string ParameterSize { get; init; } = "1.2B";
    /// <summary>Tokens generated before the model stops by itself (done_reason "stop"), unless num_predict or a stop string ends it sooner.</summary>
    public int NaturalLength { get; init; } = 12;
    /// <summary>When set, generate and chat on this model answer this error, like a model whose files are gone or corrupt.</summary>
    public (HttpStatusCode Status, string Error)? Failure { get; init; }
}

/// <summary>
/// An in-process server that speaks Ollama's HTTP API as documented (docs/api.md): streamed (NDJSON) or single-object
/// /api/generate and /api/chat with the final counters, /api/tags, /api/ps, /api/show, /api/pull with progress, and
/// Ollama's errors for unknown models. Kestrel on a free loopback port; start it, point the client at <see cref="Url"/>.
/// </summary>
/// <remarks>
/// The fake "tokenizer" splits on whitespace; chat messages are rendered as <c>&lt;|role|&gt; content</c> each, then
/// <c>&lt;|assistant|&gt;</c>, so a chat prompt counts those markers as tokens. Reported durations are synthetic and
/// exact (<see cref="LoadNanos"/>, <see cref="PrefillNanosPerToken"/>, <see cref="DecodeNanosPerToken"/>), whatever
/// <see cref="TokenDelay"/> really adds. Like Ollama, each model keeps the tokens of its last request as a prompt cache:
/// only the part of a new prompt after the common prefix is evaluated, and when nothing is left to evaluate
/// prompt_eval_count and prompt_eval_duration are left out (Ollama's omitempty).
/// </remarks>
public sealed class OllamaTestServer : IAsyncDisposable
{
    public const long LoadNanos = 250_000_000;
    public const long WarmLoadNanos = 1_000_000;
    public const long PrefillNanosPerToken = 2_000_000;
    public const long DecodeNanosPerToken = 25_000_000;
    /// <summary>Added to the sum of the phases in total_duration.</summary>
    public const long OverheadNanos = 3_000_000;

    private static readonly string[] Vocabulary =
    [
        "amber", "birch", "cedar", "delta", "ember", "fjord", "glade", "harbor", "islet", "juniper", "kestrel", "lagoon",
        "meadow", "nectar", "orchard", "pebble", "quarry", "ridge", "spruce", "thicket", "upland", "valley", "willow",
        "xylem", "yarrow", "zephyr", "brook", "canyon", "dune", "estuary", "forest", "grove",
    ];

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeOllamaModel> _local = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, FakeOllamaModel> _registry = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _loaded = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string[]> _promptCache = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _requests = [];
    private WebApplication? _app;
    private Uri? _url;
    private int _abortedStreams;
    private int _generating;
    private int _pulling;
    private int _maxPulling;
    private readonly List<string> _pulls = [];
    private readonly List<int> _numPredicts = [];
    private int _maxGenerating;

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234/ (after <see cref="StartAsync"/>).</summary>
    public Uri Url => _url ?? throw new InvalidOperationException("the server is not started");

    /// <summary>Wait between two streamed tokens (not before the first), to test cancellation mid-stream.</summary>
    public TimeSpan TokenDelay { get; set; }

    /// <summary>Awaited before each streamed token with its index: a test holds generation at a point of its choosing.</summary>
    public Func<int, Task>? BeforeToken { get; set; }

    /// <summary>Called with the rendered prompt and the text of each streamed line once it is flushed (a benchmark's clock).</summary>
    public Action<string, string>? TokenWritten { get; set; }

    /// <summary>Wait between two pull progress lines.</summary>
    public TimeSpan PullStepDelay { get; set; }

    /// <summary>Ollama's prompt cache (on by default, as in Ollama); off, every prompt token is evaluated every time.</summary>
    public bool PromptCache { get; set; } = true;

    /// <summary>"METHOD /path" of each request received, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    /// <summary>Streams that ended because the client went away before the last line.</summary>
    public int AbortedStreams => Volatile.Read(ref _abortedStreams);

    /// <summary>The most generate/chat requests this server has handled at the same time.</summary>
    public int MaxConcurrentGenerations => Volatile.Read(ref _maxGenerating);

    /// <summary>The model name of each /api/pull received, in order.</summary>
    public IReadOnlyList<string> Pulls
    {
        get { lock (_gate) return [.. _pulls]; }
    }

    /// <summary>The most pulls this server has handled at the same time.</summary>
    public int MaxConcurrentPulls => Volatile.Read(ref _maxPulling);

    /// <summary>Pulls running now.</summary>
    public int RunningPulls => Volatile.Read(ref _pulling);

    /// <summary>When set, every streamed pull waits for it after its manifest line (a pull that lasts as a test needs).</summary>
    public Task? PullGate { get; set; }

    /// <summary>The options.num_predict of each generate/chat request with a prompt (-1 when it had none).</summary>
    public IReadOnlyList<int> NumPredicts
    {
        get { lock (_gate) return [.. _numPredicts]; }
    }

    /// <summary>Names of the models loaded now (what /api/ps lists).</summary>
    public IReadOnlyList<string> LoadedModels
    {
        get { lock (_gate) return [.. _loaded]; }
    }

    /// <summary>Adds a model as if it had been pulled; a name without a tag gets ":latest", as in Ollama.</summary>
    public OllamaTestServer AddModel(FakeOllamaModel model)
    {
        model = model with { Name = FullName(model.Name) };
        lock (_gate) _local[model.Name] = model;
        return this;
    }

    public OllamaTestServer AddModel(string name) => AddModel(new FakeOllamaModel(name));

    /// <summary>Puts a model in the fake registry: pulling its name downloads it, after which it is local.</summary>
    public OllamaTestServer AddRegistryModel(FakeOllamaModel model)
    {
        model = model with { Name = FullName(model.Name) };
        lock (_gate) _registry[model.Name] = model;
        return this;
    }

    public void RemoveModel(string name)
    {
        lock (_gate)
        {
            _local.Remove(FullName(name));
            _loaded.Remove(FullName(name));
        }
    }

    public void Unload(string name)
    {
        lock (_gate) _loaded.Remove(FullName(name));
    }

    /// <summary>Marks a local model loaded, as if a prompt had just used it.</summary>
    public void Load(string name)
    {
        lock (_gate) _loaded.Add(FullName(name));
    }

    public async Task StartAsync(CancellationToken cancellation = default)
    {
        if (_app is not null) throw new InvalidOperationException("the server is already started");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            lock (_gate) _requests.Add($"{context.Request.Method} {context.Request.Path}");
            await next(context);
        });
        app.MapGet("/", () => "Ollama is running");
        app.MapGet("/api/version", () => Results.Json(new { version = "0.0.0-parity-test" }));
        app.MapGet("/api/tags", Tags);
        app.MapGet("/api/ps", Running);
        app.MapPost("/api/show", Show);
        app.MapPost("/api/generate", context => Generate(context, chat: false));
        app.MapPost("/api/chat", context => Generate(context, chat: true));
        app.MapPost("/api/pull", Pull);
        await app.StartAsync(cancellation);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
        _url = new Uri(address);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The tokens a model produces for a prompt and seed, before num_predict and stop strings apply.</summary>
    public static IReadOnlyList<string> TokensFor(string renderedPrompt, long seed, int count)
    {
        var basis = Fnv1a(renderedPrompt) ^ Mix((ulong)seed);
        return [.. Enumerable.Range(0, count).Select(i =>
            (i == 0 ? "" : " ") + Vocabulary[(int)(Mix(basis + (ulong)i) % (ulong)Vocabulary.Length)])];
    }

    public static string[] Tokenize(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>How a chat is laid out as one prompt for the model.</summary>
    public static string RenderChat(IEnumerable<(string Role, string Content)> messages) =>
        string.Concat(messages.Select(m => $"<|{m.Role}|> {m.Content} ")) + "<|assistant|>";

    public static string DigestOf(string name) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(FullName(name))));

    private static string FullName(string name) => name.Contains(':') ? name : name + ":latest";

    private FakeOllamaModel? Find(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        lock (_gate) return _local.GetValueOrDefault(FullName(name));
    }

    private IResult Tags()
    {
        lock (_gate)
        {
            var models = new JsonArray([.. _local.Values.OrderBy(m => m.Name, StringComparer.Ordinal).Select(m => new JsonObject
            {
                ["name"] = m.Name,
                ["model"] = m.Name,
                ["modified_at"] = "2025-01-01T00:00:00Z",
                ["size"] = m.SizeBytes,
                ["digest"] = m.Digest,
                ["details"] = Details(m),
            })]);
            return JsonResult(HttpStatusCode.OK, new JsonObject { ["models"] = models });
        }
    }

    private IResult Running()
    {
        lock (_gate)
        {
            var models = new JsonArray([.. _loaded.Select(n => _local.GetValueOrDefault(n)).OfType<FakeOllamaModel>().Select(m => new JsonObject
            {
                ["name"] = m.Name,
                ["model"] = m.Name,
                ["size"] = m.SizeBytes,
                ["digest"] = m.Digest,
                ["details"] = Details(m),
                ["expires_at"] = DateTime.UtcNow.AddMinutes(5).ToString("o"),
                ["size_vram"] = m.SizeBytes,
                ["context_length"] = m.ContextLength,
            })]);
            return JsonResult(HttpStatusCode.OK, new JsonObject { ["models"] = models });
        }
    }

    private async Task Show(HttpContext context)
    {
        var body = await ReadBody(context);
        var name = ModelName(body);
        await (Find(name) is { } model ? ShowResult(model) : Error(HttpStatusCode.NotFound, $"model '{name}' not found"))
            .ExecuteAsync(context);
    }

    private static IResult ShowResult(FakeOllamaModel model) =>
        JsonResult(HttpStatusCode.OK, new JsonObject
        {
            ["license"] = "test model, no license",
            ["modelfile"] = $"FROM {model.Name}",
            ["parameters"] = "stop \"<|end|>\"",
            ["template"] = "{{ .Prompt }}",
            ["details"] = Details(model),
            ["model_info"] = new JsonObject
            {
                ["general.architecture"] = model.Family,
                ["general.file_type"] = 15,
                ["general.parameter_count"] = 1_235_814_432,
                ["general.quantization_version"] = 2,
                [$"{model.Family}.context_length"] = model.ContextLength,
                [$"{model.Family}.embedding_length"] = 2048,
            },
            ["capabilities"] = new JsonArray("completion"),
            ["modified_at"] = "2025-01-01T00:00:00Z",
        });

    private async Task Generate(HttpContext context, bool chat)
    {
        var now = Interlocked.Increment(ref _generating);
        for (var max = Volatile.Read(ref _maxGenerating); now > max; max = Volatile.Read(ref _maxGenerating))
            Interlocked.CompareExchange(ref _maxGenerating, now, max);
        try
        {
            await GenerateCounted(context, chat);
        }
        finally
        {
            Interlocked.Decrement(ref _generating);
        }
    }

    private async Task GenerateCounted(HttpContext context, bool chat)
    {
        var body = await ReadBody(context);
        var name = ModelName(body);
        if (Find(name) is not { } model)
        {
            await Error(HttpStatusCode.NotFound, $"model \"{name}\" not found, try pulling it first").ExecuteAsync(context);
            return;
        }
        if (model.Failure is { } failure)
        {
            await Error(failure.Status, failure.Error).ExecuteAsync(context);
            return;
        }

        string rendered;
        if (chat)
        {
            var messages = (body?["messages"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(m => ((string?)m["role"] ?? "user", (string?)m["content"] ?? "")).ToList();
            rendered = messages.Count == 0 ? "" : RenderChat(messages);
        }
        else
        {
            rendered = (string?)body?["prompt"] ?? "";
        }

        var wasLoaded = Load(model);
        if (rendered.Length == 0)
        {
            // An empty prompt only loads the model (or unloads it with keep_alive 0), as in Ollama.
            var unload = body?["keep_alive"] is JsonValue keepAlive && keepAlive.ToString() is "0" or "0s";
            if (unload) Unload(model.Name);
            var reply = Line(model, chat, "");
            reply["done"] = true;
            reply["done_reason"] = unload ? "unload" : "load";
            await JsonResult(HttpStatusCode.OK, reply).ExecuteAsync(context);
            return;
        }

        var options = body?["options"] as JsonObject;
        var numPredict = (int?)options?["num_predict"] ?? -1;
        lock (_gate) _numPredicts.Add(numPredict);
        var temperature = (double?)options?["temperature"] ?? 0.8;
        var stops = (options?["stop"] as JsonArray ?? []).Select(s => (string?)s).OfType<string>().Where(s => s.Length > 0).ToList();
        // Greedy decoding ignores the seed; sampling without a seed is random, as in Ollama.
        var seed = temperature == 0 ? 0 : (long?)options?["seed"] ?? Random.Shared.NextInt64();
        var limit = numPredict < 0 ? model.NaturalLength : Math.Min(numPredict, model.NaturalLength);
        var tokens = TokensFor(rendered, seed, limit);

        var promptTokens = Tokenize(rendered);
        var evaluated = promptTokens.Length - CachedPrefix(model, promptTokens);

        var stream = (bool?)body?["stream"] ?? true;
        context.Response.StatusCode = 200;
        context.Response.ContentType = stream ? "application/x-ndjson" : "application/json";
        var text = new StringBuilder();
        var pending = "";
        var evalCount = 0;
        var doneReason = numPredict >= 0 && numPredict < model.NaturalLength ? "length" : "stop";
        try
        {
            foreach (var token in tokens)
            {
                if (evalCount > 0 && TokenDelay > TimeSpan.Zero) await Task.Delay(TokenDelay, context.RequestAborted);
                if (BeforeToken is { } hold) await hold(evalCount);
                evalCount++;
                pending += token;
                // Like Ollama, text that may be the start of a stop string is held back until it is clear.
                var (emit, stopped) = SplitAtStop(ref pending, stops);
                if (emit.Length > 0)
                {
                    text.Append(emit);
                    if (stream)
                    {
                        await WriteLine(context, Line(model, chat, emit));
                        TokenWritten?.Invoke(rendered, emit);
                    }
                }
                if (stopped)
                {
                    doneReason = "stop";
                    break;
                }
            }
            if (pending.Length > 0)
            {
                text.Append(pending);
                if (stream) await WriteLine(context, Line(model, chat, pending));
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _abortedStreams);
            return;
        }

        Remember(model, [.. promptTokens, .. Tokenize(text.ToString())]);
        var final = Line(model, chat, stream ? "" : text.ToString());
        final["done"] = true;
        final["done_reason"] = doneReason;
        if (!chat) final["context"] = new JsonArray([.. Tokenize(rendered + text).Select(t => (JsonNode)(int)(Fnv1a(t) % 100_000))]);
        var load = wasLoaded ? WarmLoadNanos : LoadNanos;
        var prefill = evaluated * PrefillNanosPerToken;
        var decode = evalCount * DecodeNanosPerToken;
        final["total_duration"] = load + prefill + decode + OverheadNanos;
        final["load_duration"] = load;
        if (evaluated > 0)
        {
            final["prompt_eval_count"] = evaluated;
            final["prompt_eval_duration"] = prefill;
        }
        final["eval_count"] = evalCount;
        final["eval_duration"] = decode;
        if (stream) await WriteLine(context, final);
        else await context.Response.WriteAsync(final.ToJsonString(Json));
    }

    private async Task Pull(HttpContext context)
    {
        var now = Interlocked.Increment(ref _pulling);
        InterlockedMax(ref _maxPulling, now);
        try
        {
            await PullCounted(context);
        }
        finally
        {
            Interlocked.Decrement(ref _pulling);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    private async Task PullCounted(HttpContext context)
    {
        var body = await ReadBody(context);
        var name = FullName(ModelName(body) ?? "");
        lock (_gate) _pulls.Add(ModelName(body) ?? "");
        FakeOllamaModel? model;
        lock (_gate) model = _registry.GetValueOrDefault(name);
        var stream = (bool?)body?["stream"] ?? true;
        const string missing = "pull model manifest: file does not exist";
        if (!stream)
        {
            if (model is null)
            {
                await Error(HttpStatusCode.InternalServerError, missing).ExecuteAsync(context);
                return;
            }
            AddModel(model);
            await JsonResult(HttpStatusCode.OK, new JsonObject { ["status"] = "success" }).ExecuteAsync(context);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-ndjson";
        try
        {
            await WriteLine(context, new JsonObject { ["status"] = "pulling manifest" });
            if (PullGate is { } gate) await gate.WaitAsync(context.RequestAborted);
            if (model is null)
            {
                // Ollama has already answered 200 by the time the registry says no, so the error comes as a line.
                await WriteLine(context, new JsonObject { ["error"] = missing });
                return;
            }
            const int steps = 4;
            for (var step = 0; step <= steps; step++)
            {
                await Task.Delay(PullStepDelay, context.RequestAborted);
                await WriteLine(context, new JsonObject
                {
                    ["status"] = $"downloading {model.Digest}",
                    ["digest"] = model.Digest,
                    ["total"] = model.SizeBytes,
                    ["completed"] = model.SizeBytes * step / steps,
                });
            }
            await WriteLine(context, new JsonObject { ["status"] = "verifying sha256 digest" });
            await WriteLine(context, new JsonObject { ["status"] = "writing manifest" });
            AddModel(model);
            await WriteLine(context, new JsonObject { ["status"] = "success" });
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Interlocked.Increment(ref _abortedStreams);
        }
    }

    /// <summary>Marks the model loaded; true if it already was.</summary>
    private bool Load(FakeOllamaModel model)
    {
        lock (_gate) return !_loaded.Add(model.Name);
    }

    private int CachedPrefix(FakeOllamaModel model, string[] prompt)
    {
        if (!PromptCache) return 0;
        lock (_gate)
        {
            if (!_promptCache.TryGetValue(model.Name, out var cached)) return 0;
            var common = 0;
            while (common < cached.Length && common < prompt.Length && cached[common] == prompt[common]) common++;
            return common;
        }
    }

    private void Remember(FakeOllamaModel model, string[] tokens)
    {
        lock (_gate) _promptCache[model.Name] = tokens;
    }

    /// <summary>
    /// Splits the pending text into what can be sent now and what must wait: text from a stop string on is dropped
    /// (stopped), and a tail that could still grow into a stop string stays pending.
    /// </summary>
    private static (string Emit, bool Stopped) SplitAtStop(ref string pending, IReadOnlyList<string> stops)
    {
        var text = pending;
        var at = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        if (at >= 0)
        {
            var before = pending[..at];
            pending = "";
            return (before, true);
        }
        var held = 0;
        foreach (var stop in stops)
            for (var length = Math.Min(stop.Length - 1, pending.Length); length > held; length--)
                if (pending.EndsWith(stop[..length], StringComparison.Ordinal))
                {
                    held = length;
                    break;
                }
        var emit = pending[..^held];
        pending = pending[^held..];
        return (emit, false);
    }

    private static JsonObject Line(FakeOllamaModel model, bool chat, string piece)
    {
        var line = new JsonObject { ["model"] = model.Name, ["created_at"] = DateTime.UtcNow.ToString("o") };
        if (chat) line["message"] = new JsonObject { ["role"] = "assistant", ["content"] = piece };
        else line["response"] = piece;
        line["done"] = false;
        return line;
    }

    private static JsonObject Details(FakeOllamaModel model) => new()
    {
        ["parent_model"] = "",
        ["format"] = "gguf",
        ["family"] = model.Family,
        ["families"] = new JsonArray(model.Family),
        ["parameter_size"] = model.ParameterSize,
        ["quantization_level"] = model.Quantization,
    };

    private static string? ModelName(JsonNode? body) => (string?)body?["model"] ?? (string?)body?["name"];

    private static async Task<JsonNode?> ReadBody(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task WriteLine(HttpContext context, JsonObject line)
    {
        await context.Response.WriteAsync(line.ToJsonString(Json) + "\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static IResult JsonResult(HttpStatusCode status, JsonObject body) =>
        Results.Text(body.ToJsonString(Json), "application/json", Encoding.UTF8, (int)status);

    private static IResult Error(HttpStatusCode status, string error) => JsonResult(status, new JsonObject { ["error"] = error });

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
