using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Federation.Privacy;
using Parity.Federation.Strategies;
using Parity.Learning.Data;

/// <summary>
/// The accuracy cost of client-mode differential privacy on digits: a federated MLP trained round by round through the
/// code a session runs — the session request's validation, <see cref="SessionPlanning"/>'s round task config, the
/// runner's <see cref="FederatedTrainer"/> (which clips and noises its update), <see cref="UpdateCheck"/> and FedAvg with
/// equal weights — in one process, without the cluster around it (the cluster adds no arithmetic). For each noise
/// multiplier z it reports the ε the session would report at δ, and the test accuracy of the final global model on a
/// held-out quarter of digits. z = 0 is clipping alone (no noise: no privacy); "none" is plain FedAvg.
/// </summary>
public static class DpBenchmark
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Run(int participants, int rounds, double clip, double delta, IReadOnlyList<string> multipliers, int seeds)
    {
        var digits = DatasetReader.ReadFile(DatasetPath("digits.csv"));
        // A fixed 75/25 split (seed 7), as the learning benchmarks use for digits.
        var order = Enumerable.Range(0, digits.Rows).ToArray();
        new Random(7).Shuffle(order);
        var cut = digits.Rows * 3 / 4;
        var train = digits.Subset(order[..cut]);
        var test = digits.Subset(order[cut..]);
        Console.WriteLine($"digits: {train.Rows} training rows in {participants} stratified parts, {test.Rows} test rows; " +
                          $"{rounds} rounds, clip {clip.ToString(Invariant)}, δ {delta.ToString(Invariant)}; noise seeds 1 to {seeds}");
        Console.WriteLine("| z | ε at δ | Rényi order | test accuracy, mean | lowest – highest | wall time per run |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var label in multipliers)
        {
            double? z = label == "none" ? null : double.Parse(label, Invariant);
            var clock = Stopwatch.StartNew();
            var accuracies = Enumerable.Range(1, seeds).Select(seed => Train(train, test, participants, rounds, clip, z, seed)).ToList();
            var epsilon = z is > 0
                ? DifferentialPrivacy.Epsilon(Enumerable.Repeat(z.Value, rounds), delta)
                : (Epsilon: double.PositiveInfinity, Order: double.NaN);
            Console.WriteLine($"| {label} | {(double.IsInfinity(epsilon.Epsilon) ? "∞" : epsilon.Epsilon.ToString("0.00", Invariant))} | " +
                              $"{(double.IsNaN(epsilon.Order) ? "–" : epsilon.Order.ToString("0.#", Invariant))} | " +
                              $"{accuracies.Average().ToString("P2", Invariant)} | {accuracies.Min().ToString("P2", Invariant)} – " +
                              $"{accuracies.Max().ToString("P2", Invariant)} | {(clock.Elapsed.TotalSeconds / seeds).ToString("0.0", Invariant)} s |");
        }
    }

    private static double Train(Dataset train, Dataset test, int participants, int rounds, double clip, double? z, int seed)
    {
        var spec = Spec(participants, rounds);
        var global = (IReadOnlyDictionary<string, float[]>)SessionPlanning.InitialWeights(spec, train)!;
        var strategy = new FedAvg();
        var state = new StrategyState(new Dictionary<string, float[]>(), 0);
        var rows = SessionPlanning.PartRows(spec, train, participants);
        // Seeded here for a reproducible table; a runner draws its noise from the operating system's generator.
        var noise = new GaussianNoise(new Random(seed));
        for (var round = 1; round <= rounds; round++)
        {
            var roundId = $"bench-round-{round}";
            var updates = new List<ClientUpdate>(participants);
            for (var part = 0; part < participants; part++)
            {
                var config = JsonNode.Parse(SessionPlanning.TaskConfig(spec, "bench", roundId, participants, part, $"p{part}", global, null))!.AsObject();
                if (z is { } multiplier && multiplier > 0)
                    config["privacy"] = new JsonObject
                    {
                        ["l2_norm_clip"] = clip,
                        ["noise_stddev"] = DifferentialPrivacy.ClientNoiseStddev(multiplier, clip, participants),
                    };
                var run = FederatedTrainer.Train(FederatedTaskConfig.Parse(config.ToJsonString()), train, privacyNoise: noise);
                var checkedUpdate = UpdateCheck.Weights(JsonSerializer.Serialize(run.Update, Parity.Json.ParityJson.Options), "bench", roundId, part,
                    rows[part], global, null);
                if (!checkedUpdate.Accepted) throw new InvalidOperationException($"round {round}, part {part}: {checkedUpdate.Reason}");
                updates.Add(checkedUpdate.Delta!);
            }
            // z = 0: clipped, equal weights, no noise (the server path with no noise); with z, the runners already clipped and noised.
            IReadOnlyList<ClientUpdate> input = z switch
            {
                null => updates,
                0 => DifferentialPrivacy.ServerAggregateInput(updates, clip, 0, noise).Updates,
                _ => DifferentialPrivacy.EqualWeights(updates),
            };
            var result = strategy.Aggregate(global, input, state);
            global = result.Global;
            state = result.State;
        }
        return SessionPlanning.Evaluate(spec, global, null, test, train.Columns).TestAccuracy!.Value;
    }

    /// <summary>The session as a user would send it, validated by the session request's parser.</summary>
    private static FlSessionSpec Spec(int participants, int rounds)
    {
        var body = new JsonObject
        {
            ["name"] = "dp digits",
            ["model_type"] = "neural_network",
            ["total_rounds"] = rounds,
            ["min_participants"] = participants,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", ["data_format"] = "csv",
                ["split_strategy"] = "stratified", ["metadata"] = new JsonObject { ["min_samples"] = 10 },
            },
            ["config"] = new JsonObject
            {
                ["aggregation_method"] = "fedavg", ["learning_rate"] = 0.01, ["batch_size"] = 16, ["local_epochs"] = 2,
                ["model_config"] = new JsonObject { ["hidden_size"] = 32 },
                ["train_config"] = new JsonObject { ["optimizer"] = "adam" },
            },
            ["seed"] = 42,
        };
        using var document = JsonDocument.Parse(body.ToJsonString());
        return FlSessionRequest.Parse(document.RootElement, () => 42);
    }

    private static string DatasetPath(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Parity.sln"))) return Path.Combine(dir.FullName, "datasets", file);
        throw new DirectoryNotFoundException($"no directory holding Parity.sln above {AppContext.BaseDirectory}");
    }
}
