namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Server → each participant whose masked input arrived: who survived (their self-mask seeds are to be rebuilt) and who
/// dropped after sharing (their mask private keys are to be rebuilt, to remove their pairwise masks).
/// </summary>
public sealed record UnmaskRequest(int[] Survivors, int[] Dropped);
