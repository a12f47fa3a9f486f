using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// The MLP trainer's edges where the models room's mutation run found them unchecked (docs/testing.md): the classes a
/// classifier takes from its labels, from a global model's output layer, cancellation, divergence, and the loss curve.
/// </summary>
public sealed class MlpTrainerChecksTests
{
    private static readonly MlpOptions Options = new()
    {
        Task = MlpTask.Classification, HiddenSizes = [3], Epochs = 2, LearningRate = 0.05f, BatchSize = 2, Seed = 5, Threads = 1,
    };

    private static Dataset Labelled(params float[] labels) =>
        new(labels.Select((_, i) => (float)(i % 3)).ToArray(), labels.Length, 1, labels);

    [Theory]
    [InlineData(98f, 99)]
    [InlineData(99f, 100)]
    [InlineData(0f, 2)]
    public void The_classes_implied_by_the_labels_are_the_largest_plus_one_and_at_least_two(float largest, int classes)
    {
        Assert.Equal(classes, MlpTrainer.ImpliedClassCount(Labelled(0f, largest)));
    }

    [Fact]
    public void Labels_running_to_the_limit_read_as_a_numeric_target()
    {
        var error = Assert.Throws<ModelConfigException>(() => MlpTrainer.ImpliedClassCount(Labelled(0f, MlpTrainer.MaxImpliedClasses)));

        Assert.Equal("task", error.Field);
        Assert.Contains("the labels run up to 100, which would make a classifier with 101 classes", error.Message);
    }

    [Fact]
    public void Class_names_fix_the_classes_and_never_fewer_than_two()
    {
        var named = new Dataset([1f, 2f], 2, 1, [0f, 0f], classNames: ["only"]);
        var three = new Dataset([1f, 2f], 2, 1, [0f, 1f], classNames: ["a", "b", "c"]);

        Assert.Equal(2, MlpTrainer.ImpliedClassCount(named));
        Assert.Equal(3, MlpTrainer.ImpliedClassCount(three));
    }

    [Fact]
    public void A_global_model_fixes_the_classes_by_its_output_layer()
    {
        // The local part only has classes 0 and 1; the global model was built for 4.
        var data = Labelled(0f, 1f, 0f, 1f);
        var global = MlpModel.Create(MlpTask.Classification, 1, [3], 4, Activation.Relu, seed: 2).GetWeights();

        var result = new MlpTrainer(Options).Train(data, global);

        Assert.Equal(4, result.Model.OutputSize);
        Assert.Equal(4, result.Weights["output_bias"].Length);
    }

    [Fact]
    public void Training_stops_when_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => new MlpTrainer(Options).Train(Labelled(0f, 1f, 0f, 1f), cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Features_that_overflow_the_network_are_reported_as_divergence()
    {
        var data = new Dataset([3e38f, -3e38f, 3e38f, -3e38f], 4, 1, [0f, 1f, 0f, 1f]);

        var error = Assert.Throws<TrainingDivergedException>(() => new MlpTrainer(Options with { LearningRate = 1f }).Train(data));

        Assert.StartsWith("training diverged in epoch ", error.Message);
        Assert.Contains("lower learning_rate (now 1)", error.Message);
    }

    [Fact]
    public void The_loss_curve_starts_at_the_initial_loss_and_adds_one_mean_batch_loss_per_epoch()
    {
        var data = Labelled(0f, 1f, 0f, 1f, 1f, 0f);

        var result = new MlpTrainer(Options with { Epochs = 4 }).Train(data);

        Assert.Equal(5, result.LossHistory.Count);
        // Cross-entropy of two classes from a fresh network: near log 2, and every epoch's mean is a positive loss.
        Assert.InRange(result.LossHistory[0], 0.3, 1.5);
        Assert.All(result.LossHistory, loss => Assert.True(loss > 0, $"loss {loss}"));
    }
}
