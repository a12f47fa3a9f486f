using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parity.Configuration;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
using Parity.Json;
using Parity.Llm;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>
/// /api/v1/llm: prompts (submit, read, stream as server-sent events, cancel), the models the cluster serves, and usage
/// totals per client and model. A prompt is an <c>llm</c> task whose id is the prompt id, so it is durable, re-dispatched
/// when its runner dies, and visible under /api/v1/tasks as well.
/// </summary>
public static partial class LlmEndpoints
{
    public const string ClientHeader = "X-Client-ID";
    public const string DefaultClient = "anonymous";
    private static readonly TimeSpan CallWait = TimeSpan.FromSeconds(3);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/llm/prompts", Submit).WithName("submitPrompt").WithTags(ApiDocs.LlmTag)
            .WithSummary("Submit a prompt {model_name, prompt | messages, max_tokens, temperature, seed, stop, stream}; 202 with its id, or an event stream when stream is true")
            .WithDescription($"Optional header {ClientHeader} (1-128 letters, digits, '-', '_', '.', ':' or '@'; default '{DefaultClient}') " +
                             "names the client whose usage the prompt counts under (a client_id in the body is refused). 202 with the prompt's id and status; with " +
                             "stream: true, 200 and the events of GET /llm/prompts/{id}/stream. 400 names the field that is wrong, " +
                             "or one the route does not take (with the nearest valid one and the list); " +
                             "409 when the id exists; 422 when no runner serves the model and none may pull it (the runners' " +
                             "reasons in detail); 503 {status: busy} when the queue is full.")
            .DocumentsBody<PromptSubmission>()
            .Produces<PromptAccepted>(StatusCodes.Status202Accepted)
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .Produces<BusyReply>(StatusCodes.Status503ServiceUnavailable)
            .CallsCluster();
        api.MapGet("/llm/prompts/{id}", Get).WithName("getPrompt").WithTags(ApiDocs.LlmTag)
            .WithSummary("A prompt: status, response (so far), token counts, timings")
            .Produces<PromptView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        api.MapGet("/llm/prompts/{id}/stream", Stream).WithName("streamPrompt").WithTags(ApiDocs.LlmTag)
            .WithSummary("The prompt's tokens as server-sent events: status, token, restart, done")
            .WithDescription("Events: status {id, status, runner, progress} on each change; token (text pieces); restart when " +
                             "the prompt moved to another runner and its text starts over; done with the full prompt view. " +
                             "Reading or leaving the stream never cancels the prompt.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        api.MapPost("/llm/prompts/{id}/cancel", Cancel).WithName("cancelPrompt").WithTags(ApiDocs.LlmTag)
            .WithSummary("Cancel a queued or running prompt")
            .WithDescription("200 with the cancelled prompt; 409 when it already finished.")
            .Produces<PromptView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .CallsCluster();
        api.MapGet("/llm/models", Models).WithName("listModels").WithTags(ApiDocs.LlmTag)
            .WithSummary("Every model an online runner serves, with the runners and whether each has it loaded")
            .Produces<ModelCatalog>()
            .CallsCluster();
        api.MapGet("/llm/usage", Usage).WithName("llmUsage").WithTags(ApiDocs.LlmTag)
            .WithSummary("Usage totals per client and model; ?client_id= for one client")
            .Produces<UsageReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .CallsCluster();
    }

    /// <summary>The prompt route's fields besides the prompt's own (<see cref="LlmTaskConfig.PromptFields"/>).</summary>
    private static readonly string[] RouteFields = ["stream", "id", "creator_address"];

    /// <summary>
    /// A prompt's fields the server sets: refused when a body carries them. The client is the header's, never the
    /// body's: usage is billed to it.
    /// </summary>
    private static readonly Dictionary<string, string> ServerOwnedFields = new(TaskValidator.ServerOwnedFields)
    {
        ["client_id"] = $": the {ClientHeader} header names the client",
    };

    private static async Task<IResult> Submit(HttpRequest request, IGrainFactory grains, GatewayOptions settings,
        TimeProvider clock, CancellationToken cancellation)
    {
        if (ClientOf(request) is not { } client)
            return Problems.BadRequest(ClientHeaderProblem);
        var (document, problem) = await RequestBody.ReadObjectAsync(request, settings.MaxBodyBytes, cancellation);
        if (document is null) return problem!;

        LlmRequest prompt;
        string id;
        string? creator;
        bool stream;
        using (document)
        {
            var root = document.RootElement;
            try
            {
                LlmTaskConfig.RefuseUnknownFields(root, "", "model_name", RouteFields, ServerOwnedFields);
                prompt = LlmTaskConfig.Parse(root, "", "model_name");
                id = OptionalString(root, "id") ?? Guid.NewGuid().ToString();
                if (TaskValidator.IdProblem(id) is { } bad) return Problems.BadRequest($"id {bad}");
                creator = OptionalString(root, "creator_address");
                stream = root.TryGetProperty("stream", out var s) && s.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False or JsonValueKind.Null => false,
                    _ => throw new TaskConfigException("stream must be true or false"),
                };
            }
            catch (TaskConfigException e)
            {
                return Problems.BadRequest(e.Message);
            }
        }
        // The runners enforce the same cap (RUNNER_LLM_MAX_TOKENS); refusing here saves a task that would fail.
        if (prompt.MaxTokens > settings.LlmMaxTokens)
            return Problems.BadRequest(LlmLimits.AboveLimit("max_tokens", prompt.MaxTokens.Value, settings.LlmMaxTokens));

