using System.Text;
using System.Text.Json;
using Nethereum.KeyStore;
using Nethereum.KeyStore.Model;
using Nethereum.Signer;

namespace Parity.Chain;

/// <summary>
/// The runner's signing key on disk: a Web3 Secret Storage v3 file (scrypt + AES-128-CTR, written by Nethereum.KeyStore),
/// mode 0600, so any standard wallet can open it and nobody can read the key without the passphrase.
/// </summary>
public sealed class RunnerKeystore
{
    /// <summary>scrypt's cost for real keystores: the Web3 Secret Storage default (N = 2^18, r = 8, p = 1), several
    /// seconds per open here, which is the point. Tests pass a lighter <see cref="ScryptParams"/>.</summary>
    public static ScryptParams DefaultScrypt => new() { Dklen = 32, N = 262144, R = 8, P = 1 };

    /// <summary>Shorter passphrases are refused: scrypt slows guessing, it cannot make a short guess hard.</summary>
    public const int MinPassphraseLength = 8;

    private readonly ScryptParams scrypt;

    public RunnerKeystore(string path, ScryptParams? scrypt = null)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("keystore path must not be empty", nameof(path));
        scrypt ??= DefaultScrypt;
        // scrypt needs N a power of two above 1; below 2^10 it protects nothing.
        if (scrypt.N < 1024 || (scrypt.N & (scrypt.N - 1)) != 0) throw new ArgumentException($"scrypt N must be a power of two >= 1024, got {scrypt.N}", nameof(scrypt));
        if (scrypt.R < 1 || scrypt.P < 1) throw new ArgumentException("scrypt r and p must be >= 1", nameof(scrypt));
        Path = System.IO.Path.GetFullPath(path);
        this.scrypt = scrypt;
    }

    public string Path { get; }

    /// <summary>The default place: <c>~/.parity/keystore.json</c>, where the upstream runner keeps its key too.</summary>
    public static string DefaultPath(string home) => System.IO.Path.Combine(home, ".parity", "keystore.json");

    public bool Exists => File.Exists(Path);

    /// <summary>The checksummed address of a key.</summary>
    public static string AddressOf(byte[] privateKey) => new EthECKey(privateKey, true).GetPublicAddress();

    /// <summary>Encrypts <paramref name="privateKey"/> with <paramref name="passphrase"/> and writes it, replacing any file
    /// there only once the new one is complete (a crash leaves the old file or the new one, never half of either).</summary>
    public string Save(byte[] privateKey, string passphrase)
    {
        CheckPassphrase(passphrase);
        var address = AddressOf(privateKey);
        var json = new KeyStoreScryptService().EncryptAndGenerateKeyStoreAsJson(passphrase, privateKey, address, scrypt);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = $"{Path}.{Environment.ProcessId}.tmp";
        try
        {
            // Created 0600 from the start: there is no moment at which the file is readable by others.
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(json));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return address;
    }

    /// <summary>Decrypts the stored key. A wrong passphrase, a file that is not a v3 keystore or one that is the
    /// upstream's plaintext format each fail with their own message.</summary>
    public byte[] Load(string passphrase)
    {
        if (!Exists) throw new IdentityException($"no keystore at {Path}: run 'parity-runner auth' first");
        var json = File.ReadAllText(Path);
        if (IsUpstreamPlaintext(json))
            throw new IdentityException($"{Path} holds an unencrypted key (the upstream runner's format): run 'parity-runner auth --import' to encrypt it in place");
        try
        {
            return new KeyStoreService().DecryptKeyStoreFromJson(passphrase, json);
        }
        catch (Exception e) when (e is not IdentityException && LooksLikeWrongPassphrase(e))
        {
            throw new IdentityException($"the passphrase does not open the keystore at {Path}");
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or NullReferenceException or InvalidKdfException)
        {
            throw new IdentityException($"{Path} is not a Web3 Secret Storage v3 keystore ({e.GetType().Name})");
        }
    }

    /// <summary>The address a stored keystore names (readable without the passphrase, as the format intends).</summary>
    public string? StoredAddress()
    {
        if (!Exists) return null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(Path));
            return document.RootElement.TryGetProperty("address", out var address) && address.ValueKind == JsonValueKind.String
                ? address.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The key of the upstream runner's unencrypted keystore at <see cref="Path"/> (<c>{"private_key": "…"}</c>), for
    /// <c>auth --import</c>; a file in another format, or whose key is malformed, is refused without repeating it.
    /// </summary>
    public byte[] ReadUpstreamPlaintext()
    {
        if (!Exists) throw new IdentityException($"--import: no keystore at {Path} to import");
        string json;
        try
        {
            json = File.ReadAllText(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"--import: {Path} cannot be read ({e.GetType().Name})");
        }
        if (!IsUpstreamPlaintext(json))
            throw new IdentityException($"--import: {Path} is not the upstream runner's unencrypted keystore ({{\"private_key\": …}}); an encrypted keystore needs no import");
        using var document = JsonDocument.Parse(json);
        var value = document.RootElement.GetProperty("private_key");
        return PrivateKeyText.Parse(value.ValueKind == JsonValueKind.String ? value.GetString() : null, $"--import: {Path}'s private_key");
    }

    /// <summary>The upstream runner writes <c>{"private_key": "…"}</c> in plaintext at the same path.</summary>
    public static bool IsUpstreamPlaintext(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("private_key", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void CheckPassphrase(string passphrase)
    {
        if (passphrase.Length < MinPassphraseLength)
            throw new IdentityException($"the keystore passphrase must have at least {MinPassphraseLength} characters");
    }

    // Nethereum reports a MAC mismatch (what a wrong passphrase produces) with its own exception type.
    private static bool LooksLikeWrongPassphrase(Exception e) => e.GetType().Name == "DecryptionException";
}
