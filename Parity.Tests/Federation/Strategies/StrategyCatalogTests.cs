using System.Text.Json;
using Parity.Federation.Strategies;

namespace Parity.Tests.Federation.Strategies;

public class StrategyCatalogTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private const string AdaptiveConfig = """{"server_learning_rate": 0.1, "beta_1": 0.9, "beta_2": 0.99, "tau": 0.001}""";

    [Fact]
    public void Lists_the_weight_strategies()
    {
        Assert.Equal(
            ["fedavg", "fedavgm", "fedprox", "fedadagrad", "fedadam", "fedyogi", "fedmedian", "fedtrimmedavg", "krum", "multikrum"],
            StrategyCatalog.Names);
    }

    [Fact]
    public void Every_listed_name_builds_a_strategy_of_that_name()
    {
        var everything = Json("""
            {"server_learning_rate": 0.1, "server_momentum": 0.9, "proximal_mu": 0.01, "beta_1": 0.9, "beta_2": 0.99,
             "tau": 0.001, "beta": 0.1, "num_malicious": 1, "num_selected": 2, "session_id": "ignored"}
            """);
        foreach (var name in StrategyCatalog.Names)
        {
            Assert.True(StrategyCatalog.IsWeightMethod(name));
            Assert.Equal(name, StrategyCatalog.Create(name, everything).Name);
        }
    }

    [Fact]
    public void Reads_the_parameters_from_the_config()
    {
        var adam = Assert.IsType<FedAdam>(StrategyCatalog.Create("fedadam", Json(AdaptiveConfig)));
        Assert.Equal((0.1, 0.9, 0.99, 0.001), (adam.ServerLearningRate, adam.Beta1, adam.Beta2, adam.Tau));

        var multi = Assert.IsType<MultiKrum>(StrategyCatalog.Create("multikrum", Json("""{"num_malicious": 2, "num_selected": 3}""")));
        Assert.Equal((2, 3), (multi.NumMalicious, multi.NumSelected));

        var prox = Assert.IsType<FedProx>(StrategyCatalog.Create("fedprox", Json("""{"proximal_mu": 0.5}""")));
        Assert.Equal(0.5, prox.ProximalMu);

        var trimmed = Assert.IsType<FedTrimmedAvg>(StrategyCatalog.Create("fedtrimmedavg", Json("""{"beta": 0.2}""")));
        Assert.Equal(0.2, trimmed.Beta);

        // Adagrad has no β₂, so its config needs none.
        var adagrad = Assert.IsType<FedAdagrad>(StrategyCatalog.Create("fedadagrad", Json("""{"server_learning_rate": 1, "beta_1": 0, "tau": 2}""")));
        Assert.Equal((1.0, 0.0, 2.0), (adagrad.ServerLearningRate, adagrad.Beta1, adagrad.Tau));
    }

    [Fact]
    public void Maps_the_upstream_alias_to_fedavg()
    {
        Assert.True(StrategyCatalog.IsWeightMethod("federated_averaging"));
        Assert.IsType<FedAvg>(StrategyCatalog.Create("federated_averaging", Json("{}")));
    }

    [Theory]
    [InlineData("fedadam", "server_learning_rate")]
    [InlineData("fedadam", "beta_1")]
    [InlineData("fedyogi", "beta_2")]
    [InlineData("fedadagrad", "tau")]
    public void A_missing_parameter_is_named(string method, string missing)
    {
        var config = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(AdaptiveConfig)!;
        config.Remove(missing);

        var error = Assert.Throws<StrategyConfigException>(() =>
            StrategyCatalog.Create(method, JsonSerializer.SerializeToElement(config)));

        Assert.Equal("config." + missing, error.Field);
        Assert.Equal($"config.{missing} is required for {method}", error.Message);
    }

    [Theory]
    [InlineData("fedavgm", """{"server_learning_rate": 1}""", "config.server_momentum", "is required for fedavgm")]
    [InlineData("fedprox", """{"proximal_mu": null}""", "config.proximal_mu", "is required for fedprox")]
    [InlineData("fedtrimmedavg", "{}", "config.beta", "is required for fedtrimmedavg")]
    [InlineData("krum", "{}", "config.num_malicious", "is required for krum")]
    [InlineData("multikrum", """{"num_malicious": 1}""", "config.num_selected", "is required for multikrum")]
    [InlineData("fedadam", """{"server_learning_rate": "0.1", "beta_1": 0.9, "beta_2": 0.99, "tau": 0.001}""",
        "config.server_learning_rate", "config.server_learning_rate must be a number for fedadam, got string")]
    [InlineData("fedavgm", """{"server_learning_rate": 1, "server_momentum": true}""",
        "config.server_momentum", "must be a number for fedavgm, got true")]
    [InlineData("fedprox", """{"proximal_mu": 1e400}""", "config.proximal_mu", "must be a finite number for fedprox, got 1e400")]
    [InlineData("krum", """{"num_malicious": 1.5}""", "config.num_malicious", "must be an integer for krum, got 1.5")]
    [InlineData("krum", """{"num_malicious": 1e12}""", "config.num_malicious", "must be an integer for krum, got 1e12")]
    [InlineData("krum", """{"num_malicious": [1]}""", "config.num_malicious", "must be an integer for krum, got array")]
    [InlineData("fedadam", """{"server_learning_rate": -1, "beta_1": 0.9, "beta_2": 0.99, "tau": 0.001}""",
        "config.server_learning_rate", "config.server_learning_rate is invalid for fedadam: server_learning_rate must be > 0, got -1")]
    [InlineData("fedyogi", """{"server_learning_rate": 1, "beta_1": 1, "beta_2": 0.99, "tau": 0.001}""",
        "config.beta_1", "beta_1 must be >= 0 and < 1, got 1")]
    [InlineData("fedtrimmedavg", """{"beta": 0.5}""", "config.beta", "beta must be >= 0 and < 0.5, got 0.5")]
    [InlineData("multikrum", """{"num_malicious": 1, "num_selected": 0}""", "config.num_selected", "num_selected must be >= 1, got 0")]
    public void A_bad_parameter_is_named(string method, string config, string field, string expected)
    {
        var error = Assert.Throws<StrategyConfigException>(() => StrategyCatalog.Create(method, Json(config)));
        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_integer_written_as_a_float_is_accepted()
    {
        var krum = Assert.IsType<Krum>(StrategyCatalog.Create("krum", Json("""{"num_malicious": 2.0}""")));
        Assert.Equal(2, krum.NumMalicious);
    }

    [Fact]
    public void A_config_that_is_not_an_object_is_refused()
    {
        var error = Assert.Throws<StrategyConfigException>(() => StrategyCatalog.Create("fedavg", Json("[1, 2]")));
        Assert.Equal("config", error.Field);
        Assert.Contains("config must be a JSON object for fedavg, got array", error.Message);
    }

    [Theory]
    [InlineData("fedsgd")]
    [InlineData("FedAvg")]
    [InlineData("")]
    public void An_unknown_method_lists_the_valid_ones(string method)
    {
        Assert.False(StrategyCatalog.IsWeightMethod(method));
        var error = Assert.Throws<StrategyConfigException>(() => StrategyCatalog.Create(method, Json("{}")));
        Assert.Equal("method", error.Field);
        Assert.Contains($"unknown aggregation method '{method}'", error.Message);
        foreach (var name in StrategyCatalog.Names.Append("federated_averaging").Append("tree_union").Append("histogram"))
            Assert.Contains(name, error.Message);
    }

    [Theory]
    [InlineData("tree_union")]
    [InlineData("histogram")]
    public void Forest_methods_are_not_weight_strategies(string method)
    {
        Assert.False(StrategyCatalog.IsWeightMethod(method));
        var error = Assert.Throws<StrategyConfigException>(() => StrategyCatalog.Create(method, Json("{}")));
        Assert.Equal("method", error.Field);
        Assert.Contains("merges random forests", error.Message);
    }
}
