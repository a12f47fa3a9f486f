namespace Parity.Learning.Partitioning;

/// <summary>
/// A <c>partition_config</c> is invalid, or cannot be met by the dataset it is applied to. <see cref="Field"/> names
/// the config field at fault where there is one.
/// </summary>
public sealed class PartitionConfigException(string message, string? field = null) : ArgumentException(message)
{
    public string? Field { get; } = field;
}
