using System.ComponentModel;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Parity.Execution;

/// <summary>How a spawned process ended. What the task used comes from its cgroup, which also counts what it did not wait for.</summary>
/// <remarks>A leader killed by signal n exits with 128 + n, as a shell reports it.</remarks>
public readonly record struct SpawnExit(int ExitCode);

/// <summary>
/// A child started by one <c>posix_spawn</c> as the leader of a new session (so its pid is its process group id),
/// with stdin on /dev/null and stdout/stderr on pipes. It is waited for with <c>waitpid</c>; no setsid exec is needed. The group is killed before the leader is
/// reaped, so the group id can never belong to a recycled pid when it is signalled.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SpawnedProcess : IDisposable
{
    private readonly Lock _reapLock = new();
    private bool _reaped;

    private int _gate;

    private SpawnedProcess(int pid, Stream stdout, Stream stderr, int gate)
    {
        Pid = pid;
        _gate = gate;
        Stdout = stdout;
        Stderr = stderr;
        Exited = Task.Factory.StartNew(WaitForExit, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public int Pid { get; }
    public Stream Stdout { get; }
    public Stream Stderr { get; }

    /// <summary>Completes when the leader has exited; its process group has been sent SIGKILL by then.</summary>
    public Task<SpawnExit> Exited { get; }

    /// <summary>
    /// Starts <paramref name="path"/> with exactly <paramref name="arguments"/> (argv[0] included) and the environment
    /// given. With <paramref name="gated"/> the child also gets the read end of a pipe as fd 3, on which
    /// <see cref="Release"/> writes one line (a child that waits on it starts its real work only then).
    /// </summary>
    public static SpawnedProcess Start(string path, IReadOnlyList<string> arguments,
        IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory, bool gated = false) =>
        SpawnThread.Run(() => StartHere(path, arguments, environment, workingDirectory, gated));

    private static SpawnedProcess StartHere(string path, IReadOnlyList<string> arguments,
        IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory, bool gated)
    {
        var argv = arguments.Append(null).ToArray();
        var envp = environment.Select(kv => $"{kv.Key}={kv.Value}").Append(null).ToArray();
        var (stdoutRead, stdoutWrite) = Pipe();
        var (stderrRead, stderrWrite) = Pipe();
        var (gateRead, gateWrite) = gated ? Pipe() : (-1, -1);
        var actions = AllocZeroed(OpaqueSize);
        var attributes = AllocZeroed(OpaqueSize);
        var signals = AllocZeroed(SigsetSize);
        try
        {
            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(posix_spawn_file_actions_addopen(actions, 0, "/dev/null", ORdOnly, 0), "addopen");
            Check(posix_spawn_file_actions_adddup2(actions, stdoutWrite, 1), "adddup2");
            Check(posix_spawn_file_actions_adddup2(actions, stderrWrite, 2), "adddup2");
            if (gated) Check(posix_spawn_file_actions_adddup2(actions, gateRead, GateFd), "adddup2");
            Check(posix_spawn_file_actions_addchdir_np(actions, workingDirectory), "addchdir");
            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            // The runtime blocks and ignores signals of its own (SIGPIPE among them): the child starts clean.
            sigfillset(signals);
            Check(posix_spawnattr_setsigdefault(attributes, signals), "setsigdefault");
            sigemptyset(signals);
            Check(posix_spawnattr_setsigmask(attributes, signals), "setsigmask");
            Check(posix_spawnattr_setflags(attributes, SetSid | SetSigDef | SetSigMask), "setflags");
            var error = posix_spawn(out var pid, path, actions, attributes, argv, envp);
            if (error != 0) throw new Win32Exception(error, $"cannot start {path}: {new Win32Exception(error).Message}");
            return new SpawnedProcess(pid, ReadStream(stdoutRead), ReadStream(stderrRead), gateWrite);
        }
        catch
        {
            close(stdoutRead);
            close(stderrRead);
            if (gated) close(gateWrite);
            throw;
        }
        finally
        {
            posix_spawn_file_actions_destroy(actions);
            posix_spawnattr_destroy(attributes);
            Marshal.FreeHGlobal(actions);
            Marshal.FreeHGlobal(attributes);
            Marshal.FreeHGlobal(signals);
            close(stdoutWrite);
            close(stderrWrite);
            if (gated) close(gateRead);
        }
    }

    /// <summary>Writes the line a gated child waits for, then closes the gate; closing it unwritten (Dispose) makes its read fail.</summary>
    public void Release()
    {
        var gate = Interlocked.Exchange(ref _gate, -1);
        if (gate < 0) return;
        try
        {
            if (write(gate, "go\n"u8.ToArray(), 3) != 3)
                throw new Win32Exception(Marshal.GetLastPInvokeError(), "cannot release the gated child");
        }
        finally
        {
            close(gate);
        }
    }

    /// <summary>SIGKILL to the whole group; harmless once it is empty. Never called after the leader is reaped.</summary>
    public void KillGroup()
    {
        lock (_reapLock)
        {
            if (!_reaped) kill(-Pid, SigKill);
        }
    }

    public void Dispose()
    {
        var gate = Interlocked.Exchange(ref _gate, -1);
        if (gate >= 0) close(gate);
        Stdout.Dispose();
        Stderr.Dispose();
    }

    private SpawnExit WaitForExit()
    {
        // Wait without reaping, kill what the task left behind while the leader's pid still pins the group id, then reap.
        var info = new byte[SiginfoSize];
        while (waitid(PPid, Pid, info, WExited | WNoWait) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Eintr) throw new Win32Exception(errno, $"waitid({Pid}) failed");
        }
        int status;
        lock (_reapLock)
        {
            kill(-Pid, SigKill);
            // The leader has exited, so this returns at once.
            while (waitpid(Pid, out status, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr) throw new Win32Exception(errno, $"waitpid({Pid}) failed");
            }
            _reaped = true;
        }
        var signal = status & 0x7f;
        return new SpawnExit(signal == 0 ? (status >> 8) & 0xff : 128 + signal);
    }

    private static (int Read, int Write) Pipe()
    {
        var fds = new int[2];
        if (pipe2(fds, OCloexec) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError(), "pipe2 failed");
        return (fds[0], fds[1]);
    }

    private static nint AllocZeroed(int size)
    {
        var memory = Marshal.AllocHGlobal(size);
        Marshal.Copy(new byte[size], 0, memory, size);
        return memory;
    }

    private static Stream ReadStream(int fd) => new AnonymousPipeClientStream(PipeDirection.In, new SafePipeHandle(fd, ownsHandle: true));

    private static void Check(int error, string call)
    {
        if (error != 0) throw new Win32Exception(error, $"{call} failed");
    }

    // glibc's posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80; sigset_t 128. Allocated with room to spare.
    private const int OpaqueSize = 1024;
    private const int SigsetSize = 256;
    private const int SiginfoSize = 128;
    private const short SetSigDef = 0x04, SetSigMask = 0x08, SetSid = 0x80;
    private const int ORdOnly = 0, OCloexec = 0x80000;
    private const int PPid = 1, WExited = 4, WNoWait = 0x01000000;
    private const int SigKill = 9, Eintr = 4, GateFd = 3;

    [DllImport("libc", SetLastError = true)]
    private static extern int pipe2(int[] fds, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitid(int idType, int id, byte[] info, int options);

    [DllImport("libc", SetLastError = true)]
    private static extern int waitpid(int pid, out int status, int options);

    [DllImport("libc")]
    private static extern int posix_spawn(out int pid, string path, nint fileActions, nint attributes, string?[] argv, string?[] envp);

    [DllImport("libc")]
    private static extern int posix_spawn_file_actions_init(nint actions);

    [DllImport("libc")]
    private static extern int posix_spawn_file_actions_destroy(nint actions);

    [DllImport("libc")]
    private static extern int posix_spawn_file_actions_addopen(nint actions, int fd, string path, int flags, int mode);

    [DllImport("libc")]
    private static extern int posix_spawn_file_actions_adddup2(nint actions, int fd, int newFd);

    [DllImport("libc")]
    private static extern int posix_spawn_file_actions_addchdir_np(nint actions, string path);

    [DllImport("libc")]
    private static extern int posix_spawnattr_init(nint attributes);

    [DllImport("libc")]
    private static extern int posix_spawnattr_destroy(nint attributes);

    [DllImport("libc")]
    private static extern int posix_spawnattr_setflags(nint attributes, short flags);

    [DllImport("libc")]
    private static extern int posix_spawnattr_setsigdefault(nint attributes, nint signals);

    [DllImport("libc")]
    private static extern int posix_spawnattr_setsigmask(nint attributes, nint signals);

    [DllImport("libc")]
    private static extern int sigfillset(nint signals);

    [DllImport("libc")]
    private static extern int sigemptyset(nint signals);
}
