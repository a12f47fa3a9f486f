using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// Issue 18 §1 end to end: two parity-runner processes (each serving /metrics on its SILO_METRICS_URLS) and the
/// parity-gateway process on a real Redis, scraped by a real Prometheus (Debian's, started by deploy/prometheus.sh with
/// the three endpoints and METRICS_KEY as its bearer token). After a few tasks, Prometheus' own query API sums the
/// cluster's counters to exactly what was run — the tasks, and a federated session's two rounds (the round counter and
/// the round-duration histogram's count) — and sees every process's Orleans and .NET runtime meters.
/// </summary>
public sealed class PrometheusMetricsTests : IDisposable
{
    private const string MetricsKey = "prometheus-test-key-0123456789";
    private readonly string _work = Directory.CreateTempSubdirectory("parity-prom-").FullName;
    private readonly List<ParityProcess> _processes = [];
    private readonly string _clusterId = "prom-" + Guid.NewGuid().ToString("N")[..12];
    private int? _prometheusPort;
    private readonly int _gatewayPort = TestEngines.FreeTcpPort();

    private Dictionary<string, string> Common() => new()
    {
        ["ORLEANS_CLUSTERING"] = "redis",
        ["ORLEANS_REDIS"] = TestEngines.Redis,
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        // Loopback only: this test is about the metrics, not the transport (MultiProcessClusterTests runs it with TLS).
        ["CLUSTER_ALLOW_INSECURE"] = "true",
        ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
        ["RUNNER_LEASE_DURATION"] = "3s",
        ["RUNNER_SHELL_ENABLED"] = "true",
        ["RUNNER_MAX_CONCURRENT_TASKS"] = "3",
        ["METRICS_KEY"] = MetricsKey,
    };

