using System.CommandLine;
using Parity.Chain;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner auth</c>: stores this runner's signing key as an encrypted Web3 Secret Storage v3 keystore and prints
/// its address. The key comes from <c>--private-key-file</c>, standard input, or <c>--private-key</c> (kept because the
/// upstream runner takes it so, with a warning: a command line is visible to every user of the machine). The passphrase
/// comes from <c>PARITY_KEYSTORE_PASSWORD</c> or a prompt; it is never taken from an option for the same reason.
/// </summary>
public static class AuthCommand
{
    public static Command Create()
    {
        var keyFile = new Option<FileInfo?>("--private-key-file") { Description = "a file holding the private key (64 hex digits, optionally 0x-prefixed)" };
        var keyText = new Option<string?>("--private-key") { Description = "the private key itself (visible in the process list: prefer --private-key-file or standard input)" };
        var keystore = new Option<string?>("--keystore") { Description = "where to store the keystore (default: ~/.parity/keystore.json)" };
        var replace = new Option<bool>("--replace") { Description = "replace a keystore that holds a different key (its passphrase is still required)" };
        var import = new Option<bool>("--import") { Description = "encrypt, in place, the upstream runner's unencrypted keystore ({\"private_key\": …}) found at the keystore path" };
        // Tests only: the real cost (N = 2^18) takes seconds per run by design.
        var scryptN = new Option<int?>("--scrypt-n") { Description = "scrypt cost N (power of two; default 262144)", Hidden = true };
        var auth = new Command("auth", "Store this runner's private key, encrypted (Web3 Secret Storage v3), and print its address")
        {
            keyFile, keyText, keystore, replace, import, scryptN,
        };
        auth.SetAction(parse => Run(parse.GetValue(keyFile), parse.GetValue(keyText), parse.GetValue(keystore), parse.GetValue(replace),
            parse.GetValue(import), parse.GetValue(scryptN)));
        return auth;
    }

    private static int Run(FileInfo? keyFile, string? keyText, string? keystorePath, bool replace, bool import, int? scryptN)
    {
        try
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var scrypt = RunnerKeystore.DefaultScrypt;
            if (scryptN is { } n) scrypt.N = n;
            RunnerKeystore keystore;
            try
            {
                keystore = new RunnerKeystore(keystorePath ?? RunnerKeystore.DefaultPath(home), scrypt);
            }
            catch (ArgumentException e)
            {
                throw new IdentityException($"--scrypt-n: {e.Message}");
            }
            if (import && (keyFile is not null || keyText is not null))
                throw new IdentityException("give the key one way: --import takes it from the upstream keystore, --private-key-file and --private-key from elsewhere");
            var key = import ? keystore.ReadUpstreamPlaintext() : ReadKey(keyFile, keyText);
            try
            {
                return Store(keystore, key, replace, home);
            }
            finally
            {
                // The key's bytes do not outlive the command in this process's memory longer than needed.
                Array.Clear(key);
            }
        }
        catch (IdentityException e)
        {
            Console.Error.WriteLine($"parity-runner auth: {e.Message}; nothing was written");
            return 1;
        }
    }

    private static int Store(RunnerKeystore keystore, byte[] key, bool replace, string home)
    {
        var upstreamPlaintext = keystore.Exists && RunnerKeystore.IsUpstreamPlaintext(File.ReadAllText(keystore.Path));
        // A new passphrase (no encrypted keystore to open yet) is typed twice.
        var passphrase = KeystorePassphrase.Read(confirm: !keystore.Exists || upstreamPlaintext);
        // Resolved before anything is written, so a machine without a device id fails with nothing half-done.
        var deviceId = DeviceIdentity.Resolve(Environment.GetEnvironmentVariable(DeviceIdentity.EnvironmentKey), home);
        if (upstreamPlaintext && !replace)
        {
            // The upstream's key may be the one that staked: replacing it by another key silently would lose it.
            var plain = keystore.ReadUpstreamPlaintext();
            var same = plain.AsSpan().SequenceEqual(key);
            var plainAddress = RunnerKeystore.AddressOf(plain);
            Array.Clear(plain);
            if (!same)
                throw new IdentityException($"{keystore.Path} holds the upstream runner's unencrypted key (address {plainAddress}): " +
                                            "run 'parity-runner auth --import' to encrypt that key, or add --replace to put this one in its place");
        }
        var unchanged = false;
        if (keystore.Exists && !upstreamPlaintext)
        {
            // The stored key's passphrase proves that whoever runs this may replace it; a wrong one changes nothing.
            var stored = keystore.Load(passphrase);
            unchanged = stored.AsSpan().SequenceEqual(key);
            Array.Clear(stored);
            if (!unchanged && !replace)
                throw new IdentityException($"{keystore.Path} holds another key (address {keystore.StoredAddress()}); run with --replace to replace it");
        }
        var address = unchanged ? RunnerKeystore.AddressOf(key) : keystore.Save(key, passphrase);
        Console.WriteLine($"address: {address}");
        Console.WriteLine($"keystore: {keystore.Path}{(unchanged ? " (already holds this key; unchanged)" : "")}");
        Console.WriteLine($"device id: {deviceId}");
        if (upstreamPlaintext)
            Console.Error.WriteLine("parity-runner auth: the unencrypted upstream key file is now encrypted in place; remove any other copies of it " +
                                    "(backups, the upstream runner's data dir, the server's copy), since they still hold the key in plaintext");
        return 0;
    }

    private static byte[] ReadKey(FileInfo? keyFile, string? keyText)
    {
        if (keyFile is not null && keyText is not null) throw new IdentityException("give the key one way: --private-key-file or --private-key, not both");
        if (keyText is not null)
        {
            Console.Error.WriteLine("parity-runner auth: warning: --private-key is visible to every user of this machine in the process list; prefer --private-key-file or standard input");
            return PrivateKeyText.Parse(keyText, "--private-key");
        }
        if (keyFile is not null)
        {
            string text;
            try
            {
                text = File.ReadAllText(keyFile.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IdentityException($"--private-key-file {keyFile.FullName} cannot be read ({e.GetType().Name})");
            }
            return PrivateKeyText.Parse(text, $"--private-key-file {keyFile.FullName}");
        }
        if (!Console.IsInputRedirected) return PrivateKeyText.Parse(KeystorePassphrase.Prompt("private key (hidden): "), "the private key typed");
        // The first line of standard input: the passphrase is never read from there, so nothing else is mixed in.
        return PrivateKeyText.Parse(Console.In.ReadLine(), "standard input");
    }
}
