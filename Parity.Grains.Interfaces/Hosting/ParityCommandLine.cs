using System.CommandLine;
using Microsoft.Extensions.Options;
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

    /// <summary>
    /// Parses and runs a command line. A line that does not parse (a missing required option, an unknown command)
    /// prints the errors and the usage and exits 2, like every other invalid input; System.CommandLine alone exits 1.
    /// </summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count == 0) return await parsed.InvokeAsync();
        await parsed.InvokeAsync();
        return 2;
    }

    /// <summary>Runs start-up work; a configuration error prints its message (which names the key) and exits 2.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (ConfigurationErrors(e) is { Count: > 0 } messages)
        {
            foreach (var message in messages) await Console.Error.WriteLineAsync($"configuration error: {message}");
            return 2;
        }
    }

    /// <summary>
    /// A bad value throws <see cref="ConfigurationException"/> while its room is read; a broken rule between keys fails
    /// the options validation the host runs at start, one <see cref="OptionsValidationException"/> per room (several
    /// together in an <see cref="AggregateException"/>). Anything else is no configuration error: empty.
    /// </summary>
    private static List<string> ConfigurationErrors(Exception error) => error switch
    {
        ConfigurationException or OptionsValidationException => [error.Message],
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is ConfigurationException or OptionsValidationException) =>
            [.. aggregate.InnerExceptions.Select(e => e.Message)],
        _ => [],
    };
}
