using System.ComponentModel;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Parity.Execution.Sandbox;

/// <summary>
/// Whether this machine can run shell tasks sandboxed, found once (on first use) by running a trial sandbox in a trial
/// cgroup, and the cgroup hierarchy tasks get their cgroups in. A machine that cannot sandbox says why; it never runs
/// a task unsandboxed. The first probe also removes task cgroups a crashed silo left behind.
/// </summary>
public sealed class ShellSandbox
{
    private static readonly TimeSpan ProbeBound = TimeSpan.FromSeconds(20);
    private readonly ShellExecutorOptions _options;
    private readonly ILogger _logger;
    private readonly Lazy<(ICgroupHierarchy? Cgroups, string? Problem)> _state;

    public ShellSandbox(ShellExecutorOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _state = new Lazy<(ICgroupHierarchy?, string?)>(Probe);
    }

    /// <summary>Null when shell tasks can run sandboxed here; otherwise why they cannot.</summary>
    public string? Problem => _state.Value.Problem;

    /// <summary>Where task cgroups are made; null when <see cref="Problem"/> is set.</summary>
    public ICgroupHierarchy? Cgroups => _state.Value.Cgroups;

    private (ICgroupHierarchy?, string?) Probe()
    {
        var (cgroups, problem) = Check();
        if (problem is not null)
            _logger.LogWarning("Shell tasks are off on this runner: {Problem}", problem);
        else
            _logger.LogInformation("Shell tasks run sandboxed: {Tool} (user, pid, mount, ipc, uts{Network} namespaces), {Cgroups}",
                _options.SandboxTool, _options.AllowNetwork ? "; host network (RUNNER_SHELL_ALLOW_NETWORK)" : ", network", cgroups!.Description);
        return (problem is null ? cgroups : null, problem);
    }

    private (ICgroupHierarchy?, string?) Check()
    {
        if (!OperatingSystem.IsLinux()) return (null, "shell tasks need a Linux runner");
        var tools = new List<string> { SandboxCommand.Shell, _options.SandboxTool, SandboxCommand.Prlimit };
        if (Environment.IsPrivilegedProcess) tools.Add(SandboxCommand.Setpriv);
        if (tools.FirstOrDefault(t => !File.Exists(t)) is { } missing)
            return (null, $"{missing} is missing (deploy/install-engines.sh bubblewrap util-linux installs it)");

        var (cgroups, problem) = CgroupDetector.Detect();
        if (cgroups is null) return (null, problem);
        try
        {
            var orphans = cgroups.RemoveOrphans();
            if (orphans > 0) _logger.LogInformation("Removed {Count} task cgroups a previous silo left behind", orphans);
            return (cgroups, Trial(cgroups));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Win32Exception)
        {
            return (null, $"{cgroups.Description}: {e.Message}");
        }
    }

    /// <summary>Runs <c>true</c> exactly as a task runs; null when it worked, else what bubblewrap said.</summary>
    private string? Trial(ICgroupHierarchy cgroups)
    {
        using var cgroup = cgroups.Create($"probe-{Guid.NewGuid():N}", new CgroupLimits(64L << 20, 16, 1));
        var argv = SandboxCommand.Build(_options, "", new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, "true");
        using var process = SpawnedProcess.Start(argv[0], argv, [], "/", gated: true);
        cgroup.Add(process.Pid);
        process.Release();
        var stderr = new StreamReader(process.Stderr, Encoding.UTF8).ReadToEndAsync();
        if (!process.Exited.Wait(ProbeBound))
        {
            cgroup.KillAll();
            return $"a trial sandbox ({_options.SandboxTool}) did not finish in {ProbeBound.TotalSeconds:0} s";
        }
        var exit = process.Exited.Result;
        if (exit.ExitCode == 0) return null;
        var said = stderr.Wait(TimeSpan.FromSeconds(2)) ? stderr.Result.Trim() : "";
        return $"a trial sandbox failed (exit {exit.ExitCode}): {(said.Length > 0 ? said : "no message")}" +
               " (bubblewrap needs unprivileged user namespaces: kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0," +
               " and no AppArmor restriction on them)";
    }
}
