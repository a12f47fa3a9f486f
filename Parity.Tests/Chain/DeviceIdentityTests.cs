using System.Security.Cryptography;
using Parity.Chain;

namespace Parity.Tests.Chain;

/// <summary>The device id by the upstream rule: environment, else the stored file, else SHA-256 of the machine id.</summary>
public sealed class DeviceIdentityTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("parity-device-").FullName;

    public void Dispose() => Directory.Delete(home, recursive: true);

    private string MachineId(string content)
    {
        var path = Path.Combine(home, "machine-id");
        File.WriteAllText(path, content);
        return path;
    }

    private string Stored => Path.Combine(home, ".parity", ".device_id");

    [Fact]
    public void The_environment_wins_trimmed_and_in_any_form()
    {
        Assert.Equal("my runner", DeviceIdentity.Resolve("  my runner \n", home, MachineId("abc\n")));
        Assert.False(File.Exists(Stored));
    }

    [Fact]
    public void Without_the_environment_the_machine_id_hash_is_used_and_stored_0600()
    {
        var expected = Convert.ToHexStringLower(SHA256.HashData("0123abcd\n"u8));

        Assert.Equal(expected, DeviceIdentity.Resolve(" ", home, MachineId("0123abcd\n")));
        Assert.Equal(expected, File.ReadAllText(Stored));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Stored));
    }

    [Fact]
    public void A_stored_id_is_used_only_in_its_exact_form()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Stored)!);
        var valid = new string('a', 63) + "7";
        File.WriteAllText(Stored, valid);
        Assert.Equal(valid, DeviceIdentity.Resolve(null, home, MachineId("x")));

        // Upper case is not the stored form: the upstream recomputes, and so must this, or the stake keys would differ.
        File.WriteAllText(Stored, valid.ToUpperInvariant());
        var fromMachine = Convert.ToHexStringLower(SHA256.HashData("x"u8));
        Assert.Equal(fromMachine, DeviceIdentity.Resolve(null, home, MachineId("x")));
        Assert.Equal(fromMachine, File.ReadAllText(Stored));
    }

    [Fact]
    public void No_source_at_all_names_each_one()
    {
        var error = Assert.Throws<IdentityException>(() => DeviceIdentity.Resolve(null, home, Path.Combine(home, "absent")));
        Assert.Contains("RUNNER_DEVICE_ID", error.Message);
        Assert.Contains(".device_id", error.Message);
    }
}
