namespace Parity.Storage;

/// <summary>Where this runner finds datasets by CID (RUNNER_DATASETS_DIR, RUNNER_DATASET_MAX_SIZE).</summary>
public sealed record DatasetOptions
{
    public string Directory { get; init; } = "";
    public long MaxBytes { get; init; }
}
