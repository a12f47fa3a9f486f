namespace Parity.Execution.Docker;

/// <summary>A failure with a message meant for the task's error field.</summary>
internal sealed class DockerTaskException(string message) : Exception(message);
