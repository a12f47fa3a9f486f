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
    private ParityTestCluster? _cluster;
    private GatewayHost? _gateway;
    private string _irisCid = "";

    public Task InitializeAsync() => Start(silos: 1, redisReminders: false);

    /// <summary>The cluster (and its gateway, which holds iris); a test that needs another shape starts it again.</summary>
    private async Task Start(int silos, bool redisReminders)
    {
        if (!_server.Running) await _server.StartAsync();
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
        var port = TestEngines.FreeTcpPort();
        _cluster = await ParityTestCluster.StartAsync(silos,
            silo => new Dictionary<string, string?>
            {
                ["RUNNER_SERVER_URL"] = _server.Url.ToString(),
                ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
                ["RUNNER_WEBHOOK_URL"] = UpstreamTestClient.Webhook,
                ["RUNNER_SERVER_POLL_INTERVAL"] = "200ms",
                ["RUNNER_SERVER_TIMEOUT"] = "2s",
                ["IPFS_GATEWAYS"] = $"http://127.0.0.1:{port}",
                ["RUNNER_CACHE_DIR"] = Path.Combine(_root, $"cache-{Guid.NewGuid():N}"),
            },
            silo => NetworkTestSilo.Configure(silo, Device, redisReminders));
        _gateway = await GatewayHost.StartAsync(_cluster.Client, new Dictionary<string, string?> { ["STORAGE_DIR"] = Path.Combine(_root, "storage") }, port);
        _irisCid = await _gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("iris.csv")));
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private ParityTestCluster Cluster => _cluster!;

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

        var task = (await Cluster.TaskGrain(id).Get())!;
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
        Assert.Equal(SubmitOutcome.Accepted, await Cluster.TaskGrain(id).Submit(task));
        Assert.Equal(TaskState.Completed, (await Cluster.WaitFinished(id, Patience)).Status);

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
        Assert.Null(await Cluster.TaskGrain(id).Get());
        Assert.DoesNotContain(ModelUpdates, _server.Requests);
        Assert.Equal("completed", _server.Task(id)!["status"]!.GetValue<string>());
        var polls = _server.Requests.Count(r => r == "GET /api/v1/runners/tasks/available");
        await Eventually.True(() => _server.Requests.Count(r => r == "GET /api/v1/runners/tasks/available") > polls + 2, Patience, "three more polls");
        Assert.Single(_server.Receipts);
    }

    [Fact]
    public async Task A_model_update_owed_by_a_task_whose_silo_died_is_still_submitted_once_and_its_result_not_again()
    {
        await Start(silos: 2, redisReminders: true);
        var id = Guid.NewGuid().ToString();
        var session = Guid.NewGuid().ToString();
        var round = Guid.NewGuid().ToString();
        // The cluster's polls find nothing, so the test claims the task (else a poll may claim it first and place its grain).
        _server.Answer("GET /api/v1/runners/tasks/available", 200, () => "[]"u8.ToArray());
        _server.AddTask(id, "federated_learning", Config(session, round), runnerId: Device);
        // Claimed as the cluster's runner would, and submitted with its grain placed on the silo that will die; the
        // server refuses every update with 503 until that silo is gone.
        using var runner = new UpstreamTestClient(_server.Url, Device);
        await runner.Client.RegisterAsync(new RunnerRegistration { WalletAddress = UpstreamTestClient.Wallet, Webhook = UpstreamTestClient.Webhook }, default);
        var claimed = (await runner.Client.ClaimAsync(id, default))!;
        _server.Fail(ModelUpdates, 503, count: int.MaxValue);
        var doomed = Cluster.Cluster.Silos[1];
        Orleans.Runtime.RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, doomed.SiloAddress);
        try
        {
            Assert.Equal(SubmitOutcome.Accepted, await Cluster.TaskGrain(id).Submit(claimed with { Upstream = new UpstreamOrigin { DeviceId = Device } }));
        }
        finally
        {
            Orleans.Runtime.RequestContext.Remove(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey);
        }

        // The result goes; the update is refused (more than one hook run: the grain's own retry too); then the silo dies.
        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, "the result reported");
        await Eventually.True(() => _server.Requests.Count(r => r == ModelUpdates) > 3, Patience, "the update refused by a retry of the hook");
        await Cluster.Cluster.KillSiloAsync(doomed);
        _server.Heal();

        await Eventually.True(() => _server.StoredModelUpdate(round, Device) is not null, TimeSpan.FromMinutes(4), "the update submitted");
        Assert.Single(_server.ModelUpdates);
        Assert.Equal(75, _server.ModelUpdates[0].Body["data_size"]!.GetValue<int>());
        Assert.Single(_server.Receipts);
    }
}
