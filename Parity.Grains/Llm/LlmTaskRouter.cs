using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// Routes <c>llm</c> tasks through their model's grain: to a runner that has the model loaded, else the least loaded
/// one that serves it; while no runner has it, the task waits on the pull that brings it.
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
        return new TaskRoute { Runners = route.Runners, Unroutable = route.Error };
    }
}
