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
            Assert.Contains("3 runners online", table.Stdout);
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
}
