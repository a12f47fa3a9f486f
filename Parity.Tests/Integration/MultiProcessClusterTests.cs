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
        // A silo restarted under its name keeps its certificate.
        if (!File.Exists(Path.Combine(directory, name + ".crt")))
        {
            var (code, stdout, stderr) = ParityCli.Run(null, "cluster", "issue", name, "--ca", Authority, "--out", directory, "--ip", "127.0.0.1");
            Assert.True(code == 0, $"cluster issue {name}: {code}\n{stdout}\n{stderr}");
        }
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

    private ParityProcess StartSilo(string name, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = Common(name);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
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

        var (gateway, gatewayPort) = await StartGateway("mp-gateway");
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
        }, TimeSpan.FromSeconds(120), "all tasks running");
        var onA = running.Where(t => t.GetProperty("runner").GetString() == "mp-a").Select(t => t.GetProperty("id").GetString()!).ToList();
        var (victim, victimName, survivorName, lost) = onA.Count > 0
            ? (siloA, "mp-a", "mp-b", onA)
            : (siloB, "mp-b", "mp-a", ids);
        victim.KillHard();

        foreach (var id in ids)
        {
            // While membership has not yet declared the killed silo dead, calls to grains that lived there time out
            // (the gateway answers 503 with Retry-After); a client retries, and so does this loop.
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

        // The runner list is read through the cluster too: while it still settles after the kill the gateway may answer
        // 503 with Retry-After (seen once in CI), and a client retries, as the loop above does.
        await Eventually.True(async () => await TryGetJson(http, "/api/v1/runners") is { } runners
                && runners.EnumerateArray().Any(r =>
                    r.GetProperty("name").GetString() == victimName && r.GetProperty("status").GetString() == "offline"),
            TimeSpan.FromSeconds(60), $"{victimName} listed offline after it was killed");
    }

    /// <summary>
    /// An upgrade as deploy/README.md tells an operator to do it: the silos of a three-silo cluster restarted one at a
    /// time (SIGTERM, as systemd's stop sends it; then started again under the same name), while tasks keep arriving
    /// through the gateway and run. Every task completes, exactly once, with its output; none is lost or failed.
    /// </summary>
    [Fact]
    public async Task A_rolling_restart_of_every_silo_loses_no_task()
    {
        var names = new[] { "roll-a", "roll-b", "roll-c" };
        var silos = names.ToDictionary(n => n, n => StartSilo(n));
        foreach (var silo in silos.Values) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        var (_, gatewayPort) = await StartGateway("roll-gateway");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);
        async Task AllOnline() => await Eventually.True(async () => await TryGetJson(http, "/api/v1/runners") is { } runners
            && runners.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == names.Length,
            TimeSpan.FromSeconds(90), "every runner online");
        await AllOnline();

        var ids = new List<string>();
        async Task Wave(int wave)
        {
            var batch = Enumerable.Range(0, 6).Select(i => $"roll-{wave}-{i}-{Guid.NewGuid():N}").ToList();
            var push = $$"""{"type":"available_tasks","payload":[{{string.Join(",", batch.Select(id => GatewayHost.CommandTask(id, $"sleep 1; echo {id}")))}}]}""";
            // The gateway may be re-homing a restarted silo's grains: a 503 with Retry-After is retried, as a sender does.
            await Eventually.True(async () =>
            {
                using var pushed = await http.SendAsync(GatewayHost.SignedWebhook(push));
                Assert.NotEqual(HttpStatusCode.InternalServerError, pushed.StatusCode);
                return pushed.StatusCode == HttpStatusCode.OK;
            }, TimeSpan.FromSeconds(60), $"wave {wave} accepted");
            ids.AddRange(batch);
        }

        await Wave(0);
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            // Work in flight on every silo, this one included, when it is stopped.
            await Wave(i + 1);
            silos[name].Terminate();
            Assert.True(await silos[name].WaitForExit(TimeSpan.FromSeconds(60)), $"{name} did not stop within 60 s of SIGTERM");
            // 0; or, when the stop outlasts SILO_SHUTDOWN_TIMEOUT on a loaded machine, the watchdog's documented exit 1
            // with its one line: never a crash. Either way no task may be lost (checked below).
            var output = silos[name].Output;
            Assert.True(silos[name].ExitCode == 0 || (silos[name].ExitCode == 1 && output.Contains("shutdown did not finish within")),
                $"{name} exited {silos[name].ExitCode}:\n{output[Math.Max(0, output.Length - 4000)..]}");
            Assert.DoesNotContain("Unhandled exception", output);
            silos[name] = StartSilo(name);
            await silos[name].WaitForOutput("is up", TimeSpan.FromSeconds(90));
            await AllOnline();
        }
        await Wave(names.Length + 1);

        foreach (var id in ids)
        {
            await Eventually.True(async () => await TryGetJson(http, $"/api/v1/tasks/{id}") is { } t
                    && t.GetProperty("status").GetString() is "completed" or "failed" or "cancelled",
                TimeSpan.FromSeconds(180), $"task {id} finished");
            var task = await GetJson(http, $"/api/v1/tasks/{id}");
            Assert.True(task.GetProperty("status").GetString() == "completed", task.ToString());
            var result = await GetJson(http, $"/api/v1/tasks/{id}/result");
            Assert.Equal(id + "\n", result.GetProperty("stdout").GetString());
            var logs = await GetJson(http, $"/api/v1/tasks/{id}/logs");
            Assert.Equal(1, logs.GetProperty("events").EnumerateArray()
                .Count(e => e.GetProperty("message").GetString()!.StartsWith("completed on ", StringComparison.Ordinal)));
        }
        Assert.Equal(6 * (names.Length + 2), ids.Distinct().Count());
    }

    /// <summary>
    /// The failover a user watches: with the default heartbeat and lease, one of two silos is killed with SIGKILL while
    /// both run tasks. Every request the gateway cannot serve while the cluster re-homes the dead silo's grains is a 503
    /// with Retry-After (never a 500), the survivor's runner never shows offline, a lost task's one loss is one attempt
    /// (it completes as attempt 2), and the killed silo, restarted under its name, removes its predecessor's work
    /// folder but not the survivor's.
    /// </summary>
    [Fact]
    public async Task A_killed_silo_is_a_503_then_one_more_attempt_and_its_restart_removes_its_work_folder()
    {
        var temp = Directory.CreateDirectory(Path.Combine(_work, "tmp")).FullName;
        var workRoot = Path.Combine(temp, "parity-work");
        // The defaults: a dead runner still shows online when its silo is declared dead (heartbeats 5 s, offline after 15 s),
        // and the lease (30 s) outlasts the declaration, so re-dispatch follows the silo's death, not a lapsed lease.
        var timings = new Dictionary<string, string>
        {
            ["TMPDIR"] = temp, ["RUNNER_HEARTBEAT_INTERVAL"] = "5s", ["RUNNER_LEASE_DURATION"] = "30s",
        };
        var siloA = StartSilo("fo-a", timings);
        var siloB = StartSilo("fo-b", timings);
        await siloA.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        await siloB.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        var (gateway, gatewayPort) = await StartGateway("fo-gateway");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}") };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);
        await Eventually.True(async () => JsonDocument.Parse(await http.GetStringAsync("/api/v1/runners")).RootElement
            .EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == 2, TimeSpan.FromSeconds(60), "both runners online");

        var folders = Directory.GetDirectories(workRoot).Select(Path.GetFileName).ToList();
        var folderA = Assert.Single(folders, f => OwnedBy(f!, "fo-a"))!;
        var folderB = Assert.Single(folders, f => OwnedBy(f!, "fo-b"))!;

        // Long enough that on a loaded machine every task has started before the first one ends: the test needs them all
        // running at once to know which ones the kill loses.
        var ids = Enumerable.Range(0, 6).Select(i => $"fo-task-{i}-{Guid.NewGuid():N}").ToList();
        var push = $$"""{"type":"available_tasks","payload":[{{string.Join(",", ids.Select(id => GatewayHost.CommandTask(id, "sleep 20; echo done")))}}]}""";
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(GatewayHost.SignedWebhook(push))).StatusCode);
        var running = await Eventually.Get(async () =>
        {
            var tasks = await Task.WhenAll(ids.Select(id => GetJson(http, $"/api/v1/tasks/{id}")));
            return tasks.All(t => t.GetProperty("status").GetString() == "running") ? tasks : null;
        }, TimeSpan.FromSeconds(120), "all tasks running");
        var onA = running.Where(t => t.GetProperty("runner").GetString() == "fo-a").Select(t => t.GetProperty("id").GetString()!).ToList();
        var (victim, victimName, survivorName, lost) = onA.Count > 0
            ? (siloA, "fo-a", "fo-b", onA)
            : (siloB, "fo-b", "fo-a", ids);
        victim.KillHard();

        // Watch as a client would until every task is finished: each answer the gateway gives meanwhile is noted.
        var problems = new List<string>();
        var finished = new HashSet<string>();
        var watch = Stopwatch.StartNew();
        while (finished.Count < ids.Count && watch.Elapsed < TimeSpan.FromSeconds(180))
        {
            foreach (var path in ids.Where(id => !finished.Contains(id)).Select(id => $"/api/v1/tasks/{id}").Append("/api/v1/runners"))
            {
                using var response = await http.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    if (!response.Headers.Contains("Retry-After")) problems.Add($"{path}: 503 without Retry-After");
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                {
                    problems.Add($"{path}: {(int)response.StatusCode} {body}");
                    continue;
                }
                var json = JsonDocument.Parse(body).RootElement;
                if (path.EndsWith("/runners"))
                {
                    var survivor = json.EnumerateArray().Single(r => r.GetProperty("name").GetString() == survivorName);
                    if (survivor.GetProperty("status").GetString() != "online")
                        problems.Add($"survivor {survivorName} shown {survivor.GetProperty("status").GetString()} at {watch.Elapsed.TotalSeconds:0.0} s");
                }
                else if (json.GetProperty("status").GetString() is "completed" or "failed" or "cancelled")
                    finished.Add(json.GetProperty("id").GetString()!);
            }
            await Task.Delay(200);
        }
        Assert.True(finished.Count == ids.Count, $"{ids.Count - finished.Count} task(s) unfinished after the kill");

        foreach (var id in ids)
        {
            var result = await GetJson(http, $"/api/v1/tasks/{id}/result");
            var expected = lost.Contains(id) ? 2 : 1;
            if (result.GetProperty("attempt").GetInt32() != expected || result.GetProperty("stdout").GetString() != "done\n")
                problems.Add($"task {id} ({(lost.Contains(id) ? "lost" : "kept")}): attempt {result.GetProperty("attempt").GetInt32()}, " +
                             $"runner {result.GetProperty("runner").GetString()}, expected attempt {expected}; events: " +
                             string.Join(" | ", (await GetJson(http, $"/api/v1/tasks/{id}/logs")).GetProperty("events").EnumerateArray()
                                 .Select(e => e.GetProperty("message").GetString())));
        }
        var unhandled = gateway.Output.Split('\n').Where(l => l.Contains("Unhandled error") || l.Contains("Exception:")).Distinct().Take(20);
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(40)) + "\ngateway:\n" + string.Join("\n", unhandled));

        var restarted = StartSilo(victimName, timings);
        await restarted.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        var after = Directory.GetDirectories(workRoot).Select(Path.GetFileName).ToList();
        var (victimFolder, survivorFolder) = victimName == "fo-a" ? (folderA, folderB) : (folderB, folderA);
        Assert.DoesNotContain(victimFolder, after);
        Assert.Contains(survivorFolder, after);
        Assert.Single(after, f => OwnedBy(f!, victimName));
        Assert.Contains($"removed the work folder of a previous {victimName}", restarted.Output);
    }

    /// <summary>A parity-gateway process of the test cluster on a free port, behind the API key, once it is up.</summary>
    private async Task<(ParityProcess Gateway, int Port)> StartGateway(string name)
    {
        var port = TestEngines.FreeTcpPort();
        var environment = Common(name);
        environment["GATEWAY_URLS"] = $"http://127.0.0.1:{port}";
        environment["GATEWAY_API_KEY"] = GatewayHost.ApiKey;
        var gateway = ParityProcess.Start(TestEngines.BuiltDll("Parity.Gateway", "parity-gateway"), environment, _work);
        _processes.Add(gateway);
        await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(60));
        return (gateway, port);
    }

    /// <summary>Whether a work folder ("pid.start.silo") is one of the silo named <paramref name="silo"/>.</summary>
    private static bool OwnedBy(string folder, string silo) => folder.Split('.', 3) is [_, _, var name] && name == silo;

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
