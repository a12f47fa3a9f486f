using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// A cluster of real silos with its gateway on a real port; iris is uploaded to the gateway's storage, and the runners
/// fetch it by CID from there. Sessions are driven through the gateway's API, as a user would.
/// </summary>
public sealed class FlSessionCluster(int silos) : IAsyncDisposable
{
    public string IrisCid { get; private set; } = null!;
    public string DiabetesCid { get; private set; } = null!;
    public ParityTestCluster Cluster { get; private set; } = null!;
    public GatewayHost Gateway { get; private set; } = null!;
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"parity-fl-{Guid.NewGuid():N}");

    /// <param name="configure">Extra silo setup, such as a grain call filter that holds a step of the protocol.</param>
    public static async Task<FlSessionCluster> StartAsync(int silos, Action<Orleans.Hosting.ISiloBuilder>? configure = null)
    {
        var cluster = new FlSessionCluster(silos);
        await cluster.InitializeAsync(configure);
        return cluster;
    }

    private async Task InitializeAsync(Action<Orleans.Hosting.ISiloBuilder>? configure)
    {
        var port = TestEngines.FreeTcpPort();
        Cluster = await ParityTestCluster.StartAsync(silos, silo => new Dictionary<string, string?>
        {
            ["IPFS_GATEWAYS"] = $"http://127.0.0.1:{port}",
            ["RUNNER_CACHE_DIR"] = Path.Combine(_root, $"cache{silo}"),
        }, configure);
        Gateway = await GatewayHost.StartAsync(Cluster.Client, new Dictionary<string, string?> { ["STORAGE_DIR"] = Path.Combine(_root, "storage") }, port);
        IrisCid = await Gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("iris.csv")));
        DiabetesCid = await Gateway.UploadAsync(await File.ReadAllBytesAsync(TestDatasets.PathOf("diabetes.csv")));
    }

    /// <summary>A valid session on iris: a small network, stratified parts, FedAvg.</summary>
    public JsonObject IrisSession(int rounds = 2, JsonArray? participants = null) => new()
    {
        ["name"] = "iris",
        ["model_type"] = "neural_network",
        ["total_rounds"] = rounds,
        ["min_participants"] = 3,
        ["training_data"] = new JsonObject
        {
            ["dataset_cid"] = IrisCid,
            ["data_format"] = "csv",
            ["split_strategy"] = "stratified",
            ["metadata"] = new JsonObject { ["min_samples"] = 10 },
        },
        ["config"] = new JsonObject
        {
            ["aggregation_method"] = "federated_averaging",
            ["learning_rate"] = 0.05,
            ["batch_size"] = 16,
            ["local_epochs"] = 15,
            ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
            ["train_config"] = new JsonObject { ["optimizer"] = "adam" },
        },
        ["participants"] = participants,
        ["test_dataset_cid"] = IrisCid,
        ["seed"] = 42,
    };

    public async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, JsonNode? body = null)
    {
        using var response = await Gateway.Http.SendAsync(Gateway.Api(method, path, body?.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<string> CreateAsync(JsonObject session)
    {
        var (status, body) = await Send(HttpMethod.Post, "/api/v1/federated-learning/sessions", session);
        Assert.True(status == HttpStatusCode.Created, $"create: {(int)status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    public async Task StartSessionAsync(string id)
    {
        var (status, body) = await Send(HttpMethod.Post, $"/api/v1/federated-learning/sessions/{id}/start");
        Assert.True(status == HttpStatusCode.OK, $"start: {(int)status} {body}");
    }

    public async Task<FlSessionView> Session(string id)
    {
        var (status, body) = await Send(HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}");
        Assert.True(status == HttpStatusCode.OK, $"session {id}: {(int)status} {body}");
        return body.Deserialize<FlSessionView>(ParityJson.Options)!;
    }

    public async Task<FlSessionView> WaitFinished(string id, TimeSpan? timeout = null)
    {
        FlSessionView? last = null;
        await Eventually.True(async () =>
        {
            last = await Session(id);
            return last.Status is not (FlSessionStatus.Pending or FlSessionStatus.Active);
        }, timeout ?? TimeSpan.FromMinutes(3), $"session {id} to finish");
        return last!;
    }

    public async Task<FlModelView> Model(string id)
    {
        var (status, body) = await Send(HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}/model");
        Assert.True(status == HttpStatusCode.OK, $"model: {(int)status} {body}");
        return body.Deserialize<FlModelView>(ParityJson.Options)!;
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
