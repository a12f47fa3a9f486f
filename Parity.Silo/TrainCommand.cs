using Parity.Tasks;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Federation;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Learning.Partitioning;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner train</c>: the federated training entry point on a local file, with the same validation,
/// partitioning and training a runner applies, so a configuration can be tried before it is submitted.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "federated_learning task config JSON (see docs/PROTOCOL.md#federated-learning-task-config)", Required = true };
        var data = new Option<FileInfo>("--data") { Description = "the dataset (CSV or JSON, as config.data_format says)", Required = true };
        var test = new Option<FileInfo?>("--test") { Description = "a held-out dataset to evaluate the trained model on" };
        var output = new Option<FileInfo?>("--out") { Description = "write the model update (what a runner submits) to this file" };
        var command = new Command("train", "Train one participant's part locally and print its metrics as JSON") { config, data, test, output };
        command.SetAction((parse, cancellation) => RunAsync(parse.GetValue(config)!, parse.GetValue(data)!, parse.GetValue(test),
            parse.GetValue(output), cancellation));
        return command;
    }

    public static async Task<int> RunAsync(FileInfo configFile, FileInfo dataFile, FileInfo? testFile, FileInfo? outFile,
        CancellationToken cancellation)
    {
        try
        {
            var config = FederatedTaskConfig.Parse(await File.ReadAllTextAsync(Existing(configFile, "--config"), cancellation));
            var loading = Stopwatch.StartNew();
            var dataset = DatasetReader.ReadFile(Existing(dataFile, "--data"), config.DataFormat);
            var testSet = testFile is null ? null : DatasetReader.ReadFile(Existing(testFile, "--test"), config.DataFormat);
            var loadMs = (long)loading.Elapsed.TotalMilliseconds;
            if (testSet is not null && testSet.Columns != dataset.Columns)
                throw new DatasetException($"--test has {testSet.Columns} feature columns, --data has {dataset.Columns}");
            if (testSet is not null && config.EvaluateOnly)
                throw new TaskConfigException("--test: an evaluate_only config trains no model to test; it scores config.global_model on the held-out rows");

            var run = FederatedTrainer.Train(config, dataset, cancellation);
            var update = run.Update;
            var summary = new Dictionary<string, object?>
            {
                ["model_type"] = update.ModelType,
                ["samples"] = update.DataSize,
                ["features"] = dataset.Columns,
                ["loss"] = update.Loss,
                ["accuracy"] = update.Accuracy,
                ["r2"] = update.RSquared,
                ["mse"] = update.MeanSquaredError,
                ["oob_score"] = update.RfMetrics?.OobScore,
                ["feature_importance"] = update.RfMetrics?.FeatureImportance,
                ["training_time_ms"] = update.TrainingTimeMs,
                ["load_time_ms"] = loadMs,
            };
            // With evaluation_fraction: the global model the config carried, on the rows held out of training.
            if (update.GlobalEvaluation is { } received)
                summary["global_evaluation"] = WithoutNulls(new Dictionary<string, object?>
                {
                    ["samples"] = received.Rows,
                    ["loss"] = received.Loss,
                    ["accuracy"] = received.Accuracy,
                    ["r2"] = received.RSquared,
                    ["mse"] = received.MeanSquaredError,
                });
            if (testSet is not null)
            {
                var evaluation = run.Evaluate(testSet);
                summary["test"] = WithoutNulls(new Dictionary<string, object?>
                {
                    ["samples"] = testSet.Rows,
                    ["loss"] = evaluation.Loss,
                    ["accuracy"] = evaluation.Accuracy,
                    ["r2"] = evaluation.RSquared,
                    ["mse"] = evaluation.MeanSquaredError,
                });
            }
            // The options leave out null properties, not null dictionary entries.
            summary = WithoutNulls(summary);

            if (outFile is not null)
                await File.WriteAllTextAsync(outFile.FullName, JsonSerializer.Serialize(update, ParityJson.Options), cancellation);
            Console.WriteLine(JsonSerializer.Serialize(summary, ParityJson.Options));
            return 0;
        }
        catch (Exception e) when (e is TaskConfigException or ModelConfigException or DatasetException
                                       or TrainingDivergedException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"train: {e.Message}");
            return e is TrainingDivergedException ? 3 : 2;
        }
        catch (OutOfMemoryException)
        {
            // The last guard: the bounds and the memory estimate refuse the known cases first, naming the field.
            await Console.Error.WriteLineAsync(
                "train: ran out of memory training this model on this data: reduce the model's size (hidden_sizes, num_trees, max_depth) or batch_size");
            return 2;
        }
    }

    private static Dictionary<string, object?> WithoutNulls(Dictionary<string, object?> values) =>
        values.Where(p => p.Value is not null).ToDictionary();

    private static string Existing(FileInfo file, string option) =>
        file.Exists ? file.FullName : throw new FileNotFoundException($"{option}: no file at '{file.FullName}'", file.FullName);
}
