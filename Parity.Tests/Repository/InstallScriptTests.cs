using System.Diagnostics;
using Parity.Tests.Support;

namespace Parity.Tests.Repository;

/// <summary>
/// deploy/install.sh into a temporary prefix, as a package build runs it: the binaries, the systemd units (checked by
/// systemd-analyze verify against that root, so a unit that names a missing binary or a bad directive fails), the
/// settings from .env.sample kept across an upgrade, and an uninstall that keeps them.
/// </summary>
public sealed class InstallScriptTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-install-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + error.Result);
    }

    [Fact]
    public void The_installer_lays_out_binaries_units_and_settings_that_systemd_accepts_and_upgrades_keep_the_settings()
    {
        // The installer copies whatever publish directory it is given; small executables stand in for the published
        // binaries, and a file under runtimes/ for the native libraries that ship beside them.
        var from = Directory.CreateDirectory(Path.Combine(_dir, "publish")).FullName;
        Directory.CreateDirectory(Path.Combine(from, "runtimes/linux-x64/native"));
        File.WriteAllText(Path.Combine(from, "runtimes/linux-x64/native/libllama.so"), "native");
        foreach (var name in new[] { "parity-runner", "parity-gateway" })
        {
            File.WriteAllText(Path.Combine(from, name), "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(from, name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var root = Path.Combine(_dir, "root");
        var script = Path.Combine(TestEngines.RepoRoot, "deploy", "install.sh");

        var install = Run(script, "--prefix", root, "--from", from);
        Assert.True(install.Code == 0, install.Output);
        Assert.True(File.Exists(Path.Combine(root, "usr/local/lib/parity/parity-runner")));
        Assert.True(File.Exists(Path.Combine(root, "usr/local/lib/parity/runtimes/linux-x64/native/libllama.so")));
        // The command-line links point where the package puts the binaries (absolute, as on the installed system).
        Assert.Equal("/usr/local/lib/parity/parity-gateway", new FileInfo(Path.Combine(root, "usr/local/bin/parity-gateway")).LinkTarget);
        var sample = File.ReadAllText(Path.Combine(TestEngines.RepoRoot, ".env.sample"));
        Assert.Equal(sample, File.ReadAllText(Path.Combine(root, "etc/parity/runner.env")));

        // systemd-analyze resolves the units' dependencies (network-online.target, …) inside the root: give it the host's.
        CopyDirectory("/usr/lib/systemd/system", Path.Combine(root, "usr/lib/systemd/system"));
        var verify = Run("systemd-analyze", "verify", $"--root={root}", "parity-runner.service", "parity-gateway.service");
        Assert.True(verify.Code == 0 && verify.Output.Trim().Length == 0, $"systemd-analyze verify: {verify.Code} {verify.Output}");
        var unit = File.ReadAllText(Path.Combine(root, "etc/systemd/system/parity-runner.service"));
        foreach (var line in new[] { "Restart=on-failure", "NoNewPrivileges=true", "ProtectSystem=strict", "PrivateTmp=true", "User=parity",
                     "ExecStart=/usr/local/lib/parity/parity-runner run --config-path /etc/parity/runner.env" })
            Assert.Contains(line, unit);

        // An upgrade replaces binaries and units but never the operator's settings.
        File.WriteAllText(Path.Combine(root, "etc/parity/runner.env"), "SILO_NAME=box-1\n");
        File.WriteAllText(Path.Combine(from, "parity-runner"), "#!/bin/sh\necho v2\n");
        Assert.Equal(0, Run(script, "--prefix", root, "--from", from).Code);
        Assert.Contains("v2", File.ReadAllText(Path.Combine(root, "usr/local/lib/parity/parity-runner")));
        Assert.Equal("SILO_NAME=box-1\n", File.ReadAllText(Path.Combine(root, "etc/parity/runner.env")));

        var uninstall = Run(script, "--prefix", root, "--uninstall");
        Assert.True(uninstall.Code == 0, uninstall.Output);
        Assert.False(File.Exists(Path.Combine(root, "usr/local/lib/parity/parity-runner")));
        Assert.False(Path.Exists(Path.Combine(root, "usr/local/bin/parity-runner")));
        Assert.False(File.Exists(Path.Combine(root, "etc/systemd/system/parity-gateway.service")));
        Assert.Equal("SILO_NAME=box-1\n", File.ReadAllText(Path.Combine(root, "etc/parity/runner.env")));
    }

    [Fact]
    public void Without_binaries_or_with_an_unknown_flag_the_installer_says_what_is_missing()
    {
        var script = Path.Combine(TestEngines.RepoRoot, "deploy", "install.sh");
        var missing = Run(script, "--prefix", Path.Combine(_dir, "root"), "--from", Path.Combine(_dir, "nothing"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("parity-runner is missing or not executable: run deploy/publish.sh first, or give --from DIR", missing.Output);
        var unknown = Run(script, "--frobnicate");
        Assert.Equal(2, unknown.Code);
        Assert.Contains("unknown argument '--frobnicate'", unknown.Output);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            var info = new FileInfo(file);
            // Links to /dev/null (masked units) and other links are left out: the checks need only the real units.
            if (info.LinkTarget is null) File.Copy(file, Path.Combine(to, info.Name));
        }
    }
}
