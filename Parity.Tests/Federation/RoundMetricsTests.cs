using Parity.Federation;

namespace Parity.Tests.Federation;

public sealed class RoundMetricsTests
{
    private static FlUpdateView Update(int part, FlUpdateStatus status, int? rows, double? loss, double? accuracy) => new()
    {
        Runner = $"r{part}", PartIndex = part, TaskId = null, Status = status, DataSize = rows, Loss = loss, Accuracy = accuracy,
    };

    [Fact]
    public void Training_metrics_weigh_each_accepted_update_by_its_rows()
    {
        // Loss (10·0.5 + 30·0.1) / 40 = 8 / 40 = 0.2; accuracy (10·0.6 + 30·1.0) / 40 = 36 / 40 = 0.9.
        // The rejected update (its loss 100) and the failed one count for nothing.
        var (loss, accuracy) = RoundMetrics.Training([
            Update(0, FlUpdateStatus.Accepted, 10, 0.5, 0.6),
            Update(1, FlUpdateStatus.Accepted, 30, 0.1, 1.0),
            Update(2, FlUpdateStatus.Rejected, 50, 100, 0),
            Update(3, FlUpdateStatus.Failed, null, null, null),
        ]);
        Assert.Equal(0.2, loss!.Value, 12);
        Assert.Equal(0.9, accuracy!.Value, 12);
    }

    [Fact]
    public void Accuracy_is_left_out_when_an_update_has_none_and_nothing_is_reported_without_updates()
    {
        var (loss, accuracy) = RoundMetrics.Training([
            Update(0, FlUpdateStatus.Accepted, 10, 2.0, null),
            Update(1, FlUpdateStatus.Accepted, 10, 4.0, 0.5),
        ]);
        Assert.Equal(3.0, loss!.Value, 12);
        Assert.Null(accuracy);
        Assert.Equal((null, null), RoundMetrics.Training([Update(0, FlUpdateStatus.Lost, null, null, null)]));
    }

    [Fact]
    public void The_out_of_bag_score_weighs_the_participants_that_reported_one()
    {
        // (20·0.9 + 60·0.7) / 80 = (18 + 42) / 80 = 0.75; the participant without a score is left out.
        Assert.Equal(0.75, RoundMetrics.OutOfBag([(0.9, 20), (0.7, 60), (null, 100)])!.Value, 12);
        Assert.Null(RoundMetrics.OutOfBag([(null, 10)]));
    }

    private static FederatedEvaluation Score(int rows, double loss, double? accuracy = null, double? r2 = null, double? mse = null) =>
        new() { Rows = rows, Loss = loss, Accuracy = accuracy, RSquared = r2, MeanSquaredError = mse };

    [Fact]
    public void A_federated_evaluation_weighs_each_participant_by_its_held_out_rows()
    {
        // Loss (10·0.5 + 30·0.1) / 40 = 0.2; accuracy (10·0.8 + 30·0.9) / 40 = 35 / 40 = 0.875.
        var evaluation = RoundMetrics.Evaluation([Score(10, 0.5, accuracy: 0.8), Score(30, 0.1, accuracy: 0.9)])!;
        Assert.Equal(40, evaluation.Rows);
        Assert.Equal(2, evaluation.Participants);
        Assert.Equal(0.2, evaluation.Loss, 12);
        Assert.Equal(0.875, evaluation.Accuracy!.Value, 12);
        Assert.Null(evaluation.RSquared);
    }

    [Fact]
    public void A_regressions_evaluation_weighs_mse_and_r2_by_rows()
    {
        // MSE (4·2 + 1·7) / 5 = 3; R² (4·0.5 + 1·0) / 5 = 0.4.
        var evaluation = RoundMetrics.Evaluation([Score(4, 2, r2: 0.5, mse: 2), Score(1, 7, r2: 0, mse: 7)])!;
        Assert.Equal(5, evaluation.Rows);
        Assert.Equal(3, evaluation.MeanSquaredError!.Value, 12);
        Assert.Equal(0.4, evaluation.RSquared!.Value, 12);
        Assert.Null(evaluation.Accuracy);
    }

    [Fact]
    public void A_figure_one_report_lacks_is_left_out_and_no_rows_give_no_evaluation()
    {
        var evaluation = RoundMetrics.Evaluation([Score(10, 0.5, accuracy: 0.8), Score(10, 0.3)])!;
        Assert.Equal(0.4, evaluation.Loss, 12);
        Assert.Null(evaluation.Accuracy);
        Assert.Null(RoundMetrics.Evaluation([]));
        Assert.Null(RoundMetrics.Evaluation([Score(0, 0.5, accuracy: 1)]));
    }
}
