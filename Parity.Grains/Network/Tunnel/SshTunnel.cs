using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Parity.Network.Tunnel;

/// <summary>
/// A reverse port forward through OpenSSH: <c>ssh -N -R PORT:LOCALHOST:LOCALPORT</c> as a child process, the public
/// port read from its log (the port sshd allocated, or the fixed one it confirmed), the tunnel gone when the process
/// exits. Strict host key checking against the configured known_hosts, no prompts (BatchMode), no user or system
/// ssh_config (<c>-F none</c>), and the process exits when the forward cannot be set up or the server stops answering.
/// </summary>
public sealed partial class SshTunnel(TunnelOptions options, ILogger logger)
{
    /// <summary>How often ssh checks the server is alive; three unanswered checks end the process.</summary>
    public static readonly TimeSpan AliveInterval = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Arguments(int remotePort, string localHost, int localPort)
    {
        var args = new List<string>
        {
            "-N", "-T", "-F", "none",
            "-o", "BatchMode=yes",
            "-o", "ExitOnForwardFailure=yes",
            "-o", $"ServerAliveInterval={(int)AliveInterval.TotalSeconds}",
            "-o", "ServerAliveCountMax=3",
            "-o", "StrictHostKeyChecking=yes",
            "-o", $"UserKnownHostsFile={options.SshKnownHostsFile}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", $"ConnectTimeout={Math.Max(1, (int)options.ConnectTimeout.TotalSeconds)}",
            // debug1 is the level that confirms a fixed port's forward; the lines are read and dropped.
            "-o", "LogLevel=DEBUG1",
            "-i", options.SshKeyFile!,
            "-p", (options.ServerPort == 0 ? TunnelOptions.SshPort : options.ServerPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-R", $"{remotePort}:{localHost}:{localPort}",
        };
        if (options.SshUser is not null) args.AddRange(["-l", options.SshUser]);
        // "--" so that a host name can never be read as an option.
        args.AddRange(["--", options.ServerHost!]);
        return args;
    }

    public async Task<OpenTunnel> OpenAsync(int remotePort, string localHost, int localPort, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(options.SshCommand)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(remotePort, localHost, localPort)) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new TunnelException($"{options.SshCommand} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new TunnelException($"cannot run {options.SshCommand} for the ssh tunnel: {e.Message} (install openssh-client)");
        }
        var tunnel = new Tunnel(process, remotePort, logger);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(options.ConnectTimeout + TimeSpan.FromSeconds(5));
            var port = await tunnel.Port.WaitAsync(timeout.Token);
            return new Tunnel.Handle(tunnel) { PublicHost = options.ServerHost!, PublicPort = port };
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            await tunnel.StopAsync();
            throw new TunnelException($"ssh to {options.ServerHost} set up no forward within {options.ConnectTimeout.TotalSeconds:0} s");
        }
        catch
        {
            await tunnel.StopAsync();
            throw;
        }
    }

    [GeneratedRegex(@"Allocated port (\d+) for remote forward")]
    private static partial Regex Allocated();

    [GeneratedRegex(@"remote forward success for: listen (?:[^:\s]+:)?(\d+)")]
    private static partial Regex Confirmed();

    private sealed class Tunnel
    {
        private readonly Process _process;
        private readonly TaskCompletionSource<int> _port = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private string? _lastProblem;

        public Tunnel(Process process, int remotePort, ILogger logger)
        {
            _process = process;
            var log = Task.Run(async () =>
            {
                // ssh's own log (stderr) is read line by line: the forward's port, and the last error for the reason.
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    if (Allocated().Match(line) is { Success: true } allocated)
                        _port.TrySetResult(int.Parse(allocated.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                    else if (remotePort != 0 && Confirmed().Match(line) is { Success: true } confirmed && confirmed.Groups[1].Value != "0")
                        _port.TrySetResult(remotePort);
                    else if (!line.StartsWith("debug", StringComparison.Ordinal) && line.Trim().Length > 0)
                    {
                        _lastProblem = line.Trim();
                        logger.LogDebug("ssh: {Line}", line);
                    }
                }
            });
            _ = Task.Run(async () => await process.StandardOutput.ReadToEndAsync());
            _ = Task.Run(async () =>
            {
                await process.WaitForExitAsync();
                await log;
                var reason = $"ssh exited with code {process.ExitCode}" + (_lastProblem is null ? "" : $": {_lastProblem}");
                _port.TrySetException(new TunnelException(reason));
                _closed.TrySetResult(reason);
            });
        }

        public Task<int> Port => _port.Task;

        public async Task StopAsync()
        {
            try
            {
                if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            await _process.WaitForExitAsync();
            await _closed.Task;
            _process.Dispose();
        }

        public sealed class Handle(Tunnel tunnel) : OpenTunnel
        {
            public override Task<string> Closed => tunnel._closed.Task;
            public override async ValueTask DisposeAsync() => await tunnel.StopAsync();
        }
    }
}
