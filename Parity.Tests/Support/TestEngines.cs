namespace Parity.Tests.Support;

/// <summary>The real engines the README's test command starts; a test that needs one fails loudly without it.</summary>
public static class TestEngines
{
    public static string Redis => Require("PARITY_TEST_REDIS", "a Redis started by ./deploy/test.sh (host:port; each run starts its own on a free port)");

    /// <summary>The engine API address of the test dockerd (unix:///…/docker.sock).</summary>
    public static Uri Docker => new(Require("PARITY_TEST_DOCKER", "the socket URI of a dockerd started by ./deploy/test.sh"));

    /// <summary>The busybox image ./deploy/docker.sh builds locally (no registry is reachable in tests).</summary>
    public const string DockerImage = "localtest/busybox:1";

    /// <summary>A local IPFS node (deploy/ipfs.sh): Kubo-shaped RPC under /api/v0 and a trustless gateway under /ipfs.</summary>
    public static Uri Ipfs => new(Require("PARITY_TEST_IPFS", "the URL of an IPFS node started by ./deploy/test.sh (http://127.0.0.1:PORT)"));

    /// <summary>A second, separate IPFS node, for moving DAGs between nodes.</summary>
    public static Uri Ipfs2 => new(Require("PARITY_TEST_IPFS2", "the URL of a second IPFS node started by ./deploy/test.sh (http://127.0.0.1:PORT)"));

    public static string Chromium => Require("PARITY_TEST_CHROMIUM", "the path of a chromium binary (./deploy/test.sh installs one)");

    /// <summary>The Prometheus server binary (Debian's `prometheus`); tests start it with deploy/prometheus.sh.</summary>
    public static string Prometheus => Require("PARITY_TEST_PROMETHEUS", "the path of a prometheus binary (./deploy/test.sh installs one)");

    /// <summary>The OpenSSH server binary (Debian's openssh-server); the tunnel tests start their own on loopback (SshTestServer).</summary>
    public static string Sshd => Require("PARITY_TEST_SSHD", "the path of an sshd binary (./deploy/test.sh installs openssh-server)");

    /// <summary>The OpenAPI linter (@redocly/cli, pinned by deploy/redocly/package-lock.json).</summary>
    public static string Redocly => Require("PARITY_TEST_REDOCLY", "the path of the redocly CLI (./deploy/redocly.sh install prints it)");

    /// <summary>The env file of a dev chain with the product's contracts deployed (deploy/chain.sh start prints it).</summary>
    public static string ChainEnv => Require("PARITY_TEST_CHAIN_ENV", "the env file of a dev chain started by ./deploy/chain.sh start (it prints the path)");

    private static string Require(string variable, string what) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{variable} is not set: it must name {what}. Run the tests with ./deploy/test.sh.");

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Parity.sln"))) return dir.FullName;
            throw new InvalidOperationException("Parity.sln not found above the test binaries");
        }
    }

    /// <summary>The built dll of a sibling executable project, same configuration as the tests.</summary>
    public static string BuiltDll(string project, string assembly)
    {
        var testBin = AppContext.BaseDirectory.TrimEnd('/');
        var configurationDir = Path.GetFileName(Path.GetDirectoryName(testBin)!); // Debug | Release
        var path = Path.Combine(RepoRoot, project, "bin", configurationDir, Path.GetFileName(testBin), assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built", path);
    }

    public static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
