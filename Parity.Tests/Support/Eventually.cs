namespace Parity.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until the probe returns a value, or fails with what was last seen.</summary>
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (value is not null) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {timeout.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    public static async Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        await Get(async () => await probe() ? "" : null, timeout, what);

    public static Task True(Func<bool> probe, TimeSpan timeout, string what) =>
        True(() => Task.FromResult(probe()), timeout, what);
}
