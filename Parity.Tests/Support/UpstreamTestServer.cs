using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Parity.Tests.Support;

/// <summary>
/// A stand-in for the upstream parity-server (Go + PostgreSQL, which cannot run here): a real HTTP server (Kestrel on
/// loopback) with the routes a runner calls, their request/response shapes and status codes as UPSTREAM.md §2, §4 and
/// §13 document them, quirks included: 201 on registration (an upsert on the device id that does not rewrite the
/// wallet), 500 "runner not found" to a heartbeat of an unknown runner, 409 on a claim of a task that is another's,
/// 500 on a claim of a task that is not pending, 403 on a result for another runner's task, one stored result per task
/// (a repeat is an upsert), errors as <c>{"error":"…"}</c>. It records what it received and can be stopped and started
/// again on the same port, slowed, made to fail (any status, for a number of requests or until told), or made to
/// answer one route with a canned body. Federated model updates (§7.2) are taken for the rounds of the
/// <c>federated_learning</c> tasks it holds.
/// </summary>
public sealed class UpstreamTestServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JsonObject> _runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonObject>> _capabilities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _results = new(StringComparer.Ordinal);
    private readonly List<ResultReceipt> _receipts = [];
    private readonly List<JsonObject> _heartbeats = [];
    private readonly List<string> _requests = [];
    private readonly Dictionary<string, string> _webhooks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _prompts = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _completions = [];
    private readonly Dictionary<(string Round, string Runner), JsonObject> _modelUpdates = new();
    private readonly List<ModelUpdateReceipt> _modelUpdateReceipts = [];
    private readonly List<JsonObject> _registrations = [];
    private WebApplication? _app;
    private int _port;
    private int? _failStatus;
    private int _failRemaining;
    private TimeSpan _delay;
    private (string Route, int Status, Func<byte[]> Body)? _canned;
    private readonly Dictionary<string, (int Status, int Remaining)> _routeFaults = new(StringComparer.Ordinal);

    /// <summary>The base URL (no path), as RUNNER_SERVER_URL takes it.</summary>
    public Uri Url => new($"http://127.0.0.1:{_port}");

    public bool Running => _app is not null;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, _port);
            kestrel.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();
        app.Use(Faults);
        var api = app.MapGroup("/api/v1");
        api.MapPost("/runners", (Delegate)Register);
        api.MapPost("/runners/heartbeat", (Delegate)Heartbeat);
        api.MapPost("/runners/webhooks", (Delegate)RegisterWebhook);
        api.MapDelete("/runners/webhooks", (Delegate)UnregisterWebhook);
        api.MapGet("/runners/tasks/available", (Delegate)Available);
        api.MapPost("/runners/tasks/{id}/start", (Delegate)Start);
        api.MapPost("/runners/tasks/{id}/result", (Delegate)Result);
        api.MapPost("/llm/prompts/{id}/complete", (Delegate)CompletePrompt);
        api.MapPost("/federated-learning/model-updates", (Delegate)ModelUpdate);
        await app.StartAsync();
        _port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>Stops listening (connections are refused); the recorded state stays, and <see cref="StartAsync"/> resumes on the same port.</summary>
    public async Task StopAsync()
    {
        if (_app is not { } app) return;
        _app = null;
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Answers every request with <paramref name="status"/> (and an <c>{"error"}</c> body), <paramref name="count"/> times or until <see cref="Heal"/>.</summary>
    public void Fail(int status, int count = int.MaxValue)
    {
        lock (_lock) (_failStatus, _failRemaining) = (status, count);
    }

    /// <summary>Answers the next <paramref name="count"/> requests of "METHOD /path" with <paramref name="status"/> (and an <c>{"error"}</c> body).</summary>
    public void Fail(string route, int status, int count)
    {
        lock (_lock) _routeFaults[route] = (status, count);
    }

    public void Heal()
    {
        lock (_lock)
        {
            (_failStatus, _failRemaining, _delay, _canned) = (null, 0, TimeSpan.Zero, null);
            _routeFaults.Clear();
        }
    }

    /// <summary>Waits this long before answering each request.</summary>
    public void Slow(TimeSpan delay)
    {
        lock (_lock) _delay = delay;
    }

    /// <summary>Answers "METHOD /path" (e.g. <c>GET /api/v1/runners/tasks/available</c>) with this status and body instead.</summary>
    public void Answer(string route, int status, Func<byte[]> body)
    {
        lock (_lock) _canned = (route, status, body);
    }

    /// <summary>Adds a pending task, as <c>POST /tasks</c> would: the upstream's Task JSON.</summary>
    public void AddTask(string id, string type, JsonObject config, string? runnerId = null)
    {
        lock (_lock)
            _tasks[id] = new JsonObject
            {
                ["id"] = id,
                ["title"] = $"task {id}",
                ["description"] = "from the test server",
                ["type"] = type,
                ["status"] = "pending",
                ["config"] = config,
                ["environment"] = null,
                ["reward"] = 1.5,
                ["creator_address"] = "0x00000000000000000000000000000000000000c1",
                ["creator_device_id"] = "creator",
                ["runner_id"] = runnerId ?? "",
                ["nonce"] = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
                ["created_at"] = DateTimeOffset.UtcNow.ToString("O"),
                ["updated_at"] = DateTimeOffset.UtcNow.ToString("O"),
            };
    }

    /// <summary>
    /// Adds an LLM prompt as the reference does when a client posts one and a runner is chosen: a prompt in
    /// "processing" and a task of type llm with the same id, assigned to <paramref name="runnerId"/>.
    /// </summary>
    public void AddPrompt(string id, string model, string prompt, string runnerId, string status = "processing")
    {
        AddTask(id, "llm", new JsonObject { ["model"] = model, ["prompt"] = prompt }, runnerId);
        lock (_lock)
            _prompts[id] = new JsonObject { ["id"] = id, ["model_name"] = model, ["prompt"] = prompt, ["runner_id"] = runnerId, ["status"] = status };
    }

    public JsonObject? Prompt(string id)
    {
        lock (_lock) return _prompts.TryGetValue(id, out var prompt) ? (JsonObject)prompt.DeepClone() : null;
    }

    /// <summary>Every prompt completion the server took (answered 200), repeats included.</summary>
    public IReadOnlyList<JsonObject> Completions
    {
        get { lock (_lock) return _completions.Select(c => (JsonObject)c.DeepClone()).ToList(); }
    }

    /// <summary>Forgets a runner, as a server whose database was reset would.</summary>
    public void ForgetRunner(string deviceId)
    {
        lock (_lock) _runners.Remove(deviceId);
    }

    public JsonObject? Runner(string deviceId)
    {
        lock (_lock) return _runners.TryGetValue(deviceId, out var runner) ? (JsonObject)runner.DeepClone() : null;
    }

    public IReadOnlyList<JsonObject> Capabilities(string deviceId)
    {
        lock (_lock) return _capabilities.TryGetValue(deviceId, out var list) ? list.Select(c => (JsonObject)c.DeepClone()).ToList() : [];
    }

    public JsonObject? Task(string id)
    {
        lock (_lock) return _tasks.TryGetValue(id, out var task) ? (JsonObject)task.DeepClone() : null;
    }

    /// <summary>Every model update the server took (answered 200), in order, repeats included.</summary>
    public IReadOnlyList<ModelUpdateReceipt> ModelUpdates
    {
        get { lock (_lock) return _modelUpdateReceipts.ToList(); }
    }

    /// <summary>The update stored for a round's participant (the reference keeps one per round and runner).</summary>
    public JsonObject? StoredModelUpdate(string roundId, string runnerId)
    {
        lock (_lock) return _modelUpdates.TryGetValue((roundId, runnerId), out var update) ? (JsonObject)update.DeepClone() : null;
    }

    /// <summary>Every registration body the server took (answered 201), in order.</summary>
    public IReadOnlyList<JsonObject> Registrations
    {
        get { lock (_lock) return _registrations.Select(r => (JsonObject)r.DeepClone()).ToList(); }
    }

    public JsonObject? StoredResult(string taskId)
    {
        lock (_lock) return _results.TryGetValue(taskId, out var result) ? (JsonObject)result.DeepClone() : null;
    }

    /// <summary>Every result the server took (answered 200), in order, repeats included.</summary>
    public IReadOnlyList<ResultReceipt> Receipts
    {
        get { lock (_lock) return _receipts.ToList(); }
    }

    public IReadOnlyList<JsonObject> Heartbeats
    {
        get { lock (_lock) return _heartbeats.Select(h => (JsonObject)h.DeepClone()).ToList(); }
    }

    /// <summary>"METHOD /path" of every request that reached the server, faults included.</summary>
    public IReadOnlyList<string> Requests
    {
        get { lock (_lock) return _requests.ToList(); }
    }

    public IReadOnlyDictionary<string, string> Webhooks
    {
        get { lock (_lock) return new Dictionary<string, string>(_webhooks); }
    }

    private async Task Faults(HttpContext context, RequestDelegate next)
    {
        var route = $"{context.Request.Method} {context.Request.Path}";
        int? status = null;
        TimeSpan delay;
        (string Route, int Status, Func<byte[]> Body)? canned;
        lock (_lock)
        {
            _requests.Add(route);
            delay = _delay;
            canned = _canned is { } c && c.Route == route ? c : null;
            if (_failStatus is { } fail && _failRemaining > 0)
            {
                status = fail;
                if (_failRemaining != int.MaxValue) _failRemaining--;
            }
            else if (_routeFaults.TryGetValue(route, out var routeFault) && routeFault.Remaining > 0)
            {
                status = routeFault.Status;
                _routeFaults[route] = routeFault with { Remaining = routeFault.Remaining - 1 };
            }
        }
        if (delay > TimeSpan.Zero) await System.Threading.Tasks.Task.Delay(delay, context.RequestAborted);
        if (status is { } failing)
        {
            await Error(failing, "service unavailable (test fault)").ExecuteAsync(context);
            return;
        }
        if (canned is { } answer)
        {
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(answer.Body(), context.RequestAborted);
            return;
        }
        await next(context);
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private static string? DeviceOf(HttpContext context) =>
        context.Request.Headers["X-Device-ID"].ToString() is { Length: > 0 } id ? id : null;

    private static async Task<JsonObject?> BodyOf(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<IResult> Register(HttpContext context)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        if (await BodyOf(context) is not { } body) return Error(400, "invalid request body");
        if (body["wallet_address"]?.GetValue<string>() is not { Length: > 0 } wallet) return Error(400, "wallet_address is required");
        var now = DateTimeOffset.UtcNow.ToString("O");
        lock (_lock)
        {
            if (!_runners.TryGetValue(device, out var runner))
                _runners[device] = runner = new JsonObject
                {
                    ["id"] = _runners.Count + 1, ["device_id"] = device, ["wallet_address"] = wallet, ["created_at"] = now,
                };
            // The upsert rewrites these and never the wallet (§2).
            runner["status"] = body["status"]?.GetValue<string>() ?? "online";
            runner["webhook"] = body["webhook"]?.GetValue<string>() ?? "";
            runner["task_id"] = null;
            runner["last_heartbeat"] = now;
            runner["updated_at"] = now;
            if (string.IsNullOrEmpty(runner["wallet_address"]?.GetValue<string>())) runner["wallet_address"] = wallet;
            _capabilities[device] = (body["model_capabilities"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(c => (JsonObject)c.DeepClone()).ToList();
            _registrations.Add((JsonObject)body.DeepClone());
            return Results.Json(runner.DeepClone(), statusCode: 201);
        }
    }

    private async Task<IResult> Heartbeat(HttpContext context)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        if (await BodyOf(context) is not { } body) return Error(400, "invalid request body");
        lock (_lock)
        {
            if (!_runners.TryGetValue(device, out var runner)) return Error(500, "runner not found");
            _heartbeats.Add(body);
            // The reference ignores the status and sets online; this server keeps "offline", which the reference's
            // own shutdown meant to send, so a test can see it.
            runner["status"] = body["status"]?.GetValue<string>() == "offline" ? "offline" : "online";
            if (body["public_ip"]?.GetValue<string>() is { Length: > 0 } url) runner["webhook"] = url;
            runner["last_heartbeat"] = DateTimeOffset.UtcNow.ToString("O");
            return Results.Ok();
        }
    }

    private async Task<IResult> RegisterWebhook(HttpContext context)
    {
        if (await BodyOf(context) is not { } body || body["url"]?.GetValue<string>() is not { Length: > 0 } url)
            return Error(400, "url is required");
        var id = Guid.NewGuid().ToString();
        lock (_lock) _webhooks[id] = url;
        return Results.Json(new { id }, statusCode: 201);
    }

    private IResult UnregisterWebhook(HttpContext context)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        lock (_lock)
        {
            if (!_runners.TryGetValue(device, out var runner)) return Error(500, "runner not found");
            runner["status"] = "offline";
            runner["webhook"] = "";
            runner["wallet_address"] = "";
            runner["task_id"] = null;
            return Results.Ok();
        }
    }

    private IResult Available(HttpContext context)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        lock (_lock)
        {
            var list = new JsonArray();
            foreach (var task in _tasks.Values.Where(t => t["status"]!.GetValue<string>() == "pending"
                         && t["runner_id"]!.GetValue<string>() is var r && (r == "" || r == device)))
                list.Add(task.DeepClone());
            return Results.Json(list);
        }
    }

    private IResult Start(HttpContext context, string id)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        lock (_lock)
        {
            if (!_tasks.TryGetValue(id, out var task)) return Error(500, "task not found");
            if (!_runners.TryGetValue(device, out var runner)) return Error(409, "runner not available");
            var assigned = task["runner_id"]!.GetValue<string>();
            if (assigned.Length > 0 && assigned != device) return Error(409, "task is assigned to another runner");
            if (task["status"]!.GetValue<string>() != "pending") return Error(500, "task is not pending");
            task["runner_id"] = device;
            task["status"] = "running";
            runner["task_id"] = id;
            return Results.Json(task.DeepClone());
        }
    }

    private async Task<IResult> Result(HttpContext context, string id)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        if (await BodyOf(context) is not { } body) return Error(400, "invalid request body");
        lock (_lock)
        {
            if (!_tasks.TryGetValue(id, out var task)) return Error(500, "task not found");
            var assigned = task["runner_id"]!.GetValue<string>();
            if (assigned.Length > 0 && assigned != device) return Error(403, "task is assigned to another runner");
            // The server's own values win (§4); then one row per task, an upsert.
            body["task_id"] = id;
            body["device_id"] = device;
            body["solver_device_id"] = device;
            body["runner_address"] = device;
            _results[id] = body;
            _receipts.Add(new ResultReceipt(id, device, context.Request.Headers["Idempotency-Key"].ToString(), (JsonObject)body.DeepClone()));
            task["status"] = "completed";
            if (_runners.TryGetValue(device, out var runner)) runner["task_id"] = null;
            return Results.Ok();
        }
    }

    private async Task<IResult> CompletePrompt(HttpContext context, string id)
    {
        if (DeviceOf(context) is not { } device) return Error(400, "X-Device-ID header is required");
        if (await BodyOf(context) is not { } body) return Error(400, "invalid request body");
        // The reference binds all four as required: a missing field, an empty response or a 0 count is a 400 (§6).
        foreach (var field in new[] { "prompt_tokens", "response_tokens", "inference_time_ms" })
            if (body[field] is not JsonValue value || !value.TryGetValue<long>(out var number) || number == 0)
                return Error(400, $"Key: '{field}' Error:Field validation for '{field}' failed on the 'required' tag");
        if (body["response"]?.GetValue<string>() is not { Length: > 0 })
            return Error(400, "Key: 'response' Error:Field validation for 'response' failed on the 'required' tag");
        lock (_lock)
        {
            if (!_prompts.TryGetValue(id, out var prompt)) return Error(404, "prompt not found");
            if (prompt["runner_id"]!.GetValue<string>() != device) return Error(403, "prompt is assigned to another runner");
            var status = prompt["status"]!.GetValue<string>();
            if (status == "failed") return Error(409, "prompt has already failed");
            _completions.Add(body);
            if (status == "completed") return Results.Ok();
            prompt["status"] = "completed";
            prompt["response"] = body["response"]!.DeepClone();
            return Results.Ok();
        }
    }

    /// <summary>
    /// <c>POST /federated-learning/model-updates</c> (§7.2, §13): no identity header, the runner is the body's
    /// <c>runner_id</c>. <c>session_id</c>, <c>round_id</c> and <c>runner_id</c> are required and <c>gradients</c> must be
    /// an object (the reference's bindings), else 400 <c>{"error"}</c>; the update is stored per (round, runner), a
    /// repeat replacing it, and answered 200 <c>{"message"}</c>. Unlike the reference (§15.6) a round this server did
    /// not open for that session is refused with 400.
    /// </summary>
    private async Task<IResult> ModelUpdate(HttpContext context)
    {
        if (await BodyOf(context) is not { } body) return Error(400, "invalid request body");
        foreach (var field in new[] { "session_id", "round_id", "runner_id" })
            if (body[field] is not JsonValue value || !value.TryGetValue<string>(out var text) || text.Length == 0)
                return Error(400, $"Key: '{field}' Error:Field validation for '{field}' failed on the 'required' tag");
        if (body["gradients"] is not JsonObject)
            return Error(400, "Key: 'gradients' Error:Field validation for 'gradients' failed on the 'required' tag");
        var session = body["session_id"]!.GetValue<string>();
        var round = body["round_id"]!.GetValue<string>();
        var runner = body["runner_id"]!.GetValue<string>();
        lock (_lock)
        {
            var known = _tasks.Values.Any(t => t["type"]!.GetValue<string>() == "federated_learning"
                && t["config"] is JsonObject config && config["session_id"]?.ToString() == session && config["round_id"]?.ToString() == round);
            if (!known) return Error(400, $"round {round} of session {session} is not open");
            _modelUpdates[(round, runner)] = body;
            _modelUpdateReceipts.Add(new ModelUpdateReceipt(session, round, runner,
                context.Request.Headers["Idempotency-Key"].ToString(), (JsonObject)body.DeepClone()));
        }
        return Results.Json(new { message = "Model update submitted successfully" });
    }

    /// <summary>A model update the server took.</summary>
    public sealed record ModelUpdateReceipt(string SessionId, string RoundId, string RunnerId, string IdempotencyKey, JsonObject Body);

    /// <summary>A result the server took.</summary>
    public sealed record ResultReceipt(string TaskId, string DeviceId, string IdempotencyKey, JsonObject Body);

    /// <summary>A JSON body of at least <paramref name="bytes"/> bytes: an array of one long string.</summary>
    public static byte[] HugeJson(int bytes) => Encoding.UTF8.GetBytes("[\"" + new string('x', bytes) + "\"]");
}
