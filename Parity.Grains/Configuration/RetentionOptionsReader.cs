using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads the retention keys into <see cref="RetentionOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class RetentionOptionsReader(ConfigurationReader read) : IConfigureOptions<RetentionOptions>
{
    public void Configure(RetentionOptions options)
    {
        options.Retention = read.Duration("RESULT_RETENTION", options.Retention, TimeSpan.FromSeconds(1), TimeSpan.FromDays(3650));
        options.MaxFinished = read.Int("RESULT_RETENTION_COUNT", options.MaxFinished, 1, 10_000_000);
        options.InlineLimit = (int)read.Size("RESULT_INLINE_LIMIT", options.InlineLimit, 1024, 16L << 20);
        if (read.Raw("RUNNER_OUTPUT_DIR") is { } directory) options.OutputDirectory = directory;
    }
}
