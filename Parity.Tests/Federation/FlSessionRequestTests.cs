using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Tests.Federation;

/// <summary>
/// The body of <c>POST /api/v1/federated-learning/sessions</c>: the upstream's shape (UPSTREAM.md §7.1) parses with every
/// value kept, Parity's additions are read as documented, and every bad field is refused with its path in the message.
/// </summary>
public sealed class FlSessionRequestTests
{
    private static readonly string DatasetCid = Cid.Of("iris rows"u8, Multicodec.Raw, 1).ToString();
    private static readonly string TestCid = Cid.Of("iris test rows"u8, Multicodec.Raw, 1).ToString();

    /// <summary>A body as the upstream's client sends it.</summary>
    private static JsonObject Body(string modelType = "neural_network") => new()
    {
        ["name"] = "iris federation",
        ["model_type"] = modelType,
        ["total_rounds"] = 5,
        ["min_participants"] = 2,
        ["training_data"] = new JsonObject
        {
            ["dataset_cid"] = DatasetCid,
            ["data_format"] = "csv",
            ["split_strategy"] = "non_iid",
            ["metadata"] = new JsonObject { ["min_samples"] = 10, ["alpha"] = 0.5, ["overlap_ratio"] = 0.1 },
        },
        ["config"] = new JsonObject
        {
            ["aggregation_method"] = "FedAvg",
            ["learning_rate"] = 0.05,
            ["batch_size"] = 16,
            ["local_epochs"] = 3,
            ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
        },
    };

    private static JsonObject ForestBody()
    {
        var body = Body("random_forest");
        body["total_rounds"] = 1;
        var config = (JsonObject)body["config"]!;
        config.Remove("learning_rate");
        config.Remove("batch_size");
        config.Remove("local_epochs");
        config["model_config"] = new JsonObject { ["n_estimators"] = 10 };
        return body;
    }

