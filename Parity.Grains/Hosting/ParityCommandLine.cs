using System.CommandLine;
using Parity.Configuration;

namespace Parity.Hosting;

/// <summary>The option every Parity executable takes, and the start-up error convention (exit 2, message on stderr).</summary>
public static class ParityCommandLine
{
    public static Option<string?> ConfigPathOption() => new("--config-path")
    {
        Description = "The .env file to read (else PARITY_CONFIG_PATH, else ./.env); environment variables win over it",
        Recursive = true,
    };

    /// <summary>Runs start-up work; a configuration error prints its message (which names the key) and exits 2.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"configuration error: {e.Message}");
            return 2;
        }
    }
}
