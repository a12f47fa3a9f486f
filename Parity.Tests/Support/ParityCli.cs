using System.Diagnostics;

namespace Parity.Tests.Support;

/// <summary>Runs a <c>parity-runner</c> command to completion, as a user would, and captures what it printed.</summary>
public static class ParityCli
{
    public static (int Code, string Stdout, string Stderr) Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunWithInput(environment, null, arguments);

    /// <summary>As <see cref="Run"/>, with <paramref name="input"/> as standard input (closed after it); null: standard
    /// input is the test's own, as with <see cref="Run"/>.</summary>
    public static (int Code, string Stdout, string Stderr) RunWithInput(IReadOnlyDictionary<string, string>? environment, string? input, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        info.ArgumentList.Add(TestEngines.BuiltDll("Parity.Silo", "parity-runner"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        using var process = Process.Start(info)!;
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}
