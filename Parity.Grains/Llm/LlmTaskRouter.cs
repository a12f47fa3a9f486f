using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// Routes <c>llm</c> tasks through their model's grain: to a runner that has the model loaded, else the least loaded
/// one that serves it; while no runner has it, the task waits on the pull that brings it (or for a pull slot).
/// </summary>
public sealed class LlmTaskRouter(IGrainFactory grains) : ITaskRouter
{
    public TaskType? Type => TaskType.Llm;

    public async Task<TaskRoute> RouteAsync(ParityTask task, object config, string? runnerHint)
    {
        var route = await grains.GetGrain<IModelGrain>(ModelGrainKey.Of(((LlmRequest)config).Model)).Route();
        if (route.Pull is { } pull)
        {
            // Log a step when the status changes or the percentage moves by 10 points, not on every tick.
            var key = pull.Total is > 0 && pull.Completed is { } done ? $"{pull.Status}/{10 * done / pull.Total.Value}" : pull.Status;
            return new TaskRoute { Waiting = pull.Describe(), WaitKey = key };
        }
        // Every runner that may pull the model is at RUNNER_MODEL_PULL_CONCURRENCY: wait for a slot, saying so once.
        if (route is { Busy: true, Error: { } busy }) return new TaskRoute { Waiting = $"waiting for a model pull slot: {busy}", WaitKey = "pull-busy" };
        return new TaskRoute { Runners = route.Runners, Unroutable = route.Error };
    }
}
