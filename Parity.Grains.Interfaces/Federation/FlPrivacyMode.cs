namespace Parity.Federation;

/// <summary>
/// Where differential privacy's clipping and noise happen (<c>config.privacy_config.mode</c>, wire: snake_case):
/// <see cref="Client"/>, on each runner before its update leaves it, or <see cref="Server"/>, in the session at
/// aggregation (the session then sees the raw updates and must be trusted).
/// </summary>
[GenerateSerializer]
public enum FlPrivacyMode
{
    Client,
    Server,
}
