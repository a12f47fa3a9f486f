using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>LLM usage of one client (key: client id): one record per prompt id, totals per model.</summary>
public interface ILlmUsageGrain : IGrainWithStringKey
{
    /// <summary>Adds the record to the totals once; a record whose prompt id was already counted changes nothing.</summary>
    Task Record(LlmUsageRecord record);
    Task<IReadOnlyList<LlmUsageTotals>> Totals();
}
