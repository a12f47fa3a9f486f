using Parity.Tasks;

namespace Parity.Gateway.Contracts;

/// <summary><c>/api/status</c>: the cluster in one object.</summary>
public sealed record ClusterStatus(
    string Version,
    string ClusterId,
    string Clustering,
    int RunnersOnline,
    int RunnersOffline,
    int SlotsTotal,
    int SlotsFree,
    TaskCounts Tasks);
