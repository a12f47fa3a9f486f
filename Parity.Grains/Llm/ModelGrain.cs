using Microsoft.Extensions.Logging;
using Parity.Runners;

namespace Parity.Llm;

/// <summary>
/// One model name as prompts ask for it. It routes each prompt from the runner directory (warm runners first, then
/// the least loaded) and, when no runner has the model, asks the least loaded runner whose Ollama answers to pull it,
/// keeping the pull's progress for the prompts that wait on it. One pull at a time per name; a failed pull is
/// reported to the prompts waiting on it and retried only after <see cref="RetryFailedPullAfter"/>. Runners refuse
/// pulls their RUNNER_MODEL_PULL_ALLOW does not allow, or beyond RUNNER_MODEL_PULL_CONCURRENCY; their reasons make the
/// route's error.
/// </summary>
public sealed class ModelGrain(RunnerDirectoryCache directory, TimeProvider clock, ILogger<ModelGrain> logger)
    : Grain, IModelGrain
{
    public static readonly TimeSpan RetryFailedPullAfter = TimeSpan.FromSeconds(60);
    /// <summary>How long a finished pull may take to show in the puller's capabilities before it counts as failed.</summary>
    private static readonly TimeSpan VisibleWithin = TimeSpan.FromSeconds(60);

    private LlmPullState? _pull;

    private string Model => this.GetPrimaryKeyString();
    private DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>The grain key for a requested model name: names match case-insensitively, so the key is lower-case.</summary>

    public async Task<LlmRoute> Route()
    {
        var runners = directory.Runners;
        if (ModelRouting.Serving(runners, Model).Any())
            return new LlmRoute { Runners = ModelRouting.Candidates(runners, Model, directory.FreeSlots) };
        if (!runners.Any(r => r.Status == RunnerStatus.Online)) return new LlmRoute();
        if (ModelRouting.Ambiguity(runners, Model) is { } ambiguous) return new LlmRoute { Error = ambiguous };

        if (_pull is { } pull)
        {
            if (pull.Error is not null && Now - pull.UpdatedAt < RetryFailedPullAfter) return new LlmRoute { Error = pull.Error };
            // A runner that is merely late with heartbeats still reports its pull (it has its own timeout).
            if (pull.Error is null && !pull.Done && directory.IsSiloDead(pull.Runner))
                _pull = pull = Failed(pull, $"runner {pull.Runner}'s silo died while pulling model '{Model}'");
            if (pull is { Done: true, Error: null } && Now - pull.UpdatedAt > VisibleWithin)
                _pull = pull = Failed(pull, $"{pull.Runner} pulled model '{Model}' but does not list it as a model it serves");
            if (pull.Error is null) return new LlmRoute { Pull = pull };
        }

        var refusals = new List<ModelPullAnswer>();
        foreach (var runner in ModelRouting.Pullers(runners))
        {
            try
            {
                var answer = await GrainFactory.GetGrain<IRunnerGrain>(runner).PullModel(Model);
                if (!answer.IsStarted)
                {
                    refusals.Add(answer);
                    continue;
                }
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Runner {Runner} could not start pulling {Model}", runner, Model);
                continue;
            }
            _pull = new LlmPullState { Model = Model, Runner = runner, Status = "starting", StartedAt = Now, UpdatedAt = Now };
            logger.LogInformation("No runner serves model {Model}: {Runner} pulls it", Model, runner);
            return new LlmRoute { Pull = _pull };
        }

        if (_pull?.Error is { } error) return new LlmRoute { Error = error };
        // Before refusing for good, read the directory afresh: this silo's copy may predate a runner that just
        // started serving the model, and a prompt refused at submission for that would be refused wrongly.
        await directory.RefreshAsync();
        runners = directory.Runners;
        if (ModelRouting.Serving(runners, Model).Any())
            return new LlmRoute { Runners = ModelRouting.Candidates(runners, Model, directory.FreeSlots) };
        var served = ModelRouting.ServedNames(runners);
        var servedText = $"models served: {(served.Count == 0 ? "none" : string.Join(", ", served))}";
        if (refusals.Count > 0)
            return new LlmRoute
            {
                Error = $"no runner in the cluster serves model '{Model}' and none may pull it: " +
                        $"{string.Join("; ", refusals.Select(r => r.Refused))}; {servedText}",
                // Only the concurrency limit refused it: a slot frees when a running pull ends.
                Busy = refusals.Any(r => r.Busy),
            };
        return new LlmRoute
        {
            Error = $"no runner in the cluster serves model '{Model}' and none can pull it (no runner's Ollama answers); {servedText}",
        };
    }

    public Task<LlmPullState?> GetPull() => Task.FromResult(_pull);

    public Task ReportPull(LlmPullState state)
    {
        // Only the pull this grain started counts; a report from an older pull (another runner) is stale.
        if (_pull is { } current && current.Runner == state.Runner && current.Error is null && !current.Done)
        {
            _pull = state with { StartedAt = current.StartedAt, UpdatedAt = Now };
            if (state.Error is not null) logger.LogWarning("Pulling model {Model} on {Runner} failed: {Error}", Model, state.Runner, state.Error);
            else if (state.Done) logger.LogInformation("Pulled model {Model} on {Runner}", Model, state.Runner);
        }
        return Task.CompletedTask;
    }

    private LlmPullState Failed(LlmPullState pull, string error) => pull with { Error = error, Done = true, UpdatedAt = Now };
}
