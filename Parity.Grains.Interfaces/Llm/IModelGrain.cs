using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// One LLM model name as prompts request it (lower-cased): which runners serve it, warm or cold, where each prompt
/// goes, and the pull that brings it to a runner when none has it.
/// </summary>
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Where a prompt for this model goes now; starts a pull when no runner has the model but one can fetch it.</summary>
    Task<LlmRoute> Route();
    /// <summary>The latest pull of this model, or null when none was needed.</summary>
    Task<LlmPullState?> GetPull();
    /// <summary>A runner reports the progress (or the end) of the pull this grain asked it for.</summary>
    [OneWay]
    Task ReportPull(LlmPullState state);
}
