namespace Parity.Configuration;

/// <summary>A configuration value is invalid. The message names the key, the value and what was expected.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
