namespace Parity.Tasks;

/// <summary>Where a task's JSON came from, which decides how strictly its fields are read.</summary>
public enum TaskSource
{
    /// <summary>
    /// Parity's own <c>POST /api/v1/tasks</c>: a field the route does not take, or one the server sets, is refused naming it.
    /// </summary>
    Api,
    /// <summary>
    /// An upstream server's webhook push (UPSTREAM.md §3): its task objects carry fields of the upstream's own
    /// (<c>status</c>, <c>created_at</c>, <c>runner_id</c>, …), so unknown fields are ignored and the server-owned
    /// ones are replaced by the server's values, never trusted.
    /// </summary>
    Upstream,
}
