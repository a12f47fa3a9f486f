using System.Text.Json;
using Parity.Federation;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// <c>parity-runner status</c> as an operator runs it, against the gateway of a three-silo cluster: the runners with
/// their slots and task types, task counts, and a session still running; as JSON for scripts; and a clear error for a
/// gateway that refuses the key or is not there.
/// </summary>
public sealed class StatusCommandTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;

    private Dictionary<string, string> Environment(string? key = null, string? url = null) => new()
    {
        ["GATEWAY_URLS"] = url ?? Fl.Gateway.Http.BaseAddress!.ToString().TrimEnd('/'),
        ["GATEWAY_API_KEY"] = key ?? GatewayHost.ApiKey,
        ["HOME"] = Path.GetTempPath(),
    };

    [Fact]
    public async Task Status_shows_the_runners_the_tasks_and_the_active_sessions()
    {
        // A session that stays active: it waits for an external participant that never posts.
        var body = Fl.IrisSession(rounds: 1);
        body["external_participants"] = new System.Text.Json.Nodes.JsonArray("lab-never");
        body["round_timeout_seconds"] = 600;
        var id = await Fl.CreateAsync(body);
        await Fl.StartSessionAsync(id);
        try
        {
            var json = await Task.Run(() => ParityCli.Run(Environment(), "status", "--json"));
            Assert.True(json.Code == 0, json.Stderr);
            using var overview = JsonDocument.Parse(json.Stdout);
            var root = overview.RootElement;
            Assert.Equal(3, root.GetProperty("cluster").GetProperty("runners_online").GetInt32());
            var runners = root.GetProperty("runners").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).Order().ToList();
            Assert.Equal(Fl.Cluster.Cluster.Silos.Select(s => s.Name).Order(), runners);
            Assert.True(root.GetProperty("cluster").GetProperty("tasks").GetProperty("completed").GetInt32() >= 0);
            var session = Assert.Single(root.GetProperty("active_sessions").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
            Assert.Equal("active", session.GetProperty("status").GetString());

            var table = await Task.Run(() => ParityCli.Run(Environment(), "status"));
            Assert.True(table.Code == 0, table.Stderr);
            // A second look at the cluster: a runner whose heartbeat is late on a loaded machine may show offline in it,
            // so the heading is checked for all three runners, not for all three online.
            var heading = System.Text.RegularExpressions.Regex.Match(table.Stdout, @"(\d+) runners online, (\d+) offline;");
            Assert.True(heading.Success, table.Stdout);
            Assert.Equal(3, int.Parse(heading.Groups[1].Value) + int.Parse(heading.Groups[2].Value));
            foreach (var runner in runners) Assert.Contains(runner, table.Stdout);
            Assert.Contains("federated_learning", table.Stdout);
            Assert.Contains(id[..8], table.Stdout);
        }
        finally
        {
            await Fl.Send(HttpMethod.Post, $"/api/v1/federated-learning/sessions/{id}/cancel");
        }
    }

    [Fact]
    public async Task A_refused_key_or_an_absent_gateway_is_one_clear_line()
    {
        var refused = await Task.Run(() => ParityCli.Run(Environment(key: "wrong-key-0123456789abcdef"), "status"));
        Assert.Equal(1, refused.Code);
        Assert.True(refused.Stderr.Trim().StartsWith("status: the gateway answered 401 to GET /api/v1/runners: invalid API key", StringComparison.Ordinal), refused.Stderr);

        var port = TestEngines.FreeTcpPort();
        var absent = await Task.Run(() => ParityCli.Run(Environment(url: $"http://127.0.0.1:{port}"), "status", "--json"));
        Assert.Equal(1, absent.Code);
        Assert.StartsWith($"status: cannot reach the gateway at http://127.0.0.1:{port}/", absent.Stderr.Trim());
        Assert.DoesNotContain("   at ", absent.Stderr);
    }

    [Fact]
    public async Task Watch_redraws_the_overview_as_the_cluster_changes_and_ends_cleanly_on_ctrl_c()
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(TestEngines.BuiltDll("Parity.Silo", "parity-runner"));
        foreach (var argument in new[] { "status", "--watch", "--interval", "0.3" }) info.ArgumentList.Add(argument);
        foreach (var (key, value) in Environment()) info.Environment[key] = value;
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = new System.Text.StringBuilder();
        var stderr = process.StandardError.ReadToEndAsync();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[4096];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
                lock (output) output.Append(buffer, 0, read);
        });
        string Seen() { lock (output) return output.ToString(); }
        string? id = null;
        try
        {
            await Eventually.True(() => Task.FromResult(Seen().Contains("3 runners online")), TimeSpan.FromSeconds(60), "the first overview");
            // A session that appears after the first drawing: only a redraw can show it.
            Assert.DoesNotContain("lab-watch", Seen());
            var body = Fl.IrisSession(rounds: 1);
            body["name"] = "lab-watch";
            body["external_participants"] = new System.Text.Json.Nodes.JsonArray("lab-never");
            body["round_timeout_seconds"] = 600;
            id = await Fl.CreateAsync(body);
            await Fl.StartSessionAsync(id);
            await Eventually.True(() => Task.FromResult(Seen().Contains(id[..8])), TimeSpan.FromSeconds(30), "the new session in a redrawn overview");

            // Ctrl-C ends the watch as an interrupted command line program ends: 130 (128 + SIGINT), no stack trace.
            using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                await interrupt.WaitForExitAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(bound.Token);
            await reading;
            Assert.Equal(130, process.ExitCode);
            Assert.DoesNotContain("   at ", await stderr);
            // Into a pipe, each refresh is a new plain block after a blank line: the first drawing came before the session.
            var blocks = Seen().Split("\n\n");
            Assert.True(blocks.Length >= 2, Seen());
            Assert.DoesNotContain(id[..8], blocks[0]);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
            if (id is not null) await Fl.Send(HttpMethod.Post, $"/api/v1/federated-learning/sessions/{id}/cancel");
        }
    }
}
