namespace Parity.Storage;

/// <summary>Content went past a size cap; <see cref="Limit"/> is the cap, and the message names the setting behind it.</summary>
public sealed class ContentTooLargeException(long limit, string message) : Exception(message)
{
    public long Limit { get; } = limit;
}
