namespace Parity.Chain;

/// <summary>
/// A key, keystore or device id that cannot be used, said so a user can act on it. Its message never contains key
/// material: callers build it from field names and paths only.
/// </summary>
public sealed class IdentityException(string message) : Exception(message);
