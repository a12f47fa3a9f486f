namespace Parity.Execution.Sandbox;

/// <summary>
/// The argv that runs a shell command in its sandbox: a gate stub that waits until the silo has put it in the task's
/// cgroup, then (as root) setpriv down to uid/gid 65534, then bubblewrap with fresh user, pid, mount, ipc, uts (and
/// unless allowed, network) namespaces, then prlimit for the rlimits a cgroup has no counterpart for, then /bin/sh -c.
/// </summary>
public static class SandboxCommand
{
    /// <summary>The task's HOME and default working directory: the root of its one writable, size-capped tmpfs.</summary>
    public const string Home = "/work";
    /// <summary>/tmp inside the sandbox is a link to this directory on the same tmpfs, so one size caps both.</summary>
    public const string TmpDir = "/work/.tmp";
    public const string Shell = "/bin/sh";
    public const string Setpriv = "/usr/bin/setpriv";
    public const string Prlimit = "/usr/bin/prlimit";
    public const int Nobody = 65534;

    // The gate: the silo writes one line to fd 3 once the stub's pid is in the task's cgroup. Nothing of the task can
    // run before that: the stub is the only process and it is blocked in read. A silo that dies first closes the pipe:
    // read fails and the task never starts.
    private const string Gate = """read -r go <&3 && exec "$@" 3<&-""";

    private static readonly string[] SystemDirs = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
    // What the shell and common tools need of /etc; never the rest (no shadow, no silo config, no machine secrets).
    private static readonly string[] EtcFiles =
    [
        "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group",
        "/etc/nsswitch.conf", "/etc/hosts", "/etc/localtime", "/etc/ssl", "/etc/ca-certificates",
    ];
    private static readonly string[] NetworkEtcFiles = ["/etc/resolv.conf", "/etc/host.conf", "/etc/gai.conf"];
    private static readonly string[] Devices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

    /// <summary>The stub's argv (argv[0] is <see cref="Shell"/>) for <paramref name="command"/> run in <paramref name="workingDir"/> (relative to HOME).</summary>
    public static List<string> Build(ShellExecutorOptions options, string workingDir, IReadOnlyDictionary<string, string> environment,
        string command)
    {
        var argv = new List<string> { Shell, "-c", Gate, "parity-gate" };
        // A root silo hands the sandbox an unprivileged host uid: outside the namespaces the task is nobody, not root.
        if (Environment.IsPrivilegedProcess)
            argv.AddRange([Setpriv, $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "--no-new-privs", "--"]);
        argv.AddRange(Bwrap(options, workingDir, environment));
        argv.AddRange([Prlimit, $"--fsize={options.MaxFileSizeBytes}", "--core=0", "--", Shell, "-c", command]);
        return argv;
    }

    private static List<string> Bwrap(ShellExecutorOptions options, string workingDir, IReadOnlyDictionary<string, string> environment)
    {
        var args = new List<string>
        {
            options.SandboxTool,
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--uid", $"{Nobody}", "--gid", $"{Nobody}", "--hostname", "parity-task",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
        };
        // A separate network namespace has only its own loopback: nothing of the host, the silo's API included.
        if (!options.AllowNetwork) args.Add("--unshare-net");
        foreach (var dir in SystemDirs)
        {
            var info = new DirectoryInfo(dir);
            if (info.LinkTarget is { } target) args.AddRange(["--symlink", target, dir]);
            else if (info.Exists) args.AddRange(["--ro-bind", dir, dir]);
        }
        foreach (var file in options.AllowNetwork ? EtcFiles.Concat(NetworkEtcFiles) : EtcFiles) args.AddRange(["--ro-bind-try", file, file]);
        args.AddRange(["--proc", "/proc", "--tmpfs", "/dev"]);
        foreach (var device in Devices) args.AddRange(["--dev-bind-try", device, device]);
        args.AddRange([
            "--symlink", "/proc/self/fd", "/dev/fd", "--symlink", "/proc/self/fd/0", "/dev/stdin",
            "--symlink", "/proc/self/fd/1", "/dev/stdout", "--symlink", "/proc/self/fd/2", "/dev/stderr",
            // POSIX shared memory lands on the capped tmpfs too.
            "--symlink", "/tmp", "/dev/shm", "--remount-ro", "/dev",
            "--size", $"{options.DiskLimitBytes}", "--tmpfs", Home, "--dir", TmpDir, "--symlink", TmpDir, "/tmp",
        ]);
        var cwd = workingDir.Length == 0 ? Home : $"{Home}/{workingDir}";
        if (workingDir.Length > 0) args.AddRange(["--dir", cwd]);
        // Everything but the tmpfs (and /proc, /dev's nodes) is read-only.
        args.AddRange(["--remount-ro", "/", "--chdir", cwd]);
        foreach (var (key, value) in environment) args.AddRange(["--setenv", key, value]);
        args.Add("--");
        return args;
    }
}
