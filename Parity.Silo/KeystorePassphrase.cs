using System.Text;
using Parity.Chain;

namespace Parity.Silo;

/// <summary>
/// The keystore's passphrase for the commands that open it (auth, stake, unstake): from <c>PARITY_KEYSTORE_PASSWORD</c>,
/// else asked in the terminal without echo. Never from an option: a command line is visible to every user of the machine.
/// </summary>
public static class KeystorePassphrase
{
    public const string Variable = "PARITY_KEYSTORE_PASSWORD";

    /// <param name="confirm">Ask twice (a new keystore: a typo would lock the key away).</param>
    public static string Read(bool confirm)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        if (Console.IsInputRedirected)
            throw new IdentityException($"no passphrase: set {Variable} or run in a terminal to be asked for one");
        var passphrase = Prompt("keystore passphrase: ");
        if (confirm && Prompt("again: ") != passphrase) throw new IdentityException("the two passphrases differ");
        return passphrase;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    public static string Prompt(string label)
    {
        Console.Error.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; continue; }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
