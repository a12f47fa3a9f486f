namespace Parity.Configuration;

/// <summary>How long finished tasks are kept, and how much of their output lives in the task's record (RESULT_*, RUNNER_OUTPUT_DIR).</summary>
public sealed record RetentionOptions
{
    /// <summary>A finished task, its result and its stored output are deleted this long after it finished (RESULT_RETENTION).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
    /// <summary>At most this many finished tasks are kept; the oldest go first (RESULT_RETENTION_COUNT).</summary>
    public int MaxFinished { get; set; } = 20_000;
    /// <summary>
    /// A shell or Docker task's stdout or stderr up to this many bytes stays in its record; a longer one goes whole to
    /// the runner's output store and the record keeps its head (RESULT_INLINE_LIMIT).
    /// </summary>
    public int InlineLimit { get; set; } = 16 * 1024;
    /// <summary>This runner's output store (RUNNER_OUTPUT_DIR); null: ~/.parity/outputs/&lt;silo name&gt;.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>How often an index shard looks for tasks to expire: a tenth of the retention, between 1 s and a minute.</summary>
    public TimeSpan ExpiryPeriod => TimeSpan.FromTicks(Math.Clamp(Retention.Ticks / 10, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
}
