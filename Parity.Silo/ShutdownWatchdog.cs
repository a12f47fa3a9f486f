using System.Globalization;
using System.Runtime.InteropServices;

namespace Parity.Silo;

/// <summary>
/// The last word on how long a stopping silo takes: armed when the host begins to stop, it ends the process once
/// SILO_SHUTDOWN_TIMEOUT has passed, after one line that says what was not handed back. Orleans' own stop waits on
/// membership and storage writes (to Redis) whatever the host's shutdown token says, so with Redis gone it alone held
/// a SIGTERM'd silo for minutes.
/// </summary>
internal sealed class ShutdownWatchdog(TimeSpan timeout, Func<string?> unfinished) : IDisposable
{
    private readonly Lock _gate = new();
    private Timer? _timer;

    public void Arm()
    {
        lock (_gate) _timer ??= new Timer(_ => Expire(), null, timeout, Timeout.InfiniteTimeSpan);
    }

    private void Expire()
    {
        string what;
        try
        {
            what = unfinished() is { } left ? $"not handed back: {left}" : "every task was handed back; Orleans' own stop (membership, storage) did not finish";
        }
        catch (Exception e)
        {
            what = $"what was left could not be read ({e.GetType().Name})";
        }
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        Console.Out.Flush();
        Console.Error.WriteLine($"parity-runner: shutdown did not finish within {seconds} s (SILO_SHUTDOWN_TIMEOUT), exiting; {what}");
        Console.Error.Flush();
        ExitNow(1);
    }

    /// <summary>
    /// Ends the process without the runtime's exit handlers: the host's console lifetime waits in one of them for the
    /// very stop that is stuck, so Environment.Exit would hang as long again.
    /// </summary>
    private static void ExitNow(int code)
    {
        if (OperatingSystem.IsWindows()) Environment.Exit(code);
        else PosixExit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void PosixExit(int status);

    public void Dispose()
    {
        lock (_gate) _timer?.Dispose();
    }
}
