namespace Parity.Learning.Models;

/// <summary>
/// Checks a model's estimated memory against what this process may still use, before the large allocations: a model
/// that cannot fit is refused with the fields to change, instead of an <see cref="OutOfMemoryException"/> (or an
/// overflowing array size) half way through training.
/// </summary>
public static class MemoryBudget
{
    /// <summary>
    /// Bytes this process may still allocate: the GC's view of the memory it may use (the machine's, or the cgroup
    /// limit in a container), less what the managed heap already holds (the dataset among it).
    /// </summary>
    public static long Available()
    {
        var total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return Math.Max(0, total - GC.GetTotalMemory(forceFullCollection: false));
    }

    /// <summary>Throws a <see cref="ModelConfigException"/> naming <paramref name="field"/> when
    /// <paramref name="neededBytes"/> is over <paramref name="availableBytes"/> (null: <see cref="Available"/>).</summary>
    /// <param name="what">What needs the memory, e.g. "a network of 1,234 parameters trained in batches of 64".</param>
    /// <param name="change">The fields to change, for the message, e.g. "hidden_sizes or batch_size".</param>
    public static void Check(long neededBytes, long? availableBytes, string field, string what, string change)
    {
        var available = availableBytes ?? Available();
        if (neededBytes <= available) return;
        throw new ModelConfigException(
            $"invalid training configuration: {what} needs about {Megabytes(neededBytes)} of memory, more than the " +
            $"{Megabytes(available)} this process has available: reduce {change}", field);
    }

    /// <summary>Throws when one array of <paramref name="elements"/> would be longer than .NET allows.</summary>
    public static void CheckArray(long elements, string field, string what, string change)
    {
        if (elements <= Array.MaxLength) return;
        throw new ModelConfigException(
            $"invalid training configuration: {what} would need an array of {elements} values, more than the " +
            $"{Array.MaxLength} one array can hold: reduce {change}", field);
    }

    internal static string Megabytes(long bytes) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Math.Ceiling(bytes / 1048576.0):0} MiB ({bytes} bytes)");
}
