namespace Parity.Chain;

/// <summary>
/// The chain did not do what was asked, said so a user can act on it: it does not answer, refused a call (a decoded
/// revert), or holds too little. The message says what was sent before the failure, if anything.
/// </summary>
public sealed class ChainException(string message, Exception? inner = null) : Exception(message, inner);
