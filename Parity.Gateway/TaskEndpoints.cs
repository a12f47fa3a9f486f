using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Configuration;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>/api/v1/tasks: create, list, read, result, logs, cancel.</summary>
public static class TaskEndpoints
{
    public const int MaxPageSize = 500;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/tasks", Create).WithName("createTask").WithTags(ApiDocs.TasksTag)
            .WithSummary("Create a task (id optional); 201 with the task")
            .WithDescription("400 names the field that is wrong: one the route does not take (with the valid ones), or one " +
                             "the server sets (status, created_at, updated_at, completed_at, runner, attempt, error, client_id). " +
                             $"Optional header {LlmEndpoints.ClientHeader} names the client whose usage the task counts under " +
                             "(else its creator_address). 409 when the id exists; 503 {status: busy} when the queue is full (TASK_QUEUE_LIMIT).")
            .DocumentsBody<TaskSubmission>()
            .Produces<ParityTask>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .Produces<BusyReply>(StatusCodes.Status503ServiceUnavailable)
            .CallsCluster();
        api.MapGet("/tasks", List).WithName("listTasks").WithTags(ApiDocs.TasksTag)
            .WithSummary("List tasks, newest first; ?status=&offset=&limit=")
            .WithDescription($"status: pending, running, completed, failed or cancelled; offset from 0; limit from 1 to {MaxPageSize} (default 50).")
            .Produces<TaskPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .CallsCluster();
        api.MapGet("/tasks/{id}", Get).WithName("getTask").WithTags(ApiDocs.TasksTag)
            .WithSummary("One task")
            .Produces<ParityTask>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        api.MapGet("/tasks/{id}/result", GetResult).WithName("getTaskResult").WithTags(ApiDocs.TasksTag)
            .WithSummary("A finished task's result; 202 with the status while it is pending or running")
            .WithDescription("200: the result. 202: the task exists but has not finished; the body carries its status " +
                             "(pending or running); ask again later. 404: no task has this id. 409: the task finished " +
                             "without a result (cancelled, or failed before it ran); the problem's status field says which. " +
                             $"?wait=N (seconds, at most {MaxResultWaitSeconds}) holds the request until the task finishes or N seconds pass.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .Produces<TaskResult>()
            .Produces<TaskResultPending>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .CallsCluster();
        api.MapGet("/tasks/{id}/logs", GetLogs).WithName("getTaskLogs").WithTags(ApiDocs.TasksTag)
            .WithSummary("Lifecycle events and output (live while running)")
            .Produces<TaskLogs>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
        api.MapGet("/tasks/{id}/output/{stream}", GetOutput).WithName("getTaskOutput").WithTags(ApiDocs.TasksTag)
            .WithSummary("The whole stdout or stderr of a finished task, as text")
            .WithDescription("stream: stdout or stderr. A stream longer than the cluster's RESULT_INLINE_LIMIT is read from the " +
                             "output store of the runner that ran the task (the result's stdout_file / stderr_file give its CID " +
                             "and size; the ETag is the CID); a shorter one from the result. 404: no such task; 409: no result " +
                             "(not finished, or finished without one); 410: the stored stream is gone (deleted on that runner); " +
                             "503: the runner that stores it is not in the cluster now.")
            .Produces<string>(contentType: "text/plain")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .CallsCluster();
        api.MapPost("/tasks/{id}/cancel", Cancel).WithName("cancelTask").WithTags(ApiDocs.TasksTag)
            .WithSummary("Cancel a pending or running task")
            .WithDescription("200 with the cancelled task; 409 when it already finished.")
            .Produces<ParityTask>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .CallsCluster();
    }

    private static async Task<IResult> Create(HttpRequest request, IGrainFactory grains, GatewayOptions settings,
        TimeProvider clock, CancellationToken cancellation)
    {
        if (!LlmEndpoints.TryReadClient(request, out var client))
            return Problems.BadRequest(LlmEndpoints.ClientHeaderProblem);
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
                task = TaskValidator.Parse(withId.RootElement, "task", clock.GetUtcNow(), TaskSource.Api) with { ClientId = client };
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
            _ => Results.Json(BusyReply.Instance, statusCode: StatusCodes.Status503ServiceUnavailable),
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
        var page = await TaskIndex.ListAsync(grains, state, offset ?? 0, limit ?? 50);
        return Results.Json(page, ParityJson.Options);
    }

    private static async Task<IResult> Get(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var task = await grains.GetGrain<ITaskGrain>(id).Get();
        return task is null ? UnknownTask(id) : Results.Json(task, ParityJson.Options);
    }

