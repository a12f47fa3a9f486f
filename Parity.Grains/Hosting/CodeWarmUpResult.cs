namespace Parity.Hosting;

/// <summary>
/// What a <see cref="CodeWarmUp"/> did: the methods it compiled and those it could not, the serializable types it wrote
/// and read back, and how long it took.
/// </summary>
public sealed record CodeWarmUpResult(int Compiled, int Failed, int RoundTripped, TimeSpan Elapsed);
