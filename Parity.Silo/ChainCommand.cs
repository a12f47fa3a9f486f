using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Parity.Chain;
using Parity.Configuration;
using Parity.Hosting;

namespace Parity.Silo;

/// <summary>
/// What <c>balance</c>, <c>stake</c> and <c>unstake</c> share: the chain options from the environment and the .env file,
/// this runner's keystore and device id, and one exit convention: 0 done, 2 bad input (an amount, a configuration
/// value: nothing was sent), 1 anything else (the chain, the keystore); always one line on stderr, never a stack trace.
/// </summary>
public static class ChainCommand
{
    public static Option<string?> KeystoreOption() =>
        new("--keystore") { Description = "the keystore written by parity-runner auth (default: ~/.parity/keystore.json)" };

    public static ChainOptions Options(string? configPath, string command) =>
        new ConfigurationBuilder().AddParitySources(configPath).Build().ReadRunnerOptions<ChainOptions>().RequireChain(command);

    public static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    public static RunnerKeystore Keystore(string? path) => new(path ?? RunnerKeystore.DefaultPath(Home));

    public static string DeviceId() => DeviceIdentity.Resolve(Environment.GetEnvironmentVariable(DeviceIdentity.EnvironmentKey), Home);

    /// <summary>Runs a command's body under the exit convention; <paramref name="command"/> prefixes every message.</summary>
    public static async Task<int> GuardAsync(string command, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ConfigurationException e)
        {
            return Fail(command, $"configuration error: {e.Message}", 2);
        }
        catch (TokenAmountException e)
        {
            return Fail(command, $"{e.Message}; nothing was sent", 2);
        }
        catch (Exception e) when (e is ChainException or IdentityException)
        {
            return Fail(command, e.Message, 1);
        }
        catch (Exception e)
        {
            // Not foreseen, so said as it is, on one line: the type tells a bug report where to look.
            return Fail(command, $"failed: {e.GetType().Name}: {e.Message}", 1);
        }
    }

    private static int Fail(string command, string message, int code)
    {
        Console.Error.WriteLine($"parity-runner {command}: {message.ReplaceLineEndings(" ")}");
        return code;
    }

    /// <summary>Progress lines on stderr, written as they come (<see cref="Progress{T}"/> would post them out of order).</summary>
    public sealed class ProgressLines(string command) : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine($"parity-runner {command}: {value}");
    }
}