    private static FlSessionSpec Parse(JsonObject body, long defaultSeed = 99)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return FlSessionRequest.Parse(document.RootElement, () => defaultSeed);
    }

    private static string Refused(JsonObject body)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return Assert.Throws<TaskConfigException>(() => FlSessionRequest.Parse(document.RootElement, () => 1)).Message;
    }

    /// <summary>Sets (or, with <paramref name="remove"/>, removes) the field at a dotted path.</summary>
    private static JsonObject Set(JsonObject body, string path, JsonNode? value, bool remove = false)
    {
        var names = path.Split('.');
        var parent = body;
        foreach (var name in names[..^1]) parent = (JsonObject)parent[name]!;
        if (remove) Assert.True(parent.Remove(names[^1]), $"the valid body has no {path}");
        else parent[names[^1]] = value;
        return body;
    }

    private static JsonObject Without(string path, JsonObject? body = null) => Set(body ?? Body(), path, null, remove: true);

    private static JsonObject With(string path, string rawJson, JsonObject? body = null) =>
        Set(body ?? Body(), path, JsonNode.Parse(rawJson));

    [Fact]
    public void The_test_cids_are_cids()
    {
        Assert.True(Cid.TryParse(DatasetCid, out _, out var error), error);
        Assert.True(Cid.TryParse("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy", out _, out error), error);
    }

    [Fact]
    public void An_upstream_body_parses_with_its_values()
    {
        var spec = Parse(Body());

        Assert.Equal("iris federation", spec.Name);
        Assert.Equal(FederatedModelType.NeuralNetwork, spec.ModelType);
        Assert.Equal(5, spec.TotalRounds);
        Assert.Equal(2, spec.MinParticipants);
        Assert.Equal(DatasetCid, spec.TrainingData.DatasetCid);
        Assert.Equal("csv", spec.TrainingData.DataFormat);
        Assert.Equal("non_iid", spec.TrainingData.SplitStrategy);
        Assert.Equal(10, spec.TrainingData.MinSamples);
        Assert.Equal(0.5, spec.TrainingData.Alpha);
        Assert.Equal(0.1, spec.TrainingData.OverlapRatio);
        Assert.Equal("fedavg", spec.AggregationMethod);
        using var config = JsonDocument.Parse(spec.Config);
        Assert.Equal(0.05, config.RootElement.GetProperty("learning_rate").GetDouble());
        Assert.Equal(16, config.RootElement.GetProperty("batch_size").GetInt32());
        Assert.Equal(3, config.RootElement.GetProperty("local_epochs").GetInt32());
        Assert.Equal(8, config.RootElement.GetProperty("model_config").GetProperty("hidden_size").GetInt32());
        // What the upstream does not send takes Parity's documented defaults.
        Assert.Equal(FlSessionRequest.DefaultRoundTimeout, spec.RoundTimeout);
        Assert.Equal(new FlQuorum { Count = 2 }, spec.Quorum);
        Assert.Null(spec.Participants);
        Assert.Null(spec.TestDatasetCid);
        Assert.Null(spec.CreatorAddress);
        Assert.Equal("", spec.Description);
    }

    [Fact]
    public void The_full_upstream_body_with_its_unused_fields_parses()
    {
        // Every field UPSTREAM.md §7.1 shows, a CIDv0 included; the ones Parity does not use are ignored, and privacy
        // switched off is no privacy asked for.
        var cidV0 = Cid.Of("dag node"u8, Multicodec.DagPb, 0).ToString();
        Assert.StartsWith("Qm", cidV0);
        var body = Body();
        body["description"] = "";
        body["creator_address"] = "0x1234";
        body["config"]!["aggregation_method"] = "federated_averaging";
        body["config"]!["client_selection"] = "";
        body["config"]!["privacy_config"] = new JsonObject
        {
            ["differential_privacy"] = false, ["noise_multiplier"] = 0, ["l2_norm_clip"] = 0, ["secure_aggregation"] = false,
        };
        var data = (JsonObject)body["training_data"]!;
        data["dataset_cid"] = cidV0;
        data["dataset_size"] = 0;
        data["features"] = new JsonArray();
        data["labels"] = new JsonArray();

        var spec = Parse(body);

        Assert.Equal(cidV0, spec.TrainingData.DatasetCid);
        Assert.Equal("federated_averaging", spec.AggregationMethod);
        Assert.Equal("0x1234", spec.CreatorAddress);
    }

    [Fact]
    public void The_upstreams_zero_min_participants_is_refused_not_replaced()
    {
        // The upstream turns 0 into 2 silently; here the number asked for is the number used, so 0 is an error.
        Assert.Contains("min_participants must be a positive integer, got 0", Refused(With("min_participants", "0")));
    }

    [Fact]
    public void The_default_seed_comes_from_the_callback_and_is_recorded()
    {
        var calls = 0;
        using var document = JsonDocument.Parse(Body().ToJsonString());
        var spec = FlSessionRequest.Parse(document.RootElement, () => { calls++; return 123_456_789_012L; });
        Assert.Equal(123_456_789_012L, spec.Seed);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void A_given_seed_is_kept_and_the_callback_not_asked()
    {
        var body = With("seed", "-42");
        using var document = JsonDocument.Parse(body.ToJsonString());
        var spec = FlSessionRequest.Parse(document.RootElement, () => throw new InvalidOperationException("asked for a seed"));
        Assert.Equal(-42, spec.Seed);
    }

    [Fact]
    public void The_evaluation_fraction_is_read_and_absent_means_none()
    {
        Assert.Null(Parse(Body()).EvaluationFraction);
        Assert.Equal(0.5, Parse(With("config.evaluation_fraction", "0.5")).EvaluationFraction);
        Assert.Equal(0.05, Parse(With("config.evaluation_fraction", "0.05")).EvaluationFraction);
    }

    [Theory]
    [InlineData("0", "config.evaluation_fraction must be in (0, 0.5], got 0")]
    [InlineData("0.6", "config.evaluation_fraction must be in (0, 0.5], got 0.6")]
    [InlineData("-1", "config.evaluation_fraction must be in (0, 0.5], got -1")]
    [InlineData("\"x\"", "config.evaluation_fraction must be a number")]
    public void A_bad_evaluation_fraction_is_refused_naming_it(string raw, string expected) =>
        Assert.Equal(expected, Refused(With("config.evaluation_fraction", raw)));

    [Fact]
    public void Paritys_additions_are_read()
    {
        var body = Body();
        body["round_timeout_seconds"] = 90;
        body["participants"] = new JsonArray(" runner-a ", "runner-b", "runner-c");
        body["test_dataset_cid"] = TestCid;
        body["seed"] = 7;
        body["quorum"] = 2;
        body["description"] = "three hospitals";
        body["creator_address"] = "0xabc";

        var spec = Parse(body);

        Assert.Equal(TimeSpan.FromSeconds(90), spec.RoundTimeout);
        Assert.Equal(["runner-a", "runner-b", "runner-c"], spec.Participants);
        Assert.Equal(TestCid, spec.TestDatasetCid);
        Assert.Equal(7, spec.Seed);
        Assert.Equal(new FlQuorum { Count = 2 }, spec.Quorum);
        Assert.Equal("three hospitals", spec.Description);
        Assert.Equal("0xabc", spec.CreatorAddress);
    }

    [Theory]
    [InlineData("2", 2, null)]
    [InlineData("1", 1, null)]
    [InlineData("0.5", null, 0.5)]
    [InlineData("1.0", null, 1.0)]
    [InlineData("5e-1", null, 0.5)]
    public void A_quorum_is_a_count_or_a_fraction_as_written(string raw, int? count, double? fraction)
    {
        var spec = Parse(With("quorum", raw));
        Assert.Equal(new FlQuorum { Count = count, Fraction = fraction }, spec.Quorum);
    }

    [Fact]
    public void A_random_forest_needs_no_learning_rate_batch_size_or_epochs()
    {
        var spec = Parse(ForestBody());
        Assert.Equal(FederatedModelType.RandomForest, spec.ModelType);
        Assert.Equal(1, spec.TotalRounds);
    }

    [Fact]
    public void Linear_regression_parses()
    {
        var body = Body("linear_regression");
        body["config"]!["model_config"] = new JsonObject { ["fit_intercept"] = true };
        Assert.Equal(FederatedModelType.LinearRegression, Parse(body).ModelType);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("model_type")]
    [InlineData("total_rounds")]
    [InlineData("min_participants")]
    [InlineData("training_data")]
    [InlineData("training_data.dataset_cid")]
    [InlineData("training_data.data_format")]
    [InlineData("training_data.split_strategy")]
    [InlineData("training_data.metadata")]
    [InlineData("training_data.metadata.min_samples")]
    [InlineData("config")]
    [InlineData("config.aggregation_method")]
    [InlineData("config.model_config")]
    [InlineData("config.learning_rate")]
    [InlineData("config.batch_size")]
    [InlineData("config.local_epochs")]
    public void A_missing_required_field_is_named(string path)
    {
        var message = Refused(Without(path));
        Assert.Contains(path, message);
        Assert.Contains("required", message);
    }

    [Theory]
    [InlineData("config.learning_rate")]
    [InlineData("config.batch_size")]
    [InlineData("config.local_epochs")]
    public void Linear_regression_needs_the_training_parameters_too(string path)
    {
        var body = Body("linear_regression");
        body["config"]!["model_config"] = new JsonObject { ["fit_intercept"] = true };
        Assert.Contains($"{path} is required", Refused(Without(path, body)));
    }

    [Theory]
    [InlineData("name", "\"\"")]
    [InlineData("name", "\"   \"")]
    [InlineData("config.aggregation_method", "\"\"")]
    [InlineData("training_data.dataset_cid", "null")]
    public void An_empty_or_null_required_field_counts_as_missing(string path, string raw) =>
        Assert.Contains($"{path} is required", Refused(With(path, raw)));

    [Theory]
    [InlineData("name", "5", "name must be a string")]
    [InlineData("model_type", "[]", "model_type must be a string")]
    [InlineData("total_rounds", "\"5\"", "total_rounds must be a positive integer")]
    [InlineData("total_rounds", "2.5", "total_rounds must be a positive integer")]
    [InlineData("total_rounds", "0", "total_rounds must be a positive integer")]
    [InlineData("total_rounds", "10001", "total_rounds must be at most 10000")]
    [InlineData("min_participants", "-1", "min_participants must be a positive integer")]
    [InlineData("min_participants", "257", "min_participants must be at most 256")]
    [InlineData("training_data", "\"cid\"", "training_data must be a JSON object")]
    [InlineData("training_data.metadata", "[]", "training_data.metadata must be a JSON object")]
    [InlineData("training_data.metadata.min_samples", "1.5", "training_data.metadata.min_samples must be a positive integer")]
    [InlineData("training_data.metadata.min_samples", "0", "training_data.metadata.min_samples must be a positive integer")]
    [InlineData("training_data.metadata.alpha", "\"0.5\"", "training_data.metadata.alpha must be a number")]
    [InlineData("training_data.metadata.overlap_ratio", "true", "training_data.metadata.overlap_ratio must be a number")]
    [InlineData("training_data.metadata.overlap_ratio", "1.0", "training_data.metadata.overlap_ratio")]
    [InlineData("training_data.data_format", "\"parquet\"", "training_data.data_format: unsupported data_format")]
    [InlineData("config", "[1]", "config must be a JSON object")]
    [InlineData("config.model_config", "\"hidden_size=8\"", "config.model_config must be a JSON object")]
    [InlineData("config.model_config", "{}", "config.model_config must not be empty")]
    [InlineData("config.aggregation_method", "1", "config.aggregation_method must be a string")]
    [InlineData("config.train_config", "[]", "config.train_config must be a JSON object")]
    [InlineData("config.privacy_config", "true", "config.privacy_config must be a JSON object")]
    [InlineData("round_timeout_seconds", "0", "round_timeout_seconds must be a positive integer")]
    [InlineData("round_timeout_seconds", "86401", "round_timeout_seconds must be at most 86400")]
    [InlineData("seed", "1.5", "seed must be a 64-bit integer")]
    [InlineData("seed", "\"7\"", "seed must be a 64-bit integer")]
    [InlineData("participants", "\"runner-a\"", "participants must be an array")]
    [InlineData("test_dataset_cid", "3", "test_dataset_cid must be a string")]
    [InlineData("quorum", "\"2\"", "quorum must be a count")]
    public void A_field_of_the_wrong_type_or_range_is_named(string path, string raw, string expected) =>
        Assert.Contains(expected, Refused(With(path, raw)));

    [Fact]
    public void A_body_that_is_not_an_object_is_refused()
    {
        using var document = JsonDocument.Parse("[]");
        var error = Assert.Throws<TaskConfigException>(() => FlSessionRequest.Parse(document.RootElement, () => 1));
        Assert.Contains("JSON object", error.Message);
    }

    [Fact]
    public void A_name_over_the_limit_is_refused()
    {
        var message = Refused(Set(Body(), "name", new string('n', FlSessionRequest.MaxNameLength + 1)));
        Assert.Contains($"name must be at most {FlSessionRequest.MaxNameLength} characters", message);
    }

    [Theory]
    [InlineData("training_data.dataset_cid", "not-a-cid")]
    [InlineData("training_data.dataset_cid", "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52z!")]
    [InlineData("test_dataset_cid", "Qm123")]
    public void An_invalid_cid_is_named(string path, string value)
    {
        var message = Refused(Set(Body(), path, value));
        Assert.Contains(path, message);
        Assert.Contains("is not a CID", message);
    }

    [Fact]
    public void An_unknown_model_type_lists_the_valid_ones()
    {
        var message = Refused(Set(Body(), "model_type", "svm"));
        Assert.Contains("model_type", message);
        Assert.Contains("svm", message);
        Assert.Contains("neural_network, linear_regression or random_forest", message);
    }

    [Fact]
    public void An_unknown_split_strategy_lists_the_valid_ones()
    {
        var message = Refused(Set(Body(), "training_data.split_strategy", "by_hospital"));
        Assert.Contains("training_data.split_strategy", message);
        Assert.Contains("by_hospital", message);
        Assert.Contains("random, iid, stratified, sequential, non_iid, dirichlet or label_skew", message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("300")]
    [InlineData("0.0")]
    [InlineData("-0.5")]
    public void A_quorum_out_of_range_is_refused(string raw)
    {
        var message = Refused(With("quorum", raw));
        Assert.Contains($"quorum {raw}", message);
    }

    [Fact]
    public void A_participant_named_twice_is_refused()
    {
        var body = Body();
        body["participants"] = new JsonArray("runner-a", "runner-b", " runner-a");
        var message = Refused(body);
        Assert.Contains("participants[2]", message);
        Assert.Contains("runner-a", message);
        Assert.Contains("twice", message);
    }

    [Theory]
    [InlineData("[\"runner-a\", \"\"]", "participants[1]")]
    [InlineData("[\"runner-a\", \"   \"]", "participants[1]")]
    [InlineData("[7, \"runner-a\"]", "participants[0]")]
    [InlineData("[\"runner-a\", null]", "participants[1]")]
    public void A_participant_that_is_not_a_name_is_refused(string raw, string expected) =>
        Assert.Contains(expected, Refused(With("participants", raw)));

    [Fact]
    public void A_too_long_participant_name_is_refused() =>
        Assert.Contains("participants[1]", Refused(Set(Body(), "participants", new JsonArray("runner-a", new string('r', 129)))));

    [Fact]
    public void A_flood_of_participants_is_refused_by_its_count()
    {
        // 50,000 names (some repeated): refused for the count before any name is compared with the others.
        var names = new JsonArray();
        for (var i = 0; i < 50_000; i++) names.Add($"runner-{i % 40_000}");
        var message = Refused(Set(Body(), "participants", names));
        Assert.Contains($"participants: at most {FlSessionRequest.MaxParticipants} runners, got 50000", message);
    }

    [Fact]
    public void Fewer_participants_than_min_participants_are_refused()
    {
        var body = With("min_participants", "3");
        body["participants"] = new JsonArray("runner-a", "runner-b");
        var message = Refused(body);
        Assert.Contains("participants", message);
        Assert.Contains("min_participants (3)", message);
    }

    [Fact]
    public void A_quorum_count_above_the_named_participants_is_refused()
    {
        var body = With("quorum", "3");
        body["participants"] = new JsonArray("runner-a", "runner-b");
        var message = Refused(body);
        Assert.Contains("quorum 3", message);
        Assert.Contains("2 participants", message);
    }

    [Fact]
    public void A_random_forest_over_several_rounds_is_refused()
    {
        var message = Refused(With("total_rounds", "3", ForestBody()));
        Assert.Contains("total_rounds must be 1 for random_forest, got 3", message);
    }

    [Fact]
    public void Secure_aggregation_needs_a_bound_on_each_update_and_is_then_taken()
    {
        var body = Body();
        body["config"]!["privacy_config"] = new JsonObject { ["secure_aggregation"] = true };
        Assert.StartsWith("config.privacy_config.secure_aggregation needs a bound on each update", Refused(body));
        body["config"]!["max_update_norm"] = 5;
        Assert.True(Parse(body).SecureAggregation);
        body["min_participants"] = 1;
        Assert.StartsWith("config.privacy_config.secure_aggregation needs min_participants ≥ 2", Refused(body));
    }

    [Fact]
    public void Privacy_switched_off_is_accepted()
    {
        var body = Body();
        body["config"]!["privacy_config"] = new JsonObject { ["differential_privacy"] = false, ["secure_aggregation"] = false };
        Assert.Equal("iris federation", Parse(body).Name);
    }

    [Fact]
    public void A_privacy_flag_that_is_not_a_boolean_is_refused()
    {
        var body = Body();
        body["config"]!["privacy_config"] = new JsonObject { ["differential_privacy"] = "yes" };
        Assert.Contains("config.privacy_config.differential_privacy must be true or false", Refused(body));
    }

    [Fact]
    public void An_unknown_train_config_key_is_refused()
    {
        var body = Body();
        body["config"]!["train_config"] = new JsonObject { ["optimizer"] = "adam", ["dropout"] = 0.5 };
        var message = Refused(body);
        Assert.Contains("config.train_config.dropout", message);
        Assert.Contains("optimizer", message);
    }

    [Fact]
    public void Known_train_config_keys_are_accepted_and_checked_by_the_engine()
    {
        var body = Body();
        body["config"]!["train_config"] = new JsonObject { ["optimizer"] = "adam", ["beta_1"] = 0.9 };
        Assert.Equal("iris federation", Parse(body).Name);

        body["config"]!["train_config"] = new JsonObject { ["optimizer"] = "adam", ["beta_1"] = 1.5 };
        Assert.Contains("config.train_config.beta_1", Refused(body));
    }

    [Theory]
    [InlineData("config.local_epochs", "0", "config.local_epochs")]
    [InlineData("config.batch_size", "0", "config.batch_size")]
    [InlineData("config.learning_rate", "-0.1", "config.learning_rate")]
    [InlineData("config.learning_rate", "\"fast\"", "config.learning_rate")]
    [InlineData("config.local_epochs", "2.5", "config.local_epochs")]
    [InlineData("config.model_config.class_count", "1", "config.model_config.class_count")]
    [InlineData("config.model_config.hidden_size", "0", "config.model_config.hidden_size")]
    [InlineData("config.model_config.activation", "\"swish\"", "config.model_config.activation")]
    public void An_engine_error_names_the_sessions_field(string path, string raw, string expected)
    {
        var message = Refused(With(path, raw));
        Assert.StartsWith(expected + ":", message);
    }

    [Fact]
    public void A_model_config_without_hidden_size_names_it()
    {
        var body = Body();
        body["config"]!["model_config"] = new JsonObject { ["activation"] = "relu" };
        Assert.StartsWith("config.model_config.hidden_size:", Refused(body));
    }

    [Fact]
    public void A_forest_engine_error_names_the_model_config_field()
    {
        var message = Refused(With("config.model_config.n_estimators", "0", ForestBody()));
        Assert.StartsWith("config.model_config.n_estimators:", message);
    }

    [Fact]
    public void Non_iid_without_alpha_is_refused()
    {
        var message = Refused(Without("training_data.metadata.alpha"));
        Assert.StartsWith("training_data.metadata.alpha:", message);
    }

    [Fact]
    public void Stratified_needs_no_alpha()
    {
        var body = Set(Without("training_data.metadata.alpha"), "training_data.split_strategy", "stratified");
        Assert.Null(Parse(body).TrainingData.Alpha);
    }

    [Fact]
    public void Participants_may_be_a_selector_by_compute_path_and_count()
    {
        var body = Body();
        body["participants"] = new JsonObject { ["compute"] = "CUDA", ["count"] = 3 };
        var spec = Parse(body);
        Assert.Null(spec.Participants);
        Assert.Equal("cuda", spec.Selector!.Compute);
        Assert.Equal(3, spec.Selector.Count);
        Assert.True(spec.Selector.Matches(new Parity.Runners.RunnerCapabilities { Compute = "cuda" }));
        Assert.False(spec.Selector.Matches(new Parity.Runners.RunnerCapabilities { Compute = "cpu-simd" }));
        Assert.True(new FlParticipantSelector { Count = 2 }.Matches(new Parity.Runners.RunnerCapabilities { Compute = "opencl" }));
    }

    [Theory]
    [InlineData("""{"compute":"tpu"}""", "participants.compute: tpu is not a compute path (expected cuda, opencl, cpu-simd)")]
    [InlineData("""{"count":0}""", "participants.count must be a positive integer")]
    [InlineData("""{"label":"gpu-box"}""", "participants.label: a selector takes compute and count")]
    [InlineData("""{"compute":7}""", "participants.compute must be a string")]
    public void A_bad_selector_is_refused_naming_its_field(string selector, string expected)
    {
        var body = Body();
        body["participants"] = JsonNode.Parse(selector);
        Assert.Contains(expected, Refused(body));
    }

    [Fact]
    public void External_participants_and_the_update_norm_bound_are_read()
    {
        var body = Body();
        body["external_participants"] = new JsonArray("lab-1", "lab-2");
        body["config"]!["max_update_norm"] = 2.5;
        var spec = Parse(body);
        Assert.Equal(["lab-1", "lab-2"], spec.ExternalParticipants!);
        Assert.Equal(2.5, spec.MaxUpdateNorm);
        Assert.Null(Parse(Body()).MaxUpdateNorm);
    }

    [Theory]
    [InlineData("""{"external_participants":"lab-1"}""", "external_participants must be an array of runner names")]
    [InlineData("""{"external_participants":["lab-1","lab-1"]}""", "external_participants[1]: runner lab-1 is named twice")]
    [InlineData("""{"external_participants":[""]}""", "external_participants[0] must be a runner name")]
    [InlineData("""{"participants":["a","b","c"],"external_participants":["b"]}""", "external_participants: b is also named in participants")]
    [InlineData("""{"participants":["a"],"external_participants":["x"],"min_participants":3}""", "fewer than min_participants (3)")]
    [InlineData("""{"config":{"max_update_norm":0}}""", "config.max_update_norm must be positive, got 0")]
    [InlineData("""{"config":{"max_update_norm":-1.5}}""", "config.max_update_norm must be positive, got -1.5")]
    [InlineData("""{"config":{"max_update_norm":"big"}}""", "config.max_update_norm must be a number")]
    public void Bad_external_participants_or_norm_bound_are_refused_naming_the_field(string patch, string expected)
    {
        var body = Body();
        foreach (var (key, value) in JsonNode.Parse(patch)!.AsObject().ToList())
        {
            if (key == "config") foreach (var (inner, v) in value!.AsObject().ToList()) body["config"]![inner] = v?.DeepClone();
            else body[key] = value?.DeepClone();
        }
        Assert.Contains(expected, Refused(body));
    }
}
