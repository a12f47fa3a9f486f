using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Network;

/// <summary>
/// The runner's side of the upstream server's REST API (UPSTREAM.md §2, §4, §13): a typed HttpClient whose handler
/// retries connection failures, timeouts and 5xx answers with exponential backoff (see <see cref="UpstreamServices"/>).
/// Every call sends <c>X-Device-ID</c>. Anything but the answer the protocol promises becomes an
/// <see cref="UpstreamException"/> naming the route: a malformed, oversized or unexpected answer never escapes as a
/// parser's or the socket's exception.
/// </summary>
public sealed class UpstreamClient(HttpClient http, UpstreamOptions options, TimeProvider clock)
{
    /// <summary>The largest answer read (HttpClient.MaxResponseContentBufferSize); the task list is the biggest one.</summary>
    public const int MaxResponseBytes = 8 * 1024 * 1024;
    public const string DeviceHeader = "X-Device-ID";
    /// <summary>Sent with a result so a server that deduplicates can; the reference upserts on the task id anyway.</summary>
    public const string IdempotencyHeader = "Idempotency-Key";
    private const string Api = "api/v1/";

    public string DeviceId => options.DeviceId;

    /// <summary>Registers (or re-registers) this runner; the server answers 201 with its Runner row.</summary>
    public async Task<UpstreamRunner> RegisterAsync(RunnerRegistration registration, CancellationToken cancellation)
    {
        const string route = "POST /api/v1/runners";
        using var response = await SendAsync(route, HttpMethod.Post, "runners", registration, null, cancellation);
        await ExpectAsync(route, response, [HttpStatusCode.Created]);
        var runner = await ReadJsonAsync<UpstreamRunner>(route, response, cancellation);
        return runner;
    }

    /// <summary>
    /// One heartbeat; 200 with an empty body. A server that has forgotten the runner answers an error naming it (the
    /// reference: 500 "runner not found"): see <see cref="IsRunnerUnknown"/>.
    /// </summary>
    public async Task HeartbeatAsync(RunnerHeartbeat heartbeat, CancellationToken cancellation)
    {
        const string route = "POST /api/v1/runners/heartbeat";
        using var response = await SendAsync(route, HttpMethod.Post, "runners/heartbeat", heartbeat, null, cancellation);
        await ExpectAsync(route, response, [HttpStatusCode.OK]);
    }

