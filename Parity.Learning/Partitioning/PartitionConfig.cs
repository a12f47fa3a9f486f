using Parity.Learning.Models;
using System.Globalization;
using System.Text.Json;

namespace Parity.Learning.Partitioning;

public enum PartitionStrategy
{
    /// <summary>IID: one seeded shuffle, cut into parts whose sizes differ by at most one. Wire names random, iid.</summary>
    Random,
    /// <summary>Each class shuffled and dealt round-robin: per-class counts differ by at most one between parts.</summary>
    Stratified,
    /// <summary>Contiguous blocks in row order, sizes differing by at most one.</summary>
    Sequential,
    /// <summary>Per class, Dirichlet(α) proportions over the parts. Wire names non_iid, dirichlet.</summary>
    NonIid,
    /// <summary>Each part gets a subset of the classes.</summary>
    LabelSkew,
}

/// <summary>
/// The task config's <c>partition_config</c>: which of <see cref="TotalParts"/> disjoint parts of a dataset this
/// participant trains on. Every participant of a session gets the same config except <see cref="PartIndex"/>, so all
/// of them compute the same split from <see cref="Seed"/>.
/// </summary>
public sealed record PartitionConfig
{
    /// <summary>
    /// The most parts a dataset may be split into. A session has at most a few hundred participants; the bound keeps a
    /// typo such as 2147483647 from being accepted by the gateway and only failing later on a runner, and keeps the
    /// per-part arrays the partitioner allocates small.
    /// </summary>
    public const int MaxTotalParts = 10_000;

    /// <summary>The keys of a <c>partition_config</c> object, as <see cref="FromJson"/> reads them.</summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["strategy", "total_parts", "part_index", "alpha", "min_samples", "overlap_ratio", "seed", "classes_per_part"];

    public required PartitionStrategy Strategy { get; init; }

    public required int TotalParts { get; init; }

    public required int PartIndex { get; init; }

    /// <summary>Dirichlet concentration for <see cref="PartitionStrategy.NonIid"/> (required there, ignored elsewhere):
    /// small values give each part few classes, large values approach IID.</summary>
    public double? Alpha { get; init; }

    /// <summary>The fewest rows any part may have; 0 means "at least one". Applies to every strategy.</summary>
    public int MinSamples { get; init; }

    /// <summary>In [0, 1): each part additionally gets ⌊ratio · its size⌋ rows drawn from the other parts.</summary>
    public double OverlapRatio { get; init; }

    /// <summary>The shared seed; required by every strategy that draws random numbers.</summary>
    public long? Seed { get; init; }

    /// <summary>For <see cref="PartitionStrategy.LabelSkew"/>: classes per part; default ⌈classes / total_parts⌉.</summary>
    public int? ClassesPerPart { get; init; }

    /// <summary>The smallest part size accepted: <see cref="MinSamples"/>, and never an empty part.</summary>
    public int MinimumPartSize => Math.Max(1, MinSamples);

    /// <summary>Whether the split draws random numbers (and so needs <see cref="Seed"/>).</summary>
    public bool NeedsSeed => OverlapRatio > 0 || Strategy != PartitionStrategy.Sequential;

    public static PartitionStrategy ParseStrategy(string? name) => name switch
    {
        "random" or "iid" => PartitionStrategy.Random,
        "stratified" => PartitionStrategy.Stratified,
        "sequential" => PartitionStrategy.Sequential,
        "non_iid" or "dirichlet" => PartitionStrategy.NonIid,
        "label_skew" => PartitionStrategy.LabelSkew,
        null or "" => throw Invalid("strategy", "strategy is required"),
        _ => throw new ModelConfigException($"unsupported partitioning strategy: {name}", "strategy"),
    };

