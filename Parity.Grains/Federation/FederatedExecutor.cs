using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Parity.Execution;
using Parity.Json;
using Parity.Learning.Data;
using Parity.Learning.Models;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Runs <c>federated_learning</c> tasks: fetches the dataset by its CID, trains this participant's part from the
/// session's global model (<see cref="FederatedTrainer"/>), and returns the model update as the task's output (JSON,
/// snake_case). Progress lines go to stderr, so the task's logs show where it is.
/// </summary>
public sealed class FederatedExecutor(IDatasetSource datasets, ParsedDatasets parsed, IGrainFactory grains) : TaskExecutor<FederatedTaskConfig>
{
    public override TaskType Type => TaskType.FederatedLearning;

    /// <summary>Training needs no engine; a dataset this runner lacks fails the task with the reason.</summary>
    public override bool Available => true;

    protected override async Task<ExecutionOutcome> ExecuteAsync(TaskRun run, FederatedTaskConfig config, ExecutionOutput output,
        CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            // Parsing and training are CPU-bound and synchronous: keep them off the caller's thread.
            var (dataset, size) = await Task.Run(() => parsed.GetAsync(config.DatasetCid, config.DataFormat,
                () => datasets.ReadAsync(config.DatasetCid, cancellation)), cancellation);
            Progress(output, $"dataset {config.DatasetCid}: {size} bytes");
            var trained = await Task.Run(() =>
            {
                Progress(output, $"{(config.EvaluateOnly ? "evaluating the global" : "training")} {FederatedTaskConfig.WireName(config.ModelType)} on part {config.Partition.PartIndex + 1} " +
                                 $"of {config.Partition.TotalParts} ({dataset.Rows} rows in all)");
                var part = parsed.Part(config.DatasetCid, config.DataFormat, dataset, config.Partition);
                return FederatedTrainer.Train(config, dataset, cancellation, part);
            }, cancellation);
            var sent = trained.Update;
            if (config.SecureAggregation is { } secure)
            {
                // Masked here, on the runner, through this part's grain on this silo (it holds the round's keys): the
                // update that leaves is uniform noise to anyone without the other participants' masks.
                var vector = SecureUpdateVector.Build(sent.Weights, GlobalModelJson.ReadWeights(config.GlobalModel!.Value)!,
                    secure.Weight, secure.UpdateClip, secure.Setup.ClipRange);
                if (vector.Length != secure.Setup.VectorLength)
                    return Failed($"the update has {vector.Length} coordinates, the round's secure aggregation {secure.Setup.VectorLength}", clock);
                var masked = await grains.GetGrain<IFlPartGrain>($"{config.SessionId}/{config.Partition.PartIndex}").SecAggMask(secure.Setup, vector);
                sent = sent with
                {
                    Weights = new Dictionary<string, float[]>(), Gradients = new Dictionary<string, float[]>(),
                    MaskedUpdate = Convert.ToBase64String(masked), SecAggParticipant = secure.Setup.Participant,
                };
                Progress(output, $"round {config.RoundId}: update masked for secure aggregation (participant {secure.Setup.Participant} of {secure.Setup.Participants})");
            }
            var update = JsonSerializer.SerializeToUtf8Bytes(sent, ParityJson.Options);
            // A truncated update would be garbage to the aggregator: refuse it whole instead.
            if (update.Length > output.Stdout.MaxBytes)
                return Failed($"the model update is {update.Length} bytes, over this runner's output limit of " +
                              $"{output.Stdout.MaxBytes} (RUNNER_MAX_OUTPUT_BYTES)", clock);
            output.Stdout.Append(update);
            if (sent.GlobalEvaluation is { } received)
                Progress(output, $"round {config.RoundId}: the global model received scored loss {received.Loss:G6} on {received.Rows} held-out rows");
            if (config.Rehearsal)
                Progress(output, $"rehearsal {config.RoundId}: trained on {trained.Update.DataSize} rows; answered with the global weights");
            else if (!config.EvaluateOnly)
                Progress(output, $"round {config.RoundId}: loss {trained.Update.Loss:G6} on {trained.Update.DataSize} rows");
            return new ExecutionOutcome
            {
                ExitCode = 0,
                Elapsed = clock.Elapsed,
                StorageBytes = size,
            };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return Failed("task was cancelled", clock) with { Cancelled = true };
        }
        catch (Exception e) when (e is DatasetNotFoundException or DatasetException or ModelConfigException or TrainingDivergedException
                                      or Privacy.SecureAggregation.SecureAggregationException)
        {
            return Failed(e.Message, clock);
        }
        catch (OutOfMemoryException)
        {
            // The last guard (the bounds and the memory estimate refuse the known cases first): fail this task, keep the runner.
            return Failed("ran out of memory training this model on this data: reduce the model's size (hidden_sizes, " +
                          "num_trees, max_depth) or batch_size", clock);
        }
    }

    private static void Progress(ExecutionOutput output, string line) => output.Stderr.Append(Encoding.UTF8.GetBytes(line + "\n"));

    private static ExecutionOutcome Failed(string error, Stopwatch clock) =>
        new() { ExitCode = -1, Error = error, Elapsed = clock.Elapsed };
}
