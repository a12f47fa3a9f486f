using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Federation;

/// <summary>
/// A participant's update is hostile until checked: it must be for this session and round, claim exactly its part's
/// rows, carry the global model's keys and shapes with finite values, and stay within the norm bound. The delta is
/// computed here from the weights sent.
/// </summary>
public sealed class UpdateCheckTests
{
    private const string Session = "3f2b1c9e-7a41-4d0b-9a57-2f64c1e0b8d3";
    private const string Round = Session + ":r2";
    private const int Rows = 50;
    private const int Part = 1;

    private static readonly Dictionary<string, float[]> Global = new()
    {
        ["w"] = [1f, 2f, 3f],
        ["b"] = [0.5f],
    };

    /// <summary>A <see cref="FederatedUpdate"/> as a round task prints it.</summary>
    private static JsonObject Update() => new()
    {
        ["session_id"] = Session,
        ["round_id"] = Round,
        ["model_type"] = "neural_network",
        ["weights"] = new JsonObject { ["w"] = new JsonArray(1.5, 1.0, 3.0), ["b"] = new JsonArray(-0.5) },
        ["gradients"] = new JsonObject { ["w"] = new JsonArray(100.0, 100.0, 100.0), ["b"] = new JsonArray(100.0) },
        ["data_size"] = Rows,
        ["loss"] = 0.42,
        ["accuracy"] = 0.9,
        ["training_time_ms"] = 1234,
        ["metadata"] = new JsonObject { ["participant"] = "runner-a" },
    };

    private static CheckedUpdate Check(string? output, double? maxNorm = null) =>
        UpdateCheck.Weights(output, Session, Round, Part, Rows, Global, maxNorm);

    private static CheckedUpdate Check(JsonObject update, double? maxNorm = null) => Check(update.ToJsonString(), maxNorm);

    private static string Refused(JsonObject update, double? maxNorm = null) => Refused(Check(update, maxNorm));

    private static string Refused(CheckedUpdate result)
    {
        Assert.False(result.Accepted, "the update was accepted");
        return result.Reason!;
    }

    [Fact]
    public void An_accepted_update_has_the_delta_from_its_weights_and_its_norm()
    {
        var result = Check(Update());

        Assert.True(result.Accepted, result.Reason);
        var delta = result.Delta!;
        Assert.Equal(Part, delta.PartIndex);
        Assert.Equal(Rows, delta.SampleCount);
        // weights − global by hand; the participant's own "gradients" (all 100) are not used.
        Assert.Equal([0.5f, -1f, 0f], delta.Delta["w"]);
        Assert.Equal([-1f], delta.Delta["b"]);
        Assert.Equal(2, delta.Delta.Count);
        // √(0.25 + 1 + 0 + 1) = 1.5
        Assert.Equal(1.5, result.Norm!.Value, 12);
        Assert.Equal(0.42, result.Parsed!.Loss);
        Assert.Equal(0.9, result.Parsed.Accuracy);
        Assert.Equal(1234, result.Parsed.TrainingMilliseconds);
    }

    [Fact]
    public void A_norm_at_the_bound_is_accepted_and_over_it_refused()
    {
        Assert.True(Check(Update(), maxNorm: 1.5).Accepted);
        var refused = Check(Update(), maxNorm: 1.4);
        Assert.Contains("config.max_update_norm", Refused(refused));
        Assert.Contains("1.5", refused.Reason);
        Assert.Equal(1.5, refused.Norm!.Value, 12);
        Assert.Null(refused.Delta);
    }

    [Fact]
    public void The_upstream_submission_shape_is_accepted()
    {
        // UPSTREAM.md §7.2: training_time rather than training_time_ms, runner_id and update_type, no model_type, and
        // a metadata holding only the submission time.
        var update = Update();
        update.Remove("training_time_ms");
        update.Remove("model_type");
        update["training_time"] = 987;
        update["runner_id"] = "device-7";
        update["update_type"] = "gradients";
        update["metadata"] = new JsonObject { ["submission_time"] = 1_733_500_000 };

        var result = Check(update);

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(987, result.Parsed!.TrainingMilliseconds);
        Assert.Equal([0.5f, -1f, 0f], result.Delta!.Delta["w"]);
    }

    [Theory]
    [InlineData(null, "no update")]
    [InlineData("", "no update")]
    [InlineData("  \n", "no update")]
    [InlineData("Traceback (most recent call last):", "not a valid model update")]
    [InlineData("{\"session_id\": ", "not a valid model update")]
    [InlineData("[1, 2]", "not a valid model update")]
    [InlineData("null", "null")]
    public void Output_that_is_not_an_update_is_refused(string? output, string expected) =>
        Assert.Contains(expected, Refused(Check(output)));

    [Fact]
    public void An_update_for_another_session_is_refused()
    {
        var update = Update();
        update["session_id"] = "another-session";
        Assert.Contains("for session another-session", Refused(update));
    }

    [Fact]
    public void An_update_without_a_session_is_refused()
    {
        var update = Update();
        update.Remove("session_id");
        Assert.Contains("for session (none)", Refused(update));
    }

