using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// A three-silo cluster and its gateway on a real port; iris is uploaded to the gateway's storage, and the runners fetch
/// it by CID from there (IPFS_GATEWAYS), verified, each into its own cache.
/// </summary>
public sealed class FederatedCluster : IAsyncLifetime
{
    public string IrisCid { get; private set; } = null!;
    public ParityTestCluster Cluster { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"parity-federated-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        var port = TestEngines.FreeTcpPort();
        Cluster = await ParityTestCluster.StartAsync(silos: 3, overrides: silo => new Dictionary<string, string?>
        {
            ["IPFS_GATEWAYS"] = $"http://127.0.0.1:{port}",
            ["RUNNER_CACHE_DIR"] = Path.Combine(_root, $"cache{silo}"),
        });
        Gateway = await GatewayHost.StartAsync(Cluster.Client, new Dictionary<string, string?> { ["STORAGE_DIR"] = Path.Combine(_root, "storage") }, port);
        IrisCid = await Gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("iris.csv")));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>
/// <c>federated_learning</c> tasks end to end: through the API and a signed webhook onto runners of a multi-silo cluster,
/// each participant training its own part and completing with a model update; bad configs refused at the gateway.
/// </summary>
public sealed class FederatedTaskTests(FederatedCluster fixture) : IClassFixture<FederatedCluster>
{
    private ParityTestCluster Cluster => fixture.Cluster;
    private GatewayHost Gateway => fixture.Gateway;

    private JsonObject Config(int partIndex, string? cid = null) => new()
    {
        ["session_id"] = "session-1",
        ["round_id"] = "round-1",
        ["model_type"] = "neural_network",
        ["dataset_cid"] = cid ?? fixture.IrisCid,
        ["data_format"] = "csv",
        ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
        ["partition_config"] = new JsonObject
        {
            ["strategy"] = "stratified", ["total_parts"] = 3, ["part_index"] = partIndex, ["min_samples"] = 10, ["seed"] = 7,
        },
        ["train_config"] = new JsonObject { ["epochs"] = 20, ["batch_size"] = 16, ["learning_rate"] = 0.05, ["optimizer"] = "adam" },
    };

    private static string Task(string id, JsonObject config) =>
        new JsonObject { ["id"] = id, ["title"] = "fl", ["type"] = "federated_learning", ["config"] = config }.ToJsonString();

    private async Task<FederatedUpdate> CompletedUpdate(string id)
    {
        var finished = await Cluster.WaitFinished(id, TimeSpan.FromSeconds(90));
        Assert.True(finished.Status == TaskState.Completed, $"task {id}: {finished.Status} {finished.Error}");
        var result = (await Cluster.TaskGrain(id).GetResult())!;
        return JsonSerializer.Deserialize<FederatedUpdate>(result.Stdout, ParityJson.Options)!;
    }

    [Fact]
    public async Task Every_runner_reports_federated_learning_as_a_capability()
    {
        var runners = await Cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        Assert.Equal(3, runners.Count(r => r.Status == RunnerStatus.Online && r.Capabilities.TaskTypes.Contains(TaskType.FederatedLearning)));
    }

