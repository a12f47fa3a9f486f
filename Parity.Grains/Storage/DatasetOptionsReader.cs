using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Storage;

/// <summary>Reads the dataset keys into <see cref="DatasetOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class DatasetOptionsReader(ConfigurationReader read) : IConfigureOptions<DatasetOptions>
{
    public void Configure(DatasetOptions options)
    {
        options.Directory = read.Raw("RUNNER_DATASETS_DIR") ?? options.Directory;
        options.MaxBytes = read.Size("RUNNER_DATASET_MAX_SIZE", options.MaxBytes, 1024, 1L << 50);
    }
}
