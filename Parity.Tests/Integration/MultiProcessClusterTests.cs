using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// Two parity-runner processes and the parity-gateway process on a real Redis, talking over the transport's mutual TLS
/// with certificates made by <c>parity-runner cluster init-ca|issue</c>, as an operator would. One silo is killed with SIGKILL while
/// it runs tasks: every task completes on the survivor, each result recorded once. The gateway's dashboard, rendered
/// by headless Chromium with the API key as Basic credentials (the dashboard is behind GATEWAY_API_KEY), shows the silos.
/// </summary>
public sealed class MultiProcessClusterTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-mp-").FullName;
    private readonly List<ParityProcess> _processes = [];
    private readonly string _clusterId = "mp-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The cluster CA, made once per test with the command an operator runs.</summary>
    private string Authority
    {
        get
        {
            var directory = Path.Combine(_work, "pki", "ca");
            if (File.Exists(Path.Combine(directory, "ca.crt"))) return directory;
            var (code, stdout, stderr) = ParityCli.Run(null, "cluster", "init-ca", "--out", directory);
            Assert.True(code == 0, $"cluster init-ca: {code}\n{stdout}\n{stderr}");
            return directory;
        }
    }

    /// <summary>The common keys plus CLUSTER_TLS_* with a certificate issued to <paramref name="name"/> by the cluster CA.</summary>
    private Dictionary<string, string> Common(string name)
    {
        var directory = Path.Combine(_work, "pki", name);
        var (code, stdout, stderr) = ParityCli.Run(null, "cluster", "issue", name, "--ca", Authority, "--out", directory, "--ip", "127.0.0.1");
        Assert.True(code == 0, $"cluster issue {name}: {code}\n{stdout}\n{stderr}");
        var environment = Common();
        environment["CLUSTER_TLS_CA"] = Path.Combine(Authority, "ca.crt");
        environment["CLUSTER_TLS_CERT"] = Path.Combine(directory, name + ".crt");
        environment["CLUSTER_TLS_KEY"] = Path.Combine(directory, name + ".key");
        return environment;
    }

    private Dictionary<string, string> Common() => new()
    {
        ["ORLEANS_CLUSTERING"] = "redis",
        ["ORLEANS_REDIS"] = TestEngines.Redis,
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        ["RUNNER_WEBHOOK_SECRET"] = GatewayHost.Secret,
        ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
        ["RUNNER_LEASE_DURATION"] = "3s",
        ["RUNNER_SHELL_ENABLED"] = "true",
        ["RUNNER_MAX_CONCURRENT_TASKS"] = "3",
    };

    private ParityProcess StartSilo(string name)
    {
        var environment = Common(name);
        environment["SILO_NAME"] = name;
        environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString();
        environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString();
        var silo = ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), environment, _work);
        _processes.Add(silo);
        return silo;
    }

    [Fact]
    public async Task A_silo_killed_with_sigkill_loses_no_task_and_the_dashboard_shows_the_silos()
    {
        var siloA = StartSilo("mp-a");
        var siloB = StartSilo("mp-b");
        await siloA.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        await siloB.WaitForOutput("is up", TimeSpan.FromSeconds(90));

        var gatewayPort = TestEngines.FreeTcpPort();
        var gatewayEnvironment = Common("mp-gateway");
        gatewayEnvironment["GATEWAY_URLS"] = $"http://127.0.0.1:{gatewayPort}";
        gatewayEnvironment["GATEWAY_API_KEY"] = GatewayHost.ApiKey;
        var gateway = ParityProcess.Start(TestEngines.BuiltDll("Parity.Gateway", "parity-gateway"), gatewayEnvironment, _work);
        _processes.Add(gateway);
        await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
        using (var anonymous = await http.GetAsync("/dashboard/DashboardCounters"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);

        await Eventually.True(async () =>
        {
            var runners = JsonDocument.Parse(await http.GetStringAsync("/api/v1/runners")).RootElement;
            return runners.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == 2;
        }, TimeSpan.FromSeconds(60), "both runners online");

        await AssertDashboardShowsSilos(gatewayPort, ["mp-a", "mp-b"]);

        var ids = Enumerable.Range(0, 6).Select(i => $"mp-task-{i}-{Guid.NewGuid():N}").ToList();
        var push = $$"""{"type":"available_tasks","payload":[{{string.Join(",", ids.Select(id => GatewayHost.CommandTask(id, "sleep 4; echo done")))}}]}""";
        var pushed = await http.SendAsync(GatewayHost.SignedWebhook(push));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);

        var running = await Eventually.Get(async () =>
        {
            var tasks = await Task.WhenAll(ids.Select(id => GetJson(http, $"/api/v1/tasks/{id}")));
            return tasks.All(t => t.GetProperty("status").GetString() == "running") ? tasks : null;
        }, TimeSpan.FromSeconds(60), "all tasks running");
        var onA = running.Where(t => t.GetProperty("runner").GetString() == "mp-a").Select(t => t.GetProperty("id").GetString()!).ToList();
        var (victim, victimName, survivorName, lost) = onA.Count > 0
            ? (siloA, "mp-a", "mp-b", onA)
            : (siloB, "mp-b", "mp-a", ids);
        victim.KillHard();

        foreach (var id in ids)
        {
            // While membership has not yet declared the killed silo dead, calls to grains that lived there time out
            // (the gateway answers 504); a client retries, and so does this loop.
            await Eventually.True(async () => await TryGetJson(http, $"/api/v1/tasks/{id}") is { } t
                    && t.GetProperty("status").GetString() is "completed" or "failed" or "cancelled",
                TimeSpan.FromSeconds(180), $"task {id} finished after {victimName} was killed");
            var task = await GetJson(http, $"/api/v1/tasks/{id}");
            Assert.True(task.GetProperty("status").GetString() == "completed", task.ToString());

            var result = await GetJson(http, $"/api/v1/tasks/{id}/result");
            Assert.Equal("done\n", result.GetProperty("stdout").GetString());
            var logs = await GetJson(http, $"/api/v1/tasks/{id}/logs");
            var completions = logs.GetProperty("events").EnumerateArray()
                .Count(e => e.GetProperty("message").GetString()!.StartsWith("completed on "));
            Assert.Equal(1, completions);
            if (lost.Contains(id))
            {
                Assert.Equal(survivorName, result.GetProperty("runner").GetString());
                Assert.True(result.GetProperty("attempt").GetInt32() >= 2);
            }
        }

        var runnersAfter = JsonDocument.Parse(await http.GetStringAsync("/api/v1/runners")).RootElement;
        Assert.Contains(runnersAfter.EnumerateArray(), r =>
            r.GetProperty("name").GetString() == victimName && r.GetProperty("status").GetString() == "offline");
    }

    private static async Task<JsonElement?> TryGetJson(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        if ((int)response.StatusCode >= 500) return null;
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<JsonElement> GetJson(HttpClient http, string path)
    {
        var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task AssertDashboardShowsSilos(int port, string[] silos)
    {
        var profile = Directory.CreateDirectory(Path.Combine(_work, "chromium")).FullName;
        string dom = "";
        await Eventually.True(async () =>
        {
            var chromium = new ProcessStartInfo(TestEngines.Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    $"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom",
                    $"http://parity:{GatewayHost.ApiKey}@127.0.0.1:{port}/dashboard/#/silos",
                },
            };
            using var process = Process.Start(chromium)!;
            var stderr = process.StandardError.ReadToEndAsync();
            dom = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            await stderr;
            return silos.All(dom.Contains);
        }, TimeSpan.FromSeconds(90), $"dashboard silos page naming {string.Join(", ", silos)}");
        Assert.Contains("Orleans Dashboard", dom);
    }

    public void Dispose()
    {
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
