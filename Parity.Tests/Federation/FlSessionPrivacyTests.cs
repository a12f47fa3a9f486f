using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Federation.Privacy;
using Parity.Json;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Sessions with differential privacy on a three-silo cluster, through the gateway's API: the ε reported after each
/// round is the accountant's for the session's parameters, the round tasks carry the clip and noise in client mode,
/// adaptive clipping moves the clip in server mode, and <c>max_epsilon</c> ends the session before a round would
/// spend past it, with the reason.
/// </summary>
public sealed class FlSessionPrivacyTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;
    private const string Sessions = "/api/v1/federated-learning/sessions";
    private const double Delta = 1e-3;

    /// <summary>The accountant's ε after <paramref name="rounds"/> rounds at q = 1 and multiplier σ (every participant aggregated).</summary>
    private static double Expected(int rounds, double sigma)
    {
        var accountant = new PrivacyAccountant();
        accountant.Spend(1.0, sigma, rounds);
        return accountant.Epsilon(Delta).Epsilon;
    }

    private JsonObject PrivateSession(int rounds, JsonObject privacy)
    {
        var body = Fl.IrisSession(rounds);
        body["config"]!["privacy_config"] = privacy;
        return body;
    }

    [Fact]
    public async Task Client_mode_reports_the_accountants_epsilon_each_round_and_stops_at_max_epsilon_with_the_reason()
    {
        const double z = 1.0, clip = 0.5;
        // Between what two and three rounds spend: the third would pass it.
        var max = (Expected(2, z) + Expected(3, z)) / 2;
        var id = await Fl.CreateAsync(PrivateSession(5, new JsonObject
        {
            ["differential_privacy"] = true, ["noise_multiplier"] = z, ["l2_norm_clip"] = clip, ["mode"] = "client",
            ["clipping"] = "fixed", ["target_delta"] = Delta, ["max_epsilon"] = max,
        }));
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);

        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        Assert.Null(session.Error);
        Assert.Equal(2, session.Rounds.Count);
        for (var r = 0; r < 2; r++)
        {
            var privacy = session.Rounds[r].Privacy!;
            Assert.Equal(3, privacy.Aggregated);
            Assert.Equal(z, privacy.NoiseMultiplier, 12);
            Assert.Equal(1.0, privacy.SamplingRate);
            Assert.Equal(clip, privacy.Clip);
            Assert.Equal(Delta, privacy.Delta);
            Assert.Equal(Expected(r + 1, z), privacy.Epsilon, 9);
        }
        var view = session.Privacy!;
        Assert.Equal(FlPrivacyMode.Client, view.Mode);
        Assert.Equal(2, view.Rounds);
        Assert.Equal(Expected(2, z), view.Epsilon, 9);
        Assert.True(view.Epsilon <= max);
        Assert.Equal(max, view.MaxEpsilon);
        Assert.Contains("privacy budget: round 3", view.StopReason);
        Assert.Contains("config.privacy_config.max_epsilon", view.StopReason);
        // A single update carries a third's share of the noise: far less protected than the aggregate.
        Assert.True(view.UpdateEpsilon > view.Epsilon, $"update ε {view.UpdateEpsilon}, aggregate ε {view.Epsilon}");

        // What reached the session was noised: clipped alone, no update could be over 0.5 from the global model; with
        // noise of std 0.5/√3 on each of the network's 67 weights its norm is about 0.29·√67 ≈ 2.4.
        Assert.All(session.Rounds.SelectMany(r => r.Updates), u => Assert.True(u.UpdateNorm > 1.0, $"update norm {u.UpdateNorm}"));
        // Every round task told its runner the clip and its share of the noise, z·C/√3.
        foreach (var update in session.Rounds[0].Updates)
        {
            var task = await Fl.Cluster.TaskGrain(update.TaskId!).Get();
            using var config = JsonDocument.Parse(task!.Config!);
            var privacy = config.RootElement.GetProperty("privacy");
            Assert.Equal(clip, privacy.GetProperty("l2_norm_clip").GetDouble());
            Assert.Equal(z * clip / Math.Sqrt(3), privacy.GetProperty("noise_stddev").GetDouble(), 12);
        }

        var events = await Events(id);
        var aggregated = events.Where(e => e.Type == "round_aggregated").ToList();
        Assert.Equal([1, 2], aggregated.Select(e => e.Round!.Value));
        Assert.Equal([Expected(1, z), Expected(2, z)], aggregated.Select(e => e.Privacy!.Epsilon), new ToleranceComparer(1e-9));
        Assert.Equal("session_completed", events[^1].Type);
        Assert.Contains("privacy budget", events[^1].Message);

        // parity-runner fl status says the same.
        var (code, stdout, stderr) = ParityCli.Run(new Dictionary<string, string> { ["GATEWAY_API_KEY"] = GatewayHost.ApiKey },
            "fl", "status", id, "--gateway", Fl.Gateway.Http.BaseAddress!.ToString());
        Assert.True(code == 0, $"fl status: {code} {stderr}");
        // The console wraps the line at 80 columns.
        var text = System.Text.RegularExpressions.Regex.Replace(stdout, @"\s+", " ");
        Assert.Contains(FormattableString.Invariant($"differential privacy (client mode, fixed clip 0.5): ε {Expected(2, z):G4} at δ 0.001 after 2 rounds"), text);
        Assert.Contains("privacy budget: round 3", text);
    }

    [Fact]
    public async Task Server_mode_with_adaptive_clipping_moves_the_clip_and_charges_every_round()
    {
        const double z = 0.8;
        var id = await Fl.CreateAsync(PrivateSession(3, new JsonObject
        {
            ["differential_privacy"] = true, ["noise_multiplier"] = z, ["l2_norm_clip"] = 0.2, ["mode"] = "server",
            ["clipping"] = "adaptive", ["target_delta"] = Delta, ["target_quantile"] = 0.5, ["clip_learning_rate"] = 0.2,
            ["clip_count_stddev"] = 1.5,
        }));
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);

        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");
        Assert.Equal(3, session.Rounds.Count);
        Assert.Equal(0.2, session.Rounds[0].Privacy!.Clip);
        for (var r = 0; r < 3; r++)
        {
            var privacy = session.Rounds[r].Privacy!;
            Assert.Equal(z, privacy.NoiseMultiplier, 12);
            Assert.Equal(Expected(r + 1, z), privacy.Epsilon, 9);
            Assert.NotNull(privacy.UnclippedFraction);
            // The geometric step from the round's clip and its noisy fraction, and the next round starts there.
            Assert.Equal(AdaptiveClip.Next(privacy.Clip, privacy.UnclippedFraction!.Value, 0.5, 0.2), privacy.NextClip!.Value, 12);
            if (r < 2) Assert.Equal(privacy.NextClip!.Value, session.Rounds[r + 1].Privacy!.Clip, 12);
        }
        Assert.Equal(session.Rounds[2].Privacy!.NextClip!.Value, session.Privacy!.Clip, 12);
        Assert.Null(session.Privacy.UpdateEpsilon);
        Assert.Null(session.Privacy.StopReason);
        // The server-side tasks carry no privacy: the runners send their updates as trained.
        var task = await Fl.Cluster.TaskGrain(session.Rounds[0].Updates[0].TaskId!).Get();
        Assert.DoesNotContain("\"privacy\"", task!.Config);
    }

    [Fact]
    public async Task A_delta_of_one_over_the_participants_or_more_is_refused_at_start()
    {
        // min_participants 2 lets δ = 0.4 pass at creation; the three runners that start it make 1/n = 1/3.
        var body = PrivateSession(1, new JsonObject
        {
            ["differential_privacy"] = true, ["noise_multiplier"] = 1.0, ["l2_norm_clip"] = 1.0, ["mode"] = "server",
            ["clipping"] = "fixed", ["target_delta"] = 0.4,
        });
        body["min_participants"] = 2;
        var id = await Fl.CreateAsync(body);
        var (status, answer) = await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/start");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("config.privacy_config.target_delta 0.4 must be below 1/n for the 3 participants", answer.GetProperty("detail").GetString());
        Assert.Equal(FlSessionStatus.Pending, (await Fl.Session(id)).Status);
    }

    [Fact]
    public async Task A_max_epsilon_below_one_round_is_refused_at_start()
    {
        var id = await Fl.CreateAsync(PrivateSession(2, new JsonObject
        {
            ["differential_privacy"] = true, ["noise_multiplier"] = 1.0, ["l2_norm_clip"] = 1.0, ["mode"] = "client",
            ["clipping"] = "fixed", ["target_delta"] = Delta, ["max_epsilon"] = Expected(1, 1.0) * 0.9,
        }));
        var (status, answer) = await Fl.Send(HttpMethod.Post, $"{Sessions}/{id}/start");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("config.privacy_config.max_epsilon", answer.GetProperty("detail").GetString());
        Assert.Contains("a single round spends", answer.GetProperty("detail").GetString());
    }

    private async Task<List<FlSessionEvent>> Events(string id)
    {
        using var request = Fl.Gateway.Api(HttpMethod.Get, $"{Sessions}/{id}/events");
        using var response = await Fl.Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonSerializer.Deserialize<FlSessionEvent>(l[6..], ParityJson.Options)!).ToList();
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
