using System.Net;
using System.Text.Json;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>/api/v1 and the status endpoints against a real cluster.</summary>
public sealed class ApiTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string? json = null,
        string? key = GatewayHost.ApiKey)
    {
        var response = await _gateway.Http.SendAsync(_gateway.Api(method, path, json, key));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Theory]
    [InlineData(null, "missing Authorization")]
    [InlineData("wrong-key-0123456789abcdef", "invalid API key")]
    public async Task Api_calls_need_the_api_key(string? key, string expected)
    {
        var (status, body) = await Send(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"true"}}""", key);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/v1/tasks", key: key)).Status);
    }

    /// <summary>
    /// Every character of the key counts: a compare that stops early (on a prefix, on the first bytes, on the
    /// shorter of the two) lets each of these keys in. GatewayHost.ApiKey is "test-api-key-0123456789abcdef".
    /// </summary>
    [Theory]
    [InlineData("test-api-key-0123456789abcdeg")]   // the last character differs
    [InlineData("test-api-key-0123X56789abcdef")]   // a middle character differs
    [InlineData("test-api-key-0123456789abcde")]    // a prefix of the key
    [InlineData("test-api-key-0123456789abcdef0")]  // the key with one more character
    [InlineData("test-api")]                        // only its first 8 characters
    [InlineData("TEST-API-KEY-0123456789ABCDEF")]   // the key in another case
    public async Task A_key_that_differs_from_the_right_one_in_any_character_gets_401(string key)
    {
        Assert.NotEqual(GatewayHost.ApiKey, key);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/v1/tasks?limit=1")).Status);

        var (status, body) = await Send(HttpMethod.Get, "/api/v1/tasks?limit=1", key: key);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("invalid API key", body.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, "/api/v1/tasks",
            """{"type":"command","config":{"command":"true"}}""", key)).Status);
    }

    [Fact]
    public async Task A_refused_key_gets_the_bearer_challenge_and_a_problem()
    {
        using var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, "/api/v1/tasks", key: "wrong-key-0123456789abcdef"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Unauthorized", problem.GetProperty("title").GetString());
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Create_read_result_logs_and_list_a_task()
    {
        var (status, created) = await Send(HttpMethod.Post, "/api/v1/tasks",
            """{"title":"api","type":"command","config":{"command":"echo via-api"}}""");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("command", created.GetProperty("type").GetString());
        Assert.Equal(64, created.GetProperty("nonce").GetString()!.Length);
        Assert.Equal("echo via-api", created.GetProperty("config").GetProperty("command").GetString());

        await shared.Cluster.WaitFinished(id);
        var (_, task) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        var (resultStatus, result) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/result");
        Assert.Equal(HttpStatusCode.OK, resultStatus);
        Assert.Equal("via-api\n", result.GetProperty("stdout").GetString());
        Assert.Equal(0, result.GetProperty("exit_code").GetInt32());
        var (_, logs) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/logs");
        Assert.Equal(3, logs.GetProperty("events").GetArrayLength());

        await Eventually.True(async () =>
        {
            var (_, page) = await Send(HttpMethod.Get, "/api/v1/tasks?status=completed&limit=500");
            return page.GetProperty("tasks").EnumerateArray().Any(t => t.GetProperty("id").GetString() == id);
        }, TimeSpan.FromSeconds(10), "task listed as completed");

        var (cancelStatus, cancel) = await Send(HttpMethod.Post, $"/api/v1/tasks/{id}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, cancelStatus);
        Assert.Contains("already finished (completed)", cancel.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/api/v1/tasks",
            $$$"""{"id":"{{{id}}}","type":"command","config":{"command":"true"}}""")).Status);
    }

    [Fact]
    public async Task Cancel_through_the_api_stops_a_running_task()
    {
        var (_, created) = await Send(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"sleep 60"}}""");
        var id = created.GetProperty("id").GetString()!;
        await shared.Cluster.WaitFor(id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        var (status, cancelled) = await Send(HttpMethod.Post, $"/api/v1/tasks/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        // Finished without a result: not an unknown id (404) but a conflict that says the task's status.
        var (resultStatus, noResult) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/result");
        Assert.Equal(HttpStatusCode.Conflict, resultStatus);
        Assert.Contains("has no result (cancelled", noResult.GetProperty("detail").GetString());
        Assert.Equal("cancelled", noResult.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_result_of_a_running_task_is_202_with_its_status_as_documented()
    {
        var (_, created) = await Send(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"sleep 60"}}""");
        var id = created.GetProperty("id").GetString()!;
        await shared.Cluster.WaitFor(id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");

        var (status, pending) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/result");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(id, pending.GetProperty("id").GetString());
        Assert.Equal("running", pending.GetProperty("status").GetString());
        Assert.Equal(1, pending.GetProperty("attempt").GetInt32());
        Assert.False(string.IsNullOrEmpty(pending.GetProperty("runner").GetString()));
        Assert.Contains("running", pending.GetProperty("detail").GetString());
        // An unknown id stays a 404, so a client tells the two apart by the status code alone.
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/v1/tasks/{id}-unknown/result")).Status);

        // The body has exactly the members the document's 202 schema names.
        var document = JsonDocument.Parse(await _gateway.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var reference = document.GetProperty("paths").GetProperty("/api/v1/tasks/{id}/result").GetProperty("get")
            .GetProperty("responses").GetProperty("202").GetProperty("content").GetProperty("application/json")
            .GetProperty("schema").GetProperty("$ref").GetString()!;
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
        Assert.Equal(schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(),
            pending.EnumerateObject().Select(p => p.Name).Order());

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/v1/tasks/{id}/cancel")).Status);
    }

    [Fact]
    public async Task A_result_asked_for_with_wait_comes_once_the_task_finishes()
    {
        // Asked for right after the submit, the result of a two-second task can only be a 200 if the request waited.
        var (_, created) = await Send(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"sleep 2; echo waited"}}""");
        var id = created.GetProperty("id").GetString()!;
        var (status, result) = await Send(HttpMethod.Get, $"/api/v1/tasks/{id}/result?wait=60");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("waited\n", result.GetProperty("stdout").GetString());
    }

    [Theory]
    [InlineData("/api/v1/tasks/x/result?wait=61", "wait must be from 0 to 60 seconds, got 61")]
    [InlineData("/api/v1/tasks/x/result?wait=-1", "wait must be from 0 to 60 seconds, got -1")]
    [InlineData("/api/v1/tasks?status=done", "status must be one of pending, running, completed, failed, cancelled, got 'done'")]
    [InlineData("/api/v1/tasks?limit=0", "limit must be from 1 to 500, got 0")]
    [InlineData("/api/v1/tasks?offset=-1", "offset must not be negative")]
    [InlineData("/api/v1/tasks?offset=abc", "offset must be an integer, got 'abc'")]
    [InlineData("/api/v1/tasks?limit=1e3", "limit must be an integer, got '1e3'")]
    [InlineData("/api/v1/rewards?limit=ten", "limit must be an integer, got 'ten'")]
    public async Task Bad_query_parameters_get_400(string path, string expected)
    {
        var (status, body) = await Send(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"type":"command","config":{"command":""}}""", "task.config.command must not be empty")]
    [InlineData("""{"type":"command","config":{"command":"x","timeout_seconds":-1}}""", "task.config.timeout_seconds")]
    [InlineData("""{"type":"command","config":"echo"}""", "task.config must be a JSON object")]
    [InlineData("""{"type":"docker","config":[1]}""", "task.config must be a JSON object")]
    [InlineData("""{"type":"command","config":{"command":"x"},"title":5}""", "task.title")]
    public async Task Invalid_tasks_get_400_naming_the_field(string json, string expected)
    {
        var (status, body) = await Send(HttpMethod.Post, "/api/v1/tasks", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Unknown_tasks_get_404()
    {
        foreach (var path in new[] { "/api/v1/tasks/nope", "/api/v1/tasks/nope/result", "/api/v1/tasks/nope/logs", "/api/v1/tasks/bad%20id" })
            Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/v1/tasks/nope/cancel")).Status);
    }

    [Fact]
    public async Task Runners_status_health_and_openapi_describe_the_cluster()
    {
        var (_, runners) = await Send(HttpMethod.Get, "/api/v1/runners");
        Assert.Equal(2, runners.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online"));
        var first = runners[0];
        Assert.Equal(2, first.GetProperty("slots_total").GetInt32());
        Assert.True(first.GetProperty("capabilities").GetProperty("cores").GetInt32() >= 1);
        Assert.True(first.GetProperty("capabilities").GetProperty("shell").GetBoolean());
        Assert.True(first.GetProperty("last_heartbeat").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));

        var health = await _gateway.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var status = JsonDocument.Parse(await _gateway.Http.GetStringAsync("/api/status")).RootElement;
        Assert.Equal(2, status.GetProperty("runners_online").GetInt32());
        Assert.True(status.GetProperty("tasks").TryGetProperty("completed", out _));

        var openApi = await _gateway.Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/webhook", openApi);
        Assert.Contains("/api/v1/tasks/{id}/cancel", openApi);
    }
}

/// <summary>A full queue answers 503 busy and stores nothing.</summary>
public sealed class QueueLimitTests
{
    [Fact]
    public async Task A_full_queue_answers_busy()
    {
        await using var cluster = await ParityTestCluster.StartAsync(silos: 1,
            overrides: _ => new Dictionary<string, string?> { ["TASK_QUEUE_LIMIT"] = "1" });
        await using var gateway = await GatewayHost.StartAsync(cluster.Client);
        var first = Guid.NewGuid().ToString();
        var second = Guid.NewGuid().ToString();

        var accepted = await gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(first, "sleep 30"))));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var busy = await gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(second, "true"))));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Contains("\"status\":\"busy\"", await busy.Content.ReadAsStringAsync());
        Assert.Null(await cluster.TaskGrain(second).Get());

        await cluster.TaskGrain(first).Cancel("test over");
        await Eventually.True(async () => (await gateway.Http.SendAsync(
                GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(second, "true"))))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(10), "queue to take the second task once the first is cancelled");
    }
}
