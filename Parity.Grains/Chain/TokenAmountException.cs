namespace Parity.Chain;

/// <summary>An amount a user gave that cannot be paid exactly: the message names the option and what is accepted.</summary>
public sealed class TokenAmountException(string message) : Exception(message);
