namespace Parity.Storage;

/// <summary>Where this runner finds datasets by CID. Bound by <see cref="DatasetOptionsReader"/>.</summary>
public sealed record DatasetOptions
{
    /// <summary>Dataset files named by their CID (RUNNER_DATASETS_DIR).</summary>
    public string Directory { get; set; } =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity", "datasets");
    /// <summary>Largest dataset file a task may load (RUNNER_DATASET_MAX_SIZE).</summary>
    public long MaxBytes { get; set; } = 4L << 30;
}
