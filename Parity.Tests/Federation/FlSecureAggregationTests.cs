using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// Secure aggregation in sessions on a three-silo cluster: the model equals plain FedAvg's within the fixed-point
/// bound, no update leaves its runner in the clear, and what secure aggregation cannot serve is refused by name.
/// </summary>
public sealed class FlSecureAggregationTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private FlSessionCluster Fl => fixture.Fl;
    private const string Sessions = "/api/v1/federated-learning/sessions";

    internal static JsonObject Secure(JsonObject body)
    {
        body["config"]!["max_update_norm"] = 100;
        body["config"]!["privacy_config"] = new JsonObject { ["secure_aggregation"] = true };
        return body;
    }

    [Fact]
    public async Task A_secure_session_trains_the_model_plain_fedavg_trains_within_the_fixed_point_bound()
    {
        var plain = Fl.IrisSession(rounds: 2);
        plain["config"]!["max_update_norm"] = 100;
        var secure = Secure(Fl.IrisSession(rounds: 2));
        var plainId = await Fl.CreateAsync(plain);
        var secureId = await Fl.CreateAsync(secure);
        await Fl.StartSessionAsync(plainId);
        await Fl.StartSessionAsync(secureId);
        Assert.Equal(FlSessionStatus.Completed, (await Fl.WaitFinished(plainId)).Status);
        var session = await Fl.WaitFinished(secureId);
        Assert.True(session.Status == FlSessionStatus.Completed, $"{session.Status}: {session.Error}");

        foreach (var round in session.Rounds)
        {
            Assert.Equal([0, 1, 2], round.Aggregated!);
            Assert.All(round.Updates, u => Assert.Equal(FlUpdateStatus.Accepted, u.Status));
        }
        var expected = Weights(await Fl.Model(plainId));
        var actual = Weights(await Fl.Model(secureId));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        // Clip range ±200 over 3 summands: 2^-21 resolution, so the mean of round 1 is within ~1e-6 of FedAvg's; round 2
        // starts from that model, and local training carries the difference on without growing it past 1e-3.
        var largest = expected.Keys.Max(key => expected[key].Zip(actual[key], (a, b) => Math.Abs(a - b)).Max());
        Assert.True(largest < 1e-3, $"largest difference {largest}");
        Assert.NotEqual((await Fl.Model(plainId)).Sha256, (await Fl.Model(secureId)).Sha256);

        var events = await Fl.Cluster.Client.GetGrain<IFlSessionGrain>(secureId).NextEvents(0, TimeSpan.Zero);
        Assert.Equal(2, events.Count(e => e.Type == "secure_aggregation_ready" && e.Message.Contains("keys agreed among 3 of 3 participants (threshold 3")));
    }

    [Fact]
    public async Task No_update_leaves_its_runner_in_the_clear()
    {
        var id = await Fl.CreateAsync(Secure(Fl.IrisSession(rounds: 1)));
        await Fl.StartSessionAsync(id);
        var session = await Fl.WaitFinished(id);
        Assert.Equal(FlSessionStatus.Completed, session.Status);
        foreach (var update in session.Rounds[0].Updates)
        {
            // What the runner returned, as the task grain (and its storage) holds it: the masked vector, no weights.
            var result = (await Fl.Cluster.TaskGrain(update.TaskId!).GetResult())!;
            using var sent = JsonDocument.Parse(result.Stdout);
            Assert.Empty(sent.RootElement.GetProperty("weights").EnumerateObject());
            Assert.False(sent.RootElement.TryGetProperty("gradients", out var gradients) && gradients.EnumerateObject().Any());
            var masked = Convert.FromBase64String(sent.RootElement.GetProperty("masked_update").GetString()!);
            // Iris' 8-unit network has 4·8 + 8 + 8·3 + 3 = 67 values, and the weight: 68 ring words. Masked, they read
            // as uniform 32-bit words; a plain encoding of small deltas would be near 0 or near 2^32.
            Assert.Equal(68 * 4, masked.Length);
            var words = Enumerable.Range(0, 68).Select(i => BitConverter.ToUInt32(masked, i * 4)).ToList();
            Assert.True(words.Count(w => w is > 1u << 28 and < uint.MaxValue - (1u << 28)) > 50,
                "the masked words should spread over the ring, not cluster around 0");
        }
    }

    [Fact]
    public async Task Client_side_differential_privacy_noises_before_masking_and_reports_the_same_epsilon()
    {
        JsonObject Private(bool secure)
        {
            var body = Fl.IrisSession(rounds: 2);
            body["config"]!["privacy_config"] = new JsonObject
            {
                ["differential_privacy"] = true, ["noise_multiplier"] = 1.0, ["l2_norm_clip"] = 1.0, ["mode"] = "client",
                ["clipping"] = "fixed", ["target_delta"] = 0.01, ["secure_aggregation"] = secure,
            };
            return body;
        }
        var plainId = await Fl.CreateAsync(Private(secure: false));
        var secureId = await Fl.CreateAsync(Private(secure: true));
        await Fl.StartSessionAsync(plainId);
        await Fl.StartSessionAsync(secureId);
        var plain = await Fl.WaitFinished(plainId);
        var secure = await Fl.WaitFinished(secureId);
        Assert.True(secure.Status == FlSessionStatus.Completed, $"{secure.Status}: {secure.Error}");
        Assert.Equal(FlSessionStatus.Completed, plain.Status);
        // The same noise and the same updates aggregated: the same privacy spent, round by round.
        Assert.Equal(plain.Rounds.Select(r => r.Privacy!.Epsilon), secure.Rounds.Select(r => r.Privacy!.Epsilon));
        // Single updates: the plain session sees them (and says what that leaves); under secure aggregation nobody does.
        Assert.NotNull(plain.Privacy!.UpdateEpsilon);
        Assert.Null(secure.Privacy!.UpdateEpsilon);
        Assert.All(secure.Rounds, r => Assert.Equal([0, 1, 2], r.Aggregated!));
        Assert.All(Weights(await Fl.Model(secureId)).Values.SelectMany(v => v), w => Assert.True(float.IsFinite(w) && Math.Abs(w) < 50, $"{w}"));
    }

    [Theory]
    [InlineData("krum", null, "config.privacy_config.secure_aggregation: krum needs each participant's update")]
    [InlineData("fedavg", "external", "config.privacy_config.secure_aggregation: external_participants cannot take part")]
    [InlineData("fedavg", "unbounded", "config.privacy_config.secure_aggregation needs a bound on each update")]
    [InlineData("fedavg", "server-dp", "config.privacy_config.secure_aggregation: server-mode differential privacy")]
    [InlineData("tree_union", "forest", "config.privacy_config.secure_aggregation: random_forest is not covered")]
    public async Task What_secure_aggregation_cannot_serve_is_refused_by_name(string method, string? variant, string message)
    {
        var body = Secure(Fl.IrisSession(rounds: 1));
        body["config"]!["aggregation_method"] = method;
        if (method == "krum") body["config"]!["num_malicious"] = 0;
        switch (variant)
        {
            case "external":
                body["external_participants"] = new JsonArray("lab-ext");
                break;
            case "unbounded":
                ((JsonObject)body["config"]!).Remove("max_update_norm");
                break;
            case "server-dp":
                body["config"]!["privacy_config"] = new JsonObject
                {
                    ["secure_aggregation"] = true, ["differential_privacy"] = true, ["noise_multiplier"] = 1.0, ["l2_norm_clip"] = 1.0,
                    ["mode"] = "server", ["clipping"] = "fixed", ["target_delta"] = 0.01,
                };
                break;
            case "forest":
                body["model_type"] = "random_forest";
                body["config"] = new JsonObject
                {
                    ["aggregation_method"] = "tree_union", ["model_config"] = new JsonObject { ["n_estimators"] = 5 },
                    ["privacy_config"] = new JsonObject { ["secure_aggregation"] = true },
                };
                break;
        }
        var (status, error) = await Fl.Send(HttpMethod.Post, Sessions, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, error.ToString());
    }

    internal static Dictionary<string, float[]> Weights(FlModelView model)
    {
        using var data = JsonDocument.Parse(model.ModelData);
        return data.RootElement.GetProperty("weights").Deserialize<Dictionary<string, float[]>>(ParityJson.Options)!;
    }
}
