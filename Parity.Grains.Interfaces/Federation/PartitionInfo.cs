namespace Parity.Federation;

/// <summary>Which part of the dataset a participant trained on, and how many rows it held.</summary>
public sealed record PartitionInfo(string Strategy, int TotalParts, int PartIndex, int Rows);
