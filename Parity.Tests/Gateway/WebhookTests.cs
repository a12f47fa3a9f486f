using System.Net;
using System.Text;
using System.Text.Json;
using Parity.Gateway.Security;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>POST /webhook against a real cluster: signatures, replays, bad bodies — nothing bad ever executes.</summary>
public sealed class WebhookTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private GatewayHost _gateway = null!;
    private ParityTestCluster Cluster => shared.Cluster;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(Cluster.Client);
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_signed_push_runs_and_a_second_push_of_the_same_task_is_skipped()
    {
        var id = Guid.NewGuid().ToString();
        var body = GatewayHost.Push(GatewayHost.CommandTask(id, "echo pushed"));

        var first = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(body));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await first.Content.ReadAsStringAsync());

        var finished = await Cluster.WaitFinished(id);
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Equal("pushed\n", (await Cluster.TaskGrain(id).GetResult())!.Stdout);

        var again = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(body, DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("""{"status":"skipped"}""", await again.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_replayed_request_is_refused()
    {
        var id = Guid.NewGuid().ToString();
        var body = Encoding.UTF8.GetBytes(GatewayHost.Push(GatewayHost.CommandTask(id, "true")));
        var original = GatewayHost.SignedWebhook(body);
        var header = original.Headers.GetValues(WebhookSignature.HeaderName).Single();
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Http.SendAsync(original)).StatusCode);

        var replay = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        replay.Headers.Add(WebhookSignature.HeaderName, header);
        var response = await _gateway.Http.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("replay", await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string?, int, string> BadSignatures => new()
    {
        { "missing", null, 0, "missing X-Parity-Signature" },
        { "wrong secret", "another-secret-0123456789", 0, "does not match" },
        { "stale", GatewayHost.Secret, -301, "limit is ±300 s" },
        { "future", GatewayHost.Secret, 400, "limit is ±300 s" },
        { "garbage", "", 0, "malformed" },
    };

    [Theory]
    [MemberData(nameof(BadSignatures))]
    public async Task Bad_signatures_get_401_and_nothing_runs(string _, string? secret, int skewSeconds, string expected)
    {
        var id = Guid.NewGuid().ToString();
        var body = GatewayHost.Push(GatewayHost.CommandTask(id, "echo must-not-run"));
        HttpRequestMessage request;
        if (secret is null)
            request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new StringContent(body) };
        else if (secret.Length == 0)
        {
            request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new StringContent(body) };
            request.Headers.Add(WebhookSignature.HeaderName, "v1=nothex,t=yesterday");
        }
        else
            request = GatewayHost.SignedWebhook(body, DateTimeOffset.UtcNow.AddSeconds(skewSeconds), secret);

        var response = await _gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        Assert.Null(await Cluster.TaskGrain(id).Get());
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        var id = Guid.NewGuid().ToString();
        var signed = GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(id, "echo a")));
        var tampered = new HttpRequestMessage(HttpMethod.Post, "/webhook")
        {
            Content = new StringContent(GatewayHost.Push(GatewayHost.CommandTask(id, "echo b"))),
        };
        tampered.Headers.Add(WebhookSignature.HeaderName, signed.Headers.GetValues(WebhookSignature.HeaderName));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _gateway.Http.SendAsync(tampered)).StatusCode);
        Assert.Null(await Cluster.TaskGrain(id).Get());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{not json", "invalid JSON at line 1" },
        { "", "request body is empty" },
        { "[]", "body must be a JSON object" },
        { """{"type":"heartbeat","payload":{}}""", "type must be 'available_tasks', got 'heartbeat'" },
        { """{"type":"available_tasks"}""", "payload is required" },
        { """{"type":"available_tasks","payload":{"id":"ID","type":"quantum","config":{}}}""", "payload.type must be one of command, docker, llm, federated_learning, got 'quantum'" },
        { """{"type":"available_tasks","payload":{"id":"ID","config":{"command":"true"}}}""", "payload.type is required" },
        { """{"type":"available_tasks","payload":{"type":"command","config":{"command":"true"}}}""", "payload.id is required" },
        { """{"type":"available_tasks","payload":{"id":"ID","type":"command","config":{}}}""", "payload.config.command is required" },
        { """{"type":"available_tasks","payload":{"id":"ID","type":"command"}}""", "payload.config is required" },
        { """{"type":"available_tasks","payload":{"id":"ID","type":"command","config":{"command":"true"},"reward":"lots"}}""", "payload.reward" },
        { """{"type":"available_tasks","payload":{"id":"a b","type":"command","config":{"command":"true"}}}""", "payload.id must be 1-128 letters" },
        { """{"type":"available_tasks","payload":[{"id":"ID","type":"command","config":{"command":"true"}},{"id":"ID2","type":"command"}]}""", "payload[1].config is required" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_400_naming_the_problem_and_nothing_is_stored(string template, string expected)
    {
        var id = Guid.NewGuid().ToString();
        var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(template.Replace("\"ID\"", $"\"{id}\"")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Null(await Cluster.TaskGrain(id).Get());
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_utf8_gets_400()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"type":"available_tasks","payload":{"id":"x","title":" """), 0xC3, 0x28, .. "\"}}"u8];
        var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid UTF-8", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var huge = GatewayHost.Push(GatewayHost.CommandTask(Guid.NewGuid().ToString(), "echo " + new string('x', 1024 * 1024)));
        var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("GATEWAY_MAX_BODY_BYTES", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task An_array_push_submits_every_task()
    {
        var ids = new[] { Guid.NewGuid().ToString(), Guid.NewGuid().ToString() };
        var body = $$"""{"type":"available_tasks","payload":[{{GatewayHost.CommandTask(ids[0], "true")}},{{GatewayHost.CommandTask(ids[1], "true")}}]}""";
        var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(body));
        Assert.Equal("""{"status":"ok","accepted":2,"skipped":0}""", await response.Content.ReadAsStringAsync());
        foreach (var id in ids) Assert.Equal(TaskState.Completed, (await Cluster.WaitFinished(id)).Status);
    }

    [Fact]
    public async Task Without_a_secret_the_webhook_refuses_unless_unsigned_is_allowed()
    {
        await using var closed = await GatewayHost.StartAsync(Cluster.Client, new Dictionary<string, string?> { ["RUNNER_WEBHOOK_SECRET"] = null });
        var id = Guid.NewGuid().ToString();
        var body = GatewayHost.Push(GatewayHost.CommandTask(id, "true"));
        var refused = await closed.Http.PostAsync("/webhook", new StringContent(body));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("RUNNER_WEBHOOK_SECRET is not set", await refused.Content.ReadAsStringAsync());

        await using var open = await GatewayHost.StartAsync(Cluster.Client, new Dictionary<string, string?>
        {
            ["RUNNER_WEBHOOK_SECRET"] = null, ["RUNNER_WEBHOOK_ALLOW_UNSIGNED"] = "true",
        });
        var accepted = await open.Http.PostAsync("/webhook", new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(TaskState.Completed, (await Cluster.WaitFinished(id)).Status);
    }
}
