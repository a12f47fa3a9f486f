namespace Parity.Tasks;

public static class TaskStateExtensions
{
    public static bool IsTerminal(this TaskState state) =>
        state is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;
}
