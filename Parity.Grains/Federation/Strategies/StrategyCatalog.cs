using System.Text.Json;

namespace Parity.Federation.Strategies;

/// <summary>
/// Builds a weight-aggregation strategy from a session's method name and <c>config</c> object. The house rule is no
/// hidden defaults: every parameter a strategy needs must be in the config, and a missing, mistyped or out-of-range
/// one is an error naming it. Keys a strategy does not use are ignored (the config carries other session settings).
/// </summary>
public static class StrategyCatalog
{
    /// <summary>The upstream name for FedAvg, still accepted.</summary>
    public const string FedAvgAlias = "federated_averaging";

    /// <summary>Random-forest merge methods: valid session methods, but not weight strategies; the caller routes them.</summary>
    public static IReadOnlyList<string> ForestMethods { get; } = ["tree_union", "histogram"];

    /// <summary>The wire names of the weight strategies.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        FedAvg.WireName, FedAvgM.WireName, FedProx.WireName, FedAdagrad.WireName, FedAdam.WireName, FedYogi.WireName,
        FedMedian.WireName, FedTrimmedAvg.WireName, Krum.WireName, MultiKrum.WireName,
    ];

    /// <summary>
    /// Every parameter a strategy reads from the config. The session request refuses config fields it does not know
    /// (<c>FlSessionRequest.StrategyParameters</c> lists these), so a parameter read here must be listed here.
    /// </summary>
    public static IReadOnlyList<string> ParameterNames { get; } =
        ["server_learning_rate", "server_momentum", "proximal_mu", "beta_1", "beta_2", "tau", "beta", "num_malicious", "num_selected"];

    /// <summary>Whether <paramref name="method"/> names a weight strategy (alias included); false for forest methods.</summary>
    public static bool IsWeightMethod(string? method) =>
        method is not null && (method == FedAvgAlias || Names.Contains(method, StringComparer.Ordinal));

    /// <exception cref="StrategyConfigException">
    /// An unknown or forest method, or a bad parameter (see <see cref="StrategyConfigException.Field"/>).
    /// </exception>
    public static IAggregationStrategy Create(string method, JsonElement config)
    {
        if (!IsWeightMethod(method))
        {
            var valid = string.Join(", ", Names.Append(FedAvgAlias).Concat(ForestMethods));
            if (method is not null && ForestMethods.Contains(method, StringComparer.Ordinal))
                throw new StrategyConfigException("method",
                    $"method '{method}' merges random forests and is not a weight aggregation strategy; " +
                    $"the weight strategies are: {string.Join(", ", Names)}");
            throw new StrategyConfigException("method", $"unknown aggregation method '{method}'; valid methods: {valid}");
        }
        if (config.ValueKind != JsonValueKind.Object)
            throw new StrategyConfigException("config", $"config must be a JSON object for {method}, got {Kind(config.ValueKind)}");

        var reader = new Reader(method, config);
        try
        {
            return method switch
            {
                FedAvg.WireName or FedAvgAlias => new FedAvg(),
                FedAvgM.WireName => new FedAvgM(reader.Number("server_learning_rate"), reader.Number("server_momentum")),
                FedProx.WireName => new FedProx(reader.Number("proximal_mu")),
                FedAdagrad.WireName => new FedAdagrad(reader.Number("server_learning_rate"), reader.Number("beta_1"), reader.Number("tau")),
                FedAdam.WireName => new FedAdam(
                    reader.Number("server_learning_rate"), reader.Number("beta_1"), reader.Number("beta_2"), reader.Number("tau")),
                FedYogi.WireName => new FedYogi(
                    reader.Number("server_learning_rate"), reader.Number("beta_1"), reader.Number("beta_2"), reader.Number("tau")),
                FedMedian.WireName => new FedMedian(),
                FedTrimmedAvg.WireName => new FedTrimmedAvg(reader.Number("beta")),
                Krum.WireName => new Krum(reader.Integer("num_malicious")),
                MultiKrum.WireName => new MultiKrum(reader.Integer("num_malicious"), reader.Integer("num_selected")),
                _ => throw new InvalidOperationException($"'{method}' is in Names but has no constructor here"),
            };
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName is not null)
        {
            // The strategies name the wire parameter; restate it as the config field the session author wrote.
            throw new StrategyConfigException("config." + e.ParamName, $"config.{e.ParamName} is invalid for {method}: {e.Message}", e);
        }
    }

    private static string Kind(JsonValueKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>Reads required parameters, naming the field in every error.</summary>
    private readonly struct Reader(string method, JsonElement config)
    {
        public double Number(string name)
        {
            var value = Required(name);
            if (value.ValueKind != JsonValueKind.Number)
                throw new StrategyConfigException("config." + name, $"config.{name} must be a number for {method}, got {Kind(value.ValueKind)}");
            // TryGetDouble refuses numbers outside double's range rather than turning them into infinity.
            if (!value.TryGetDouble(out var number) || !double.IsFinite(number))
                throw new StrategyConfigException("config." + name, $"config.{name} must be a finite number for {method}, got {value.GetRawText()}");
            return number;
        }

        public int Integer(string name)
        {
            var value = Required(name);
            if (value.ValueKind != JsonValueKind.Number)
                throw new StrategyConfigException("config." + name, $"config.{name} must be an integer for {method}, got {Kind(value.ValueKind)}");
            if (!value.TryGetInt32(out var number))
            {
                // 2.0 is an integer written as a float by some JSON writers; 2.5 or 1e12 is not an int.
                if (value.TryGetDouble(out var real) && real == Math.Floor(real) && real >= int.MinValue && real <= int.MaxValue)
                    return (int)real;
                throw new StrategyConfigException("config." + name,
                    $"config.{name} must be an integer for {method}, got {value.GetRawText()}");
            }
            return number;
        }

        private JsonElement Required(string name)
        {
            if (!ParameterNames.Contains(name))
                throw new InvalidOperationException($"strategy parameter '{name}' is not in {nameof(ParameterNames)}: session requests would refuse it");
            if (!config.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                throw new StrategyConfigException("config." + name, $"config.{name} is required for {method}");
            return value;
        }
    }
}
