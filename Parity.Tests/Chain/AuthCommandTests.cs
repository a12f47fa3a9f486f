using System.Security.Cryptography;
using Nethereum.KeyStore;
using Nethereum.Signer;
using Parity.Tests.Support;

namespace Parity.Tests.Chain;

/// <summary><c>parity-runner auth</c> end to end through the CLI, into a temporary HOME.</summary>
public sealed class AuthCommandTests : IDisposable
{
    private const string Passphrase = "correct horse battery";
    private readonly string home = Directory.CreateTempSubdirectory("parity-auth-").FullName;
    private readonly string key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private string KeystorePath => Path.Combine(home, ".parity", "keystore.json");

    public void Dispose() => Directory.Delete(home, recursive: true);

    private Dictionary<string, string> Environment(string passphrase = Passphrase) => new()
    {
        ["HOME"] = home,
        ["PARITY_KEYSTORE_PASSWORD"] = passphrase,
        ["RUNNER_DEVICE_ID"] = "device-under-test",
    };

    // The real scrypt cost takes seconds per run by design; N = 2^12 keeps the same code path fast.
    private (int Code, string Stdout, string Stderr) Auth(string? input, Dictionary<string, string>? environment, params string[] arguments) =>
        ParityCli.RunWithInput(environment ?? Environment(), input ?? "", ["auth", "--scrypt-n", "4096", .. arguments]);

    private void AssertKeyNotIn(params string[] outputs)
    {
        foreach (var output in outputs)
            Assert.DoesNotContain(key, output, StringComparison.OrdinalIgnoreCase);
    }

