using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Hosting;
using Parity.Execution.Sandbox;

namespace Parity.Tests.Hosting;

/// <summary>
/// A silo killed mid-task leaves its work folder behind. The next silo of its name removes it at start, and touches
/// neither a live silo's folder (of its own name or another) nor a dead silo's of another name, nor anything else.
/// </summary>
public sealed class SiloWorkFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parity-work-test-").FullName;

    [Fact]
    public void A_starting_silo_removes_only_its_dead_predecessors_folders()
    {
        var dead = ExitedProcessId();
        using var live = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            var liveOwner = $"{live.Id}.{StartTime(live.Id)}";
            var predecessor = Folder($"{dead}.12345.gpu-1", withFile: true);
            var liveTwin = Folder($"{liveOwner}.gpu-1");
            var otherLive = Folder($"{liveOwner}.gpu-2");
            var otherDead = Folder($"{dead}.12345.gpu-2");
            var unrelated = Folder("notes");

            var work = new SiloWorkFolder(_root, "gpu-1", NullLogger.Instance);
            work.Prepare();

            Assert.False(Directory.Exists(predecessor));
            Assert.All([liveTwin, otherLive, otherDead, unrelated], folder => Assert.True(Directory.Exists(folder), folder));
            Assert.True(Directory.Exists(work.Path));
            Assert.Equal(CgroupOwner.Prefix + "gpu-1", Path.GetFileName(work.Path));
        }
        finally
        {
            live.Kill();
        }
    }

    [Fact]
    public void A_silo_name_with_dots_is_matched_whole()
    {
        var dead = ExitedProcessId();
        var predecessor = Folder($"{dead}.1.box.lab");
        var prefixOnly = Folder($"{dead}.1.box");
        Assert.Equal(1, SiloWorkFolder.RemoveDeadPredecessors(_root, "box.lab", NullLogger.Instance));
        Assert.False(Directory.Exists(predecessor));
        Assert.True(Directory.Exists(prefixOnly));
    }

    private string Folder(string name, bool withFile = false)
    {
        var path = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (withFile) File.WriteAllText(Path.Combine(path, "parity-image-1.tar"), "partial image tar");
        return path;
    }

    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    /// <summary>Field 22 of /proc/PID/stat, read here on its own rather than through the code under test.</summary>
    private static string StartTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