    public static string WireName(PartitionStrategy strategy) => strategy switch
    {
        PartitionStrategy.Random => "random",
        PartitionStrategy.Stratified => "stratified",
        PartitionStrategy.Sequential => "sequential",
        PartitionStrategy.NonIid => "non_iid",
        PartitionStrategy.LabelSkew => "label_skew",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy), strategy, null),
    };

    /// <summary>
    /// Parses and validates a <c>partition_config</c> JSON object. Keys other than <see cref="Keys"/> are ignored here,
    /// as an upstream server's push may carry its own; Parity's task API refuses them before it gets this far.
    /// </summary>
    public static PartitionConfig Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"invalid partition configuration: not valid JSON ({e.Message})");
        }
        using (document) return FromJson(document.RootElement);
    }

    /// <inheritdoc cref="Parse"/>
    public static PartitionConfig FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new ModelConfigException("invalid partition configuration: partition_config must be a JSON object");

        var strategy = Field(element, "strategy") switch
        {
            null => ParseStrategy(null),
            { ValueKind: JsonValueKind.String } s => ParseStrategy(s.GetString()),
            _ => throw Invalid("strategy", "strategy must be a string"),
        };
        var config = new PartitionConfig
        {
            Strategy = strategy,
            TotalParts = Int32(element, "total_parts") ?? throw Invalid("total_parts", "total_parts is required"),
            PartIndex = Int32(element, "part_index") ?? throw Invalid("part_index", "part_index is required"),
            Alpha = Number(element, "alpha"),
            MinSamples = Int32(element, "min_samples") ?? 0,
            OverlapRatio = Number(element, "overlap_ratio") ?? 0,
            Seed = Int64(element, "seed"),
            ClassesPerPart = Int32(element, "classes_per_part"),
        };
        config.Validate();
        return config;
    }

    /// <summary>Checks every field on its own; what depends on the dataset is checked by the <see cref="Partitioner"/>.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Strategy))
            throw Invalid("strategy", $"unknown strategy value {(int)Strategy}");
        if (TotalParts < 1)
            throw Invalid("total_parts", $"total_parts must be at least 1, got {TotalParts}");
        if (TotalParts > MaxTotalParts)
            throw Invalid("total_parts", $"total_parts must be at most {MaxTotalParts}, got {TotalParts}");
        if (PartIndex < 0 || PartIndex >= TotalParts)
            throw Invalid("part_index", $"part_index must be in [0, {TotalParts}), got {PartIndex}");
        if (Strategy == PartitionStrategy.NonIid) ValidateAlpha();
        if (MinSamples < 0)
            throw Invalid("min_samples", $"min_samples must be zero or positive, got {MinSamples}");
        if (!(OverlapRatio >= 0 && OverlapRatio < 1))
            throw Invalid("overlap_ratio", $"overlap_ratio must be in [0, 1), got {Format(OverlapRatio)}");
        if (ClassesPerPart is < 1)
            throw Invalid("classes_per_part", $"classes_per_part must be at least 1, got {ClassesPerPart}");
        if (Seed is null && NeedsSeed)
            throw Invalid("seed",
                $"seed is required for {WireName(Strategy)} partitioning{(OverlapRatio > 0 ? " with overlap" : "")}, " +
                "so that every participant computes the same parts");
    }

    private void ValidateAlpha()
    {
        if (Alpha is not { } alpha)
            throw new ModelConfigException("alpha parameter is required for non-IID partitioning", "alpha");
        // The first message is the reference runner's, formatted as Go's %f.
        if (!(alpha > 0))
            throw new ModelConfigException(
                $"alpha parameter must be positive for non-IID partitioning, got {GoFloat(alpha)}",
                "alpha");
        if (double.IsInfinity(alpha))
            throw new ModelConfigException("alpha parameter must be finite for non-IID partitioning, got +Inf", "alpha");
    }

    /// <summary>A double as Go's <c>%f</c> prints it.</summary>
    private static string GoFloat(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("F6", CultureInfo.InvariantCulture),
    };

    private static ModelConfigException Invalid(string field, string problem) =>
        new($"invalid partition configuration: {problem}", field);

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static JsonElement? Field(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static int? Int32(JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var value) => value,
        _ => throw Invalid(name, $"{name} must be an integer"),
    };

    private static long? Int64(JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var value) => value,
        _ => throw Invalid(name, $"{name} must be a 64-bit integer"),
    };

    private static double? Number(JsonElement root, string name) => Field(root, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var value) && double.IsFinite(value) => value,
        _ => throw Invalid(name, $"{name} must be a number"),
    };
}
