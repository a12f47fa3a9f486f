namespace Parity.Storage;

/// <summary>Where this runner finds datasets by CID. Bound by <see cref="DatasetOptionsReader"/>.</summary>
public sealed record DatasetOptions
{
    /// <summary>
    /// An operator's directory of dataset files named by their CID (RUNNER_DATASETS_DIR), read instead of fetching and
    /// not verified; null (the default): datasets come by CID from the gateways, verified.
    /// </summary>
    public string? Directory { get; set; }
    /// <summary>Largest dataset file a task may load (RUNNER_DATASET_MAX_SIZE).</summary>
    public long MaxBytes { get; set; } = 4L << 30;
}
