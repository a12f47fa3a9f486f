using System.Globalization;
using System.Text.Json;
using Parity.Configuration;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
using Parity.Federation;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>
/// /api/v1/federated-learning: the upstream's session routes (UPSTREAM.md §7), strict where it was lax, with real round
/// reports, a server-sent event stream, and the model-update route for participants outside the cluster.
/// </summary>
public static class FederationEndpoints
{
    /// <summary>How long one event wait may hold before the stream writes a keep-alive comment.</summary>
    public static readonly TimeSpan EventWait = TimeSpan.FromSeconds(15);

    public static void Map(RouteGroupBuilder api)
    {
        var fl = api.MapGroup("/federated-learning").WithTags(ApiDocs.FederationTag);
        fl.MapPost("/sessions", Create).WithName("createSession")
            .WithSummary("Create a federated session; 201 with the session")
            .WithDescription("400 names the field that is wrong (an unknown one with the nearest valid one and the list; one the " +
                             "server sets), or the dataset problem found when reading it.")
            .DocumentsBody<FlSessionCreation>()
            .Produces<FlSessionView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .CallsCluster();
        fl.MapGet("/sessions", List).WithName("listSessions")
            .WithSummary("List sessions, newest first; ?creator=")
            .Produces<FlSessionList>()
            .CallsCluster();
        fl.MapGet("/sessions/{id}", Get).WithName("getSession")
            .WithSummary("A session: status, participants, every round's updates and metrics")
            .Produces<FlSessionView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        fl.MapPost("/sessions/{id}/start", Start).WithName("startSession")
            .WithSummary("Fix the participants and start round 1")
            .WithDescription("409 when the session is not pending; 400 when it cannot start (a participant offline, too few, with the reason).")
            .Produces<FlSessionChange>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .CallsCluster();
        fl.MapPost("/sessions/{id}/cancel", Cancel).WithName("cancelSession")
            .WithSummary("Cancel a pending or active session")
            .WithDescription("409 when the session already finished.")
            .Produces<FlSessionChange>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .CallsCluster();
        fl.MapGet("/sessions/{id}/model", Model).WithName("getSessionModel")
            .WithSummary("The global model (model_data) and its SHA-256")
            .WithDescription("404 for an unknown session, or one that has not started (the detail says which).")
            .Produces<FlModelView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        fl.MapGet("/sessions/{id}/rounds/{round}", Round).WithName("getSessionRound")
            .WithSummary("One round: updates accepted and rejected with reasons, timings, metrics")
            .WithDescription("round is a positive integer (400 otherwise); 404 for an unknown session or a round it has not reached.")
            .Produces<FlRoundView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        fl.MapGet("/sessions/{id}/events", Events).WithName("sessionEvents")
            .WithSummary("Server-sent events: rounds, updates, completion (Last-Event-ID or ?after= resumes)")
            .WithDescription("Each event's id is its sequence number and its data the event as JSON; a keep-alive comment " +
                             $"every {EventWait.TotalSeconds:0} s without news; the stream ends once the session has finished. " +
                             "400 when after (or Last-Event-ID) is not a sequence number.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        fl.MapPost("/model-updates", SubmitUpdate).WithName("submitModelUpdate")
            .WithSummary("A model update from a participant outside the cluster")
            .WithDescription("400 for a missing id, a field the route does not take (named, with the valid ones) or an update " +
                             "the round rejects (with the reason); 404 for an unknown session " +
                             "or round; 409 when the round is closed, the runner is not an external participant of it, or it " +
                             "already sent its update.")
            .DocumentsBody<ModelUpdateSubmission>()
            .Produces<MessageReply>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .CallsCluster();
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, GatewayOptions settings, CancellationToken cancellation)
    {
        var (document, problem) = await RequestBody.ReadObjectAsync(request, settings.MaxBodyBytes, cancellation);
        if (document is null) return problem!;
        FlSessionSpec spec;
        using (document)
        {
            try
            {
                spec = FlSessionRequest.Parse(document.RootElement, () => Random.Shared.NextInt64(1, long.MaxValue));
            }
            catch (TaskConfigException e)
            {
                return Problems.BadRequest(e.Message);
            }
        }
        var id = Guid.NewGuid().ToString();
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        var outcome = await grain.Create(spec);
        return outcome.Ok
            ? Results.Json(await grain.Get(), ParityJson.Options, statusCode: StatusCodes.Status201Created)
            : Refusal(outcome);
    }

    private static async Task<IResult> List(IGrainFactory grains, string? creator)
    {
        var sessions = await grains.GetGrain<IFlSessionIndexGrain>(0).List(string.IsNullOrWhiteSpace(creator) ? null : creator.Trim());
        return Results.Json(new FlSessionList(sessions, sessions.Count), ParityJson.Options);
    }

    private static async Task<IResult> Get(IGrainFactory grains, string id) =>
        !TaskValidator.IsValidId(id) || await grains.GetGrain<IFlSessionGrain>(id).Get() is not { } session
            ? Unknown(id)
            : Results.Json(session, ParityJson.Options);

    private static async Task<IResult> Start(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return Unknown(id);
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        var outcome = await grain.Start();
        return outcome.Ok
            ? Results.Json(new FlSessionChange("Session started successfully", await grain.Get()), ParityJson.Options)
            : Refusal(outcome);
    }

    private static async Task<IResult> Cancel(HttpRequest request, IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return Unknown(id);
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        var outcome = await grain.Cancel("by request");
        return outcome.Ok
            ? Results.Json(new FlSessionChange("Session cancelled", await grain.Get()), ParityJson.Options)
            : Refusal(outcome);
    }

    private static async Task<IResult> Model(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return Unknown(id);
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        if (await grain.GetModel() is { } model) return Results.Json(model, ParityJson.Options);
        return await grain.Get() is null ? Unknown(id) : Problems.NotFound($"session {id} has no model yet: it has not started");
    }

    private static async Task<IResult> Round(IGrainFactory grains, string id, string round)
    {
        if (!TaskValidator.IsValidId(id)) return Unknown(id);
        if (!int.TryParse(round, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            return Problems.BadRequest($"round must be a positive integer, got '{JsonFields.Excerpt(round)}'");
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        if (await grain.GetRound(number) is { } view) return Results.Json(view, ParityJson.Options);
        return await grain.Get() is { } session
            ? Problems.NotFound($"session {id} has no round {number} (it is at round {session.CurrentRound} of {session.TotalRounds})")
            : Unknown(id);
    }

    private static async Task Events(HttpContext context, IGrainFactory grains, string id, string? after)
    {
        var response = context.Response;
        long seen = 0;
        var resume = context.Request.Headers["Last-Event-ID"].ToString();
        var from = string.IsNullOrEmpty(resume) ? after : resume;
        if (!string.IsNullOrEmpty(from) && !long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out seen))
        {
            await Problems.BadRequest("after (or Last-Event-ID) must be an event sequence number").ExecuteAsync(context);
            return;
        }
        var grain = grains.GetGrain<IFlSessionGrain>(id);
        if (!TaskValidator.IsValidId(id) || await grain.Get() is null)
        {
            await Unknown(id).ExecuteAsync(context);
            return;
        }
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var cancellation = context.RequestAborted;
        await response.Body.FlushAsync(cancellation);
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var events = await grain.NextEvents(seen, EventWait);
                foreach (var entry in events)
                {
                    await response.WriteAsync(
                        $"id: {entry.Sequence}\nevent: {entry.Type}\ndata: {JsonSerializer.Serialize(entry, ParityJson.Options)}\n\n", cancellation);
                    seen = entry.Sequence;
                }
                if (events.Count == 0)
                {
                    // Nothing new: either a keep-alive for proxies, or the end once the session has finished.
                    if (await grain.Get() is { Status: not (FlSessionStatus.Pending or FlSessionStatus.Active) }) break;
                    await response.WriteAsync(": keep-alive\n\n", cancellation);
                }
                await response.Body.FlushAsync(cancellation);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client went away.
        }
    }

    /// <summary>
    /// The fields a model update may carry: the ids, the update as a round task outputs it (<c>FederatedUpdate</c>), and
    /// the upstream runner's own (<c>training_time</c>, <c>update_type</c>; UPSTREAM.md §7.2), so that its posts pass.
    /// Any other is refused, naming it: a misspelt <c>data_sise</c> must not read as an update without a data size.
    /// </summary>
    public static IReadOnlyList<string> UpdateFields { get; } =
    [
        "session_id", "round_id", "runner_id", "model_type", "weights", "gradients", "forest", "loss", "accuracy", "r_squared",
        "mean_squared_error", "data_size", "training_time_ms", "training_time", "update_type", "metadata", "rf_metrics", "global_evaluation",
    ];

    private static async Task<IResult> SubmitUpdate(HttpRequest request, IGrainFactory grains, GatewayOptions settings,
        CancellationToken cancellation)
    {
        var (document, problem) = await RequestBody.ReadObjectAsync(request, settings.MaxBodyBytes, cancellation);
        if (document is null) return problem!;
        string session, round, runner, raw;
        using (document)
        {
            var root = document.RootElement;
            try
            {
                KnownFields.Check(root, "", UpdateFields);
                session = Required(root, "session_id");
                round = Required(root, "round_id");
                runner = Required(root, "runner_id");
            }
            catch (TaskConfigException e)
            {
                return Problems.BadRequest(e.Message);
            }
            raw = root.GetRawText();
        }
        if (!TaskValidator.IsValidId(session)) return Unknown(session);
        var outcome = await grains.GetGrain<IFlSessionGrain>(session).SubmitUpdate(runner, round, raw);
        return outcome.Ok ? Results.Json(new MessageReply("Model update submitted successfully")) : Refusal(outcome);
    }

    private static string Required(JsonElement root, string name) =>
        JsonFields.String(root, name, "")?.Trim() is { Length: > 0 } value ? value : throw new TaskConfigException($"{name} is required");

    private static IResult Refusal(FlCommandOutcome outcome) =>
        outcome.NotFound ? Problems.NotFound(outcome.Error!)
        : outcome.Conflict ? Problems.Conflict(outcome.Error!)
        : Problems.BadRequest(outcome.Error!);

    private static IResult Unknown(string id) => Problems.NotFound($"no federated session with id '{JsonFields.Excerpt(id)}'");
}
