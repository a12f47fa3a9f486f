using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parity.Llm;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// The gateway's /metrics (OpenTelemetry's Prometheus exporter) against a real cluster: who may read it, and the named
/// series that an event puts there. The counts summed over a multi-process cluster by a real Prometheus are in
/// PrometheusMetricsTests; in this process other tests' clusters record into the same meters, so a series shared
/// with them is checked for being there, and one with a label of this test's own (a runner, a model) for its value.
/// </summary>
public sealed class MetricsEndpointTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    private const string MetricsKey = "test-metrics-key-0123456789";

    [Fact]
    public async Task Metrics_need_the_api_key_when_the_gateway_has_one()
    {
        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client);

        using var anonymous = await gateway.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
        Assert.Contains("missing Authorization: Bearer <GATEWAY_API_KEY>", await anonymous.Content.ReadAsStringAsync());
        Assert.DoesNotContain("parity_", await anonymous.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(gateway, "wrong-key-0123456789abcdef")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Scrape(gateway, MetricsKey)).StatusCode);

        using var authorized = await Scrape(gateway, GatewayHost.ApiKey);
        Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        Assert.StartsWith("text/plain", authorized.Content.Headers.ContentType!.ToString());
        var text = new PrometheusText(await authorized.Content.ReadAsStringAsync());
        Assert.Equal(1, text.Single("target_info", ("service_name", "parity-gateway"), ("service_instance_id", "test-gateway")));
    }

    /// <summary>METRICS_KEY opens /metrics and nothing else: a scraper holding it cannot submit work.</summary>
    [Fact]
    public async Task A_metrics_key_reads_the_metrics_and_nothing_else()
    {
        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client,
            new Dictionary<string, string?> { ["METRICS_KEY"] = MetricsKey });

        Assert.Equal(HttpStatusCode.OK, (await Scrape(gateway, MetricsKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Scrape(gateway, GatewayHost.ApiKey)).StatusCode);
        using var anonymous = await Scrape(gateway, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Bearer <METRICS_KEY or GATEWAY_API_KEY>", await anonymous.Content.ReadAsStringAsync());

        using var submit = await gateway.Http.SendAsync(gateway.Api(HttpMethod.Post, "/api/v1/tasks",
            """{"type":"command","config":{"command":"true"}}""", key: MetricsKey));
        Assert.Equal(HttpStatusCode.Unauthorized, submit.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Http.SendAsync(gateway.Api(HttpMethod.Get, "/api/v1/tasks", key: MetricsKey))).StatusCode);
    }

    /// <summary>Without any key (a loopback-only gateway, as the defaults run) /metrics is open, like the API.</summary>
    [Fact]
    public async Task Without_keys_the_metrics_are_open_on_loopback()
    {
        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client,
            new Dictionary<string, string?> { ["GATEWAY_API_KEY"] = null });
        Assert.Equal(HttpStatusCode.OK, (await Scrape(gateway, null)).StatusCode);
    }

    [Fact]
    public async Task A_finished_task_shows_in_the_task_and_runner_series()
    {
        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
        var created = await Json(gateway, HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"echo metrics"}}""");
        var id = created.GetProperty("id").GetString()!;
        var finished = await shared.Cluster.WaitFinished(id);
        Assert.Equal(TaskState.Completed, finished.Status);

        var text = await Metrics(gateway);
        (string, string) command = ("task_type", "command");
        Assert.True(text.Single("parity_tasks_submitted_total", command) >= 1);
        Assert.True(text.Single("parity_tasks_completed_total", command) >= 1);
        Assert.True(text.Single("parity_task_duration_seconds_count", command, ("task_status", "completed")) >= 1);
        // The histogram is in seconds, with the buckets a task's length needs (not the SDK's millisecond-sized ones).
        Assert.Single(text.Values("parity_task_duration_seconds_bucket", command, ("task_status", "completed"), ("le", "0.005")));
        Assert.Single(text.Values("parity_task_duration_seconds_bucket", command, ("task_status", "completed"), ("le", "3600")));
        Assert.True(text.Single("parity_task_run_duration_seconds_count", command, ("runner_name", finished.Runner!)) >= 1);

        // Every runner of this cluster reports its slots, used and free, adding up to RUNNER_MAX_CONCURRENT_TASKS.
        var runners = await Json(gateway, HttpMethod.Get, "/api/v1/runners");
        Assert.Equal(2, runners.GetArrayLength());
        foreach (var runner in runners.EnumerateArray())
        {
            (string, string) name = ("runner_name", runner.GetProperty("name").GetString()!);
            var used = text.Single("parity_runner_slots", name, ("slot_state", "used"));
            var free = text.Single("parity_runner_slots", name, ("slot_state", "free"));
            Assert.Equal(2, used + free);
        }
        Assert.NotEmpty(text.Values("parity_tasks_unfinished", ("task_status", "pending")));
    }

    /// <summary>A prompt is metered once, as its usage is, in prompts and input and output tokens of its model.</summary>
    [Fact]
    public async Task A_completed_prompt_counts_once_per_model_with_its_tokens()
    {
        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
        var model = $"metrics-{Guid.NewGuid():N}"[..20];
        var hook = new LlmUsageHook(shared.Cluster.Client, TimeProvider.System);
        await hook.OnFinishedAsync(Prompt(model, TaskState.Completed), Result(new LlmUsage { PromptTokens = 7, CompletionTokens = 5, Model = model }));
        // A backend that had the prompt cached reports no input count: unknown, so nothing is added for it.
        await hook.OnFinishedAsync(Prompt(model, TaskState.Completed), Result(new LlmUsage { PromptTokens = null, CompletionTokens = 3, Model = model }));
        // A failed prompt is not metered.
        await hook.OnFinishedAsync(Prompt(model, TaskState.Failed), Result(new LlmUsage { PromptTokens = 100, CompletionTokens = 100, Model = model }));

        var text = await Metrics(gateway);
        (string, string) label = ("gen_ai_request_model", model);
        Assert.Equal(2, text.Single("parity_llm_prompts_total", label));
        Assert.Equal(7, text.Single("parity_llm_tokens_total", label, ("gen_ai_token_type", "input")));
        Assert.Equal(8, text.Single("parity_llm_tokens_total", label, ("gen_ai_token_type", "output")));
    }

    private static ParityTask Prompt(string model, TaskState status) => new()
    {
        Id = Guid.NewGuid().ToString("N"), Type = TaskType.Llm, Status = status, ClientId = "metrics-test",
        Config = JsonSerializer.Serialize(new { model, prompt = "hi" }), CompletedAt = DateTimeOffset.UtcNow,
    };

    private static TaskResult Result(LlmUsage usage) => new() { Runner = "metrics-runner", Usage = usage };

    private static async Task<HttpResponseMessage> Scrape(GatewayHost gateway, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await gateway.Http.SendAsync(request);
    }

    private static async Task<PrometheusText> Metrics(GatewayHost gateway)
    {
        using var response = await Scrape(gateway, GatewayHost.ApiKey);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics: {(int)response.StatusCode} {body}");
        return new PrometheusText(body);
    }

    private static async Task<JsonElement> Json(GatewayHost gateway, HttpMethod method, string path, string? json = null)
    {
        using var response = await gateway.Http.SendAsync(gateway.Api(method, path, json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
