using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Configuration;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>/api/v1/tasks: create, list, read, result, logs, cancel.</summary>
public static class TaskEndpoints
{
    public const int MaxPageSize = 500;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/tasks", Create).WithSummary("Create a task (id optional); 201 with the task");
        api.MapGet("/tasks", List).WithSummary("List tasks, newest first; ?status=&offset=&limit=");
        api.MapGet("/tasks/{id}", Get).WithSummary("One task");
        api.MapGet("/tasks/{id}/result", GetResult).WithSummary("A finished task's result");
        api.MapGet("/tasks/{id}/logs", GetLogs).WithSummary("Lifecycle events and output (live while running)");
        api.MapPost("/tasks/{id}/cancel", Cancel).WithSummary("Cancel a pending or running task");
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, GatewayOptions settings,
        TimeProvider clock, CancellationToken cancellation)
    {
        var (document, problem) = await RequestBody.ReadObjectAsync(request, settings.MaxBodyBytes, cancellation);
        if (document is null) return problem!;

        ParityTask task;
        using (document)
        {
            var node = JsonNode.Parse(document.RootElement.GetRawText())!.AsObject();
            if (!node.ContainsKey("id") || node["id"] is null) node["id"] = Guid.NewGuid().ToString();
            try
            {
                using var withId = JsonDocument.Parse(node.ToJsonString());
                task = TaskValidator.Parse(withId.RootElement, "task", clock.GetUtcNow());
            }
            catch (TaskConfigException e)
            {
                return Problems.BadRequest(e.Message);
            }
        }

        var grain = grains.GetGrain<ITaskGrain>(task.Id);
        return await grain.Submit(task) switch
        {
            SubmitOutcome.Accepted => Results.Json(await grain.Get(), ParityJson.Options, statusCode: StatusCodes.Status201Created),
            SubmitOutcome.Duplicate => Problems.Conflict($"a task with id '{task.Id}' already exists"),
            _ => Results.Json(new { status = "busy" }, statusCode: StatusCodes.Status503ServiceUnavailable),
        };
    }

    private static async Task<IResult> List(IGrainFactory grains, string? status, int? offset, int? limit)
    {
        TaskState? state = null;
        if (status is not null)
        {
            if (!Enum.TryParse<TaskState>(status, ignoreCase: true, out var parsed) || !StatusNames.Contains(status))
                return Problems.BadRequest($"status must be one of {string.Join(", ", StatusNames)}, got '{status}'");
            state = parsed;
        }
        if (offset is < 0) return Problems.BadRequest($"offset must not be negative, got {offset}");
        if (limit is < 1 or > MaxPageSize) return Problems.BadRequest($"limit must be from 1 to {MaxPageSize}, got {limit}");
        var page = await grains.GetGrain<ITaskIndexGrain>(0).List(state, offset ?? 0, limit ?? 50);
        return Results.Json(page, ParityJson.Options);
    }

    private static async Task<IResult> Get(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var task = await grains.GetGrain<ITaskGrain>(id).Get();
        return task is null ? UnknownTask(id) : Results.Json(task, ParityJson.Options);
    }

    private static async Task<IResult> GetResult(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var grain = grains.GetGrain<ITaskGrain>(id);
        var task = await grain.Get();
        if (task is null) return UnknownTask(id);
        var result = await grain.GetResult();
        return result is null
            ? Problems.NotFound($"task '{id}' has no result ({ParityJson.WireName(task.Status)}{(task.Error is null ? "" : ": " + task.Error)})")
            : Results.Json(result, ParityJson.Options);
    }

    private static async Task<IResult> GetLogs(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var logs = await grains.GetGrain<ITaskGrain>(id).GetLogs();
        return logs is null ? UnknownTask(id) : Results.Json(logs, ParityJson.Options);
    }

    private static async Task<IResult> Cancel(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var grain = grains.GetGrain<ITaskGrain>(id);
        return await grain.Cancel("requested through the API") switch
        {
            CancelOutcome.Cancelled => Results.Json(await grain.Get(), ParityJson.Options),
            CancelOutcome.AlreadyFinished => Problems.Conflict(
                $"task '{id}' already finished ({ParityJson.WireName((await grain.Get())!.Status)}); nothing to cancel"),
            _ => UnknownTask(id),
        };
    }

    private static IResult UnknownTask(string id) => Problems.NotFound($"no task with id '{id}'");

    private static readonly string[] StatusNames = ["pending", "running", "completed", "failed", "cancelled"];
}
