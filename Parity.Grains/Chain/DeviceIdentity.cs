using System.Security.Cryptography;
using System.Text;

namespace Parity.Chain;

/// <summary>
/// The runner's device id, by the upstream rule, because it is the staking key in the StakeWallet contract and must
/// match what an upstream runner on the same machine would use: <c>RUNNER_DEVICE_ID</c> (trimmed, non-empty, any
/// string), else <c>~/.parity/.device_id</c> when it holds exactly 64 lowercase hex digits, else the SHA-256 (hex) of
/// /etc/machine-id's raw bytes, which is then stored in that file (directory 0700, file 0600).
/// </summary>
public static class DeviceIdentity
{
    public const string EnvironmentKey = "RUNNER_DEVICE_ID";

    public static string Resolve(string? environmentValue, string home, string machineIdPath = "/etc/machine-id")
    {
        if (!string.IsNullOrWhiteSpace(environmentValue)) return environmentValue.Trim();
        var directory = Path.Combine(home, ".parity");
        var file = Path.Combine(directory, ".device_id");
        if (File.Exists(file))
        {
            var stored = File.ReadAllText(file);
            if (IsStoredForm(stored)) return stored;
        }
        byte[] machineId;
        try
        {
            machineId = File.ReadAllBytes(machineIdPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IdentityException($"no device id: {EnvironmentKey} is not set, {file} holds none, and {machineIdPath} cannot be read ({e.Message})");
        }
        var id = Convert.ToHexStringLower(SHA256.HashData(machineId));
        if (!Directory.Exists(directory))
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(file, id, new UTF8Encoding(false));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return id;
    }

    // Exactly what the upstream accepts: 64 lowercase hex digits, nothing around them.
    private static bool IsStoredForm(string text) => text.Length == 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
