namespace Parity.Federation;

/// <summary>A forest participant's metrics: feature importances, out-of-bag score (when asked for), tree count.</summary>
public sealed record ForestMetrics(IReadOnlyList<double> FeatureImportance, double? OobScore, int TreeCount);
