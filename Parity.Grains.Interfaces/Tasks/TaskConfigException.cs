namespace Parity.Tasks;

/// <summary>
/// A task (or one of its fields) is invalid. The message names the field with its path, e.g.
/// <c>payload[2].config.train_config.epochs must be an integer</c>; the gateway answers it as a 400.
/// </summary>
public sealed class TaskConfigException(string message) : Exception(message);
