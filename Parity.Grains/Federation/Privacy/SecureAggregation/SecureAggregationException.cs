namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// A secure-aggregation round cannot go on: too few participants left for the threshold, a message out of turn or
/// malformed, a share that fails authentication, or a participant refusing a request that would expose an update.
/// The message names the participant and the step, so the session can report it as the round's failure reason.
/// </summary>
public sealed class SecureAggregationException(string message, Exception? inner = null) : Exception(message, inner);
