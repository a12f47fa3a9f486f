using Parity.Common;
using Parity.Hosting;

namespace Parity.Llm;

[GenerateSerializer]
public sealed class LlmUsageState
{
    /// <summary>Totals per model (the resolved name the runner served).</summary>
    [Id(0)] public Dictionary<string, LlmUsageTotals> Totals { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The latest prompt ids counted, oldest first, so a record sent again is not counted twice.</summary>
    [Id(1)] public List<string> RecentPromptIds { get; set; } = [];
}

/// <summary>
/// One client's LLM usage. Each task grain records its prompt's usage here after it completes and marks it recorded
/// only when this answers, so a record may arrive twice (an answer lost on the way back) but is counted once: the
/// last <see cref="RememberedPrompts"/> prompt ids are kept. A second delivery comes within seconds of the first, far
/// inside that window. The per-prompt record itself stays with the prompt's task grain (its result's usage).
/// </summary>
public sealed class LlmUsageGrain(
    [PersistentState("llm-usage", ParityStorage.Name)] IPersistentState<LlmUsageState> state) : Grain, ILlmUsageGrain
{
    public const int RememberedPrompts = 10_000;
    private HashSet<string>? _recent;
    private bool _registered;

    public async Task Record(LlmUsageRecord record)
    {
        _recent ??= new HashSet<string>(state.State.RecentPromptIds, StringComparer.Ordinal);
        if (!_recent.Add(record.PromptId)) return;
        if (!_registered)
        {
            await GrainFactory.GetGrain<ILlmClientsGrain>(0).Add(record.ClientId);
            _registered = true;
        }

        var totals = state.State.Totals.GetValueOrDefault(record.Model) ?? new LlmUsageTotals { ClientId = record.ClientId, Model = record.Model };
        state.State.Totals[record.Model] = Add(totals, record);
        state.State.RecentPromptIds.Add(record.PromptId);
        if (state.State.RecentPromptIds.Count > RememberedPrompts)
        {
            var drop = state.State.RecentPromptIds.Count - RememberedPrompts;
            foreach (var id in state.State.RecentPromptIds.Take(drop)) _recent.Remove(id);
            state.State.RecentPromptIds.RemoveRange(0, drop);
        }
        // The caller retries: it starts again from the stored state, so the retry is counted, and counted once.
        await state.WriteOrDropAsync(this);
    }

    public Task<IReadOnlyList<LlmUsageTotals>> Totals() =>
        Task.FromResult<IReadOnlyList<LlmUsageTotals>>(state.State.Totals.Values.OrderBy(t => t.Model, StringComparer.Ordinal).ToList());

    private static LlmUsageTotals Add(LlmUsageTotals totals, LlmUsageRecord record) => totals with
    {
        Prompts = totals.Prompts + 1,
        PromptTokens = totals.PromptTokens + (record.Usage.PromptTokens ?? 0),
        PromptsWithUnknownPromptTokens = totals.PromptsWithUnknownPromptTokens + (record.Usage.PromptTokens is null ? 1 : 0),
        CachedPromptTokens = totals.CachedPromptTokens + (record.Usage.CachedPromptTokens ?? 0),
        CompletionTokens = totals.CompletionTokens + record.Usage.CompletionTokens,
        InferenceMs = totals.InferenceMs + record.Usage.PrefillMs + record.Usage.DecodeMs,
        LastAt = totals.LastAt is { } last && last > record.CompletedAt ? last : record.CompletedAt,
    };
}

[GenerateSerializer]
public sealed class LlmClientsState
{
    [Id(0)] public SortedSet<string> Clients { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The ids of every client with LLM usage, so the gateway can list all totals.</summary>
public sealed class LlmClientsGrain(
    [PersistentState("llm-clients", ParityStorage.Name)] IPersistentState<LlmClientsState> state) : Grain, ILlmClientsGrain
{
    public async Task Add(string clientId)
    {
        if (state.State.Clients.Add(clientId)) await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> All() => Task.FromResult<IReadOnlyList<string>>(state.State.Clients.ToList());
}
