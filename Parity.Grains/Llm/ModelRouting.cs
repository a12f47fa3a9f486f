using Parity.Runners;

namespace Parity.Llm;

/// <summary>
/// Which runners may take a prompt for a model, from the runner directory alone (no Orleans): the runners that serve
/// the model (tags matched by <see cref="ModelNames"/>) and show a free slot, those with the model loaded first, then
/// the least loaded (the smallest share of slots in use, then the most free slots).
/// </summary>
public static class ModelRouting
{
    /// <param name="freeSlots">Free slots of a runner as the caller counts them (the directory's, less its own refusals).</param>
    public static IReadOnlyList<string> Candidates(IEnumerable<RunnerInfo> runners, string model, Func<RunnerInfo, int> freeSlots)
    {
        var all = runners.ToList();
        if (ClusterName(all, model) is not { } name) return [];
        return ServingName(all, name)
            .Select(r => (Runner: r, Free: freeSlots(r), Warm: Resolved(r, name)?.Loaded == true))
            .Where(r => r.Free > 0)
            .OrderByDescending(r => r.Warm)
            .ThenBy(r => Load(r.Runner))
            .ThenByDescending(r => r.Free)
            .Select(r => r.Runner.Name)
            .ToList();
    }

    /// <summary>
    /// Online runners that serve the model, whatever their slots. The name is resolved against every model the cluster
    /// serves first, so <c>qwen2.5</c> with runners serving <c>qwen2.5:0.5b</c> and <c>qwen2.5:7b</c> is ambiguous
    /// (no runner) rather than whichever variant each runner happens to have.
    /// </summary>
    public static IEnumerable<RunnerInfo> Serving(IEnumerable<RunnerInfo> runners, string model)
    {
        var all = runners.ToList();
        return ClusterName(all, model) is { } name ? ServingName(all, name) : [];
    }

    private static IEnumerable<RunnerInfo> ServingName(IEnumerable<RunnerInfo> runners, string name) =>
        runners.Where(r => r.Status == RunnerStatus.Online && r.Capabilities.TaskTypes.Contains(Tasks.TaskType.Llm) && Resolved(r, name) is not null);

    private static string? ClusterName(IEnumerable<RunnerInfo> runners, string model) => ModelNames.Resolve(model, ServedNames(runners));

    /// <summary>Online runners that can pull a model they lack, the least loaded first.</summary>
    public static IReadOnlyList<string> Pullers(IEnumerable<RunnerInfo> runners) =>
        runners.Where(r => r.Status == RunnerStatus.Online && r.Capabilities.CanPullModels)
            .OrderBy(Load).ThenByDescending(r => r.SlotsFree)
            .Select(r => r.Name)
            .ToList();

    /// <summary>
    /// Why no runner serves the model when the name is ambiguous among the models that online runners serve
    /// (<c>qwen2.5</c> with only <c>qwen2.5:0.5b</c> and <c>qwen2.5:7b</c>); null otherwise.
    /// </summary>
    public static string? Ambiguity(IEnumerable<RunnerInfo> runners, string model)
    {
        var served = ServedNames(runners);
        var candidates = ModelNames.Ambiguity(model, served);
        return candidates.Count == 0 ? null
            : $"model '{model}' is ambiguous: runners serve {string.Join(", ", candidates)}; name one with its tag";
    }

    /// <summary>Every model name that an online runner serves, sorted.</summary>
    public static IReadOnlyList<string> ServedNames(IEnumerable<RunnerInfo> runners) =>
        runners.Where(r => r.Status == RunnerStatus.Online)
            .SelectMany(r => r.Capabilities.Models.Select(m => m.Name))
            .Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();

    private static LlmModelInfo? Resolved(RunnerInfo runner, string model) =>
        ModelNames.Resolve(model, runner.Capabilities.Models.Select(m => m.Name)) is { } name
            ? runner.Capabilities.Models.First(m => m.Name == name)
            : null;

    private static double Load(RunnerInfo runner) =>
        runner.SlotsTotal <= 0 ? 1 : (double)runner.SlotsUsed / runner.SlotsTotal;
}
