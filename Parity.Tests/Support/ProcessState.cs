namespace Parity.Tests.Support;

public static class ProcessState
{
    /// <summary>
    /// True when the process no longer runs: no /proc entry, or a zombie (this machine's PID 1 does not always reap
    /// orphans, so a killed process may linger in state Z).
    /// </summary>
    public static bool Gone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
