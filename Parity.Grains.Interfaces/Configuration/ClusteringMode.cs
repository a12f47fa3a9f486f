namespace Parity.Configuration;

public enum ClusteringMode
{
    /// <summary>One process (or several on one machine sharing nothing): localhost clustering, memory storage.</summary>
    Localhost,
    /// <summary>Clustering, grain storage and reminders in Redis: several silos on several machines.</summary>
    Redis,
}
