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

    /// <summary>The silo that hosts a grain now.</summary>
    public async Task<SiloAddress> HostOf(IFlSessionGrain grain)
    {
        var target = grain.GetGrainId();
        var statistics = await Cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Single(s => s.GrainId == target).SiloAddress;
    }

    /// <summary>
    /// A session's grain activated before the session exists, so that the silo hosting it is known: the grain, that
    /// silo, and the other silos' names (to name as participants, so the session's silo can die alone).
    /// </summary>
    public async Task<(IFlSessionGrain Grain, SiloAddress Host, JsonArray Others)> PlaceSession(string id)
    {
        var grain = Cluster.Client.GetGrain<IFlSessionGrain>(id);
        Assert.Null(await grain.Get());
        var host = await HostOf(grain);
        var others = Cluster.Cluster.Silos.Where(s => !s.SiloAddress.Equals(host)).Select(s => s.Name).Order().ToList();
        return (grain, host, new JsonArray(others.Select(name => (JsonNode)name!).ToArray()));
    }

    /// <summary>Creates and starts a session through its grain (the API's path, without the gateway).</summary>
    public static async Task CreateAndStart(IFlSessionGrain grain, JsonObject body)
    {
        using (var document = JsonDocument.Parse(body.ToJsonString()))
            Assert.True((await grain.Create(FlSessionRequest.Parse(document.RootElement, () => 1))).Ok);
        Assert.True((await grain.Start()).Ok);
    }

    public Task KillSilo(SiloAddress silo) => Cluster.Cluster.KillSiloAsync(Cluster.Cluster.Silos.Single(s => s.SiloAddress.Equals(silo)));

    public Task KillSilo(string name) => Cluster.Cluster.KillSiloAsync(Cluster.Cluster.Silos.Single(s => s.Name == name));

    /// <summary>
    /// Holds the reports of one round's tasks at their senders (an outgoing filter: the session stays free to answer)
    /// until the test opens it, so that a silo can be killed while that round is surely open.
    /// </summary>
    public static CallGate HoldRound(string sessionId, int round, Func<FlTaskReport, bool>? also = null) =>
        new(call => call.InterfaceMethod?.Name == nameof(IFlSessionGrain.TaskFinished)
                    && call.Request.GetArgument(0) is FlTaskReport report && report.RoundId == RoundTasks.RoundId(sessionId, round)
                    && (also?.Invoke(report) ?? true));

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
