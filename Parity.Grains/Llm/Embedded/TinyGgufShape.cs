namespace Parity.Llm.Embedded;

/// <summary>The layer sizes of a generated model (the key/value heads equal the heads).</summary>
public sealed record TinyGgufShape(int Embedding, int FeedForward, int Blocks, int Heads);
