using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>The clients that have LLM usage (a single grain, key 0), so totals can be listed for all of them.</summary>
public interface ILlmClientsGrain : IGrainWithIntegerKey
{
    Task Add(string clientId);
    Task<IReadOnlyList<string>> All();
}
