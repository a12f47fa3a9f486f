using System.Text;
using System.Text.Json.Nodes;
using Parity.Network;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Network;

/// <summary>Every call of the upstream client against the test server: the shapes, the status codes, and hostile answers.</summary>
public sealed class UpstreamClientTests : IAsyncLifetime
{
    private readonly UpstreamTestServer _server = new();
    private UpstreamTestClient _runner = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _runner = new UpstreamTestClient(_server.Url);
    }

    public async Task DisposeAsync()
    {
        _runner.Dispose();
        await _server.DisposeAsync();
    }

    private UpstreamClient Client => _runner.Client;

    private static RunnerRegistration Registration(params string[] models) => new()
    {
        WalletAddress = UpstreamTestClient.Wallet,
        Webhook = UpstreamTestClient.Webhook,
        ModelCapabilities = models.Select(m => new ModelCapability(m, true, 4096)).ToList(),
    };

    private static RunnerHeartbeat Heartbeat(string status = "online") => new()
    {
        WalletAddress = UpstreamTestClient.Wallet, Status = status, Timestamp = 1, Uptime = 2,
        CpuUsage = 12.5, MemoryUsage = 40, PublicIp = UpstreamTestClient.Webhook, SlotsUsed = 1, SlotsFree = 3,
        RunningTasks = ["t-1"],
    };

    private static JsonObject Command(string command) => new() { ["command"] = command };

    [Fact]
    public async Task Register_sends_device_wallet_webhook_and_models_and_reads_the_runner_row()
    {
        var runner = await Client.RegisterAsync(Registration("llama3.2:1b", "qwen3:0.6b"), default);

        Assert.Equal("device-a", runner.DeviceId);
        var row = _server.Runner("device-a")!;
        Assert.Equal(UpstreamTestClient.Wallet, row["wallet_address"]!.GetValue<string>());
        Assert.Equal(UpstreamTestClient.Webhook, row["webhook"]!.GetValue<string>());
        Assert.Equal("online", row["status"]!.GetValue<string>());
        Assert.Equal(["llama3.2:1b", "qwen3:0.6b"], _server.Capabilities("device-a").Select(c => c["model_name"]!.GetValue<string>()));
        Assert.All(_server.Capabilities("device-a"), c => Assert.Equal(4096, c["max_tokens"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_registration_the_server_refuses_names_the_route_and_the_servers_reason_and_is_not_retried()
    {
        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.RegisterAsync(Registration() with { WalletAddress = "" }, default));

        Assert.Equal(400, error.Status);
        Assert.False(error.Transient);
        Assert.Contains("POST /api/v1/runners", error.Message);
        Assert.Contains("wallet_address is required", error.Message);
        Assert.Single(_server.Requests, r => r == "POST /api/v1/runners");
    }

    [Fact]
    public async Task Heartbeat_carries_the_real_figures_and_the_webhook_url_as_public_ip()
    {
        await Client.RegisterAsync(Registration(), default);
        await Client.HeartbeatAsync(Heartbeat("busy"), default);

        var beat = Assert.Single(_server.Heartbeats);
        Assert.Equal("busy", beat["status"]!.GetValue<string>());
        Assert.Equal(12.5, beat["cpu_usage"]!.GetValue<double>());
        Assert.Equal(40, beat["memory_usage"]!.GetValue<double>());
        Assert.Equal(UpstreamTestClient.Webhook, beat["public_ip"]!.GetValue<string>());
        Assert.Equal(1, beat["slots_used"]!.GetValue<int>());
        Assert.Equal(3, beat["slots_free"]!.GetValue<int>());
        Assert.Equal("t-1", beat["running_tasks"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task A_heartbeat_of_a_runner_the_server_forgot_says_so()
    {
        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.HeartbeatAsync(Heartbeat(), default));

        Assert.True(UpstreamClient.IsRunnerUnknown(error), error.Message);
        Assert.Equal(500, error.Status);
    }

    [Fact]
    public async Task Webhook_registration_returns_its_id_and_unregistering_takes_the_runner_offline()
    {
        await Client.RegisterAsync(Registration(), default);

        var id = await Client.RegisterWebhookAsync(new Uri(UpstreamTestClient.Webhook), UpstreamTestClient.Wallet, default);
        Assert.Equal(UpstreamTestClient.Webhook, _server.Webhooks[id]);

        await Client.UnregisterWebhookAsync(default);
        var row = _server.Runner("device-a")!;
        Assert.Equal("offline", row["status"]!.GetValue<string>());
        Assert.Equal("", row["webhook"]!.GetValue<string>());
    }

    [Fact]
    public async Task Available_lists_unassigned_tasks_and_this_runners_and_names_the_ones_that_do_not_parse()
    {
        await Client.RegisterAsync(Registration(), default);
        _server.AddTask("free", "command", Command("echo free"));
        _server.AddTask("mine", "command", Command("echo mine"), runnerId: "device-a");
        _server.AddTask("theirs", "command", Command("echo theirs"), runnerId: "device-b");
        _server.AddTask("broken", "command", new JsonObject { ["command"] = 42 });

        var offered = await Client.ListAvailableTasksAsync(default);

        Assert.Equal(["free", "mine"], offered.Tasks.Select(t => t.Id).Order());
        Assert.All(offered.Tasks, t => Assert.Equal(TaskType.Command, t.Type));
        var refused = Assert.Single(offered.Refused);
        Assert.Equal("broken", refused.Id);
        Assert.Contains("tasks[", refused.Problem);
        Assert.Contains("command", refused.Problem);
        Assert.StartsWith("task.config", refused.Error);
    }

    [Fact]
    public async Task Claiming_a_task_starts_it_for_this_runner_and_a_task_of_another_runner_is_not_available()
    {
        await Client.RegisterAsync(Registration(), default);
        _server.AddTask("t-1", "command", Command("echo one"));
        _server.AddTask("t-2", "command", Command("echo two"), runnerId: "device-b");

        var claimed = await Client.ClaimAsync("t-1", default);
        Assert.Equal("t-1", claimed!.Id);
        Assert.Equal("running", _server.Task("t-1")!["status"]!.GetValue<string>());
        Assert.Equal("device-a", _server.Task("t-1")!["runner_id"]!.GetValue<string>());

        Assert.Null(await Client.ClaimAsync("t-2", default));
        Assert.Equal("pending", _server.Task("t-2")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_result_is_reported_in_the_upstream_shape_with_the_task_id_as_idempotency_key()
    {
        await Client.RegisterAsync(Registration(), default);
        _server.AddTask("t-1", "command", Command("echo one"));
        await Client.ClaimAsync("t-1", default);

        await Client.ReportResultAsync(new UpstreamTaskResult
        {
            TaskId = "t-1", DeviceId = "device-a", Output = "one\n", ExitCode = 0, ExecutionTime = 15, ResultHash = "abc", CpuSeconds = 0.25,
        }, null, default);

        var receipt = Assert.Single(_server.Receipts);
        Assert.Equal("t-1", receipt.IdempotencyKey);
        Assert.Equal("device-a", receipt.DeviceId);
        Assert.Equal("one\n", receipt.Body["output"]!.GetValue<string>());
        Assert.Equal(15, receipt.Body["execution_time"]!.GetValue<long>());
        Assert.Equal(0.25, receipt.Body["cpu_seconds"]!.GetValue<double>());
        Assert.Equal("completed", _server.Task("t-1")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_result_for_another_runners_task_is_refused_with_403_and_not_retried()
    {
        _server.AddTask("t-9", "command", Command("echo"), runnerId: "device-b");

        var error = await Assert.ThrowsAsync<UpstreamException>(() =>
            Client.ReportResultAsync(new UpstreamTaskResult { TaskId = "t-9", DeviceId = "device-a" }, null, default));

        Assert.Equal(403, error.Status);
        Assert.False(error.Transient);
        Assert.Empty(_server.Receipts);
        Assert.Single(_server.Requests, r => r == "POST /api/v1/runners/tasks/t-9/result");
    }

    [Fact]
    public async Task Answers_503_are_retried_with_backoff_until_the_server_takes_the_call()
    {
        _server.Fail(503, count: 2);

        await Client.RegisterAsync(Registration(), default);

        Assert.Equal(3, _server.Requests.Count(r => r == "POST /api/v1/runners"));
        Assert.NotNull(_server.Runner("device-a"));
    }

    [Fact]
    public async Task A_server_that_keeps_answering_503_gives_a_transient_error_after_the_retries()
    {
        _server.Fail(503);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.RegisterAsync(Registration(), default));

        Assert.True(error.Transient);
        Assert.Equal(503, error.Status);
        Assert.Contains("answered 503", error.Message);
        Assert.Equal(1 + _runner.Options.MaxRetries, _server.Requests.Count);
    }

    [Fact]
    public async Task A_stopped_server_gives_a_transient_error_naming_it()
    {
        await _server.StopAsync();

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.HeartbeatAsync(Heartbeat(), default));

        Assert.True(error.Transient);
        Assert.Null(error.Status);
        Assert.Contains("unreachable", error.Message);
        Assert.Contains(_server.Url.Authority, error.Message);
    }

    [Fact]
    public async Task A_malformed_answer_is_a_clear_error_not_a_parser_exception()
    {
        _server.Answer("POST /api/v1/runners", 201, () => "{\"device_id\": "u8.ToArray());

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.RegisterAsync(Registration(), default));

        Assert.False(error.Transient);
        Assert.Contains("not the JSON the protocol promises", error.Message);
    }

    [Fact]
    public async Task A_task_list_that_is_not_an_array_is_a_clear_error()
    {
        _server.Answer("GET /api/v1/runners/tasks/available", 200, () => "{\"tasks\":[]}"u8.ToArray());

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.ListAvailableTasksAsync(default));

        Assert.Contains("must be a JSON array of tasks", error.Message);
    }

    [Fact]
    public async Task A_huge_answer_is_refused_at_the_limit()
    {
        _server.Answer("GET /api/v1/runners/tasks/available", 200, () => UpstreamTestServer.HugeJson(UpstreamClient.MaxResponseBytes + 1024));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.ListAvailableTasksAsync(default));

        Assert.False(error.Transient);
        Assert.Contains($"larger than {UpstreamClient.MaxResponseBytes} bytes", error.Message);
    }

    [Fact]
    public async Task An_unexpected_status_is_named()
    {
        _server.Answer("POST /api/v1/runners/heartbeat", 418, () => Encoding.UTF8.GetBytes("{\"error\":\"teapot\\u0007\"}"));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.HeartbeatAsync(Heartbeat(), default));

        Assert.Equal(418, error.Status);
        Assert.False(error.Transient);
        Assert.EndsWith(": teapot", error.Message);
    }

    [Fact]
    public async Task A_claim_answered_with_another_task_is_refused()
    {
        _server.Answer("POST /api/v1/runners/tasks/t-1/start", 200,
            () => Encoding.UTF8.GetBytes("""{"id":"t-2","title":"x","description":"y","type":"command","config":{"command":"id"}}"""));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.ClaimAsync("t-1", default));

        Assert.Contains("the answer is task 't-2'", error.Message);
    }

    [Fact]
    public async Task A_slow_server_times_out_as_a_transient_error()
    {
        using var impatient = new UpstreamTestClient(_server.Url, maxRetries: 0);
        _server.Slow(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => impatient.Client.HeartbeatAsync(Heartbeat(), default));

        Assert.True(error.Transient);
        Assert.Contains("timed out", error.Message);
    }

    private static PromptCompletion Completion(long promptTokens = 7) => new()
    {
        Response = "Paris.", PromptTokens = promptTokens, ResponseTokens = 3, InferenceTimeMs = 120,
    };

    [Fact]
    public async Task A_prompt_completion_is_stored_and_a_repeat_is_answered_200_without_a_change()
    {
        _server.AddPrompt("p-1", "qwen3:0.6b", "Capital of France?", runnerId: "device-a");

        await Client.CompletePromptAsync("p-1", Completion(), null, default);
        await Client.CompletePromptAsync("p-1", Completion() with { Response = "changed" }, null, default);

        Assert.Equal("completed", _server.Prompt("p-1")!["status"]!.GetValue<string>());
        Assert.Equal("Paris.", _server.Prompt("p-1")!["response"]!.GetValue<string>());
        Assert.Equal(2, _server.Completions.Count);
    }

    [Fact]
    public async Task A_zero_token_count_is_the_references_400_a_refusal_not_retried()
    {
        _server.AddPrompt("p-1", "qwen3:0.6b", "hi", runnerId: "device-a");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.CompletePromptAsync("p-1", Completion(promptTokens: 0), null, default));

        Assert.Equal(400, error.Status);
        Assert.False(error.Transient);
        Assert.Contains("prompt_tokens", error.Message);
        Assert.Single(_server.Requests, r => r == "POST /api/v1/llm/prompts/p-1/complete");
    }

    [Theory]
    [InlineData("device-b", "processing", 403)]
    [InlineData("device-a", "failed", 409)]
    public async Task A_foreign_or_failed_prompt_is_refused(string owner, string status, int expected)
    {
        _server.AddPrompt("p-1", "qwen3:0.6b", "hi", runnerId: owner, status: status);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.CompletePromptAsync("p-1", Completion(), null, default));

        Assert.Equal(expected, error.Status);
        Assert.False(error.Transient);
        Assert.Empty(_server.Completions);
    }

    private static UpstreamModelUpdate Update(string session = "s-1", string round = "r-1") => new()
    {
        SessionId = session, RoundId = round, RunnerId = "device-a",
        Gradients = new Dictionary<string, float[]> { ["w"] = [0.5f, -0.25f] },
        Weights = new Dictionary<string, float[]> { ["w"] = [1.5f, 0.75f] },
        DataSize = 40, Loss = 0.3, Accuracy = 0.9, TrainingTime = 120, TrainingTimeMs = 120,
        Metadata = new UpstreamModelUpdateMetadata { SubmissionTime = 1_700_000_000, ModelType = "neural_network" },
    };

    private void AddRound(string session = "s-1", string round = "r-1") =>
        _server.AddTask($"fl-{round}", "federated_learning", new JsonObject { ["session_id"] = session, ["round_id"] = round });

    [Fact]
    public async Task A_model_update_goes_in_the_references_shape_with_session_round_and_runner_as_its_key()
    {
        AddRound();

        await Client.SubmitModelUpdateAsync(Update(), default);

        var receipt = Assert.Single(_server.ModelUpdates);
        Assert.Equal("s-1/r-1/device-a", receipt.IdempotencyKey);
        var body = receipt.Body;
        Assert.Equal("device-a", body["runner_id"]!.GetValue<string>());
        Assert.Equal([0.5, -0.25], body["gradients"]!["w"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal([1.5, 0.75], body["weights"]!["w"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal(40, body["data_size"]!.GetValue<int>());
        Assert.Equal(120, body["training_time"]!.GetValue<long>());
        Assert.Equal(120, body["training_time_ms"]!.GetValue<long>());
        Assert.Equal(1_700_000_000, body["metadata"]!["submission_time"]!.GetValue<long>());
        Assert.Null(body["forest"]); // nulls are left out
    }

    [Fact]
    public async Task A_model_update_answered_503_is_retried_and_taken_once()
    {
        AddRound();
        _server.Fail("POST /api/v1/federated-learning/model-updates", 503, count: 2);

        await Client.SubmitModelUpdateAsync(Update(), default);

        Assert.Single(_server.ModelUpdates);
        Assert.Equal(3, _server.Requests.Count(r => r == "POST /api/v1/federated-learning/model-updates"));
    }

    [Fact]
    public async Task A_model_update_for_a_round_the_server_did_not_open_is_a_400_refusal_not_retried()
    {
        AddRound();

        var error = await Assert.ThrowsAsync<UpstreamException>(() => Client.SubmitModelUpdateAsync(Update(round: "r-9"), default));

        Assert.Equal(400, error.Status);
        Assert.False(error.Transient);
        Assert.Contains("r-9", error.Message);
        Assert.Single(_server.Requests, r => r == "POST /api/v1/federated-learning/model-updates");
        Assert.Empty(_server.ModelUpdates);
    }
}
