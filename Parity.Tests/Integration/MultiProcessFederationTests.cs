using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// Federated sessions on three real <c>parity-runner</c> processes and the <c>parity-gateway</c> process over a real
/// Redis, as a home lab runs them: digits stored in the gateway's storage and fetched by CID by every silo. An
/// uninterrupted session reaches the test accuracy of the same network trained centrally on the same rows (within a
/// point); then a participant's silo is killed with SIGKILL mid-round, the round closes at its quorum and the session
/// completes without it.
/// </summary>
public sealed class MultiProcessFederationTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-mp-fl-").FullName;
    private readonly List<ParityProcess> _processes = [];
    private readonly string _clusterId = "mpfl-" + Guid.NewGuid().ToString("N")[..12];
    private readonly int _gatewayPort = TestEngines.FreeTcpPort();

    private Dictionary<string, string> Common() => new()
    {
        ["ORLEANS_CLUSTERING"] = "redis",
        ["ORLEANS_REDIS"] = TestEngines.Redis,
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        // Loopback only: the transport's TLS is the other multi-process test's subject.
        ["CLUSTER_ALLOW_INSECURE"] = "true",
        ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
        ["RUNNER_LEASE_DURATION"] = "3s",
        ["RUNNER_MAX_CONCURRENT_TASKS"] = "2",
    };

    private ParityProcess StartSilo(string name)
    {
        var environment = Common();
        environment["SILO_NAME"] = name;
        environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString();
        environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString();
        environment["IPFS_GATEWAYS"] = $"http://127.0.0.1:{_gatewayPort}";
        environment["RUNNER_CACHE_DIR"] = Path.Combine(_work, "cache-" + name);
        var silo = ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), environment, _work);
        _processes.Add(silo);
        return silo;
    }

    [Fact]
    public async Task A_session_over_three_silo_processes_matches_central_training_and_survives_a_sigkilled_participant()
    {
        var silos = new Dictionary<string, ParityProcess>
        {
            ["fl-a"] = StartSilo("fl-a"), ["fl-b"] = StartSilo("fl-b"), ["fl-c"] = StartSilo("fl-c"),
        };
        foreach (var silo in silos.Values) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        var gatewayEnvironment = Common();
        gatewayEnvironment["GATEWAY_URLS"] = $"http://127.0.0.1:{_gatewayPort}";
        gatewayEnvironment["GATEWAY_API_KEY"] = GatewayHost.ApiKey;
        gatewayEnvironment["STORAGE_DIR"] = Path.Combine(_work, "storage");
        var gateway = ParityProcess.Start(TestEngines.BuiltDll("Parity.Gateway", "parity-gateway"), gatewayEnvironment, _work);
        _processes.Add(gateway);
        await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);
        await Eventually.True(async () =>
        {
            var runners = JsonDocument.Parse(await http.GetStringAsync("/api/v1/runners")).RootElement;
            return runners.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == 3;
        }, TimeSpan.FromSeconds(60), "three runners online");

        // Digits split 4:1 into training and test rows, both stored by CID.
        var lines = await File.ReadAllLinesAsync(TestDatasets.PathOf("digits.csv"));
        var rows = lines.Skip(1).ToList();
        var train = string.Join("\n", [lines[0], .. rows.Where((_, i) => i % 5 != 0)]) + "\n";
        var test = string.Join("\n", [lines[0], .. rows.Where((_, i) => i % 5 == 0)]) + "\n";
        var trainCid = await Upload(http, train);
        var testCid = await Upload(http, test);

        const int rounds = 10, localEpochs = 6;
        JsonObject Session(int quorum, int timeout, int totalRounds = rounds) => new()
        {
            ["name"] = "digits",
            ["model_type"] = "neural_network",
            ["total_rounds"] = totalRounds,
            ["min_participants"] = 3,
            ["quorum"] = quorum,
            ["round_timeout_seconds"] = timeout,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = trainCid, ["data_format"] = "csv", ["split_strategy"] = "stratified",
                ["metadata"] = new JsonObject { ["min_samples"] = 50 },
            },
            ["config"] = new JsonObject
            {
                ["aggregation_method"] = "fedavg", ["learning_rate"] = 0.01, ["batch_size"] = 32, ["local_epochs"] = localEpochs,
                ["model_config"] = new JsonObject { ["hidden_size"] = 32 },
                ["train_config"] = new JsonObject { ["optimizer"] = "adam" },
            },
            ["test_dataset_cid"] = testCid,
            ["seed"] = 7,
        };

        // 1. Uninterrupted: the federated network against the same network trained centrally on all training rows.
        var id = await Create(http, Session(quorum: 3, timeout: 120));
        var done = await WaitFinished(http, id);
        Assert.True(done.Status == FlSessionStatus.Completed, $"{done.Status}: {done.Error}");
        var federated = done.Rounds[^1].Metrics!.TestAccuracy!.Value;
        var central = Central(train, test, epochs: rounds * localEpochs);
        Assert.True(Math.Abs(federated - central) <= 0.01, $"federated {federated:P2} vs central {central:P2}");

        // 2. A participant's silo SIGKILLed while a round is open: that round closes at its quorum after the deadline,
        // and the session completes on the two others.
        // Enough rounds (a warm round takes a fraction of a second) that the kill lands with many still to come.
        const int killRounds = 40;
        id = await Create(http, Session(quorum: 2, timeout: 5, totalRounds: killRounds));
        await Eventually.True(async () => (await View(http, id))?.CurrentRound >= 3, TimeSpan.FromSeconds(120), "round 3");
        var open = (await View(http, id))!;
        var victim = open.Participants.Single(p => p.PartIndex == 2).Runner;
        silos[victim].KillHard();
        var killedAt = DateTimeOffset.UtcNow;
        done = await WaitFinished(http, id);
        Assert.True(done.Status == FlSessionStatus.Completed, $"{done.Status}: {done.Error} " +
            string.Join("; ", done.Rounds[^1].Updates.Select(u => $"{u.Runner} {u.Status} {u.Reason}")));
        Assert.Equal(killRounds, done.Rounds.Count);
        // The rounds opened after the kill, and the one open when it landed.
        var after = done.Rounds.Where(r => r.StartedAt > killedAt).ToList();
        Assert.NotEmpty(after);
        var killedIn = done.Rounds.Last(r => r.StartedAt <= killedAt).Round;
        Assert.All(after, r =>
        {
            Assert.Equal(2, r.Accepted);
            Assert.Equal(FlUpdateStatus.Lost, r.Updates.Single(u => u.Runner == victim).Status);
        });
        // The round open at the kill closed on the two others' updates (at its deadline, or once the silo was declared
        // dead when the calls of those updates had to wait for grains the dead silo hosted: docs/benchmarks.md times it).
        var killRound = done.Rounds.Single(r => r.Round == killedIn);
        Assert.Equal(FlRoundStatus.Completed, killRound.Status);
        Assert.True(killRound.Accepted >= 2, $"round {killedIn}: {killRound.Accepted} accepted");
        Assert.Contains("silo died", after[^1].Updates.Single(u => u.Runner == victim).Reason);
    }

    /// <summary>The session's network trained on all training rows in one place, with the same options and seed.</summary>
    private static double Central(string train, string test, int epochs)
    {
        var options = new MlpOptions
        {
            Task = MlpTask.Classification, HiddenSizes = [32], Epochs = epochs, LearningRate = 0.01f, BatchSize = 32, Seed = 7,
            Optimizer = OptimizerKind.Adam,
        };
        var trained = new MlpTrainer(options).Train(DatasetReader.ReadText(train, DatasetFormat.Csv));
        return trained.Model.Evaluate(DatasetReader.ReadText(test, DatasetFormat.Csv)).Accuracy!.Value;
    }

    private static async Task<string> Upload(HttpClient http, string content)
    {
        using var response = await http.PostAsync("/api/v1/storage/upload", new ByteArrayContent(Encoding.UTF8.GetBytes(content)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("cid").GetString()!;
    }

    private static async Task<string> Create(HttpClient http, JsonObject session)
    {
        using var response = await http.PostAsync("/api/v1/federated-learning/sessions",
            new StringContent(session.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create: {(int)response.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        using var started = await http.PostAsync($"/api/v1/federated-learning/sessions/{id}/start", null);
        Assert.True(started.StatusCode == HttpStatusCode.OK, $"start: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        return id;
    }

    /// <summary>The session, or null while the gateway cannot reach it (a silo just died and is not yet declared dead).</summary>
    private static async Task<FlSessionView?> View(HttpClient http, string id)
    {
        try
        {
            using var response = await http.GetAsync($"/api/v1/federated-learning/sessions/{id}");
            return response.IsSuccessStatusCode
                ? JsonSerializer.Deserialize<FlSessionView>(await response.Content.ReadAsStringAsync(), ParityJson.Options)
                : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static Task<FlSessionView> WaitFinished(HttpClient http, string id) =>
        Eventually.Get(async () => await View(http, id) is { Status: not (FlSessionStatus.Pending or FlSessionStatus.Active) } view ? view : null,
            TimeSpan.FromMinutes(4), $"session {id} to finish");

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp directory is not worth failing for.
        }
    }
}
