namespace Parity.Gateway.Contracts;

/// <summary>One model of <see cref="ModelCatalog"/>: loaded when any runner has it in memory.</summary>
public sealed record ServedModel(string Name, bool Loaded, IEnumerable<ModelPlacement> Runners);
