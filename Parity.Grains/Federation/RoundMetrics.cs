namespace Parity.Federation;

/// <summary>A round's participant metrics, each participant weighted by the rows it trained on.</summary>
public static class RoundMetrics
{
    /// <summary>
    /// The accepted updates' training loss and accuracy weighted by their rows: <c>Σ nᵢ·xᵢ / Σ nᵢ</c>. Accuracy is null
    /// when any update lacks one (a regression), and both are null when no update counts.
    /// </summary>
    public static (double? Loss, double? Accuracy) Training(IEnumerable<FlUpdateView> updates)
    {
        var counted = updates.Where(u => u is { Status: FlUpdateStatus.Accepted, DataSize: > 0, Loss: not null }).ToList();
        double rows = counted.Sum(u => (double)u.DataSize!.Value);
        if (rows == 0) return (null, null);
        var loss = counted.Sum(u => u.Loss!.Value * u.DataSize!.Value) / rows;
        var accuracy = counted.Any(u => u.Accuracy is null) ? (double?)null : counted.Sum(u => u.Accuracy!.Value * u.DataSize!.Value) / rows;
        return (loss, accuracy);
    }

    /// <summary>The out-of-bag scores reported, weighted by rows; null when no participant reported one.</summary>
    public static double? OutOfBag(IEnumerable<(double? Score, int Rows)> participants)
    {
        var reported = participants.Where(p => p.Score is not null && p.Rows > 0).ToList();
        return reported.Count == 0 ? null : reported.Sum(p => p.Score!.Value * p.Rows) / reported.Sum(p => (double)p.Rows);
    }

    /// <summary>
    /// The participants' scores of one global model on their held-out rows, weighted by those rows: <c>Σ nᵢ·xᵢ / Σ nᵢ</c>
    /// for the loss, accuracy and MSE, and for R² too (the rows-weighted mean of the participants' R², not the R² of the
    /// pooled rows, which would need each participant's label variance). A figure is null when any report lacks it;
    /// null in all when no report has rows.
    /// </summary>
    public static FederatedEvaluation? Evaluation(IEnumerable<FederatedEvaluation> reports)
    {
        var counted = reports.Where(r => r.Rows > 0).ToList();
        double rows = counted.Sum(r => (double)r.Rows);
        if (rows == 0) return null;
        double? Weighted(Func<FederatedEvaluation, double?> figure) =>
            counted.Any(r => figure(r) is null) ? null : counted.Sum(r => figure(r)!.Value * r.Rows) / rows;
        return new FederatedEvaluation
        {
            Rows = (int)rows,
            Loss = Weighted(r => r.Loss)!.Value,
            Accuracy = Weighted(r => r.Accuracy),
            RSquared = Weighted(r => r.RSquared),
            MeanSquaredError = Weighted(r => r.MeanSquaredError),
            Participants = counted.Count,
        };
    }
}
