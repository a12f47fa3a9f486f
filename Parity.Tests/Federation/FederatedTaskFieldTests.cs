using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Tasks;

namespace Parity.Tests.Federation;

/// <summary>
/// Unknown keys inside a <c>federated_learning</c> config's nested objects, read as the gateway reads a task: Parity's
/// own API refuses them naming the key and the valid ones; an upstream push (the webhook) is tolerated, as at the top
/// level, because the upstream sends fields of its own.
/// </summary>
public sealed class FederatedTaskFieldTests
{
    private static JsonObject Config() => new()
    {
        ["session_id"] = "session-1",
        ["round_id"] = "round-1",
        ["model_type"] = "neural_network",
        ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
        ["data_format"] = "csv",
        ["model_config"] = new JsonObject { ["hidden_size"] = 8 },
        ["partition_config"] = new JsonObject
        {
            ["strategy"] = "stratified", ["total_parts"] = 3, ["part_index"] = 0, ["min_samples"] = 10, ["seed"] = 7,
        },
        ["train_config"] = new JsonObject { ["epochs"] = 2, ["batch_size"] = 16, ["learning_rate"] = 0.05 },
    };

    private static ParityTask Parse(JsonObject config, TaskSource source)
    {
        var task = new JsonObject { ["id"] = "fed-fields", ["type"] = "federated_learning", ["config"] = config };
        using var document = JsonDocument.Parse(task.ToJsonString());
        return TaskValidator.Parse(document.RootElement, "task", DateTimeOffset.UtcNow, source);
    }

    private static string Refused(JsonObject config, TaskSource source) =>
        Assert.Throws<TaskConfigException>(() => Parse(config, source)).Message;

    [Fact]
    public void The_api_refuses_an_unknown_partition_config_key_naming_it_the_nearest_and_the_valid_ones()
    {
        var config = Config();
        config["partition_config"]!["min_sample"] = 50;

        Assert.Equal(
            "task.config.partition_config.min_sample is not a known field (did you mean min_samples?); the valid fields are " +
            "strategy, total_parts, part_index, alpha, min_samples, overlap_ratio, seed, classes_per_part",
            Refused(config, TaskSource.Api));
    }

    [Fact]
    public void The_api_refuses_an_unrelated_partition_config_key_without_a_suggestion()
    {
        var config = Config();
        config["partition_config"]!["shuffle_everything"] = true;

        Assert.StartsWith("task.config.partition_config.shuffle_everything is not a known field; the valid fields are strategy,",
            Refused(config, TaskSource.Api));
    }

    [Fact]
    public void An_upstream_push_with_its_own_partition_config_keys_is_read()
    {
        var config = Config();
        config["partition_config"]!["min_sample"] = 50;
        config["partition_config"]!["shard_hint"] = "upstream-only";

        var task = Parse(config, TaskSource.Upstream);

        var partition = FederatedTaskConfig.Parse(task.Config).Partition;
        Assert.Equal(3, partition.TotalParts);
        Assert.Equal(10, partition.MinSamples);
    }

    [Fact]
    public void The_known_partition_config_keys_all_pass_the_api()
    {
        var config = Config();
        config["partition_config"] = new JsonObject
        {
            ["strategy"] = "label_skew", ["total_parts"] = 3, ["part_index"] = 2, ["alpha"] = null, ["min_samples"] = 1,
            ["overlap_ratio"] = 0.1, ["seed"] = 7, ["classes_per_part"] = 2,
        };

        var partition = FederatedTaskConfig.Parse(Parse(config, TaskSource.Api).Config).Partition;

        Assert.Equal(2, partition.ClassesPerPart);
        Assert.Equal(0.1, partition.OverlapRatio);
    }

    [Theory]
    [InlineData(TaskSource.Api)]
    [InlineData(TaskSource.Upstream)]
    public void Train_and_model_config_keys_are_refused_by_the_engine_for_every_source(TaskSource source)
    {
        // A misspelt optimizer would silently train with plain SGD: the engine refuses it whoever sent the task.
        var train = Config();
        train["train_config"]!["optimiser"] = "adam";
        Assert.StartsWith("task.config (optimiser): invalid training configuration: train_config has no key optimiser (did you mean optimizer?)",
            Refused(train, source));

        var model = Config();
        model["model_config"]!["hiden_size"] = 8;
        Assert.StartsWith("task.config (hiden_size): invalid training configuration: model_config has no key hiden_size (did you mean hidden_size?)",
            Refused(model, source));
    }

    [Theory]
    [InlineData(TaskSource.Api)]
    [InlineData(TaskSource.Upstream)]
    public void Total_parts_and_part_index_out_of_range_are_refused_naming_the_field_for_every_source(TaskSource source)
    {
        var many = Config();
        many["partition_config"]!["total_parts"] = int.MaxValue;
        Assert.Equal("task.config.partition_config.total_parts: invalid partition configuration: total_parts must be at most 10000, got 2147483647",
            Refused(many, source));

        var index = Config();
        index["partition_config"]!["part_index"] = 3;
        Assert.Equal("task.config.partition_config.part_index: invalid partition configuration: part_index must be in [0, 3), got 3",
            Refused(index, source));
    }
}
