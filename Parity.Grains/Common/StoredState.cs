namespace Parity.Common;

/// <summary>Writing a grain's state where its callers retry.</summary>
public static class StoredState
{
    /// <summary>
    /// Writes <paramref name="state"/>; when the write fails, <paramref name="grain"/>'s activation is dropped once the
    /// call ends and the error rethrown, so the caller's retry starts from the stored state, not from this activation's
    /// unstored change (which would otherwise be counted, or acted on, twice).
    /// </summary>
    public static async Task WriteOrDropAsync<T>(this IPersistentState<T> state, IGrainBase grain)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            grain.DeactivateOnIdle();
            throw;
        }
    }
}