    [Fact]
    public void An_update_for_another_round_is_refused()
    {
        // A replay of the participant's own update from the round before.
        var update = Update();
        update["round_id"] = Session + ":r1";
        var reason = Refused(update);
        Assert.Contains($"round {Session}:r1", reason);
        Assert.Contains(Round, reason);
    }

    [Theory]
    [InlineData(Rows * 100)]
    [InlineData(Rows + 1)]
    [InlineData(Rows - 1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void A_data_size_other_than_the_parts_rows_is_refused(int claimed)
    {
        // The inflation attack: claiming more rows buys a larger share of the weighted average.
        var update = Update();
        update["data_size"] = claimed;
        Assert.Contains($"data_size {claimed} is not the {Rows} rows", Refused(update));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"50\"")]
    [InlineData("50.5")]
    [InlineData("1e12")]
    public void A_data_size_missing_or_not_an_int_is_refused(string raw)
    {
        var update = Update();
        update["data_size"] = JsonNode.Parse(raw);
        var reason = Refused(update);
        Assert.True(reason.Contains("no data_size") || reason.Contains("not a valid model update"), reason);
    }

    [Fact]
    public void A_missing_loss_is_refused()
    {
        var update = Update();
        update.Remove("loss");
        Assert.Contains("no finite loss", Refused(update));
    }

    [Fact]
    public void A_non_finite_loss_is_refused()
    {
        // 1e309 overflows a double: the serializer refuses it or reads ∞; either way the update must not count.
        var json = Update().ToJsonString().Replace("\"loss\":0.42", "\"loss\":1e309");
        Assert.Contains("1e309", json);
        var reason = Refused(Check(json));
        Assert.True(reason.Contains("no finite loss") || reason.Contains("not a valid model update"), reason);
    }

    [Fact]
    public void Missing_weights_are_refused()
    {
        var update = Update();
        update.Remove("weights");
        Assert.Contains("no weights", Refused(update));
    }

    [Fact]
    public void A_missing_key_is_refused()
    {
        var update = Update();
        ((JsonObject)update["weights"]!).Remove("b");
        Assert.Contains("weights lacks b", Refused(update));
    }

    [Fact]
    public void An_extra_key_is_refused()
    {
        var update = Update();
        update["weights"]!["backdoor"] = new JsonArray(1.0);
        Assert.Contains("weights has backdoor", Refused(update));
    }

    [Theory]
    [InlineData("[1.5, 1.0]", 2)]
    [InlineData("[1.5, 1.0, 3.0, 4.0]", 4)]
    [InlineData("[]", 0)]
    [InlineData("null", 0)]
    public void A_wrong_length_is_refused(string raw, int length)
    {
        var update = Update();
        update["weights"]!["w"] = JsonNode.Parse(raw);
        Assert.Contains($"weights.w has {length} values, the global model 3", Refused(update));
    }

    [Fact]
    public void A_value_too_large_for_a_float_is_refused()
    {
        // 1e39 is beyond float.MaxValue (≈3.4e38): System.Text.Json reads it as +∞ for a float (it does not throw), and
        // the finiteness check must catch it rather than let ∞ into the average.
        var json = Update().ToJsonString().Replace("[1.5,1,3]", "[1.5,1e39,3]");
        Assert.Contains("1e39", json);
        var reason = Refused(Check(json));
        Assert.Contains("weights.w[1]", reason);
        Assert.Contains("not a finite number", reason);
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("\"1.5\"")]
    [InlineData("true")]
    public void A_value_that_is_not_a_json_number_is_refused(string raw)
    {
        var json = Update().ToJsonString().Replace("[1.5,1,3]", $"[1.5,{raw},3]");
        Assert.Contains("not a valid model update", Refused(Check(json)));
    }

    [Fact]
    public void A_value_whose_difference_overflows_is_refused()
    {
        // Both finite, but the difference from a large global value is not.
        var global = new Dictionary<string, float[]> { ["w"] = [-float.MaxValue, 2f, 3f], ["b"] = [0.5f] };
        var update = Update();
        update["weights"]!["w"] = new JsonArray((double)float.MaxValue, 1.0, 3.0);
        var result = UpdateCheck.Weights(update.ToJsonString(), Session, Round, Part, Rows, global, null);
        Assert.Contains("weights.w[0] is too far from the global model", Refused(result));
    }

    private static string ForestUpdate(byte[] forest) => ForestUpdate(Convert.ToBase64String(forest));

    private static string ForestUpdate(string? base64)
    {
        var update = Update();
        update.Remove("weights");
        update.Remove("gradients");
        update["model_type"] = "random_forest";
        update["forest"] = base64;
        return update.ToJsonString();
    }

    private static byte[] IrisForest() =>
        ForestSerializer.Serialize(new ForestTrainer(new ForestOptions { Trees = 3, MaxDepth = 3, RandomState = 5 }).Fit(Iris));

    [Fact]
    public void A_serialized_forest_is_accepted()
    {
        var bytes = IrisForest();
        var result = UpdateCheck.Forest(ForestUpdate(bytes), Session, Round, Rows, featureCount: 4, classCount: 3);

        Assert.True(result.Accepted, result.Reason);
        Assert.Equal(bytes, ForestSerializer.Serialize(result.Forest!));
        Assert.Null(result.Delta);
    }

    [Fact]
    public void A_forest_update_is_checked_for_session_round_and_rows_too()
    {
        var json = ForestUpdate(IrisForest()).Replace($"\"data_size\":{Rows}", "\"data_size\":5000");
        Assert.Contains("data_size 5000", Refused(UpdateCheck.Forest(json, Session, Round, Rows, 4, 3)));
    }

    [Theory]
    [InlineData(null, "no forest")]
    [InlineData("", "no forest")]
    [InlineData("!!not base64!!", "does not decode")]
    [InlineData("aGVsbG8gd29ybGQ=", "does not decode")] // "hello world"
    public void A_forest_that_is_missing_or_garbage_is_refused(string? base64, string expected) =>
        Assert.Contains(expected, Refused(UpdateCheck.Forest(ForestUpdate(base64), Session, Round, Rows, 4, 3)));

    [Fact]
    public void A_cut_off_forest_is_refused_at_every_length()
    {
        var bytes = IrisForest();
        for (var length = 0; length < bytes.Length; length += Math.Max(1, length / 8))
        {
            var result = UpdateCheck.Forest(ForestUpdate(bytes[..length]), Session, Round, Rows, 4, 3);
            Assert.False(result.Accepted, $"a forest cut to {length} of {bytes.Length} bytes was accepted");
        }
    }

    [Fact]
    public void A_forest_with_any_byte_corrupted_is_refused_or_still_a_valid_forest()
    {
        // A hostile participant controls every byte: whatever it sends, the check answers, it never throws.
        var bytes = IrisForest();
        foreach (var value in (byte[])[0x00, 0x7F, 0xFF])
            for (var i = 0; i < bytes.Length; i++)
            {
                var corrupted = (byte[])bytes.Clone();
                corrupted[i] = value;
                var result = UpdateCheck.Forest(ForestUpdate(corrupted), Session, Round, Rows, 4, 3);
                if (result.Accepted) Assert.NotNull(result.Forest);
                else Assert.False(string.IsNullOrEmpty(result.Reason));
            }
    }

    [Fact]
    public void A_forest_over_other_features_is_refused()
    {
        var reason = Refused(UpdateCheck.Forest(ForestUpdate(IrisForest()), Session, Round, Rows, featureCount: 5, classCount: 3));
        Assert.Contains("the forest has 4 features, the dataset 5", reason);
    }

    [Fact]
    public void A_forest_over_more_classes_than_the_dataset_is_refused()
    {
        var reason = Refused(UpdateCheck.Forest(ForestUpdate(IrisForest()), Session, Round, Rows, featureCount: 4, classCount: 2));
        Assert.Contains("3 classes, the dataset has 2", reason);
    }

    /// <summary>Under secure aggregation: only the masked vector of the round's length from the agreed sender, nothing in the clear.</summary>
    [Fact]
    public void A_masked_update_is_checked_for_clear_weights_its_sender_and_its_length()
    {
        JsonObject Masked(Action<JsonObject>? change = null)
        {
            var update = Update();
            update["weights"] = new JsonObject();
            update["gradients"] = new JsonObject();
            update["masked_update"] = Convert.ToBase64String(new byte[5 * 4]);
            update["sec_agg_participant"] = 2;
            change?.Invoke(update);
            return update;
        }
        string? Reason(JsonObject update) => UpdateCheck.Masked(update.ToJsonString(), Session, Round, Rows, participant: 2, vectorLength: 5).Reason;

        var accepted = UpdateCheck.Masked(Masked().ToJsonString(), Session, Round, Rows, 2, 5);
        Assert.True(accepted.Accepted, accepted.Reason);
        Assert.Equal(20, accepted.Masked!.Length);
        Assert.Null(accepted.Parsed!.MaskedUpdate);
        Assert.StartsWith("the update carries weights in the clear", Reason(Masked(u => u["weights"] = new JsonObject { ["w"] = new JsonArray(1.0) })));
        Assert.StartsWith("the update carries weights in the clear", Reason(Masked(u => u["gradients"] = new JsonObject { ["w"] = new JsonArray(1.0) })));
        Assert.Equal("the update is from secure-aggregation participant 3, not 2", Reason(Masked(u => u["sec_agg_participant"] = 3)));
        Assert.StartsWith("masked_update is not base64", Reason(Masked(u => u["masked_update"] = "not base64!")));
        Assert.StartsWith("masked_update is not base64: it is missing", Reason(Masked(u => u.Remove("masked_update"))));
        Assert.Equal("masked_update has 16 bytes, the round's vector 20", Reason(Masked(u => u["masked_update"] = Convert.ToBase64String(new byte[16]))));
        Assert.StartsWith("data_size 7 is not", Reason(Masked(u => u["data_size"] = 7)));
    }
}
