using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Parity.Network;
using Parity.Tasks;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Network;

/// <summary>
/// Federated learning in network mode: a real cluster (grain state in the real Redis) takes a <c>federated_learning</c>
/// task the test server assigned to it for a session that lives on the server, trains its part of iris (fetched by CID
/// from a real gateway's storage), reports the result and then submits the model update to
/// <c>/federated-learning/model-updates</c> in the upstream's shape, once, through 503 answers; a task whose session or
/// round field is malformed or hostile is reported failed naming the field, and nothing is trained or submitted.
/// </summary>
public sealed class NetworkFederatedTests : IAsyncLifetime
{
    private const string Device = "fl-cluster-device";
    private const string ModelUpdates = "POST /api/v1/federated-learning/model-updates";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly UpstreamTestServer _server = new();
    private readonly string _root = Directory.CreateTempSubdirectory("parity-netfl-").FullName;
    private ParityTestCluster _cluster = null!;
    private GatewayHost _gateway = null!;
    private string _irisCid = "";

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        var port = TestEngines.FreeTcpPort();
        _cluster = await ParityTestCluster.StartAsync(1,
            _ => new Dictionary<string, string?>
            {
                ["RUNNER_SERVER_URL"] = _server.Url.ToString(),
                ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
                ["RUNNER_WEBHOOK_URL"] = UpstreamTestClient.Webhook,
                ["RUNNER_SERVER_POLL_INTERVAL"] = "200ms",
                ["RUNNER_SERVER_TIMEOUT"] = "2s",
                ["IPFS_GATEWAYS"] = $"http://127.0.0.1:{port}",
                ["RUNNER_CACHE_DIR"] = Path.Combine(_root, "cache"),
            },
            silo => silo.Services.Configure<UpstreamOptions>(o =>
            {
                o.DeviceId = Device;
                o.RetryDelay = TimeSpan.FromMilliseconds(20);
                o.MaxRetries = 2;
            }));
        _gateway = await GatewayHost.StartAsync(_cluster.Client, new Dictionary<string, string?> { ["STORAGE_DIR"] = Path.Combine(_root, "storage") }, port);
        _irisCid = await _gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("iris.csv")));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A round task's config as the reference server writes it (§7.2), for part 0 of 2.</summary>
    private JsonObject Config(string session, string round) => new()
    {
        ["session_id"] = session,
        ["round_id"] = round,
        ["model_type"] = "neural_network",
        ["dataset_cid"] = _irisCid,
        ["data_format"] = "csv",
        ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
        ["partition_config"] = new JsonObject { ["strategy"] = "stratified", ["total_parts"] = 2, ["part_index"] = 0, ["min_samples"] = 10 },
        ["train_config"] = new JsonObject { ["epochs"] = 5, ["batch_size"] = 16, ["learning_rate"] = 0.05 },
        ["output_format"] = "json",
        ["global_model"] = null,
    };

    [Fact]
    public async Task A_round_task_from_the_server_submits_its_model_update_once_after_its_result_through_503_answers()
    {
        var id = Guid.NewGuid().ToString();
        var session = Guid.NewGuid().ToString();
        var round = Guid.NewGuid().ToString();
        // The first five submissions are answered 503: the client's three attempts fail, the grain retries, and the
        // second hook run goes through; the result (reported before, once) is not sent again.
        _server.Fail(ModelUpdates, 503, count: 5);
        _server.AddTask(id, "federated_learning", Config(session, round), runnerId: Device);

        await Eventually.True(() => _server.StoredModelUpdate(round, Device) is not null, Patience, "the model update submitted");

        var task = (await _cluster.TaskGrain(id).Get())!;
        Assert.Equal(TaskState.Completed, task.Status);
        // The reference server sends no partition seed: the session's, derived from its id alike by every participant.
        Assert.Equal(Parity.Federation.FederatedTaskConfig.SessionSeed(session),
            JsonNode.Parse(task.Config!)!["partition_config"]!["seed"]!.GetValue<long>());
        var receipt = Assert.Single(_server.ModelUpdates);
        Assert.Equal(session, receipt.SessionId);
        Assert.Equal(Device, receipt.RunnerId);
        Assert.Equal($"{session}/{round}/{Device}", receipt.IdempotencyKey);
        var update = receipt.Body;
        Assert.Equal(session, update["session_id"]!.GetValue<string>());
        Assert.Equal(round, update["round_id"]!.GetValue<string>());
        Assert.Equal(Device, update["runner_id"]!.GetValue<string>());
        Assert.Equal("gradients", update["update_type"]!.GetValue<string>());
        // Half of iris, stratified: 75 rows trained on, FedAvg's weight.
        Assert.Equal(75, update["data_size"]!.GetValue<int>());
        var weights = Assert.IsType<JsonObject>(update["weights"]);
        Assert.NotEmpty(weights);
        Assert.All(weights, layer => Assert.NotEmpty(Assert.IsType<JsonArray>(layer.Value)));
        Assert.IsType<JsonObject>(update["gradients"]);
        Assert.True(double.IsFinite(update["loss"]!.GetValue<double>()) && update["loss"]!.GetValue<double>() > 0);
        Assert.InRange(update["accuracy"]!.GetValue<double>(), 0, 1);
        Assert.Equal(update["training_time"]!.GetValue<long>(), update["training_time_ms"]!.GetValue<long>());
        Assert.Equal("neural_network", update["metadata"]!["model_type"]!.GetValue<string>());
        Assert.Equal(id, update["metadata"]!["task_id"]!.GetValue<string>());
        Assert.InRange(update["metadata"]!["submission_time"]!.GetValue<long>(),
            DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // The result first, once, then the update (five refused attempts, the sixth taken).
        var result = Assert.Single(_server.Receipts);
        Assert.Equal(id, result.TaskId);
        Assert.Contains(round, result.Body["output"]!.GetValue<string>());
        var requests = _server.Requests;
        Assert.True(requests.ToList().IndexOf($"POST /api/v1/runners/tasks/{id}/result") < requests.ToList().IndexOf(ModelUpdates));
        Assert.Equal(6, requests.Count(r => r == ModelUpdates));
    }

    [Fact]
    public async Task A_task_of_the_clusters_own_api_submits_no_model_update()
    {
        var id = $"own-fl-{Guid.NewGuid():N}";
        // Parity's API takes no task without its partition seed.
        var config = Config("own-session", "own-session:r1");
        config["partition_config"]!["seed"] = 7;
        var task = new ParityTask
        {
            Id = id, Title = "own", Type = TaskType.FederatedLearning, Config = config.ToJsonString(), CreatedAt = DateTimeOffset.UtcNow,
        };
        Assert.Equal(SubmitOutcome.Accepted, await _cluster.TaskGrain(id).Submit(task));
        Assert.Equal(TaskState.Completed, (await _cluster.WaitFinished(id, Patience)).Status);

        // Two heartbeats after it finished: an owed update would have been sent by then.
        var beats = _server.Heartbeats.Count;
        await Eventually.True(() => _server.Heartbeats.Count > beats + 1, Patience, "two more heartbeats");
        Assert.DoesNotContain(ModelUpdates, _server.Requests);
        Assert.Empty(_server.Receipts);
    }

    /// <summary>Session and round fields a server could send that cannot go back to it: missing, hostile, oversized.</summary>
    public static TheoryData<string, JsonNode?, string> HostileFields => new()
    {
        { "session_id", null, "config.session_id is required" },
        { "round_id", "", "config.round_id is required" },
        { "round_id", 42, "config.round_id" },
        { "session_id", "evil\r\nX-Injected: 1", "config.session_id must be printable ASCII without spaces, got character U+000D" },
        { "round_id", "round\u0000one", "config.round_id" },
        { "session_id", "séance", "config.session_id must be printable ASCII without spaces, got character U+00E9" },
        { "round_id", new string('r', 257), "config.round_id exceeds 256 characters" },
    };

    [Theory]
    [MemberData(nameof(HostileFields))]
    public async Task A_round_task_whose_session_fields_are_malformed_is_reported_failed_naming_the_field(string field, JsonNode? value, string error)
    {
        var id = Guid.NewGuid().ToString();
        var config = Config(Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        if (value is null) config.Remove(field);
        else config[field] = value;
        _server.AddTask(id, "federated_learning", config, runnerId: Device);

        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the refused task reported failed");

        var result = Assert.Single(_server.Receipts);
        Assert.Equal(Device, result.DeviceId);
        Assert.Equal(-1, result.Body["exit_code"]!.GetValue<int>());
        var reported = result.Body["error"]!.GetValue<string>();
        Assert.StartsWith("task.config.", reported);
        Assert.Contains(error, reported);
        Assert.Equal("", result.Body["output"]!.GetValue<string>());
        // Never run in the cluster, never submitted, and not offered again: the server has its outcome.
        Assert.Null(await _cluster.TaskGrain(id).Get());
        Assert.DoesNotContain(ModelUpdates, _server.Requests);
        Assert.Equal("completed", _server.Task(id)!["status"]!.GetValue<string>());
        var polls = _server.Requests.Count(r => r == "GET /api/v1/runners/tasks/available");
        await Eventually.True(() => _server.Requests.Count(r => r == "GET /api/v1/runners/tasks/available") > polls + 2, Patience, "three more polls");
        Assert.Single(_server.Receipts);
    }
}