    /// <summary>Whether a failed call says the server does not know this runner (it must register again).</summary>
    public static bool IsRunnerUnknown(UpstreamException e) =>
        e.Status == 404 || (e.ServerError?.Contains("runner not found", StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>Subscribes a URL to the server's broadcast pushes (an array of all pending tasks); 201 <c>{"id"}</c>.</summary>
    public async Task<string> RegisterWebhookAsync(Uri url, string walletAddress, CancellationToken cancellation)
    {
        const string route = "POST /api/v1/runners/webhooks";
        using var response = await SendAsync(route, HttpMethod.Post, "runners/webhooks",
            new WebhookRegistration(url.ToString(), walletAddress), null, cancellation);
        await ExpectAsync(route, response, [HttpStatusCode.Created]);
        var registered = await ReadJsonAsync<WebhookRegistered>(route, response, cancellation);
        return string.IsNullOrEmpty(registered.Id)
            ? throw new UpstreamException(route, "the answer has no id", (int)response.StatusCode, transient: false)
            : registered.Id;
    }

    /// <summary>Unregisters this runner's webhook; the server also marks the runner offline. 200.</summary>
    public async Task UnregisterWebhookAsync(CancellationToken cancellation)
    {
        const string route = "DELETE /api/v1/runners/webhooks";
        using var response = await SendAsync(route, HttpMethod.Delete, "runners/webhooks", null, null, cancellation);
        await ExpectAsync(route, response, [HttpStatusCode.OK, HttpStatusCode.NoContent]);
    }

    /// <summary>
    /// The pending tasks the server offers this runner (unassigned, or assigned to it). A task that does not parse is not
    /// taken: it is left out and named in <see cref="AvailableTasks.Refused"/>, so one bad task never hides the others.
    /// </summary>
    public async Task<AvailableTasks> ListAvailableTasksAsync(CancellationToken cancellation)
    {
        const string route = "GET /api/v1/runners/tasks/available";
        using var response = await SendAsync(route, HttpMethod.Get, "runners/tasks/available", null, null, cancellation);
        await ExpectAsync(route, response, [HttpStatusCode.OK]);
        using var document = await ReadDocumentAsync(route, response, cancellation);
        var root = document.RootElement;
        // The reference answers null for "none" in places (§15.21): read it as an empty list.
        if (root.ValueKind == JsonValueKind.Null) return new AvailableTasks([], []);
        if (root.ValueKind != JsonValueKind.Array)
            throw new UpstreamException(route, $"the answer must be a JSON array of tasks, got {root.ValueKind}", 200, transient: false);
        var tasks = new List<ParityTask>();
        var refused = new List<RefusedTask>();
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            try
            {
                tasks.Add(TaskValidator.Parse(element, "task", clock.GetUtcNow(), TaskSource.Upstream));
            }
            catch (TaskConfigException e)
            {
                refused.Add(new RefusedTask(IdOf(element), $"tasks[{index}]: {e.Message}", e.Message));
            }
            index++;
        }
        return new AvailableTasks(tasks, refused);
    }

    /// <summary>
    /// Claims a task (<c>…/tasks/{id}/start</c>): the server assigns it to this runner and marks it running, answering
    /// 200 with the task. Null when the server says it is not available (409: taken, or this runner is busy).
    /// </summary>
    public async Task<ParityTask?> ClaimAsync(string taskId, CancellationToken cancellation)
    {
        var route = $"POST /api/v1/runners/tasks/{taskId}/start";
        using var response = await SendAsync(route, HttpMethod.Post, $"runners/tasks/{Escape(taskId)}/start", null, null, cancellation);
        if (response.StatusCode == HttpStatusCode.Conflict) return null;
        await ExpectAsync(route, response, [HttpStatusCode.OK]);
        using var document = await ReadDocumentAsync(route, response, cancellation);
        try
        {
            var task = TaskValidator.Parse(document.RootElement, "task", clock.GetUtcNow(), TaskSource.Upstream);
            return task.Id == taskId ? task
                : throw new UpstreamException(route, $"the answer is task '{task.Id}', not the one claimed", 200, transient: false);
        }
        catch (TaskConfigException e)
        {
            throw new UpstreamException(route, $"the claimed task is not valid: {e.Message}", 200, transient: false);
        }
    }

    /// <summary>
    /// Claims a task this runner will not run (its config is refused), only to report it failed: true when the server
    /// gave it to this runner, false when it is not available (409). The answer's task is not read.
    /// </summary>
    public async Task<bool> ClaimToFailAsync(string taskId, CancellationToken cancellation)
    {
        var route = $"POST /api/v1/runners/tasks/{taskId}/start";
        using var response = await SendAsync(route, HttpMethod.Post, $"runners/tasks/{Escape(taskId)}/start", null, null, cancellation);
        if (response.StatusCode == HttpStatusCode.Conflict) return false;
        await ExpectAsync(route, response, [HttpStatusCode.OK]);
        return true;
    }

    /// <summary>
    /// Reports a task's result (<c>…/tasks/{id}/result</c>); 200 with an empty body. The server upserts one result per
    /// task, so a repeat after a lost answer changes nothing; a 4xx (403: the task is another runner's) throws a
    /// non-transient <see cref="UpstreamException"/>.
    /// </summary>
    public async Task ReportResultAsync(UpstreamTaskResult result, string? deviceId, CancellationToken cancellation)
    {
        var route = $"POST /api/v1/runners/tasks/{result.TaskId}/result";
        using var response = await SendAsync(route, HttpMethod.Post, $"runners/tasks/{Escape(result.TaskId)}/result", result,
            deviceId, cancellation, idempotencyKey: result.TaskId);
        await ExpectAsync(route, response, [HttpStatusCode.OK, HttpStatusCode.NoContent]);
    }

    /// <summary>
    /// Completes an LLM prompt (<c>…/llm/prompts/{id}/complete</c>; the prompt id is the task id); 200, and 200 again for
    /// a repeat. 400 (a 0 token count), 403 (another runner's prompt) and 409 (the prompt already failed) are refusals.
    /// </summary>
    public async Task CompletePromptAsync(string promptId, PromptCompletion completion, string? deviceId, CancellationToken cancellation)
    {
        var route = $"POST /api/v1/llm/prompts/{promptId}/complete";
        using var response = await SendAsync(route, HttpMethod.Post, $"llm/prompts/{Escape(promptId)}/complete", completion,
            deviceId, cancellation, idempotencyKey: promptId);
        await ExpectAsync(route, response, [HttpStatusCode.OK]);
    }

    /// <summary>
    /// Submits a federated model update (<c>…/federated-learning/model-updates</c>); 200, or 400 <c>{"error"}</c> (a
    /// refusal). The reference keeps one update per (round, runner), a repeat replacing it; the
    /// <c>Idempotency-Key</c> (session, round, runner) lets a server that deduplicates see a retry as one.
    /// </summary>
    public async Task SubmitModelUpdateAsync(UpstreamModelUpdate update, CancellationToken cancellation)
    {
        const string route = "POST /api/v1/federated-learning/model-updates";
        using var response = await SendAsync(route, HttpMethod.Post, "federated-learning/model-updates", update,
            update.RunnerId, cancellation, idempotencyKey: ModelUpdateKey(update));
        await ExpectAsync(route, response, [HttpStatusCode.OK, HttpStatusCode.Created]);
    }

    /// <summary>The idempotency key of a model update: its session, round and runner.</summary>
    public static string ModelUpdateKey(UpstreamModelUpdate update) => $"{update.SessionId}/{update.RoundId}/{update.RunnerId}";

    private async Task<HttpResponseMessage> SendAsync(string route, HttpMethod method, string path, object? body,
        string? deviceId, CancellationToken cancellation, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, new Uri(options.ServerUrl!, Api + path));
        request.Headers.Add(DeviceHeader, deviceId ?? options.DeviceId);
        request.Headers.UserAgent.ParseAdd("ParityRunner/1.0");
        if (idempotencyKey is not null) request.Headers.Add(IdempotencyHeader, idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: ParityJson.Options);
        try
        {
            return await http.SendAsync(request, cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException
                                      or Polly.Timeout.TimeoutRejectedException)
        {
            // Oversized answers fail while HttpClient buffers them: a refusal, not an outage.
            var oversized = e is HttpRequestException && e.Message.Contains("buffer", StringComparison.OrdinalIgnoreCase);
            throw oversized
                ? new UpstreamException(route, $"the answer is larger than {MaxResponseBytes} bytes", null, transient: false, e)
                : new UpstreamException(route, $"{options.ServerUrl} unreachable ({Describe(e)})", null, transient: true, e);
        }
        finally
        {
            request.Dispose();
        }
    }

    private static async Task ExpectAsync(string route, HttpResponseMessage response, HttpStatusCode[] expected)
    {
        if (expected.Contains(response.StatusCode)) return;
        var status = (int)response.StatusCode;
        var serverError = await ServerErrorOfAsync(response);
        var what = serverError is null ? "" : $": {serverError}";
        throw new UpstreamException(route, $"answered {status} {response.ReasonPhrase}{what}", status,
            transient: status >= 500 || status is 408 or 429) { ServerError = serverError };
    }

    /// <summary>The <c>error</c> of the server's <c>{"error":"…"}</c> body, shortened and made printable; null if there is none.</summary>
    private static async Task<string?> ServerErrorOfAsync(HttpResponseMessage response)
    {
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync();
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return Printable(error.GetString()!);
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or InvalidOperationException)
        {
        }
        return null;
    }

