using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Tests.Support;

namespace Parity.Tests.Configuration;

/// <summary>CLUSTER_TLS_* and CLUSTER_ALLOW_INSECURE: what starts, and what stops start-up with a message naming the key.</summary>
public sealed class ClusterTlsOptionsTests : IDisposable
{
    private readonly ClusterPki _pki = new();
    private readonly ClusterPki _otherPki = new("Someone else's CA");

    private static ClusteringOptions Load(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build().ReadParityOptions<ClusteringOptions>();

    private static (string, string?)[] Redis(string? ca, string? certificate, string? key) =>
    [
        ("ORLEANS_CLUSTERING", "redis"), ("ORLEANS_REDIS", "127.0.0.1:1"),
        ("CLUSTER_TLS_CA", ca), ("CLUSTER_TLS_CERT", certificate), ("CLUSTER_TLS_KEY", key),
    ];

    [Fact]
    public void The_embedded_cluster_needs_no_TLS_and_a_redis_one_without_it_is_refused_unless_insecure_is_allowed()
    {
        Assert.False(Load().UsesTls);
        var error = Assert.Throws<ConfigurationException>(() => Load(("ORLEANS_CLUSTERING", "redis"), ("ORLEANS_REDIS", "127.0.0.1:1")));
        Assert.StartsWith("ORLEANS_CLUSTERING=redis needs TLS on the cluster transport", error.Message);
        var insecure = Load(("ORLEANS_CLUSTERING", "redis"), ("ORLEANS_REDIS", "127.0.0.1:1"), ("CLUSTER_ALLOW_INSECURE", "true"));
        Assert.True(insecure.AllowInsecure);
        Assert.False(insecure.UsesTls);
    }

    [Fact]
    public void A_certificate_of_the_cluster_CA_with_its_key_is_accepted()
    {
        var (certificate, key) = _pki.Issue("silo-a");
        var options = Load(Redis(_pki.CaCertificate, certificate, key));
        using var credentials = ClusterCredentials.Load(options);
        Assert.True(credentials.Certificate.HasPrivateKey);
        Assert.Equal("CN=silo-a", credentials.Certificate.Subject);
    }

    [Fact]
    public void The_keys_go_together()
    {
        var (certificate, _) = _pki.Issue("silo-a");
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(_pki.CaCertificate, certificate, null)));
        Assert.Equal("CLUSTER_TLS_CA, CLUSTER_TLS_CERT and CLUSTER_TLS_KEY go together, but CLUSTER_TLS_KEY is not set", error.Message);
    }

    [Fact]
    public void An_unreadable_file_is_named_by_its_key()
    {
        var (_, key) = _pki.Issue("silo-a");
        var missing = Path.Combine(Path.GetTempPath(), "parity-no-such-" + Guid.NewGuid().ToString("N") + ".crt");
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(_pki.CaCertificate, missing, key)));
        Assert.StartsWith("CLUSTER_TLS_CERT cannot be read: ", error.Message);
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused()
    {
        var (certificate, _) = _pki.Issue("silo-a");
        var (_, otherKey) = _pki.Issue("silo-b");
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(_pki.CaCertificate, certificate, otherKey)));
        Assert.Equal($"CLUSTER_TLS_KEY ({otherKey}) is not the key of CLUSTER_TLS_CERT ({certificate})", error.Message);
    }

    [Fact]
    public void A_certificate_of_another_CA_is_refused()
    {
        var (certificate, key) = _otherPki.Issue("rogue");
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(_pki.CaCertificate, certificate, key)));
        Assert.StartsWith($"CLUSTER_TLS_CERT ({certificate}, CN=rogue) is not issued by the cluster CA in CLUSTER_TLS_CA ({_pki.CaCertificate}", error.Message);
    }

    [Fact]
    public void An_expired_certificate_is_refused()
    {
        // Valid from five minutes ago until four minutes ago.
        var (certificate, key) = _pki.Issue("old", TimeSpan.FromMinutes(-4));
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(_pki.CaCertificate, certificate, key)));
        Assert.StartsWith($"CLUSTER_TLS_CERT ({certificate}) expired on ", error.Message);
    }

    [Fact]
    public void A_leaf_given_as_the_CA_is_refused()
    {
        var (certificate, key) = _pki.Issue("silo-a");
        var error = Assert.Throws<ConfigurationException>(() => Load(Redis(certificate, certificate, key)));
        Assert.StartsWith($"CLUSTER_TLS_CA ({certificate}) is not a CA certificate", error.Message);
    }

    [Fact]
    public void Only_a_chain_to_the_cluster_CA_is_trusted()
    {
        var (certificate, key) = _pki.Issue("silo-a");
        using var credentials = ClusterCredentials.Load(Load(Redis(_pki.CaCertificate, certificate, key)));
        var (peerPath, _) = _pki.Issue("silo-b");
        var (roguePath, _) = _otherPki.Issue("silo-b");
        using var peer = X509Certificate2.CreateFromPem(File.ReadAllText(peerPath));
        using var rogue = X509Certificate2.CreateFromPem(File.ReadAllText(roguePath));
        using var otherAuthority = X509Certificate2.CreateFromPem(File.ReadAllText(_otherPki.CaCertificate));

        Assert.True(credentials.Trusts(peer));
        Assert.False(credentials.Trusts(rogue));
        Assert.False(credentials.Trusts(otherAuthority));
        // The CA's own certificate is no member's certificate.
        Assert.False(credentials.Trusts(credentials.Authority));
        // A member's certificate past its end is refused too.
        Assert.False(credentials.Trusts(peer, peer.NotAfter.AddDays(1)));
    }

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
    }
}
