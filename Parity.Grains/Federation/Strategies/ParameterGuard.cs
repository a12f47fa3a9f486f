using System.Globalization;

namespace Parity.Federation.Strategies;

/// <summary>
/// Constructor checks shared by the strategies. Messages name the wire name of the parameter, so the same text
/// reads right whether it reaches a C# caller or (through <see cref="StrategyCatalog"/>) a session's config.
/// </summary>
internal static class ParameterGuard
{
    public static double Positive(string name, double value)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, $"{name} must be > 0, got {Show(value)}");
        return value;
    }

    public static double NonNegative(string name, double value)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {Show(value)}");
        return value;
    }

    /// <summary>0 ≤ value &lt; 1: a decay factor of 1 would never forget, so it is refused.</summary>
    public static double UnitInterval(string name, double value)
    {
        if (!double.IsFinite(value) || value < 0 || value >= 1)
            throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0 and < 1, got {Show(value)}");
        return value;
    }

    public static double Below(string name, double value, double upper)
    {
        if (!double.IsFinite(value) || value < 0 || value >= upper)
            throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0 and < {Show(upper)}, got {Show(value)}");
        return value;
    }

    public static int AtLeast(string name, int value, int lower)
    {
        if (value < lower)
            throw new ArgumentOutOfRangeException(name, $"{name} must be >= {lower}, got {value}");
        return value;
    }

    private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