    private static async Task<T> ReadJsonAsync<T>(string route, HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(ParityJson.Options, cancellation)
                   ?? throw new UpstreamException(route, "the answer is JSON null", (int)response.StatusCode, transient: false);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new UpstreamException(route, $"the answer is not the JSON the protocol promises ({Printable(e.Message)})",
                (int)response.StatusCode, transient: false, e);
        }
    }

    private static async Task<JsonDocument> ReadDocumentAsync(string route, HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellation), default, cancellation);
        }
        catch (JsonException e)
        {
            throw new UpstreamException(route, $"the answer is not JSON ({Printable(e.Message)})", (int)response.StatusCode, transient: false, e);
        }
    }

    private static string Escape(string id) => Uri.EscapeDataString(id);

    /// <summary>The id of a task that does not parse, when it is one a task could have; else null.</summary>
    private static string? IdOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
        && id.GetString() is { } text && TaskValidator.IsValidId(text) ? text : null;

    private static string Describe(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } h => $"{h.HttpRequestError}: {Printable(h.Message)}",
        OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException => "timed out",
        _ => Printable(e.Message),
    };

    /// <summary>Text from the server for a log line: control characters dropped, at most 200 characters.</summary>
    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 200));
        foreach (var c in text)
        {
            if (builder.Length == 200) return builder.Append('…').ToString();
            if (!char.IsControl(c)) builder.Append(c);
        }
        return builder.ToString();
    }
}

/// <summary>What <c>GET /api/v1/runners/tasks/available</c> offered: the tasks that parse, and why the others do not.</summary>
public sealed record AvailableTasks(IReadOnlyList<ParityTask> Tasks, IReadOnlyList<RefusedTask> Refused);

/// <summary>
/// An offered task that does not parse: its id when it has a usable one, the problem for the log (with its place in
/// the list) and the problem as the task's error (naming the field, e.g. <c>task.config.round_id is required</c>).
/// </summary>
public sealed record RefusedTask(string? Id, string Problem, string Error);
