using System.Text.Json;
using Parity.Federation;
using Parity.Tasks;
using Parity.Tests.Learning;
using Parity.Tests.Support;

namespace Parity.Tests.Federation;

/// <summary>
/// The hostile sizes that used to crash <c>parity-runner train</c> with an unhandled exception (overflow, out of
/// memory, a negative list capacity, the CSV parser's row limit) now exit 2 with one line naming the field and the
/// limit; a federated_learning task with such a config is refused when it is read, as the gateway reads it.
/// </summary>
public sealed class TrainBoundsTests
{
    private static string Config(string modelType, object modelConfig, object? trainConfig = null, int totalParts = 1,
        int partIndex = 0, string dataFormat = "csv") =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["session_id"] = "session-1",
            ["round_id"] = "round-1",
            ["model_type"] = modelType,
            ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR",
            ["data_format"] = dataFormat,
            ["model_config"] = modelConfig,
            ["partition_config"] = new Dictionary<string, object?>
            {
                ["strategy"] = "random", ["total_parts"] = totalParts, ["part_index"] = partIndex, ["min_samples"] = 1, ["seed"] = 42,
            },
            ["train_config"] = trainConfig ?? new { epochs = 2, batch_size = 16, learning_rate = 0.01 },
        });

    public static TheoryData<string, string> HostileConfigs => new()
    {
        { Config("neural_network", new { hidden_size = int.MaxValue }),
            "config (hidden_size): invalid training configuration: hidden_size must be at most 100000, got 2147483647 for hidden layer 1" },
        { Config("neural_network", new { hidden_size = 50_000_000 }),
            "config (hidden_size): invalid training configuration: hidden_size must be at most 100000, got 50000000 for hidden layer 1" },
        { Config("neural_network", new { hidden_size = 4 }, new { epochs = int.MaxValue, batch_size = 16, learning_rate = 0.01 }),
            "config (epochs): invalid training configuration: epochs must be at most 100000, got 2147483647" },
        { Config("linear_regression", new { }, new { epochs = int.MaxValue, batch_size = 16, learning_rate = 0.01 }),
            "config (epochs): invalid training configuration: epochs must be at most 100000, got 2147483647" },
        { Config("random_forest", new { num_trees = int.MaxValue }),
            "config (n_estimators): n_estimators (num_trees) must be at most 10000 (got 2147483647)" },
        { Config("neural_network", new { hidden_size = 4 }, totalParts: int.MaxValue),
            "config.partition_config.total_parts: invalid partition configuration: total_parts must be at most 10000, got 2147483647" },
        { Config("neural_network", new { hidden_size = 4 }, totalParts: 3, partIndex: 3),
            "config.partition_config.part_index: invalid partition configuration: part_index must be in [0, 3), got 3" },
        { Config("neural_network", new { hidden_sizes = new[] { 30_000, 30_000 } }),
            "config (hidden_sizes): invalid training configuration: hidden_sizes [30000, 30000] make 900000000 weights " +
            "between hidden layers, more than the 100000000 parameters a network may have" },
    };

    [Theory]
    [MemberData(nameof(HostileConfigs))]
    public void A_task_config_over_the_bounds_is_refused_when_read_naming_the_field(string config, string expected)
    {
        // FederatedTaskConfig.Parse is what the gateway runs on a submitted federated_learning task (a 400) and what a
        // runner runs before it trains.
        var error = Assert.Throws<TaskConfigException>(() => FederatedTaskConfig.Parse(config));
        Assert.Equal(expected, error.Message);
    }

    private static void AssertOneLineError(int code, string stdout, string stderr, string expected)
    {
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Unhandled", stderr);
        Assert.Equal(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    [Fact]
    public void The_train_command_exits_2_with_the_reason_for_every_hostile_size()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-bounds-").FullName;
        try
        {
            var iris = TestDatasets.PathOf("iris.csv");
            var configPath = Path.Combine(dir, "task.json");
            foreach (var row in HostileConfigs)
            {
                var (config, expected) = ((string)row[0], (string)row[1]);
                File.WriteAllText(configPath, config);
                var (code, stdout, stderr) = ParityCli.Run(null, "train", "--config", configPath, "--data", iris);
                AssertOneLineError(code, stdout, stderr, $"train: {expected}");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_train_command_refuses_a_40_megabyte_csv_line_naming_the_line_and_limit()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-bounds-").FullName;
        try
        {
            var configPath = Path.Combine(dir, "task.json");
            File.WriteAllText(configPath, Config("neural_network", new { hidden_size = 4 }));
            var dataPath = Path.Combine(dir, "data.csv");
            using (var writer = new StreamWriter(dataPath))
            {
                writer.Write("a,b,label\n1,2,0\n");
                writer.Write(new string('1', 40_000_000));
                writer.Write(",2,1\n3,4,1\n");
            }
            var (code, stdout, stderr) = ParityCli.Run(null, "train", "--config", configPath, "--data", dataPath);
            AssertOneLineError(code, stdout, stderr, "train: line 3 is longer than 4194304 bytes, the most a CSV line may have");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_train_command_refuses_a_40_megabyte_json_number_naming_the_place_and_limit()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-bounds-").FullName;
        try
        {
            var configPath = Path.Combine(dir, "task.json");
            File.WriteAllText(configPath, Config("neural_network", new { hidden_size = 4 }, dataFormat: "json"));
            var dataPath = Path.Combine(dir, "data.json");
            using (var writer = new StreamWriter(dataPath))
            {
                writer.Write("""{"features": [[1, 2], [3, """);
                writer.Write(new string('1', 40_000_000));
                writer.Write("""]], "labels": [0, 1]}""");
            }
            var (code, stdout, stderr) = ParityCli.Run(null, "train", "--config", configPath, "--data", dataPath);
            AssertOneLineError(code, stdout, stderr,
                "train: features[1][1]: a JSON token is longer than 4194304 bytes, the most one number, string or property name may have");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void The_train_command_refuses_a_network_larger_than_the_memory_the_process_has()
    {
        var dir = Directory.CreateTempSubdirectory("parity-train-bounds-").FullName;
        try
        {
            // Within every bound (25 million parameters), but six copies of them are 600 MB: with the GC limited to
            // 256 MiB, the memory the process has, the estimate refuses it before training allocates.
            var configPath = Path.Combine(dir, "task.json");
            File.WriteAllText(configPath, Config("neural_network", new { hidden_sizes = new[] { 5000, 5000 } }));
            var limited = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };
            var (code, stdout, stderr) = ParityCli.Run(limited, "train", "--config", configPath, "--data", TestDatasets.PathOf("iris.csv"));
            Assert.Equal(2, code);
            Assert.Equal("", stdout);
            Assert.DoesNotContain("   at ", stderr);
            var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("train: invalid training configuration: a network of 4 inputs, hidden layers [5000, 5000] and 3 outputs " +
                              "(25045003 parameters) trained with sgd in batches of 16 needs about ", line);
            Assert.Contains("this process has available: reduce hidden_sizes or batch_size", line);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
