using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Network;
using Parity.Tasks;

namespace Parity.Tests.Network;

/// <summary>What a completed upstream federated task owes the server's session, and the seed its parts are cut with.</summary>
public sealed class UpstreamModelUpdateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static JsonObject Config(string session = "s-1", string round = "r-1") => new()
    {
        ["session_id"] = session,
        ["round_id"] = round,
        ["model_type"] = "neural_network",
        ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        ["data_format"] = "csv",
        ["model_config"] = new JsonObject { ["hidden_size"] = 4 },
        ["partition_config"] = new JsonObject { ["strategy"] = "stratified", ["total_parts"] = 2, ["part_index"] = 1, ["min_samples"] = 5, ["seed"] = 3 },
        ["train_config"] = new JsonObject { ["epochs"] = 1, ["batch_size"] = 8, ["learning_rate"] = 0.1 },
    };

    private static ParityTask Task(JsonObject config) => new()
    {
        Id = "u-1", Type = TaskType.FederatedLearning, Status = TaskState.Completed, Config = config.ToJsonString(),
        Upstream = new UpstreamOrigin { DeviceId = "d" },
    };

    /// <summary>What a runner answers for a round (a FederatedUpdate), as JSON.</summary>
    private static string Output(string session = "s-1", string? forest = null) => new JsonObject
    {
        ["session_id"] = session, ["round_id"] = "r-1", ["model_type"] = forest is null ? "neural_network" : "random_forest",
        ["weights"] = new JsonObject { ["w"] = new JsonArray(1.0) }, ["gradients"] = new JsonObject { ["w"] = new JsonArray(0.25) },
        ["forest"] = forest, ["loss"] = 0.5, ["accuracy"] = 0.75, ["data_size"] = 12, ["training_time_ms"] = 34,
        ["metadata"] = new JsonObject
        {
            ["model_type"] = "neural_network", ["dataset_cid"] = "Qm", ["data_format"] = "csv", ["feature_count"] = 4, ["sample_count"] = 12,
        },
    }.ToJsonString();

    [Fact]
    public void The_update_takes_session_and_round_from_the_config_and_the_rest_from_the_runners_update()
    {
        var update = UpstreamModelUpdateHook.For(Task(Config()), new TaskResult { Stdout = Output(session: "spoofed") }, "d", Now, out var problem)!;

        Assert.Null(problem);
        Assert.Equal("s-1", update.SessionId); // the server's, not what the output repeats
        Assert.Equal("r-1", update.RoundId);
        Assert.Equal("d", update.RunnerId);
        Assert.Equal([0.25f], update.Gradients["w"]);
        Assert.Equal([1f], update.Weights["w"]);
        Assert.Equal(12, update.DataSize);
        Assert.Equal(0.75, update.Accuracy);
        Assert.Equal(34, update.TrainingTime);
        Assert.Equal(34, update.TrainingTimeMs);
        Assert.Equal(1_800_000_000, update.Metadata.SubmissionTime);
        Assert.Equal("u-1", update.Metadata.TaskId);
    }

    [Fact]
    public void A_forest_travels_as_its_serialized_form()
    {
        var update = UpstreamModelUpdateHook.For(Task(Config()), new TaskResult { Stdout = Output(forest: "AAEC") }, "d", Now, out _)!;

        Assert.Equal("AAEC", update.Forest);
        Assert.Equal("random_forest", update.Metadata.ModelType);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    [InlineData("{\"session_id\":1}")]
    public void An_output_that_is_not_an_update_gives_none_and_says_why(string output)
    {
        Assert.Null(UpstreamModelUpdateHook.For(Task(Config()), new TaskResult { Stdout = output }, "d", Now, out var problem));
        Assert.Contains("output is not a model update", problem);
    }

    [Fact]
    public void A_config_without_its_session_gives_none_naming_the_field()
    {
        var config = Config();
        config.Remove("session_id");
        Assert.Null(UpstreamModelUpdateHook.For(Task(config), new TaskResult { Stdout = Output() }, "d", Now, out var problem));
        Assert.Equal("config.session_id is required", problem);
    }

    [Fact]
    public void A_missing_seed_is_the_sessions_the_same_for_every_participant_and_a_given_one_is_kept()
    {
        var part0 = Config(session: "9b1f");
        var part1 = Config(session: "9b1f");
        foreach (var config in new[] { part0, part1 }) config["partition_config"]!.AsObject().Remove("seed");
        part1["partition_config"]!["part_index"] = 0;

        var seed0 = JsonNode.Parse(FederatedTaskConfig.WithSessionSeed(part0.ToJsonString())!)!["partition_config"]!["seed"]!.GetValue<long>();
        var seed1 = JsonNode.Parse(FederatedTaskConfig.WithSessionSeed(part1.ToJsonString())!)!["partition_config"]!["seed"]!.GetValue<long>();
        Assert.Equal(seed0, seed1);
        Assert.Equal(FederatedTaskConfig.SessionSeed("9b1f"), seed0);
        Assert.NotEqual(FederatedTaskConfig.SessionSeed("9b1e"), seed0);
        Assert.InRange(seed0, 0, (1L << 53) - 1);

        // Given: kept as it is.
        Assert.Equal(3, JsonNode.Parse(FederatedTaskConfig.WithSessionSeed(Config().ToJsonString())!)!["partition_config"]!["seed"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"partition_config\":{}}")]
    [InlineData("{\"session_id\":7,\"partition_config\":{}}")]
    [InlineData("{\"session_id\":\"  \",\"partition_config\":{}}")]
    [InlineData("{\"session_id\":\"s\",\"partition_config\":[]}")]
    [InlineData("{\"session_id\":\"s\",\"session_id\":\"t\",\"partition_config\":{}}")]
    public void A_config_that_cannot_take_a_seed_is_left_for_the_validator_to_name(string json) =>
        Assert.Equal(json, FederatedTaskConfig.WithSessionSeed(json));

    [Fact]
    public void An_upstream_task_without_a_seed_validates_with_its_sessions_and_an_api_task_without_one_is_refused()
    {
        var config = Config();
        config["partition_config"]!.AsObject().Remove("seed");
        var element = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["id"] = "up-1", ["type"] = "federated_learning", ["config"] = config.DeepClone(),
        });

        var upstream = TaskValidator.Parse(element, "task", Now, TaskSource.Upstream);
        Assert.Equal(FederatedTaskConfig.SessionSeed("s-1"), FederatedTaskConfig.Parse(upstream.Config).Partition.Seed);

        var refused = Assert.Throws<TaskConfigException>(() => TaskValidator.Parse(element, "task", Now, TaskSource.Api));
        Assert.Contains("task.config.partition_config.seed", refused.Message);
    }
}