        // A model no runner serves and none may pull (RUNNER_MODEL_PULL_ALLOW) is refused now, with the runners' reasons,
        // rather than accepted to fail a few seconds later. Asking the model grain starts the pull an allowed model
        // needs, which the task then waits on. A grain that does not answer in time leaves the decision to the task.
        var (routed, route) = await PromptStream.Bounded(
            grains.GetGrain<IModelGrain>(ModelGrainKey.Of(prompt.Model)).Route(), CallWait, cancellation);
        if (routed && route is { Error: { } unroutable, Busy: false }) return Problems.Unprocessable(unroutable);

        var now = clock.GetUtcNow();
        var task = new ParityTask
        {
            Id = id,
            Title = $"LLM Prompt: {prompt.Model}",
            Type = TaskType.Llm,
            Config = LlmTaskConfig.ToConfig(prompt),
            Environment = new TaskEnvironment { Type = "llm" },
            CreatorAddress = creator,
            ClientId = client,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var grain = grains.GetGrain<ITaskGrain>(id);
        switch (await grain.Submit(task))
        {
            case SubmitOutcome.Duplicate:
                return Problems.Conflict($"a prompt or task with id '{id}' already exists");
            case SubmitOutcome.Busy:
                return Results.Json(BusyReply.Instance, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (stream) return TypedResults.ServerSentEvents(CancelOnDisconnect(Events(grains, id, cancellation), grain, cancellation));
        var submitted = await grain.Get() ?? task;
        return Results.Json(new PromptAccepted(id, PromptStream.PromptStatus(submitted.Status), prompt.Model, submitted.CreatedAt),
            ParityJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Get(IGrainFactory grains, string id)
    {
        var view = await View(grains, id, live: true);
        return view is null ? UnknownPrompt(id) : Results.Json(view, PromptStream.ViewJson);
    }

    private static async Task<IResult> Stream(IGrainFactory grains, string id, CancellationToken cancellation)
    {
        if (!TaskValidator.IsValidId(id) || await grains.GetGrain<ITaskGrain>(id).Get() is not { Type: TaskType.Llm })
            return UnknownPrompt(id);
        return TypedResults.ServerSentEvents(Events(grains, id, cancellation));
    }

    /// <summary>The prompt's server-sent events (see <see cref="PromptStream"/>).</summary>
    private static IAsyncEnumerable<SseItem<string>> Events(IGrainFactory grains, string id, CancellationToken cancellation) =>
        new PromptStream(grains, id, task => PullProgress(grains, task), async () => await View(grains, id, live: false)).Events(cancellation);

    /// <summary>
    /// The events of a prompt submitted with <c>"stream": true</c>: its client is its only reader, so when the client
    /// goes away before <c>done</c> the prompt is cancelled and its generation stops on the runner. Prompts submitted
    /// without streaming, and readers of <c>/stream</c> or polling, never cancel a prompt by leaving.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> CancelOnDisconnect(IAsyncEnumerable<SseItem<string>> events,
        ITaskGrain grain, [EnumeratorCancellation] CancellationToken disconnected)
    {
        try
        {
            await foreach (var item in events.WithCancellation(disconnected)) yield return item;
        }
        finally
        {
            // Only a departed client cancels; a stream that ended with done has nothing to stop (a finished prompt
            // answers AlreadyFinished anyway). Bounded: the task's silo may be dying too.
            if (disconnected.IsCancellationRequested)
                await PromptStream.Bounded(grain.Cancel("the client of the streaming request disconnected"), CallWait, CancellationToken.None);
        }
    }

    private static async Task<IResult> Cancel(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownPrompt(id);
        var grain = grains.GetGrain<ITaskGrain>(id);
        if (await grain.Get() is not { Type: TaskType.Llm }) return UnknownPrompt(id);
        return await grain.Cancel("requested through the API") switch
        {
            CancelOutcome.Cancelled => Results.Json(await View(grains, id, live: false), PromptStream.ViewJson),
            CancelOutcome.AlreadyFinished => Problems.Conflict(
                $"prompt '{id}' already finished ({PromptStream.PromptStatus((await grain.Get())!.Status)}); nothing to cancel"),
            _ => UnknownPrompt(id),
        };
    }

    private static async Task<IResult> Models(IGrainFactory grains)
    {
        var online = (await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners())
            .Where(r => r.Status == RunnerStatus.Online).ToList();
        var models = online
            .SelectMany(r => r.Capabilities.Models.Select(m => (Runner: r.Name, Model: m)))
            .GroupBy(x => x.Model.Name, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ServedModel(
                g.Key,
                g.Any(x => x.Model.Loaded),
                g.OrderBy(x => x.Runner, StringComparer.Ordinal).Select(x => new ModelPlacement(
                    x.Runner, x.Model.Backend, x.Model.Loaded, x.Model.ContextLength, x.Model.SizeBytes, x.Model.Quantization, x.Model.Digest))));
        return Results.Json(new ModelCatalog(
            models,
            // Runners whose Ollama answers: a prompt for a model no runner has makes one of them pull it.
            online.Where(r => r.Capabilities.CanPullModels).Select(r => r.Name).Order(StringComparer.Ordinal)), ParityJson.Options);
    }

    private static async Task<IResult> Usage(IGrainFactory grains, string? client_id)
    {
        if (client_id is not null && !ClientPattern().IsMatch(client_id))
            return Problems.BadRequest("client_id must be 1-128 letters, digits, '-', '_', '.', ':' or '@'");
        var clients = client_id is not null ? [client_id] : await grains.GetGrain<ILlmClientsGrain>(0).All();
        var usage = new List<ClientUsage>();
        foreach (var client in clients)
        {
            var models = await grains.GetGrain<ILlmUsageGrain>(client).Totals();
            usage.Add(new ClientUsage(
                client,
                models.Sum(m => m.Prompts),
                models.Sum(m => m.PromptTokens),
                models.Sum(m => m.PromptsWithUnknownPromptTokens),
                models.Sum(m => m.CachedPromptTokens),
                models.Sum(m => m.CompletionTokens),
                models));
        }
        return Results.Json(new UsageReport(usage), ParityJson.Options);
    }

    /// <summary>
    /// "pulling model 'x' on runner-1: downloading (45 %)" while the prompt waits on a pull, else null. Progress is
    /// a courtesy: a model grain that cannot answer right now (its silo just died) reads as no progress.
    /// </summary>
    private static async Task<string?> PullProgress(IGrainFactory grains, ParityTask task)
    {
        if (LlmTaskConfig.ModelOf(task) is not { } model) return null;
        var (_, pull) = await PromptStream.Bounded(grains.GetGrain<IModelGrain>(ModelGrainKey.Of(model)).GetPull(), CallWait, CancellationToken.None);
        return pull is { Done: false } ? pull.Describe() : null;
    }

    /// <summary>What <c>GET /api/v1/llm/prompts/{id}</c> shows; null for an unknown id or a task that is not a prompt.</summary>
    private static async Task<PromptView?> View(IGrainFactory grains, string id, bool live)
    {
        if (!TaskValidator.IsValidId(id)) return null;
        var grain = grains.GetGrain<ITaskGrain>(id);
        if (await grain.Get() is not { Type: TaskType.Llm } task) return null;
        var result = task.Status == TaskState.Completed ? await grain.GetResult() : null;
        var response = result?.Stdout;
        if (response is null && live && task.Status == TaskState.Running) response = (await grain.GetLogs())?.Stdout;
        var usage = result?.Usage;
        var progress = task.Status == TaskState.Pending ? await PullProgress(grains, task) : null;
        return new PromptView
        {
            Id = task.Id,
            Status = PromptStream.PromptStatus(task.Status),
            ModelName = LlmTaskConfig.ModelOf(task),
            Model = usage?.Model,
            ModelDigest = usage?.ModelDigest,
            Response = response,
            PromptTokens = result?.PromptTokens,
            CachedPromptTokens = usage?.CachedPromptTokens,
            ResponseTokens = result?.ResponseTokens,
            InferenceTimeMs = result?.InferenceTimeMs,
            LoadMs = usage?.LoadMs,
            PrefillMs = usage?.PrefillMs,
            DecodeMs = usage?.DecodeMs,
            TotalMs = usage?.TotalMs,
            FinishReason = usage?.FinishReason,
            Runner = task.Runner,
            Attempt = task.Attempt,
            Progress = progress,
            Error = task.Error,
            ClientId = task.ClientId,
            CreatorAddress = task.CreatorAddress,
            CreatedAt = task.CreatedAt,
            CompletedAt = task.CompletedAt,
        };
    }

    private static string? ClientOf(HttpRequest request) =>
        TryReadClient(request, out var client) ? client ?? DefaultClient : null;

    internal const string ClientHeaderProblem = $"{ClientHeader} must be 1-128 letters, digits, '-', '_', '.', ':' or '@'";

    /// <summary>The client the <see cref="ClientHeader"/> names (null without one); false when the header is malformed.</summary>
    internal static bool TryReadClient(HttpRequest request, out string? client)
    {
        var header = request.Headers[ClientHeader].ToString();
        client = header.Length == 0 ? null : header;
        return header.Length == 0 || ClientPattern().IsMatch(header);
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new TaskConfigException($"{name} must be a string");

    private static IResult UnknownPrompt(string id) => Problems.NotFound($"no prompt with id '{id}'");

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}$")]
    private static partial Regex ClientPattern();
}