    /// <summary>The longest <c>?wait=</c> on a result: long enough for a quick task, short of proxies' idle timeouts.</summary>
    public const int MaxResultWaitSeconds = 60;

    // One grain call stays well inside Orleans' 30 s response timeout; a longer wait is several calls.
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(20);

    private static async Task<IResult> GetResult(IGrainFactory grains, TimeProvider clock, string id, int? wait,
        CancellationToken cancellation)
    {
        if (wait is < 0 or > MaxResultWaitSeconds)
            return Problems.BadRequest($"wait must be from 0 to {MaxResultWaitSeconds} seconds, got {wait}");
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var grain = grains.GetGrain<ITaskGrain>(id);
        var task = await grain.Get();
        if (task is null) return UnknownTask(id);
        var until = clock.GetUtcNow() + TimeSpan.FromSeconds(wait ?? 0);
        while (task is { Status: TaskState.Pending or TaskState.Running } && clock.GetUtcNow() < until && !cancellation.IsCancellationRequested)
        {
            var left = until - clock.GetUtcNow();
            task = await grain.WaitFinished(left < WaitSlice ? left : WaitSlice) ?? task;
        }
        var status = ParityJson.WireName(task.Status);
        // A task that has not finished is not an unknown one: 202 with its status tells a client to come back.
        if (task.Status is TaskState.Pending or TaskState.Running)
            return Results.Json(new TaskResultPending(id, status, task.Attempt, task.Runner,
                $"task '{id}' is {status}; its result is not there yet"), ParityJson.Options, statusCode: StatusCodes.Status202Accepted);
        var result = await grain.GetResult();
        return result is null
            ? Problems.Conflict($"task '{id}' has no result ({status}{(task.Error is null ? "" : ": " + task.Error)})",
                new Dictionary<string, object?> { ["status"] = status })
            : Results.Json(result, ParityJson.Options);
    }

    private static async Task<IResult> GetLogs(IGrainFactory grains, string id)
    {
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var logs = await grains.GetGrain<ITaskGrain>(id).GetLogs();
        return logs is null ? UnknownTask(id) : Results.Json(logs, ParityJson.Options);
    }

    private static async Task<IResult> GetOutput(HttpContext http, IGrainFactory grains, string id, string stream,
        CancellationToken cancellation)
    {
        if (stream is not ("stdout" or "stderr")) return Problems.BadRequest($"stream must be stdout or stderr, got '{stream}'");
        if (!TaskValidator.IsValidId(id)) return UnknownTask(id);
        var grain = grains.GetGrain<ITaskGrain>(id);
        if (await grain.Get() is not { } task) return UnknownTask(id);
        if (await grain.GetResult() is not { } result)
        {
            var status = ParityJson.WireName(task.Status);
            return Problems.Conflict(task.Status.IsTerminal()
                ? $"task '{id}' has no result ({status}), so no output"
                : $"task '{id}' is {status}: its output so far is at /api/v1/tasks/{id}/logs",
                new Dictionary<string, object?> { ["status"] = status });
        }
        var file = stream == "stdout" ? result.StdoutFile : result.StderrFile;
        if (file is null) return Results.Text(stream == "stdout" ? result.Stdout : result.Stderr, "text/plain; charset=utf-8");

        var store = grains.GetGrain<IOutputStoreGrain>(result.Runner);
        long? length;
        try
        {
            length = await store.Length(id, result.Attempt, stream);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Problems.Status(StatusCodes.Status503ServiceUnavailable,
                $"the {stream} of task '{id}' is stored on runner '{result.Runner}', which does not answer now ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
        }
        if (length != file.Bytes)
            return Problems.Status(StatusCodes.Status410Gone, $"the stored {stream} of task '{id}' is no longer on runner '{result.Runner}'");
        http.Response.ContentType = "text/plain; charset=utf-8";
        http.Response.ContentLength = file.Bytes;
        http.Response.Headers.ETag = $"\"{file.Cid}\"";
        await foreach (var piece in store.Read(id, result.Attempt, stream, cancellation))
            await http.Response.Body.WriteAsync(piece, cancellation);
        return Results.Empty;
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

    private static IResult UnknownTask(string id) => Problems.NotFound(
        $"no task with id '{id}' (a finished task is deleted once it passes the cluster's RESULT_RETENTION or RESULT_RETENTION_COUNT)");

    private static readonly string[] StatusNames = ["pending", "running", "completed", "failed", "cancelled"];
}
