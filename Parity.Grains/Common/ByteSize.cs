using System.Globalization;

namespace Parity;

/// <summary>Byte counts for people: exact binary units when they divide evenly (16 MiB), else one decimal (1.4 MiB).</summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.#} GiB"),
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.#} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        _ => $"{bytes} B",
    };
}
