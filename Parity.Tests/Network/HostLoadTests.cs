using Parity.Network;

namespace Parity.Tests.Network;

/// <summary>The heartbeat's CPU and memory figures, from /proc-shaped files.</summary>
public sealed class HostLoadTests : IDisposable
{
    private readonly string _proc = Directory.CreateTempSubdirectory("parity-proc-").FullName;

    public void Dispose() => Directory.Delete(_proc, recursive: true);

    private void Stat(ulong user, ulong idle) =>
        File.WriteAllText(Path.Combine(_proc, "stat"), $"cpu  {user} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {user} 0 0 {idle} 0 0 0 0 0 0\n");

    [Fact]
    public void Cpu_is_the_busy_share_since_the_previous_sample()
    {
        var load = new HostLoad(_proc);
        Stat(user: 100, idle: 900);
        Assert.Equal(0, load.CpuPercent());
        Stat(user: 175, idle: 925);
        Assert.Equal(75, load.CpuPercent());
    }

    [Fact]
    public void Memory_is_total_less_available()
    {
        File.WriteAllText(Path.Combine(_proc, "meminfo"), "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n");
        Assert.Equal(75, new HostLoad(_proc).MemoryPercent());
    }

    [Fact]
    public void Unreadable_or_malformed_files_give_zero_not_an_exception()
    {
        var load = new HostLoad(_proc);
        Assert.Equal(0, load.CpuPercent());
        Assert.Equal(0, load.MemoryPercent());
        File.WriteAllText(Path.Combine(_proc, "stat"), "cpu  x y z\n");
        File.WriteAllText(Path.Combine(_proc, "meminfo"), "MemTotal: lots\n");
        Assert.Equal(0, load.CpuPercent());
        Assert.Equal(0, load.MemoryPercent());
    }
}