    [Fact]
    public async Task Participants_submitted_through_the_api_and_a_signed_webhook_each_train_their_own_part()
    {
        var ids = Enumerable.Range(0, 3).Select(i => $"fed-{i}-{Guid.NewGuid():N}").ToArray();
        for (var part = 0; part < 2; part++)
        {
            var created = await Gateway.Http.SendAsync(Gateway.Api(HttpMethod.Post, "/api/v1/tasks", Task(ids[part], Config(part))));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var pushed = await Gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(Task(ids[2], Config(2)))));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);

        var updates = new List<FederatedUpdate>();
        foreach (var id in ids) updates.Add(await CompletedUpdate(id));

        // Stratified parts of iris's 150 rows: disjoint, together the whole dataset, each trained from the same session.
        Assert.Equal(150, updates.Sum(u => u.DataSize));
        Assert.Equal([0, 1, 2], updates.Select(u => u.Metadata.PartitionInfo.PartIndex).Order());
        Assert.All(updates, u =>
        {
            Assert.Equal("session-1", u.SessionId);
            Assert.Equal("neural_network", u.ModelType);
            Assert.Equal(fixture.IrisCid, u.Metadata.DatasetCid);
            Assert.True(double.IsFinite(u.Loss) && u.Loss > 0, $"loss {u.Loss}");
            Assert.NotEmpty(u.Gradients);
        });
        var logs = await Cluster.TaskGrain(ids[0]).GetLogs();
        Assert.Contains($"dataset {fixture.IrisCid}", logs!.Stderr);
    }

    public static TheoryData<string, string> BadConfigs => new()
    {
        { "partition_config.strategy", "task.config.partition_config" },
        { "train_config.learning_rate", "learning_rate" },
        { "dataset_cid", "task.config.dataset_cid '../../etc/passwd' is not a CID: multibase prefix '.'" },
        { "model_type", "task.config.model_type" },
        { "global_model", "task.config.global_model.hidden_bias: global model value hidden_bias[1] is not a finite number" },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public async Task A_bad_config_is_refused_at_the_gateway_naming_the_field(string field, string named)
    {
        var config = Config(0);
        switch (field)
        {
            case "partition_config.strategy": config["partition_config"]!["strategy"] = "by_vibes"; break;
            case "train_config.learning_rate": config["train_config"]!.AsObject().Remove("learning_rate"); break;
            case "dataset_cid": config["dataset_cid"] = "../../etc/passwd"; break;
            case "global_model":
                config["global_model"] = JsonNode.Parse("""{"weights": {"hidden_bias": [0.5, "NaN"]}}""");
                break;
            default: config["model_type"] = "svm"; break;
        }
        var id = $"bad-{Guid.NewGuid():N}";

        var response = await Gateway.Http.SendAsync(Gateway.Api(HttpMethod.Post, "/api/v1/tasks", Task(id, config)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync());
        Assert.Null(await Cluster.TaskGrain(id).Get());
    }

    [Fact]
    public async Task A_dataset_no_gateway_has_fails_the_task_with_the_reason()
    {
        var id = $"fed-missing-{Guid.NewGuid():N}";
        // A well-formed CID of bytes nobody stored.
        var absent = Parity.Storage.Cid.Of(System.Text.Encoding.UTF8.GetBytes(id), Parity.Storage.Multicodec.Raw, 1).ToString();
        var created = await Gateway.Http.SendAsync(Gateway.Api(HttpMethod.Post, "/api/v1/tasks", Task(id, Config(0, cid: absent))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var finished = await Cluster.WaitFinished(id, TimeSpan.FromSeconds(60));

        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.Contains($"dataset {absent} could not be fetched", finished.Error);
    }

    [Fact]
    public async Task A_bad_config_submitted_past_the_gateway_fails_naming_the_field_and_never_runs()
    {
        // A grain call is not the gateway: the task grain parses with the same table and fails the task before any
        // runner is offered it.
        var id = $"fed-direct-{Guid.NewGuid():N}";
        var config = Config(0);
        config["partition_config"]!["total_parts"] = 0;
        var task = new ParityTask { Id = id, Title = "fl", Type = TaskType.FederatedLearning, Config = config.ToJsonString(), CreatedAt = DateTimeOffset.UtcNow };
        Assert.Equal(SubmitOutcome.Accepted, await Cluster.TaskGrain(id).Submit(task));

        var finished = await Cluster.WaitFinished(id, TimeSpan.FromSeconds(60));

        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.StartsWith("config.partition_config.total_parts", finished.Error);
        Assert.Null(finished.Runner);
        Assert.Equal(0, finished.Attempt);
    }
}
