using Parity.Execution;

namespace Parity.Tests.Execution;

/// <summary>
/// The process primitive shell tasks run on, without the sandbox around it: bubblewrap turns its child's death by a
/// signal into an ordinary exit code, so the signal path and the gate are only reached from here.
/// </summary>
public sealed class SpawnedProcessTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("parity-spawn-test-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private static SpawnedProcess Shell(string script, bool gated = false) =>
        SpawnedProcess.Start("/bin/sh", ["/bin/sh", "-c", script], [new("PATH", "/usr/bin:/bin")], "/", gated);

    private static async Task<int> ExitCode(SpawnedProcess process) =>
        (await process.Exited.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode;

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("exit 255", 255)]
    [InlineData("kill -TERM $$", 128 + 15)]
    [InlineData("kill -KILL $$", 128 + 9)]
    [InlineData("kill -INT $$", 128 + 2)]
    public async Task The_exit_code_is_the_processs_or_128_plus_the_signal_that_killed_it(string script, int code)
    {
        using var process = Shell(script);
        Assert.Equal(code, await ExitCode(process));
    }

    [Fact]
    public async Task A_gated_child_does_nothing_until_released_and_its_output_is_read()
    {
        var marker = Path.Combine(_scratch, "ran");
        using var process = Shell($"""read -r go <&3 && touch {marker} && echo "released $go" && echo err >&2""", gated: true);
        var stdout = new StreamReader(process.Stdout).ReadToEndAsync();
        var stderr = new StreamReader(process.Stderr).ReadToEndAsync();

        // The child is blocked in read: nothing has run however long it is left.
        await Task.Delay(300);
        Assert.False(process.Exited.IsCompleted);
        Assert.False(File.Exists(marker));

        process.Release();
        process.Release(); // a second release does nothing
        Assert.Equal(0, await ExitCode(process));
        Assert.True(File.Exists(marker));
        Assert.Equal("released go\n", await stdout);
        Assert.Equal("err\n", await stderr);
    }

    [Fact]
    public async Task A_gated_child_disposed_unreleased_never_runs_its_work()
    {
        var marker = Path.Combine(_scratch, "ran");
        var process = Shell($"read -r go <&3 && touch {marker}", gated: true);
        process.Dispose();
        // Closing the gate unwritten ends the read with end of file: the command after && never runs.
        Assert.Equal(1, await ExitCode(process));
        Assert.False(File.Exists(marker));
        Assert.Throws<ObjectDisposedException>(() => process.Stdout.ReadByte());
        Assert.Throws<ObjectDisposedException>(() => process.Stderr.ReadByte());
    }

    [Fact]
    public async Task What_the_leader_leaves_in_its_group_is_killed_when_it_exits()
    {
        // A background child in the leader's process group outlives the leader unless the group is killed.
        var pidFile = Path.Combine(_scratch, "child");
        using var process = Shell($"sleep 60 & echo $! > {pidFile}; exit 0");
        Assert.Equal(0, await ExitCode(process));
        var child = int.Parse(await File.ReadAllTextAsync(pidFile));
        // The SIGKILL is sent before the leader is reaped; the child is gone (or a zombie) once the kernel delivers it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Running(child) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(Running(child), $"background child {child} still runs after its leader exited");
    }

    private static bool Running(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Killing_the_group_ends_the_leader_and_its_children()
    {
        using var process = Shell("sleep 60 & sleep 60");
        await Task.Delay(100);
        process.KillGroup();
        Assert.Equal(128 + 9, await ExitCode(process));
        process.KillGroup(); // after the leader is reaped: does nothing (its pid may be someone else's by now)
    }
}
