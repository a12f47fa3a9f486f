using System.Diagnostics;

namespace Parity.Tests.Support;

/// <summary>
/// A real OpenSSH server (PARITY_TEST_SSHD, installed by deploy/install-engines.sh) on a free loopback port with a host
/// key and a client key made for the test, remote forwards allowed on loopback only, nothing else (no passwords, no
/// PAM, no agent or X11 forwarding). <see cref="KillAsync"/> kills it with every session it serves, as when the
/// machine dies; <see cref="StartAsync"/> starts it again on the same port with the same keys.
/// </summary>
public sealed class SshTestServer : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parity-sshd-").FullName;
    private Process? _sshd;

    public int Port { get; private set; }
    public string ClientKey => Path.Combine(_dir, "client_key");
    public string KnownHosts => Path.Combine(_dir, "known_hosts");
    /// <summary>A known_hosts file that names another key for this server: a man in the middle, as ssh sees it.</summary>
    public string WrongKnownHosts => Path.Combine(_dir, "wrong_known_hosts");
    public string User => Environment.UserName;

    public static async Task<SshTestServer> CreateAsync()
    {
        var server = new SshTestServer();
        await server.Prepare();
        await server.StartAsync();
        return server;
    }

    private async Task Prepare()
    {
        foreach (var key in new[] { "host_key", "client_key", "other_key" })
            await Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", Path.Combine(_dir, key));
        File.Copy(ClientKey + ".pub", Path.Combine(_dir, "authorized_keys"));
        Port = TestEngines.FreeTcpPort();
        var hostKey = (await File.ReadAllTextAsync(Path.Combine(_dir, "host_key.pub"))).Split(' ')[..2];
        var otherKey = (await File.ReadAllTextAsync(Path.Combine(_dir, "other_key.pub"))).Split(' ')[..2];
        await File.WriteAllTextAsync(KnownHosts, $"[127.0.0.1]:{Port} {string.Join(' ', hostKey)}\n");
        await File.WriteAllTextAsync(WrongKnownHosts, $"[127.0.0.1]:{Port} {string.Join(' ', otherKey)}\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "sshd_config"), $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {_dir}/host_key
            AuthorizedKeysFile {_dir}/authorized_keys
            PidFile {_dir}/sshd.pid
            StrictModes no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin prohibit-password
            AllowTcpForwarding remote
            GatewayPorts no
            AllowAgentForwarding no
            X11Forwarding no
            PermitTTY no
            ClientAliveInterval 5
            LogLevel VERBOSE
            """);
        // As root, sshd insists on its privilege separation directory (the package creates it when its service starts).
        if (Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
    }

    public async Task StartAsync()
    {
        var sshd = TestEngines.Sshd;
        var start = new ProcessStartInfo(sshd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-D", "-e", "-f", Path.Combine(_dir, "sshd_config") }) start.ArgumentList.Add(arg);
        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (log) log.AppendLine(line);
                if (line.Contains("Server listening", StringComparison.Ordinal)) listening.TrySetResult();
            }
            listening.TrySetException(new InvalidOperationException($"sshd exited: {log}"));
        });
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _sshd = process;
    }

    /// <summary>The server dies: the listener and every session process, so each tunnel through it is cut.</summary>
    public async Task KillAsync()
    {
        if (_sshd is not { } sshd) return;
        _sshd = null;
        sshd.Kill(entireProcessTree: true);
        await sshd.WaitForExitAsync();
        sshd.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {await error}");
    }
}