    [Fact]
    public async Task Prometheus_sums_the_clusters_task_counters_to_what_ran_and_sees_every_process()
    {
        var silos = new[] { "prom-a", "prom-b" };
        var endpoints = new List<string>();
        foreach (var name in silos)
        {
            var port = TestEngines.FreeTcpPort();
            var environment = Common();
            environment["SILO_NAME"] = name;
            environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
            environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
            environment["SILO_METRICS_URLS"] = $"http://127.0.0.1:{port}";
            // The federated session's dataset is fetched by CID from the gateway's storage.
            environment["IPFS_GATEWAYS"] = $"http://127.0.0.1:{_gatewayPort}";
            environment["RUNNER_CACHE_DIR"] = Path.Combine(_work, "cache-" + name);
            _processes.Add(ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), environment, _work));
            endpoints.Add($"127.0.0.1:{port}");
        }
        foreach (var silo in _processes.ToList()) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        Assert.Contains($"metrics    http://{endpoints[0]}/metrics", _processes[0].Output);

        var gatewayPort = _gatewayPort;
        var gatewayEnvironment = Common();
        gatewayEnvironment["GATEWAY_URLS"] = $"http://127.0.0.1:{gatewayPort}";
        gatewayEnvironment["GATEWAY_API_KEY"] = GatewayHost.ApiKey;
        gatewayEnvironment["STORAGE_DIR"] = Path.Combine(_work, "storage");
        var gateway = ParityProcess.Start(TestEngines.BuiltDll("Parity.Gateway", "parity-gateway"), gatewayEnvironment, _work);
        _processes.Add(gateway);
        await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(60));
        endpoints.Add($"127.0.0.1:{gatewayPort}");

        // A silo's endpoint is behind METRICS_KEY like the gateway's.
        using (var plain = new HttpClient())
        {
            using var refused = await plain.GetAsync($"http://{endpoints[0]}/metrics");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Bearer <METRICS_KEY>", await refused.Content.ReadAsStringAsync());
        }

        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);
        await Eventually.True(async () => JsonDocument.Parse(await api.GetStringAsync("/api/v1/runners")).RootElement
            .EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == 2, TimeSpan.FromSeconds(60), "both runners online");

        var keyFile = Path.Combine(_work, "metrics.key");
        await File.WriteAllTextAsync(keyFile, MetricsKey);
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        StartPrometheus(endpoints, keyFile);
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_prometheusPort}") };

        // Five tasks that succeed and two that fail, across both runners.
        var succeed = Enumerable.Range(0, 5).Select(_ => "echo ok").ToList();
        var fail = Enumerable.Range(0, 2).Select(_ => "exit 3").ToList();
        var ids = new List<string>();
        foreach (var command in succeed.Concat(fail))
        {
            using var response = await api.PostAsync("/api/v1/tasks", new StringContent(
                JsonSerializer.Serialize(new { type = "command", config = new { command } }), System.Text.Encoding.UTF8, "application/json"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            ids.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
        }
        var statuses = new List<string>();
        foreach (var id in ids)
        {
            using var result = await api.GetAsync($"/api/v1/tasks/{id}/result?wait=60");
            Assert.True(result.StatusCode == HttpStatusCode.OK, $"{id}: {(int)result.StatusCode} {await result.Content.ReadAsStringAsync()}");
            statuses.Add(JsonDocument.Parse(await api.GetStringAsync($"/api/v1/tasks/{id}")).RootElement.GetProperty("status").GetString()!);
        }
        Assert.Equal(5, statuses.Count(s => s == "completed"));
        Assert.Equal(2, statuses.Count(s => s == "failed"));

        // A small federated session of two rounds on both runners.
        var (rounds, flTasks) = await RunSession(api, totalRounds: 2);
        Assert.Equal(2, rounds);
        Assert.True(flTasks >= 2 * 2, $"{flTasks} federated_learning tasks for two rounds of two participants");
        // Every completed task's reward recorded (the completion hook runs after the result is stored): the ledger's
        // count is the condition, so the counters below are final when scraped.
        var rewards = 5 + flTasks;
        await Eventually.True(async () => JsonDocument.Parse(await api.GetStringAsync("/api/v1/rewards?limit=1")).RootElement
            .GetProperty("count").GetInt32() == rewards, TimeSpan.FromSeconds(60), $"{rewards} rewards recorded");

        // Every target scraped after all of that had happened (and the queue's one-way updates had a scrape interval to
        // land): what Prometheus holds now is the final count, so each value is read once, not polled until it fits.
        var finishedAt = DateTimeOffset.UtcNow;
        await Eventually.True(async () =>
        {
            var targets = JsonDocument.Parse(await prometheus.GetStringAsync("/api/v1/targets")).RootElement
                .GetProperty("data").GetProperty("activeTargets").EnumerateArray().ToList();
            return targets.Count == 3 && targets.All(t => t.GetProperty("health").GetString() == "up"
                && DateTimeOffset.Parse(t.GetProperty("lastScrape").GetString()!, CultureInfo.InvariantCulture) > finishedAt.AddSeconds(1));
        }, TimeSpan.FromSeconds(60), "Prometheus scraped all three endpoints after the tasks finished");

        Assert.Equal(3, await Query(prometheus, "count(up{job=\"parity\"} == 1)"));
        Assert.Equal(7, await Query(prometheus, "sum(parity_tasks_submitted_total{task_type=\"command\"})"));
        Assert.Equal(5, await Query(prometheus, "sum(parity_tasks_completed_total{task_type=\"command\"})"));
        Assert.Equal(2, await Query(prometheus, "sum(parity_tasks_failed_total{task_type=\"command\"})"));
        Assert.Equal(7, await Query(prometheus, "sum(parity_task_duration_seconds_count{task_type=\"command\"})"));
        Assert.Equal(5, await Query(prometheus, "sum(parity_task_duration_seconds_count{task_type=\"command\",task_status=\"completed\"})"));
        Assert.Equal(7, await Query(prometheus, "sum(parity_task_run_duration_seconds_count{task_type=\"command\"})"));
        // The session: each round closed once, aggregated, and timed once; its participants' tasks all completed.
        Assert.Equal(2, await Query(prometheus, "sum(parity_fl_rounds_total)"));
        Assert.Equal(2, await Query(prometheus, "sum(parity_fl_rounds_total{fl_model_type=\"neural_network\",fl_round_status=\"completed\"})"));
        Assert.Equal(2, await Query(prometheus, "sum(parity_fl_round_duration_seconds_count)"));
        Assert.Equal(2, await Query(prometheus, "sum(parity_fl_round_duration_seconds_bucket{fl_round_status=\"completed\",le=\"+Inf\"})"));
        Assert.True(await Query(prometheus, "sum(parity_fl_round_duration_seconds_sum)") > 0);
        Assert.Equal(flTasks, await Query(prometheus, "sum(parity_tasks_submitted_total{task_type=\"federated_learning\"})"));
        Assert.Equal(flTasks, await Query(prometheus, "sum(parity_tasks_completed_total{task_type=\"federated_learning\"})"));
        Assert.Equal(0, await Query(prometheus, "sum(parity_tasks_unfinished)"));
        // Rewards: one per completed task (failed ones earn nothing), metered (no task set a reward), unpaid (no payer).
        Assert.Equal(rewards, await Query(prometheus, "sum(parity_rewards_recorded_total)"));
        Assert.Equal(rewards, await Query(prometheus, "sum(parity_rewards_recorded_total{reward_basis=\"metered\",reward_status=\"unpaid\"})"));
        Assert.True(await Query(prometheus, "sum(parity_rewards_recorded_tokens_total)") >= rewards * (double)Parity.Chain.RewardFormula.Minimum);
        // Both runners' slots: 3 each, none in use once everything finished.
        Assert.Equal(6, await Query(prometheus, "sum(parity_runner_slots{slot_state=\"free\"})"));
        Assert.Equal(0, await Query(prometheus, "sum(parity_runner_slots{slot_state=\"used\"})"));
        Assert.Equal(2, await Query(prometheus, "count(count by (runner_name) (parity_runner_slots))"));
        // Which process is which: the resource's service name and instance, in target_info.
        Assert.Equal(2, await Query(prometheus, "count(target_info{service_name=\"parity-runner\"})"));
        Assert.Equal(1, await Query(prometheus, "count(target_info{service_name=\"parity-gateway\"})"));
        Assert.Equal(1, await Query(prometheus, "count(target_info{service_instance_id=\"prom-a\"})"));
        // Orleans' own meters and the .NET runtime's, from every process.
        Assert.Equal(3, await Query(prometheus, "count(count by (instance) ({otel_scope_name=\"Microsoft.Orleans\"}))"));
        Assert.Equal(3, await Query(prometheus, "count(count by (instance) ({otel_scope_name=\"System.Runtime\"}))"));
        Assert.Equal(3, await Query(prometheus, "count(dotnet_gc_heap_total_allocated_bytes_total > 0)"));
    }

    /// <summary>
    /// Runs a session of <paramref name="totalRounds"/> rounds on iris over both runners to its end; returns the rounds
    /// it closed and the federated_learning tasks the cluster lists (its participants' work, each a task).
    /// </summary>
    private static async Task<(int Rounds, int Tasks)> RunSession(HttpClient api, int totalRounds)
    {
        using var upload = await api.PostAsync("/api/v1/storage/upload",
            new ByteArrayContent(await File.ReadAllBytesAsync(TestDatasets.PathOf("iris.csv"))));
        var uploaded = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, $"upload: {(int)upload.StatusCode} {uploaded}");
        var cid = JsonDocument.Parse(uploaded).RootElement.GetProperty("cid").GetString();
        var session = new
        {
            name = "metrics", model_type = "neural_network", total_rounds = totalRounds, min_participants = 2, seed = 42,
            training_data = new { dataset_cid = cid, data_format = "csv", split_strategy = "stratified", metadata = new { min_samples = 10 } },
            config = new
            {
                aggregation_method = "federated_averaging", learning_rate = 0.05, batch_size = 16, local_epochs = 3,
                model_config = new { hidden_size = 8 }, train_config = new { optimizer = "adam" },
            },
        };
        using var created = await api.PostAsync("/api/v1/federated-learning/sessions",
            new StringContent(JsonSerializer.Serialize(session), System.Text.Encoding.UTF8, "application/json"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"create: {(int)created.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
        using var started = await api.PostAsync($"/api/v1/federated-learning/sessions/{id}/start", null);
        Assert.True(started.StatusCode == HttpStatusCode.OK, $"start: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var text = await Eventually.Get(async () =>
        {
            var json = await api.GetStringAsync($"/api/v1/federated-learning/sessions/{id}");
            return JsonDocument.Parse(json).RootElement.GetProperty("status").GetString() is "pending" or "active" ? null : json;
        }, TimeSpan.FromMinutes(3), $"session {id} to finish");
        var done = JsonDocument.Parse(text).RootElement;
        Assert.True(done.GetProperty("status").GetString() == "completed", text);
        var tasks = JsonDocument.Parse(await api.GetStringAsync("/api/v1/tasks?limit=500")).RootElement.GetProperty("tasks")
            .EnumerateArray().Where(t => t.GetProperty("type").GetString() == "federated_learning").ToList();
        Assert.All(tasks, t => Assert.Equal("completed", t.GetProperty("status").GetString()));
        return (done.GetProperty("rounds").GetArrayLength(), tasks.Count);
    }

    /// <summary>The value of a PromQL expression whose answer is one sample (a vector of one, or a scalar).</summary>
    private static async Task<double> Query(HttpClient prometheus, string promql)
    {
        var text = await prometheus.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var data = JsonDocument.Parse(text).RootElement.GetProperty("data");
        var result = data.GetProperty("result");
        var value = data.GetProperty("resultType").GetString() == "scalar" ? result
            : result.GetArrayLength() == 1 ? result[0].GetProperty("value")
            : throw new Xunit.Sdk.XunitException($"{promql}: {result.GetArrayLength()} samples: {text}");
        return double.Parse(value[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>deploy/prometheus.sh, as an operator runs it: loopback, its own data directory, a 1 s scrape interval.</summary>
    private void StartPrometheus(IReadOnlyList<string> targets, string keyFile)
    {
        for (var attempt = 0; attempt < 5 && _prometheusPort is null; attempt++)
        {
            var port = TestEngines.FreeTcpPort();
            var (code, output) = Script("start", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", Path.Combine(_work, "prometheus"),
                "--targets", string.Join(",", targets), "--key-file", keyFile, "--interval", "1s", "--binary", TestEngines.Prometheus, "--private");
            if (code == 0) _prometheusPort = port;
            // 3: another process took the port between the pick and the bind; pick again.
            else if (code != 3) Assert.Fail($"deploy/prometheus.sh start exited {code}:\n{output}");
        }
        Assert.True(_prometheusPort is not null, "deploy/prometheus.sh found no free port in 5 tries");
    }

    private (int Code, string Output) Script(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(TestEngines.RepoRoot, "deploy", "prometheus.sh"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        if (_prometheusPort is { } port)
            Script("stop", "--port", port.ToString(CultureInfo.InvariantCulture), "--dir", Path.Combine(_work, "prometheus"));
        foreach (var process in _processes) process.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
