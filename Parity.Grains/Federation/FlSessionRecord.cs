namespace Parity.Federation;

/// <summary>
/// A session's durable state, written after every step that changes it: the spec, the participants, every round's
/// record, the global model and the strategy's state (as exact bytes), and the event log. A round's accepted updates
/// are not copied here: they stay in their round tasks' results, which a resumed session reads again.
/// </summary>
[GenerateSerializer]
public sealed class FlSessionRecord
{
    [Id(0)] public FlSessionSpec? Spec { get; set; }
    [Id(1)] public FlSessionStatus Status { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(4)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(5)] public string? Error { get; set; }
    [Id(6)] public List<FlParticipantView> Participants { get; set; } = [];
    [Id(7)] public List<FlRoundView> Rounds { get; set; } = [];
    /// <summary>The global weights (<see cref="WeightsCodec"/>), or a forest's serialized bytes.</summary>
    [Id(8)] public byte[]? Model { get; set; }
    /// <summary>The round whose aggregate <see cref="Model"/> is; 0 for the initial model.</summary>
    [Id(9)] public int ModelRound { get; set; }
    [Id(10)] public byte[]? StrategyBuffers { get; set; }
    [Id(11)] public int StrategyRound { get; set; }
    [Id(12)] public List<FlSessionEvent> Events { get; set; } = [];
    [Id(13)] public long LastEvent { get; set; }
    /// <summary>The dataset's feature count and classes (1 for regression), fixed at creation.</summary>
    [Id(14)] public int Columns { get; set; }
    [Id(15)] public int Classes { get; set; }
    /// <summary>
    /// The open round's accepted updates from external participants, as received: no round task keeps them, so they are
    /// kept here until the round closes, for a resumed session to count them again.
    /// </summary>
    [Id(16)] public Dictionary<int, string> ExternalUpdates { get; set; } = new();
    /// <summary>
    /// With <c>config.evaluation_fraction</c>: the evaluation-only tasks scoring the last round's model, opened when that
    /// round closes (earlier rounds are scored by the next round's tasks, and their figures kept in <see cref="Rounds"/>).
    /// </summary>
    [Id(17)] public FlRoundView? FinalEvaluation { get; set; }
    /// <summary>
    /// A histogram forest's shared bin edges and classes, fixed from the participants' summaries and kept so that a
    /// resumed session bins exactly as before; cleared when a lost participant makes the forest start over.
    /// </summary>
    [Id(18)] public ForestPlanRecord? ForestPlan { get; set; }
    /// <summary>With differential privacy: the next round's clip and the budget stop (FlSessionGrain.Privacy.cs).</summary>
    [Id(19)] public FlPrivacyState? Privacy { get; set; }
}
