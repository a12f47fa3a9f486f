using System.Text.Json;
using Parity.Federation.Strategies;
using Parity.Json;
using Parity.Learning.Forest;

namespace Parity.Federation;

/// <summary>
/// Validates a participant's model update before it may count: it parses, it is for this session and round, it claims
/// exactly the rows of the participant's part (so nobody inflates its weight in the average), its weights have the
/// global model's keys and shapes and only finite values, and its distance from the global model is within the
/// session's bound when it has one. The delta is computed here from the weights sent, never taken from the
/// participant's own <c>gradients</c>.
/// </summary>
public static class UpdateCheck
{
    public static CheckedUpdate Weights(string? output, string sessionId, string roundId, int partIndex, int expectedRows,
        IReadOnlyDictionary<string, float[]> global, double? maxNorm)
    {
        var parsed = Parse(output, sessionId, roundId, expectedRows);
        if (!parsed.Accepted) return parsed;
        var update = parsed.Parsed!;
        if (update.Weights is null) return CheckedUpdate.Refused("the update has no weights", update);
        foreach (var key in global.Keys)
            if (!update.Weights.ContainsKey(key)) return CheckedUpdate.Refused($"weights lacks {key}, which the global model has", update);
        var delta = new Dictionary<string, float[]>(global.Count);
        double squares = 0;
        foreach (var (key, values) in update.Weights)
        {
            if (!global.TryGetValue(key, out var current))
                return CheckedUpdate.Refused($"weights has {Excerpt(key)}, which the global model does not have", update);
            if (values is null || values.Length != current.Length)
                return CheckedUpdate.Refused($"weights.{key} has {values?.Length ?? 0} values, the global model {current.Length}", update);
            var difference = new float[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i])) return CheckedUpdate.Refused($"weights.{key}[{i}] is {values[i]}, not a finite number", update);
                difference[i] = values[i] - current[i];
                if (!float.IsFinite(difference[i]))
                    return CheckedUpdate.Refused($"weights.{key}[{i}] is too far from the global model to represent", update);
                squares += (double)difference[i] * difference[i];
            }
            delta[key] = difference;
        }
        var norm = Math.Sqrt(squares);
        if (maxNorm is { } bound && norm > bound)
            return CheckedUpdate.Refused($"the update's L2 norm {norm:G6} is over config.max_update_norm ({bound:G6})", update) with { Norm = norm };
        return new CheckedUpdate { Parsed = update, Delta = new ClientUpdate(partIndex, delta, update.DataSize!.Value), Norm = norm };
    }

    /// <summary>
    /// A masked update under secure aggregation: the round's fields as for any update, no weights or gradients in the
    /// clear (a runner that sent them would expose its update), the sender's number as agreed, and a masked vector of
    /// exactly the round's length.
    /// </summary>
    public static CheckedUpdate Masked(string? output, string sessionId, string roundId, int expectedRows, int participant, int vectorLength)
    {
        var parsed = Parse(output, sessionId, roundId, expectedRows);
        if (!parsed.Accepted) return parsed;
        var update = parsed.Parsed!;
        if (update.Weights is { Count: > 0 } || update.Gradients is { Count: > 0 })
            return CheckedUpdate.Refused("the update carries weights in the clear; under secure aggregation only its masked vector may leave the runner", update);
        if (update.SecAggParticipant != participant)
            return CheckedUpdate.Refused($"the update is from secure-aggregation participant {update.SecAggParticipant?.ToString() ?? "(none)"}, not {participant}", update);
        byte[] masked;
        try
        {
            masked = Convert.FromBase64String(update.MaskedUpdate ?? throw new FormatException("it is missing"));
        }
        catch (FormatException e)
        {
            return CheckedUpdate.Refused($"masked_update is not base64: {e.Message}", update);
        }
        if (masked.Length != vectorLength * sizeof(uint))
            return CheckedUpdate.Refused($"masked_update has {masked.Length} bytes, the round's vector {vectorLength * sizeof(uint)}", update);
        return new CheckedUpdate { Parsed = update with { MaskedUpdate = null }, Masked = masked };
    }

    public static CheckedUpdate Forest(string? output, string sessionId, string roundId, int expectedRows, int featureCount, int classCount)
    {
        var parsed = Parse(output, sessionId, roundId, expectedRows);
        if (!parsed.Accepted) return parsed;
        var update = parsed.Parsed!;
        if (string.IsNullOrEmpty(update.Forest)) return CheckedUpdate.Refused("the update has no forest", update);
        RandomForest forest;
        try
        {
            forest = ForestSerializer.Deserialize(Convert.FromBase64String(update.Forest));
        }
        catch (FormatException e)
        {
            return CheckedUpdate.Refused($"the forest does not decode: {e.Message}", update);
        }
        if (forest.FeatureCount != featureCount)
            return CheckedUpdate.Refused($"the forest has {forest.FeatureCount} features, the dataset {featureCount}", update);
        if (forest.ClassCount > classCount)
            return CheckedUpdate.Refused($"the forest votes over {forest.ClassCount} classes, the dataset has {classCount}", update);
        return new CheckedUpdate { Parsed = update, Forest = forest };
    }

    /// <summary>
    /// Checks a participant's score of the global model on its held-out rows (<c>global_evaluation</c>): it is there
    /// when the session expects one, it claims exactly the participant's held-out rows (so nobody inflates its weight),
    /// and its figures are finite, an accuracy within [0, 1]. Null when it passes.
    /// </summary>
    public static string? Evaluation(FederatedEvaluation? report, int? heldOutRows, bool expected)
    {
        if (report is null)
            return expected ? "the update has no global_evaluation: the session holds out config.evaluation_fraction of every part " +
                              "and each participant must score the global model it received on those rows" : null;
        if (heldOutRows is not { } rows) return "the update has a global_evaluation, but this session holds out no rows";
        if (report.Rows != rows) return $"global_evaluation.rows {report.Rows} is not the {rows} rows this participant holds out";
        if (!double.IsFinite(report.Loss)) return "global_evaluation.loss is not a finite number";
        if (report.Accuracy is { } accuracy && !(accuracy is >= 0 and <= 1)) return $"global_evaluation.accuracy {accuracy} is not within [0, 1]";
        if (report.RSquared is { } r2 && !double.IsFinite(r2)) return "global_evaluation.r_squared is not a finite number";
        if (report.MeanSquaredError is { } mse && !(double.IsFinite(mse) && mse >= 0))
            return "global_evaluation.mean_squared_error is not a finite number of at least 0";
        return null;
    }

    /// <summary>An evaluation-only task's answer: for this session and evaluation, with a valid <c>global_evaluation</c>.</summary>
    public static CheckedUpdate EvaluationOnly(string? output, string sessionId, string roundId, int heldOutRows)
    {
        var parsed = Parse(output, sessionId, roundId, expectedRows: 0);
        if (!parsed.Accepted) return parsed;
        return Evaluation(parsed.Parsed!.GlobalEvaluation, heldOutRows, expected: true) is { } reason
            ? CheckedUpdate.Refused(reason, parsed.Parsed)
            : parsed;
    }

    private static CheckedUpdate Parse(string? output, string sessionId, string roundId, int expectedRows)
    {
        if (string.IsNullOrWhiteSpace(output)) return CheckedUpdate.Refused("the task returned no update");
        ReceivedUpdate? update;
        try
        {
            update = JsonSerializer.Deserialize<ReceivedUpdate>(output, ParityJson.Options);
        }
        catch (JsonException e)
        {
            return CheckedUpdate.Refused($"the update is not a valid model update: {e.Message}");
        }
        if (update is null) return CheckedUpdate.Refused("the update is null");
        if (update.SessionId != sessionId) return CheckedUpdate.Refused($"the update is for session {Excerpt(update.SessionId)}", update);
        if (update.RoundId != roundId)
            return CheckedUpdate.Refused($"the update is for round {Excerpt(update.RoundId)}, not {roundId}", update);
        if (update.DataSize is not { } rows) return CheckedUpdate.Refused("the update has no data_size", update);
        if (rows != expectedRows)
            return CheckedUpdate.Refused($"data_size {rows} is not the {expectedRows} rows of this participant's part", update);
        if (update.Loss is not { } loss || !double.IsFinite(loss)) return CheckedUpdate.Refused("the update has no finite loss", update);
        return new CheckedUpdate { Parsed = update };
    }

    private static string Excerpt(string? value) => value is null ? "(none)" : JsonFields.Excerpt(value);
}
