using System.Net;
using System.Security.Cryptography.X509Certificates;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary><c>parity-runner cluster init-ca|issue</c> as an operator runs them.</summary>
public sealed class ClusterCommandTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-ca-").FullName;

    [Fact]
    public void Init_ca_writes_a_CA_with_a_private_key_file_and_refuses_to_overwrite_it()
    {
        var directory = Path.Combine(_work, "ca");
        var (code, stdout, stderr) = ParityCli.Run(null, "cluster", "init-ca", "--out", directory);
        Assert.True(code == 0, stdout + stderr);

        var keyPath = Path.Combine(directory, "ca.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, "ca.crt")));
        Assert.True(authority.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var key = File.ReadAllText(keyPath);

        (code, _, stderr) = ParityCli.Run(null, "cluster", "init-ca", "--out", directory);
        Assert.Equal(2, code);
        Assert.Contains("exists; refusing to overwrite it", stderr);
        Assert.Equal(key, File.ReadAllText(keyPath));
    }

    [Fact]
    public void Issue_writes_a_server_and_client_certificate_of_the_CA_for_the_name_and_addresses()
    {
        var ca = Path.Combine(_work, "ca");
        Assert.Equal(0, ParityCli.Run(null, "cluster", "init-ca", "--out", ca).Code);
        var output = Path.Combine(_work, "gpu-box-1");
        var (code, stdout, stderr) = ParityCli.Run(null, "cluster", "issue", "gpu-box-1", "--ca", ca, "--out", output,
            "--ip", "10.0.0.7", "--dns", "gpu-box-1.lan");
        Assert.True(code == 0, stdout + stderr);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(output, "gpu-box-1.key")));
        using var leaf = X509Certificate2.CreateFromPemFile(Path.Combine(output, "gpu-box-1.crt"), Path.Combine(output, "gpu-box-1.key"));
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(ca, "ca.crt")));
        Assert.Equal("CN=gpu-box-1", leaf.Subject);
        Assert.Equal(authority.Subject, leaf.Issuer);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
            leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()
                .Select(o => o.Value!).Order());
        var names = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["gpu-box-1", "gpu-box-1.lan"], names.EnumerateDnsNames().Order());
        Assert.Equal([IPAddress.Parse("10.0.0.7")], names.EnumerateIPAddresses());
        Assert.Equal(256, leaf.GetECDsaPublicKey()!.KeySize);

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public void Issue_refuses_a_name_that_is_not_a_plain_name()
    {
        var ca = Path.Combine(_work, "ca");
        Assert.Equal(0, ParityCli.Run(null, "cluster", "init-ca", "--out", ca).Code);
        var (code, _, stderr) = ParityCli.Run(null, "cluster", "issue", "../escape", "--ca", ca, "--out", Path.Combine(_work, "x"));
        Assert.Equal(2, code);
        Assert.Contains("NAME must be 1-64 letters, digits, '.', '_' or '-', got '../escape'", stderr);
        Assert.False(File.Exists(Path.Combine(_work, "escape.key")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
