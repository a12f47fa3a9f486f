using System.Text.Json;
using Microsoft.Extensions.Logging;
using Parity.Federation.Strategies;
using Parity.Hosting;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Runners;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// One federated session: it checks the spec against the cluster, fixes the participants and their parts, and drives
/// the rounds (FlSessionGrain.Rounds.cs). State is written after every step; a round in progress is rebuilt after a
/// crash from its round tasks, which are durable, so the session resumes with the same model bytes.
/// </summary>
public sealed partial class FlSessionGrain(
    [PersistentState("fl-session", ParityStorage.Name)] IPersistentState<FlSessionRecord> state,
    IDatasetSource datasets,
    RunnerDirectoryCache runners,
    IClusterMembershipService membership,
    Parity.Configuration.SchedulingOptions scheduling,
    TimeProvider clock,
    ILogger<FlSessionGrain> logger) : Grain, IFlSessionGrain, IRemindable
{
    private const int MaxEvents = 2_000;
    private static readonly TimeSpan DatasetTimeout = TimeSpan.FromMinutes(2);
    private IAggregationStrategy? _strategy;
    private TaskCompletionSource? _newEvent;
    /// <summary>The summary this activation last gave the session index.</summary>
    private FlSessionSummary? _listed;

    private FlSessionRecord Record => state.State;
    private FlSessionSpec? Spec => Record.Spec;
    private string Id => this.GetPrimaryKeyString();
    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Record.Status == FlSessionStatus.Active) await Resume();
    }

    public async Task<FlCommandOutcome> Create(FlSessionSpec spec)
    {
        if (Spec is not null) return FlCommandOutcome.Refused($"session {Id} already exists");
        try
        {
            if (spec.ModelType != FederatedModelType.RandomForest) StrategyCatalog.Create(spec.AggregationMethod, Config(spec));
            else if (!StrategyCatalog.ForestMethods.Contains(spec.AggregationMethod))
                return FlCommandOutcome.Invalid($"config.aggregation_method: {spec.AggregationMethod} does not apply to random_forest " +
                                                $"(expected {string.Join(" or ", StrategyCatalog.ForestMethods)})");
            else if (spec.AggregationMethod == "histogram" && spec.ExternalParticipants is { Count: > 0 })
                return FlCommandOutcome.Invalid("external_participants: a histogram forest exchanges histograms with the runners of this " +
                                                "cluster at every tree level; participants outside it can join tree_union sessions");
        }
        catch (StrategyConfigException e)
        {
            return FlCommandOutcome.Invalid(e.Message);
        }
        if (CheckRunners(spec, await GrainFactory.GetGrain<IRunnerDirectoryGrain>(0).GetRunners()) is { } runnerError)
            return FlCommandOutcome.Invalid(runnerError);

        Dataset dataset;
        try
        {
            dataset = await ReadDataset(spec.TrainingData.DatasetCid, spec.TrainingData.DataFormat, "training_data.dataset_cid");
            if (spec.TestDatasetCid is { } test)
            {
                var testSet = await ReadDataset(test, spec.TrainingData.DataFormat, "test_dataset_cid");
                if (testSet.Columns != dataset.Columns)
                    return FlCommandOutcome.Invalid($"test_dataset_cid: the test set has {testSet.Columns} features, the training data {dataset.Columns}");
            }
            SessionPlanning.CheckHeldOut(spec, SessionPlanning.PartRows(spec, dataset, Math.Max(spec.MinParticipants,
                (spec.Participants?.Count ?? spec.Selector?.Count ?? 0) + (spec.ExternalParticipants?.Count ?? 0))));
            Record.Columns = dataset.Columns;
            Record.Classes = spec.ModelType switch
            {
                FederatedModelType.LinearRegression => 1,
                // Refuses a numeric target now, at creation, rather than in every participant's first round.
                FederatedModelType.RandomForest => ForestTrainer.ImpliedClasses(dataset).Length,
                _ => ForestData.ClassesOf(dataset).Length,
            };
            SessionPlanning.InitialWeights(spec, dataset);
        }
        catch (SessionInputException e)
        {
            return FlCommandOutcome.Invalid(e.Message);
        }
        catch (Exception e) when (e is ModelConfigException or DatasetException)
        {
            return FlCommandOutcome.Invalid($"training_data: {e.Message}");
        }

        Record.Spec = spec;
        Record.Status = FlSessionStatus.Pending;
        Record.CreatedAt = Record.UpdatedAt = Now;
        AddEvent("session_created", $"session {spec.Name} created: {FederatedTaskConfig.WireName(spec.ModelType)}, " +
                                    $"{spec.TotalRounds} rounds, {spec.AggregationMethod}");
        await Save();
        return FlCommandOutcome.Done;
    }

    public async Task<FlCommandOutcome> Start()
    {
        if (Spec is not { } spec) return FlCommandOutcome.Missing($"no session {Id}");
        if (Record.Status != FlSessionStatus.Pending)
            return FlCommandOutcome.Refused($"session {Id} is {Parity.Json.ParityJson.WireName(Record.Status)}, not pending");

        // The directory itself, not this silo's cached copy: a session starts rarely, and must see a runner that just joined.
        var directory = await GrainFactory.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var online = directory
            .Where(r => Available(r) && r.Capabilities.TaskTypes.Contains(TaskType.FederatedLearning))
            .Where(r => spec.Selector?.Matches(r.Capabilities) ?? true)
            .Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        List<string> chosen;
        if (spec.Participants is { } named)
        {
            if (named.FirstOrDefault(n => !online.Contains(n)) is { } missing)
                return FlCommandOutcome.Invalid($"participants: runner {missing} is not online (online: {List(online)})");
            chosen = named.ToList();
        }
        else
        {
            chosen = online.Order(StringComparer.Ordinal)
                .Take(spec.Selector?.Count ?? FlSessionRequest.MaxParticipants - (spec.ExternalParticipants?.Count ?? 0)).ToList();
            if (spec.Selector?.Count is { } wanted && chosen.Count < wanted)
                return FlCommandOutcome.Invalid($"participants: {spec.Selector} asked for, {chosen.Count} online ({List(online)})");
            if (chosen.Count + (spec.ExternalParticipants?.Count ?? 0) < spec.MinParticipants)
                return FlCommandOutcome.Invalid($"min_participants is {spec.MinParticipants}, but {chosen.Count} runners that train " +
                                                $"federated models are online{(spec.Selector is { } s ? $" as {s}" : "")} ({List(online)})");
        }
        var external = spec.ExternalParticipants ?? [];
        chosen.AddRange(external);
        var quorum = spec.Quorum.Of(chosen.Count);
        if (quorum > chosen.Count)
            return FlCommandOutcome.Invalid($"quorum {spec.Quorum} is more than the {chosen.Count} participants");
        if (StartPrivacy(chosen.Count, quorum) is { } privacyError) return FlCommandOutcome.Invalid(privacyError);

        int[] rows;
        Dictionary<string, float[]>? initial;
        try
        {
            var dataset = await ReadDataset(spec.TrainingData.DatasetCid, spec.TrainingData.DataFormat, "training_data.dataset_cid");
            rows = SessionPlanning.PartRows(spec, dataset, chosen.Count);
            SessionPlanning.CheckHeldOut(spec, rows);
            initial = SessionPlanning.InitialWeights(spec, dataset);
        }
        catch (SessionInputException e)
        {
            return FlCommandOutcome.Invalid(e.Message);
        }
        catch (Exception e) when (e is ModelConfigException or DatasetException)
        {
            return FlCommandOutcome.Invalid($"training_data: with {chosen.Count} participants: {e.Message}");
        }

        Record.Participants = chosen.Select((runner, index) => new FlParticipantView
        {
            Runner = runner, PartIndex = index, Rows = rows[index], External = index >= chosen.Count - external.Count,
            HeldOutRows = SessionPlanning.HeldOutRows(spec, rows[index]),
        }).ToList();
        Record.Model = initial is null ? null : WeightsCodec.Encode(initial);
        Record.ModelRound = 0;
        Record.Status = FlSessionStatus.Active;
        AddEvent("session_started", $"started with {chosen.Count} participants: " +
                                    string.Join(", ", Record.Participants.Select(p => $"{p.Runner} (part {p.PartIndex}, {p.Rows} rows)")));
        await Save();
        await this.RegisterOrUpdateReminder(DriveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        // Beside this call: Start returns once the session is active, and round 1 opens when the parts are ready.
        _ = Prepare();
        return FlCommandOutcome.Done;
    }

    public async Task<FlCommandOutcome> Cancel(string reason)
    {
        if (Spec is null) return FlCommandOutcome.Missing($"no session {Id}");
        if (Record.Status is not (FlSessionStatus.Pending or FlSessionStatus.Active))
            return FlCommandOutcome.Refused($"session {Id} has already finished ({Parity.Json.ParityJson.WireName(Record.Status)})");
        if (CurrentRound is { Status: FlRoundStatus.Collecting } round)
            ReplaceRound(round with { Status = FlRoundStatus.Failed, ClosedAt = Now, CloseReason = $"cancelled: {reason}" });
        if (Record.FinalEvaluation is { Status: FlRoundStatus.Collecting } evaluation)
            Record.FinalEvaluation = evaluation with { Status = FlRoundStatus.Failed, ClosedAt = Now, CloseReason = $"cancelled: {reason}" };
        await Finish(FlSessionStatus.Cancelled, $"cancelled: {reason}", "session_cancelled");
        return FlCommandOutcome.Done;
    }

    public Task<FlSessionView?> Get() => Task.FromResult(Spec is null ? null : View());

    public Task<FlRoundView?> GetRound(int round) =>
        Task.FromResult(Record.Rounds.FirstOrDefault(r => r.Round == round));

    public Task<FlModelView?> GetModel()
    {
        if (Spec is not { } spec || Record.Model is not { } model) return Task.FromResult<FlModelView?>(null);
        var round = Record.Rounds.LastOrDefault(r => r.Round == Record.ModelRound);
        var data = spec.ModelType == FederatedModelType.RandomForest
            ? JsonSerializer.Serialize(new
            {
                method = spec.AggregationMethod,
                forest = Convert.ToBase64String(model),
                global_metrics = round?.Metrics,
                // A histogram forest's bins and classes: with them one machine trains the same forest on the same rows.
                bin_thresholds = Record.ForestPlan?.Thresholds,
                classes = Record.ForestPlan?.Classes,
            }, Parity.Json.ParityJson.Options)
            : JsonSerializer.Serialize(new
            {
                method = spec.AggregationMethod,
                weights = WeightsCodec.Decode(model),
                aggregated_model = (object?)null,
                global_metrics = round?.Metrics,
                participant_count = round?.Aggregated?.Count,
            }, Parity.Json.ParityJson.Options);
        return Task.FromResult<FlModelView?>(new FlModelView
        {
            SessionId = Id,
            SessionName = spec.Name,
            ModelType = FederatedTaskConfig.WireName(spec.ModelType),
            Status = Record.Status,
            TotalRounds = spec.TotalRounds,
            CompletedAt = Record.CompletedAt,
            Round = Record.ModelRound,
            ModelData = data,
            Sha256 = ModelDigest.Of(model),
        });
    }

    public async Task<IReadOnlyList<FlSessionEvent>> NextEvents(long after, TimeSpan maxWait)
    {
        var events = EventsAfter(after);
        if (events.Count > 0 || Record.Status is not (FlSessionStatus.Pending or FlSessionStatus.Active) && Spec is not null) return events;
        if (Spec is null) return [];
        _newEvent ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _newEvent.Task.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
            // Nothing new: the caller asks again.
        }
        return EventsAfter(after);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Tick();

    public Task Poke() => Tick();

    private List<FlSessionEvent> EventsAfter(long after) => Record.Events.Where(e => e.Sequence > after).ToList();

    private void AddEvent(string type, string message, int? round = null, string? runner = null, FlRoundMetrics? metrics = null,
        FlRoundPrivacy? privacy = null)
    {
        var entry = new FlSessionEvent
        {
            Sequence = ++Record.LastEvent,
            Time = Now,
            Type = type,
            Round = round,
            Runner = runner,
            Message = message,
            Metrics = metrics,
            Status = Record.Status,
            Privacy = privacy,
        };
        Record.Events.Add(entry);
        if (Record.Events.Count > MaxEvents) Record.Events.RemoveRange(0, Record.Events.Count - MaxEvents);
        logger.LogInformation("FL session {SessionId}: {Message}", Id, message);
        _newEvent?.TrySetResult();
        _newEvent = null;
    }

    private async Task Save()
    {
        Record.UpdatedAt = Now;
        await state.WriteStateAsync();
        // The index lists status and round: it hears of a change of either, not of every update this session takes.
        var summary = Summary();
        if (summary.Status == _listed?.Status && summary.CurrentRound == _listed.CurrentRound) return;
        _listed = summary;
        GrainFactory.GetGrain<IFlSessionIndexGrain>(0).Put(summary).Ignore();
    }

    private FlSessionSummary Summary() => new()
    {
        Id = Id,
        Name = Spec!.Name,
        ModelType = FederatedTaskConfig.WireName(Spec.ModelType),
        Status = Record.Status,
        CurrentRound = Record.Rounds.Count,
        TotalRounds = Spec.TotalRounds,
        CreatorAddress = Spec.CreatorAddress,
        CreatedAt = Record.CreatedAt,
        UpdatedAt = Record.UpdatedAt,
    };

    private FlSessionView View()
    {
        var spec = Spec!;
        var current = CurrentRound;
        return new FlSessionView
        {
            Id = Id,
            Name = spec.Name,
            Description = spec.Description,
            ModelType = FederatedTaskConfig.WireName(spec.ModelType),
            Status = Record.Status,
            CurrentRound = Record.Rounds.Count,
            TotalRounds = spec.TotalRounds,
            MinParticipants = spec.MinParticipants,
            ParticipantCount = Record.Participants.Count,
            Config = spec.Config,
            TrainingData = spec.TrainingData,
            CreatorAddress = spec.CreatorAddress,
            CreatedAt = Record.CreatedAt,
            UpdatedAt = Record.UpdatedAt,
            CompletedAt = Record.CompletedAt,
            Error = Record.Error,
            AggregationMethod = spec.AggregationMethod,
            Quorum = spec.Quorum.ToString(),
            RoundTimeoutSeconds = spec.RoundTimeout.TotalSeconds,
            Seed = spec.Seed,
            TestDatasetCid = spec.TestDatasetCid,
            Participants = Record.Participants
                .Select(p => p with { State = current?.Updates.FirstOrDefault(u => u.PartIndex == p.PartIndex)?.Status }).ToList(),
            // A copy: the response is serialized after this turn, while the next call may already change the list.
            Rounds = Record.Rounds.ToList(),
            FinalEvaluation = Record.FinalEvaluation,
            Privacy = PrivacyView(),
        };
    }

    /// <summary>
    /// A runner that can take part now: online, or only late with its heartbeat while the cluster holds its silo active
    /// (a loaded machine misses a beat and is still there; the task grains treat it the same way). One that went offline
    /// on purpose (its silo stopping) reports so with a fresh heartbeat, and is not available.
    /// </summary>
    private bool Available(RunnerInfo runner) =>
        runner.Status == RunnerStatus.Online ||
        runner.LastHeartbeat < Now - scheduling.OfflineAfter && !string.IsNullOrEmpty(runner.SiloAddress) &&
        membership.CurrentSnapshot.GetSiloStatus(SiloAddress.FromParsableString(runner.SiloAddress)) == SiloStatus.Active;

    /// <summary>Named runners must exist; without names, enough runners must be known for min_participants.</summary>
    private static string? CheckRunners(FlSessionSpec spec, IReadOnlyList<RunnerInfo> directory)
    {
        var all = directory.Where(r => r.Capabilities.TaskTypes.Contains(TaskType.FederatedLearning)).ToList();
        if (spec.ExternalParticipants?.FirstOrDefault(e => all.Any(r => r.Name == e)) is { } inside)
            return $"external_participants: {inside} is a runner of this cluster; name it in participants";
        var known = all.Where(r => spec.Selector?.Matches(r.Capabilities) ?? true).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var external = spec.ExternalParticipants?.Count ?? 0;
        if (spec.Participants is { } named)
        {
            for (var i = 0; i < named.Count; i++)
                if (!known.Contains(named[i]))
                    return $"participants[{i}]: no runner named {named[i]} trains federated models in this cluster (runners: {List(known)})";
            return null;
        }
        if (spec.Selector?.Count is { } wanted && known.Count < wanted)
            return $"participants: {spec.Selector} asked for, but the cluster has {known.Count} ({List(known)})";
        return known.Count + external >= spec.MinParticipants ? null
            : $"min_participants is {spec.MinParticipants}, but the cluster has {known.Count} runners that train federated models" +
              $"{(spec.Selector is { } s ? $" as {s}" : "")} ({List(known)})";
    }

    private async Task<Dataset> ReadDataset(string cid, string format, string field)
    {
        byte[] bytes;
        using var timeout = new CancellationTokenSource(DatasetTimeout);
        try
        {
            bytes = await datasets.ReadAsync(cid, timeout.Token);
        }
        catch (DatasetNotFoundException e)
        {
            throw new SessionInputException($"{field}: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            throw new SessionInputException($"{field}: the dataset {cid} could not be fetched within {DatasetTimeout.TotalSeconds:0} s");
        }
        try
        {
            return DatasetReader.Read(bytes, DatasetReader.ParseFormat(format));
        }
        catch (DatasetException e)
        {
            throw new SessionInputException($"{field}: the dataset {cid} does not read as {format}: {e.Message}");
        }
    }

    private static JsonElement Config(FlSessionSpec spec)
    {
        using var document = JsonDocument.Parse(spec.Config);
        return document.RootElement.Clone();
    }

    private static string List(IEnumerable<string> names) =>
        names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal).Take(20)) : "none";
}