    private string KeyFile(string content)
    {
        var path = Path.Combine(home, "key.txt");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void A_key_file_becomes_a_0600_v3_keystore_that_Nethereum_decrypts_to_the_same_key()
    {
        var (code, stdout, stderr) = Auth(null, null, "--private-key-file", KeyFile(key + "\n"));

        Assert.True(code == 0, stderr);
        var address = new EthECKey(key).GetPublicAddress();
        Assert.Contains($"address: {address}", stdout);
        Assert.Contains("device id: device-under-test", stdout);
        AssertKeyNotIn(stdout, stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeystorePath));
        var json = File.ReadAllText(KeystorePath);
        AssertKeyNotIn(json);
        Assert.Contains("\"kdf\":\"scrypt\"", json);
        Assert.Contains("\"cipher\":\"aes-128-ctr\"", json);
        Assert.Equal(key, Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(Passphrase, json)));
    }

    [Fact]
    public void A_0x_prefixed_key_on_standard_input_is_stored()
    {
        var (code, stdout, stderr) = Auth("0x" + key.ToUpperInvariant() + "\n", null);

        Assert.True(code == 0, stderr);
        Assert.Contains($"address: {new EthECKey(key).GetPublicAddress()}", stdout);
        AssertKeyNotIn(stdout, stderr);
        Assert.Equal(key, Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(Passphrase, File.ReadAllText(KeystorePath))));
    }

    [Fact]
    public void The_private_key_option_works_and_warns_that_the_process_list_shows_it()
    {
        var (code, stdout, stderr) = Auth(null, null, "--private-key", key);

        Assert.True(code == 0, stderr);
        Assert.Contains("process list", stderr);
        Assert.Contains($"address: {new EthECKey(key).GetPublicAddress()}", stdout);
        AssertKeyNotIn(stdout, stderr);
    }

    [Theory]
    [InlineData("abc")]                                                                  // too short
    [InlineData("0x12345678901234567890123456789012345678901234567890123456789012345")]  // 65 digits
    [InlineData("zz345678901234567890123456789012345678901234567890123456789012ab")]   // not hex
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")]   // zero
    [InlineData("")]
    public void A_malformed_key_is_refused_without_echoing_it_and_nothing_is_written(string malformed)
    {
        var (code, stdout, stderr) = Auth(malformed + "\n", null);

        Assert.Equal(1, code);
        Assert.Contains("standard input", stderr);
        Assert.Contains("nothing was written", stderr);
        var digits = malformed.StartsWith("0x") ? malformed[2..] : malformed;
        if (digits.Length > 0) Assert.DoesNotContain(digits, stdout + stderr);
        Assert.False(Directory.Exists(Path.Combine(home, ".parity")) && File.Exists(KeystorePath));
    }

    [Fact]
    public void A_wrong_passphrase_for_the_stored_keystore_changes_nothing()
    {
        Assert.Equal(0, Auth(key, null).Code);
        var before = File.ReadAllBytes(KeystorePath);
        var other = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        var (code, stdout, stderr) = Auth(other, Environment("not the passphrase"), "--replace");

        Assert.Equal(1, code);
        Assert.Contains("passphrase does not open the keystore", stderr);
        Assert.DoesNotContain(other, stdout + stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, File.ReadAllBytes(KeystorePath));
    }

    [Fact]
    public void Another_key_replaces_the_stored_one_only_with_replace()
    {
        Assert.Equal(0, Auth(key, null).Code);
        var before = File.ReadAllBytes(KeystorePath);
        var other = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        var refused = Auth(other, null);
        Assert.Equal(1, refused.Code);
        Assert.Contains("--replace", refused.Stderr);
        Assert.Equal(before, File.ReadAllBytes(KeystorePath));

        var replaced = Auth(other, null, "--replace");
        Assert.True(replaced.Code == 0, replaced.Stderr);
        Assert.Equal(other, Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(Passphrase, File.ReadAllText(KeystorePath))));
    }

    [Fact]
    public void Without_a_passphrase_and_no_terminal_it_names_the_variable_and_writes_nothing()
    {
        var (code, _, stderr) = Auth(key, Environment(passphrase: ""));

        Assert.Equal(1, code);
        Assert.Contains("PARITY_KEYSTORE_PASSWORD", stderr);
        Assert.False(File.Exists(KeystorePath));
    }

    [Fact]
    public void A_short_passphrase_is_refused()
    {
        var (code, _, stderr) = Auth(key, Environment(passphrase: "short"));

        Assert.Equal(1, code);
        Assert.Contains("at least 8 characters", stderr);
        Assert.False(File.Exists(KeystorePath));
    }

    [Fact]
    public void Two_ways_of_giving_the_key_at_once_are_refused()
    {
        var (code, stdout, stderr) = Auth(null, null, "--private-key", key, "--private-key-file", KeyFile(key));

        Assert.Equal(1, code);
        Assert.Contains("not both", stderr);
        AssertKeyNotIn(stdout, stderr);
        Assert.False(File.Exists(KeystorePath));
    }

    [Fact]
    public void The_same_key_again_leaves_the_keystore_as_it_is()
    {
        Assert.Equal(0, Auth(key, null).Code);
        var before = File.ReadAllBytes(KeystorePath);

        var (code, stdout, stderr) = Auth(key, null);

        Assert.True(code == 0, stderr);
        Assert.Contains("unchanged", stdout);
        Assert.Equal(before, File.ReadAllBytes(KeystorePath));
    }

    [Fact]
    public void An_upstream_plaintext_keystore_is_kept_unless_replaced_on_purpose_and_then_encrypted_with_a_note()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeystorePath)!);
        var upstream = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(KeystorePath, $$"""{"private_key": "{{upstream}}"}""");

        // Another key over the upstream's (which may be the one that staked): refused, the file untouched.
        var (code, stdout, stderr) = Auth(key, null);
        Assert.Equal(1, code);
        Assert.Contains($"holds the upstream runner's unencrypted key (address {new EthECKey(upstream).GetPublicAddress()}): run 'parity-runner auth --import'", stderr);
        Assert.Contains("nothing was written", stderr);
        Assert.DoesNotContain(upstream, stdout + stderr);
        Assert.Equal($$"""{"private_key": "{{upstream}}"}""", File.ReadAllText(KeystorePath));

        (code, stdout, stderr) = Auth(key, null, "--replace");

        Assert.True(code == 0, stderr);
        Assert.Contains("unencrypted upstream key file is now encrypted in place; remove any other copies", stderr);
        var json = File.ReadAllText(KeystorePath);
        Assert.DoesNotContain(upstream, json);
        Assert.DoesNotContain(upstream, stdout + stderr);
        Assert.Equal(key, Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(Passphrase, json)));
    }

    [Fact]
    public void Import_encrypts_the_upstream_plaintext_keystore_in_place_and_refuses_what_is_not_one()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeystorePath)!);
        File.WriteAllText(KeystorePath, $$"""{"private_key": "0x{{key}}"}""");

        var (code, stdout, stderr) = Auth(null, null, "--import");

        Assert.True(code == 0, stderr);
        Assert.Contains($"address: {new EthECKey(key).GetPublicAddress()}", stdout);
        Assert.Contains("remove any other copies", stderr);
        AssertKeyNotIn(stdout, stderr);
        var json = File.ReadAllText(KeystorePath);
        AssertKeyNotIn(json);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeystorePath));
        Assert.Equal(key, Convert.ToHexStringLower(new KeyStoreService().DecryptKeyStoreFromJson(Passphrase, json)));

        // Now encrypted: nothing more to import, and the file is unchanged.
        (code, _, stderr) = Auth(null, null, "--import");
        Assert.Equal(1, code);
        Assert.Contains("is not the upstream runner's unencrypted keystore", stderr);
        Assert.Equal(json, File.ReadAllText(KeystorePath));

        // A malformed upstream key is refused without being repeated; a key given twice is refused.
        File.WriteAllText(KeystorePath, """{"private_key": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b7869zz"}""");
        (code, stdout, stderr) = Auth(null, null, "--import");
        Assert.Equal(1, code);
        Assert.Contains("private_key", stderr);
        Assert.DoesNotContain("59c6995e", stdout + stderr);
        (code, _, stderr) = Auth(null, null, "--import", "--private-key-file", KeyFile(key));
        Assert.Equal(1, code);
        Assert.Contains("give the key one way", stderr);
        File.Delete(KeystorePath);
        (code, _, stderr) = Auth(null, null, "--import");
        Assert.Equal(1, code);
        Assert.Contains("--import: no keystore at", stderr);
    }
}
