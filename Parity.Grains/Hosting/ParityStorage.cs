namespace Parity.Hosting;

/// <summary>The grain storage provider every durable Parity grain uses (memory standalone, Redis in a cluster).</summary>
public static class ParityStorage
{
    public const string Name = "parity";
}
