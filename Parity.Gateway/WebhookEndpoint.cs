using System.Text.Json;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Gateway.Security;
using Parity.Hosting;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>
/// <c>POST /webhook</c>: the upstream server's push <c>{"type":"available_tasks","payload":Task|[Task…]}</c>, signed.
/// Everything is checked before anything is submitted: a bad request changes nothing. The tasks are upstream-shaped
/// (<see cref="TaskSource.Upstream"/>): fields Parity does not know are ignored, and the ones the server owns
/// (<c>created_at</c>, <c>status</c>, <c>client_id</c>, …) are replaced by the server's own values.
/// </summary>
public static class WebhookEndpoint
{
    public const int MaxTasksPerPush = 1000;

    public static async Task<IResult> Handle(
        HttpRequest request,
        IGrainFactory grains,
        GatewayOptions settings,
        ReplayGuard replays,
        TimeProvider clock,
        ILoggerFactory loggers,
        CancellationToken cancellation)
    {
        var (body, unread) = await RequestBody.ReadBytesAsync(request, settings.MaxBodyBytes, cancellation);
        if (body is null) return unread!;

        var now = clock.GetUtcNow();
        var header = request.Headers[WebhookSignature.HeaderName].ToString();
        if (settings.WebhookSecret is { } secret && (header.Length > 0 || !settings.AllowUnsignedWebhooks))
        {
            var check = WebhookSignature.Verify(secret, header, body, now);
            if (!check.Valid) return Problems.Unauthorized(check.Problem!);
            if (!replays.FirstSeen(check.Signature!))
                return Problems.Conflict("this signed request was already received (replay refused)");
        }
        else if (!settings.AllowUnsignedWebhooks)
        {
            return Problems.Unauthorized(
                "this gateway cannot verify webhooks: RUNNER_WEBHOOK_SECRET is not set (and RUNNER_WEBHOOK_ALLOW_UNSIGNED is off)");
        }

        var (document, problem) = RequestBody.ParseJson(body);
        if (document is null) return Problems.BadRequest(problem!);
        List<ParityTask> tasks;
        using (document)
        {
            try
            {
                tasks = ParsePush(document.RootElement, now);
            }
            catch (TaskConfigException e)
            {
                return Problems.BadRequest(e.Message);
            }
        }

        // The result of a pushed task is owed back to the upstream server, as the runner the push names (its
        // X-Device-ID); a push that names none (a broadcast) is reported as the reporting runner itself.
        var origin = new UpstreamOrigin { DeviceId = PushedDeviceId(request) };
        int accepted = 0, skipped = 0, rejected = 0;
        foreach (var task in tasks.Select(t => t with { Upstream = origin }))
        {
            switch (await grains.Reference<ITaskGrain>(task.Id).Submit(task))
            {
                case SubmitOutcome.Accepted: accepted++; break;
                case SubmitOutcome.Duplicate: skipped++; break;
                default: rejected++; break;
            }
        }
        if (rejected > 0)
        {
            loggers.CreateLogger(nameof(WebhookEndpoint)).LogWarning("Queue full: refused {Count} task(s)", rejected);
            return Results.Json(new { status = "busy", accepted, skipped, rejected }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        var status = accepted == 0 ? "skipped" : "ok";
        if (tasks.Count == 1) return Results.Bytes(accepted == 0 ? SkippedReply : OkReply, JsonContentType);
        return Results.Json(new { status, accepted, skipped });
    }

    // The answers to a one-task push, the common case, serialized once: written with a Content-Length, where a
    // serialized reply goes out chunked.
    private const string JsonContentType = "application/json; charset=utf-8";
    private static readonly byte[] OkReply = """{"status":"ok"}"""u8.ToArray();
    private static readonly byte[] SkippedReply = """{"status":"skipped"}"""u8.ToArray();

    /// <summary>The push's X-Device-ID when it can be a device id (printable ASCII, at most 128 characters); else null.</summary>
    private static string? PushedDeviceId(HttpRequest request)
    {
        var value = request.Headers["X-Device-ID"].ToString().Trim();
        return value.Length is > 0 and <= 128 && value.All(c => c is > ' ' and < (char)127) ? value : null;
    }

    private static List<ParityTask> ParsePush(JsonElement root, DateTimeOffset now)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new TaskConfigException("body must be a JSON object");
        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new TaskConfigException("type is required: 'available_tasks'");
        if (type.GetString() != "available_tasks")
            throw new TaskConfigException($"type must be 'available_tasks', got '{type.GetString()}'");
        if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind == JsonValueKind.Null)
            throw new TaskConfigException("payload is required: a task or an array of tasks");

        if (payload.ValueKind == JsonValueKind.Object) return [TaskValidator.Parse(payload, "payload", now, TaskSource.Upstream)];
        if (payload.ValueKind != JsonValueKind.Array)
            throw new TaskConfigException("payload must be a task object or an array of tasks");
        var count = payload.GetArrayLength();
        if (count == 0) throw new TaskConfigException("payload is an empty array");
        if (count > MaxTasksPerPush)
            throw new TaskConfigException($"payload has {count} tasks; the limit is {MaxTasksPerPush} per push");
        var tasks = payload.EnumerateArray().Select((t, i) => TaskValidator.Parse(t, $"payload[{i}]", now, TaskSource.Upstream)).ToList();
        var duplicate = tasks.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new TaskConfigException($"payload lists task id '{duplicate.Key}' more than once");
        return tasks;
    }
}
