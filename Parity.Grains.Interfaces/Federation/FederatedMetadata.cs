namespace Parity.Federation;

/// <summary>What a model update was trained on: the model, the dataset and this participant's part of it.</summary>
public sealed record FederatedMetadata(
    string ModelType, string DatasetCid, string DataFormat, int FeatureCount, int SampleCount, PartitionInfo PartitionInfo);
