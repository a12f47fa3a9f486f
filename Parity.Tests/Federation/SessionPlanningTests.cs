using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;
using Parity.Storage;
using Parity.Tests.Learning;

namespace Parity.Tests.Federation;

/// <summary>
/// What a session computes at start must be what its runners will compute: the parts' rows as the partitioner gives
/// them, the initial network as the trainer draws it from the seed, and a round task config the task parser accepts.
/// </summary>
public sealed class SessionPlanningTests
{
    private static readonly Lazy<Dataset> IrisData = new(() => DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv")));
    private static Dataset Iris => IrisData.Value;
    private const string SessionId = "3f2b1c9e-7a41-4d0b-9a57-2f64c1e0b8d3";

    private static FlSessionSpec Spec(string modelType = "neural_network", string strategy = "stratified", double? overlap = null,
        JsonObject? modelConfig = null, long seed = 1234)
    {
        var metadata = new JsonObject { ["min_samples"] = 10 };
        if (overlap is { } ratio) metadata["overlap_ratio"] = ratio;
        if (strategy == "non_iid") metadata["alpha"] = 0.5;
        var config = new JsonObject
        {
            ["aggregation_method"] = "fedavg",
            ["model_config"] = modelConfig ?? new JsonObject { ["hidden_size"] = 8 },
        };
        // Only the network has an optimizer to choose; the linear model refuses the key.
        if (modelType == "neural_network") config["train_config"] = new JsonObject { ["optimizer"] = "adam" };
        if (modelType != "random_forest")
        {
            config["learning_rate"] = 0.05;
            config["batch_size"] = 16;
            config["local_epochs"] = 2;
        }
        var body = new JsonObject
        {
            ["name"] = "planning",
            ["model_type"] = modelType,
            ["total_rounds"] = modelType == "random_forest" ? 1 : 3,
            ["min_participants"] = 3,
            ["seed"] = seed,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = Cid.Of("iris"u8, Multicodec.Raw, 1).ToString(),
                ["data_format"] = "csv",
                ["split_strategy"] = strategy,
                ["metadata"] = metadata,
            },
            ["config"] = config,
        };
        using var document = JsonDocument.Parse(body.ToJsonString());
        return FlSessionRequest.Parse(document.RootElement, () => throw new InvalidOperationException("the body names a seed"));
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static void AssertSameBits(IReadOnlyDictionary<string, float[]> expected, IReadOnlyDictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, values) in expected) Assert.Equal(Bits(values), Bits(actual[key]));
    }

    [Theory]
    [InlineData("stratified", null)]
    [InlineData("stratified", 0.2)]
    [InlineData("random", null)]
    [InlineData("non_iid", null)]
    public void Part_rows_are_what_the_partitioner_gives_each_part(string strategy, double? overlap)
    {
        var spec = Spec(strategy: strategy, overlap: overlap);
        var rows = SessionPlanning.PartRows(spec, Iris, 3);

        Assert.Equal(3, rows.Length);
        Assert.True(rows.Sum() >= Iris.Rows, $"{rows.Sum()} rows over the parts of {Iris.Rows}");
        if (overlap is null) Assert.Equal(Iris.Rows, rows.Sum());
        else Assert.True(rows.Sum() > Iris.Rows);
        for (var index = 0; index < 3; index++)
        {
            var config = new PartitionConfig
            {
                Strategy = PartitionConfig.ParseStrategy(strategy),
                TotalParts = 3,
                PartIndex = index,
                Alpha = spec.TrainingData.Alpha,
                MinSamples = 10,
                OverlapRatio = overlap ?? 0,
                Seed = 1234,
            };
            Assert.Equal(Partitioner.Select(Iris.Labels.Span, config).Length, rows[index]);
        }
    }

    [Fact]
    public void Stratified_parts_of_iris_are_even()
    {
        // 150 rows, 50 per class: three stratified parts take 50 rows each.
        Assert.Equal([50, 50, 50], SessionPlanning.PartRows(Spec(), Iris, 3));
    }

    [Fact]
    public void Held_out_rows_are_sized_from_the_part_and_a_part_too_small_to_hold_one_out_is_refused()
    {
        var spec = Spec() with { EvaluationFraction = 0.2 };
        Assert.Equal(10, SessionPlanning.HeldOutRows(spec, 50));
        Assert.Equal(40, SessionPlanning.TrainingRows(spec, 50));
        Assert.Null(SessionPlanning.HeldOutRows(Spec(), 50));
        Assert.Equal(50, SessionPlanning.TrainingRows(Spec(), 50));
        SessionPlanning.CheckHeldOut(spec, [50, 2]);
        SessionPlanning.CheckHeldOut(Spec(), [50, 1]);
        var error = Assert.Throws<SessionInputException>(() => SessionPlanning.CheckHeldOut(spec, [50, 1]));
        Assert.StartsWith("config.evaluation_fraction: part 1 has 1 row(s)", error.Message);
    }

    [Fact]
    public void A_round_task_carries_the_fraction_and_the_final_evaluations_flag()
    {
        var spec = Spec() with { EvaluationFraction = 0.2 };
        var config = FederatedTaskConfig.Parse(SessionPlanning.TaskConfig(spec, SessionId, "r1", 3, 0, "runner-a",
            SessionPlanning.InitialWeights(spec, Iris), null, evaluateOnly: true));
        Assert.Equal(0.2, config.EvaluationFraction);
        Assert.True(config.EvaluateOnly);
        var plain = FederatedTaskConfig.Parse(SessionPlanning.TaskConfig(Spec(), SessionId, "r1", 3, 0, "runner-a", null, null));
        Assert.Null(plain.EvaluationFraction);
        Assert.False(plain.EvaluateOnly);
    }

    [Fact]
    public void Parts_too_small_for_min_samples_are_refused()
    {
        // 150 rows in 20 parts leaves fewer than 10 rows a part.
        Assert.Throws<ModelConfigException>(() => SessionPlanning.PartRows(Spec(), Iris, 20));
    }

    [Fact]
    public void The_initial_network_is_the_one_the_trainer_starts_from()
    {
        var spec = Spec();
        var initial = SessionPlanning.InitialWeights(spec, Iris)!;

        // 4 features → 8 hidden → 3 classes.
        Assert.Equal(4 * 8 + 8 + 8 * 3 + 3, initial.Values.Sum(v => v.Length));
        AssertSameBits(initial, SessionPlanning.InitialWeights(spec, Iris)!);
        Assert.NotEqual(Bits(initial.Values.First()), Bits(SessionPlanning.InitialWeights(Spec(seed: 1235), Iris)!.Values.First()));

        // Training from these weights and training from the seed alone give the very same network iff they are the
        // trainer's own starting point (μ = 0, so the anchor plays no part).
        using var config = JsonDocument.Parse(spec.Config);
        using var train = JsonDocument.Parse(FlSessionRequest.TrainConfig(config.RootElement, spec.Seed).ToJsonString());
        var options = MlpOptions.FromJson(train.RootElement, config.RootElement.GetProperty("model_config"), spec.Seed) with
        {
            ClassCount = 3,
        };
        var fromSeed = new MlpTrainer(options).Train(Iris);
        var fromInitial = new MlpTrainer(options).Train(Iris, initial);
        AssertSameBits(fromSeed.Weights, fromInitial.Weights);
        // And it is MlpModel.Create's network for those options.
        var created = MlpModel.Create(options.Task, Iris.Columns, options.HiddenSizes, 3, options.Activation, options.Seed,
            options.Initialization).GetWeights();
        AssertSameBits(created, initial);
    }

    [Fact]
    public void The_initial_linear_model_is_zeros()
    {
        var initial = SessionPlanning.InitialWeights(Spec("linear_regression", modelConfig: new JsonObject { ["fit_intercept"] = true }), Iris)!;
        var values = Assert.Single(initial).Value;
        Assert.Equal(Iris.Columns + 1, values.Length);
        Assert.All(values, v => Assert.Equal(0, BitConverter.SingleToInt32Bits(v)));
    }

    [Fact]
    public void A_forest_has_no_initial_weights() =>
        Assert.Null(SessionPlanning.InitialWeights(Spec("random_forest", modelConfig: new JsonObject { ["n_estimators"] = 5 }), Iris));

    [Fact]
    public void A_round_task_config_parses_and_carries_the_session()
    {
        var spec = Spec(overlap: 0.1);
        var global = SessionPlanning.InitialWeights(spec, Iris)!;
        var roundId = RoundTasks.RoundId(SessionId, 2);

        var json = SessionPlanning.TaskConfig(spec, SessionId, roundId, 3, 2, "runner-c", global, proximalMu: 0.01f);
        var parsed = FederatedTaskConfig.Parse(json);

        Assert.Equal(SessionId, parsed.SessionId);
        Assert.Equal(roundId, parsed.RoundId);
        Assert.Equal("runner-c", parsed.Participant);
        Assert.Equal(FederatedModelType.NeuralNetwork, parsed.ModelType);
        Assert.Equal(spec.TrainingData.DatasetCid, parsed.DatasetCid);
        Assert.Equal(DatasetFormat.Csv, parsed.DataFormat);
        Assert.Equal(SessionPlanning.Partition(spec, 3, 2), parsed.Partition);
        Assert.Equal(2, parsed.Partition.PartIndex);
        Assert.Equal(3, parsed.Partition.TotalParts);
        Assert.Equal(1234, parsed.Partition.Seed);
        Assert.Equal(0.1, parsed.Partition.OverlapRatio);
        AssertSameBits(global, GlobalModelJson.ReadWeights(parsed.GlobalModel!.Value)!);

        var options = parsed.NetworkOptions();
        Assert.Equal(0.01f, options.ProximalMu);
        Assert.Equal(1234, options.Seed);
        Assert.Equal(2, options.Epochs);
        Assert.Equal(16, options.BatchSize);
        Assert.Equal(0.05f, options.LearningRate);
        Assert.Equal([8], options.HiddenSizes);
    }

    [Fact]
    public void A_first_round_config_without_global_or_mu_parses()
    {
        var spec = Spec();
        var json = SessionPlanning.TaskConfig(spec, SessionId, RoundTasks.RoundId(SessionId, 1), 3, 0, "runner-a", null, null);
        var parsed = FederatedTaskConfig.Parse(json);

        Assert.Null(parsed.GlobalModel);
        Assert.False(parsed.TrainConfig.TryGetProperty("proximal_mu", out _));
        Assert.Equal(0f, parsed.NetworkOptions().ProximalMu);
        Assert.Equal(0, parsed.Partition.PartIndex);
    }

    [Fact]
    public void A_forest_round_task_config_parses()
    {
        var spec = Spec("random_forest", modelConfig: new JsonObject { ["n_estimators"] = 5 });
        var parsed = FederatedTaskConfig.Parse(SessionPlanning.TaskConfig(spec, SessionId, RoundTasks.RoundId(SessionId, 1), 3, 1,
            "runner-b", null, null));
        Assert.Equal(FederatedModelType.RandomForest, parsed.ModelType);
        Assert.Equal(5, parsed.ForestOptions().Trees);
        Assert.Equal("runner-b", parsed.Participant);
    }

    [Fact]
    public void The_global_network_is_evaluated_as_the_model_itself_evaluates()
    {
        var spec = Spec();
        var weights = SessionPlanning.InitialWeights(spec, Iris)!;
        var metrics = SessionPlanning.Evaluate(spec, weights, null, Iris, Iris.Columns);

        var own = MlpModel.FromWeights(MlpTask.Classification, Iris.Columns, [8], 3, Activation.Relu, weights).Evaluate(Iris);
        Assert.Equal(own.Loss, metrics.TestLoss);
        Assert.Equal(own.Accuracy, metrics.TestAccuracy);
        Assert.Equal(Iris.Rows, metrics.TestRows);
    }

    [Fact]
    public void A_forest_is_scored_by_accuracy()
    {
        var spec = Spec("random_forest", modelConfig: new JsonObject { ["n_estimators"] = 5 });
        var forest = new Parity.Learning.Forest.ForestTrainer(new Parity.Learning.Forest.ForestOptions { Trees = 5, RandomState = 3 }).Fit(Iris);
        var metrics = SessionPlanning.Evaluate(spec, null, forest, Iris, Iris.Columns);

        var accuracy = forest.Score(Iris);
        Assert.Equal(accuracy, metrics.TestAccuracy);
        Assert.Equal(1 - accuracy, metrics.TestLoss);
    }

    [Fact]
    public void A_test_set_with_other_columns_is_refused()
    {
        var spec = Spec();
        var weights = SessionPlanning.InitialWeights(spec, Iris)!;
        var error = Assert.Throws<DatasetException>(() => SessionPlanning.Evaluate(spec, weights, null, Iris, Iris.Columns + 1));
        Assert.Contains($"the test set has {Iris.Columns} features, the training data {Iris.Columns + 1}", error.Message);
    }
}
