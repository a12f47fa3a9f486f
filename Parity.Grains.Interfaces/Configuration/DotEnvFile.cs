using Microsoft.Extensions.Configuration;

namespace Parity.Configuration;

/// <summary>
/// Finds and reads the .env file: <c>--config-path</c> flag, else <c>PARITY_CONFIG_PATH</c>, else <c>./.env</c>
/// (the seed's precedence). Environment variables win over the file.
/// </summary>
public static class DotEnvFile
{
    public static string? Locate(string? configPathFlag)
    {
        if (!string.IsNullOrWhiteSpace(configPathFlag))
            return File.Exists(configPathFlag)
                ? configPathFlag
                : throw new ConfigurationException($"--config-path: no file at '{configPathFlag}'");
        var fromEnvironment = Environment.GetEnvironmentVariable("PARITY_CONFIG_PATH");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new ConfigurationException($"PARITY_CONFIG_PATH: no file at '{fromEnvironment}'");
        return File.Exists(".env") ? Path.GetFullPath(".env") : null;
    }

    public static IReadOnlyDictionary<string, string?> Read(string path)
    {
        var pairs = DotNetEnv.Env.NoEnvVars().Load(path);
        return pairs.ToDictionary(p => p.Key, p => (string?)p.Value);
    }

    /// <summary>Adds the .env file (if any) below the environment variables in precedence.</summary>
    public static IConfigurationBuilder AddParitySources(this IConfigurationBuilder builder, string? configPathFlag)
    {
        var path = Locate(configPathFlag);
        if (path is not null) builder.AddInMemoryCollection(Read(path));
        return builder.AddEnvironmentVariables();
    }
}
