using Parity.Tests.Support;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Json;

/// <summary>
/// Federated sessions on a real multi-process cluster: three parity-runner silo processes and the parity-gateway
/// process on Redis clustering, driven through the gateway's API as a user would. Measures what a round costs beyond
/// its slowest participant's training, the close-at-quorum latency, and how a session copes with a participant's silo
/// killed with SIGKILL (deadline overshoot, time to notice the dead participant, completion).
/// </summary>
public static class FlSessionBenchmark
{
    private const int Silos = 3;
    private const int OverheadRounds = 20;
    private const int KillRounds = 12;
    private const int KillAtRound = 3;
    private const int KillRoundTimeoutSeconds = 5;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="only">"forest" runs only the histogram forest comparison; anything else runs every part.</param>
    /// <param name="bin">
    /// A folder holding a published parity-runner.dll and parity-gateway.dll (as installed, say ReadyToRun) to run
    /// instead of this repository's build.
    /// </param>
    public static async Task Run(string redis, string only = "all", string? bin = null)
    {
        var repo = RepoRoot();
        var digits = DatasetPath(repo, "digits.csv");
        var work = Directory.CreateTempSubdirectory("parity-flbench-").FullName;
        var clusterId = "flbench-" + Guid.NewGuid().ToString("N")[..12];
        var apiKey = "flbench-" + Guid.NewGuid().ToString("N");
        var gatewayPort = FreePort();
        var gatewayUrl = $"http://127.0.0.1:{gatewayPort}";
        var processes = new List<ParityProcess>();
        try
        {
            Dictionary<string, string> Common() => new()
            {
                ["ORLEANS_CLUSTERING"] = "redis",
                ["ORLEANS_REDIS"] = redis,
                ["ORLEANS_CLUSTER_ID"] = clusterId,
                ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
                ["RUNNER_LEASE_DURATION"] = "3s",
                // Every process is on this machine's loopback: transport TLS would measure the handshake, not the session.
                ["CLUSTER_ALLOW_INSECURE"] = "true",
            };
            var silos = new Dictionary<string, ParityProcess>();
            for (var i = 0; i < Silos; i++)
            {
                var name = $"flbench-{(char)('a' + i)}";
                var environment = Common();
                environment["SILO_NAME"] = name;
                environment["SILO_PORT"] = FreePort().ToString(Invariant);
                environment["SILO_GATEWAY_PORT"] = FreePort().ToString(Invariant);
                environment["IPFS_GATEWAYS"] = gatewayUrl;
                environment["RUNNER_CACHE_DIR"] = Directory.CreateDirectory(Path.Combine(work, "cache-" + name)).FullName;
                var silo = ParityProcess.Start(ProcessDll(repo, bin, "Parity.Silo", "parity-runner"), environment, work);
                processes.Add(silo);
                silos[name] = silo;
            }
            foreach (var silo in silos.Values) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(120));

            var gatewayEnvironment = Common();
            gatewayEnvironment["GATEWAY_URLS"] = gatewayUrl;
            gatewayEnvironment["GATEWAY_API_KEY"] = apiKey;
            gatewayEnvironment["STORAGE_DIR"] = Directory.CreateDirectory(Path.Combine(work, "storage")).FullName;
            var gateway = ParityProcess.Start(ProcessDll(repo, bin, "Parity.Gateway", "parity-gateway"), gatewayEnvironment, work);
            processes.Add(gateway);
            await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(120));

            using var http = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            await Until(async () => await TryJson(http, HttpMethod.Get, "/api/v1/runners") is { } runners
                    && runners.EnumerateArray().Count(r => r.GetProperty("status").GetString() == "online") == Silos,
                TimeSpan.FromSeconds(90), $"{Silos} runners online");

            string cid;
            using (var upload = await http.PostAsync("/api/v1/storage/upload", new ByteArrayContent(await File.ReadAllBytesAsync(digits))))
            {
                var text = await upload.Content.ReadAsStringAsync();
                if (upload.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"upload: {(int)upload.StatusCode} {text}");
                cid = JsonDocument.Parse(text).RootElement.GetProperty("cid").GetString()!;
            }

            var report = new StringBuilder();
            void Line(FormattableString text) => report.AppendLine(text.ToString(Invariant));
            // 0. A histogram forest across the three silo processes, and the same forest trained here on one machine
            // (first: the kill below takes a silo away).
            await HistogramForest(http, cid, digits, Line);
            if (only != "forest")
            {
                // 1. Round overhead: every participant answers, so each round closes on its last update.
                var first = await CreateAndStart(http, Session(cid, OverheadRounds, quorum: null, timeoutSeconds: null));
                var overheadSession = await WaitFinished(http, first, TimeSpan.FromMinutes(10));
                if (overheadSession.Status != FlSessionStatus.Completed)
                    throw new InvalidOperationException($"overhead session {first}: {overheadSession.Status}: {overheadSession.Error}");
                var overheads = new List<double>();
                var aggregations = new List<double>();
                var trainings = new List<double>();
                foreach (var round in overheadSession.Rounds)
                {
                    var accepted = round.Updates.Where(u => u.Status == FlUpdateStatus.Accepted && u.TrainingTimeMs is not null).ToList();
                    var slowest = accepted.Count == 0 ? 0 : accepted.Max(u => u.TrainingTimeMs!.Value);
                    overheads.Add((round.ClosedAt!.Value - round.StartedAt).TotalMilliseconds - slowest);
                    trainings.Add(slowest);
                    if (round.AggregationMs is { } ms) aggregations.Add(ms);
                }

                // Each participant's task, from its own lifecycle log: the session's submit, the dispatch to the runner, the
                // runner's work besides training (the data from its cache, partitioning, encoding the update), and the
                // result's way back into the session. Read now: after the kill below, a task whose grain lived on the killed
                // silo cannot be read until membership has declared that silo dead.
                var submitted = new List<double>();
                var dispatched = new List<double>();
                var runnerBesidesTraining = new List<double>();
                var handedBack = new List<double>();
                // Each round's participants, phase by phase: round 1 and the worst of the others are printed.
                var phases = new Dictionary<int, List<string>>();
                foreach (var round in overheadSession.Rounds)
                foreach (var update in round.Updates.Where(u => u.Status == FlUpdateStatus.Accepted))
                {
                    var log = await Json(http, HttpMethod.Get, $"/api/v1/tasks/{update.TaskId}/logs", null, HttpStatusCode.OK);
                    DateTimeOffset At(string prefix) => log.GetProperty("events").EnumerateArray()
                        .First(e => e.GetProperty("message").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).GetProperty("at").GetDateTimeOffset();
                    var (sub, dis, done) = (At("submitted"), At("dispatched to"), At("completed on"));
                    submitted.Add((sub - round.StartedAt).TotalMilliseconds);
                    dispatched.Add((dis - sub).TotalMilliseconds);
                    runnerBesidesTraining.Add((done - dis).TotalMilliseconds - update.TrainingTimeMs!.Value);
                    handedBack.Add((update.ReceivedAt!.Value - done).TotalMilliseconds);
                    (phases.TryGetValue(round.Round, out var list) ? list : phases[round.Round] = []).Add(string.Create(Invariant, $"{update.Runner}: open -> submitted {(sub - round.StartedAt).TotalMilliseconds:N0}, -> dispatched {(dis - sub).TotalMilliseconds:N0}, -> completed {(done - dis).TotalMilliseconds:N0} (training {update.TrainingTimeMs:N0}), -> taken {(update.ReceivedAt!.Value - done).TotalMilliseconds:N0} ms"));
                }

                // 2. A participant's silo SIGKILLed when round 3 opens; the others carry the rounds at quorum 2.
                var second = await CreateAndStart(http, Session(cid, KillRounds, quorum: 2, timeoutSeconds: KillRoundTimeoutSeconds));
                var events = new EventLog();
                using var stop = new CancellationTokenSource();
                using var stream = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = Timeout.InfiniteTimeSpan };
                stream.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
                var reading = events.Follow(stream, second, stop.Token);
                var roundStarted = await events.WaitFor(e => e.Type == "round_started" && e.Round >= KillAtRound, TimeSpan.FromMinutes(5),
                    $"round {KillAtRound} of session {second}");
                var atKill = await Session(http, second);
                // The session grain lives on one of the silos and logs each step there; killing that silo would measure
                // the session's own failover, not a lost participant, so the victim is a participant whose silo does not host it.
                var host = silos.Where(s => s.Value.Output.Contains($"FL session {second}")).Select(s => s.Key).ToList();
                var victim = atKill.Participants.Select(p => p.Runner).Order(StringComparer.Ordinal).First(r => !host.Contains(r));
                var openRound = atKill.CurrentRound;
                var killedAt = DateTimeOffset.UtcNow;
                silos[victim].KillHard();
                // A session that ends first (it fails when it cannot reach its quorum) will never say it; that is a figure too.
                var lost = await events.WaitFor(e => (e.Type == "participant_lost" && e.Runner == victim)
                        || e.Type is "session_completed" or "session_failed" or "session_cancelled", TimeSpan.FromMinutes(5),
                    $"participant_lost for {victim} or the session's end");
                var killSession = await WaitFinished(http, second, TimeSpan.FromMinutes(10));
                await stop.CancelAsync();
                try
                {
                    await reading;
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException)
                {
                }
                var killedRound = killSession.Rounds.First(r => r.Round == openRound);
                var overshoot = killedRound.ClosedAt is { } closed ? (closed - killedRound.Deadline).TotalMilliseconds : double.NaN;
                // Training takes milliseconds here, so the victim may have answered the round open at the kill before it
                // died: the round that has to close at quorum is the first one it left unanswered.
                var missing = killSession.Rounds.FirstOrDefault(r => r.Round >= openRound
                    && r.Updates.Any(u => u.Runner == victim && u.Status != FlUpdateStatus.Accepted));
                var missingOvershoot = missing?.ClosedAt is { } missingClosed ? (missingClosed - missing.Deadline).TotalMilliseconds : double.NaN;
                var detection = lost.Type == "participant_lost" ? (lost.Time - killedAt).TotalMilliseconds : double.NaN;
                var afterRounds = killSession.Rounds.Where(r => r.Round > openRound).ToList();

                var perRound = string.Join(" ", overheads.Select(o => o.ToString("N0", Invariant)));
                var afterKill = string.Join(", ", afterRounds.Select(r => ((r.ClosedAt ?? r.StartedAt) - r.StartedAt).TotalSeconds.ToString("N1", Invariant) + " s"));
                var medianOverhead = Percentile(overheads, 0.5);
                var p99Overhead = Percentile(overheads, 0.99);
                var medianAggregation = Percentile(aggregations, 0.5);
                // Where a round's time goes, from the session's own timestamps: open → first update taken, first → last
                // update taken (training and its spread), last update → closed (checks, aggregation, persistence).
                var toFirst = overheadSession.Rounds.Select(r => (r.Updates.Min(u => u.ReceivedAt)!.Value - r.StartedAt).TotalMilliseconds).ToList();
                var spread = overheadSession.Rounds.Select(r => (r.Updates.Max(u => u.ReceivedAt)!.Value - r.Updates.Min(u => u.ReceivedAt)!.Value).TotalMilliseconds).ToList();
                var toClose = overheadSession.Rounds.Select(r => (r.ClosedAt!.Value - r.Updates.Max(u => u.ReceivedAt)!.Value).TotalMilliseconds).ToList();
                Line($"fl: {Silos} parity-runner silo processes + parity-gateway, Redis clustering at {redis}; digits ({DatasetRows(digits)} rows), stratified, neural_network hidden 32, 2 local epochs, batch 32, adam 0.01, fedavg");
                Line($"round overhead, {OverheadRounds} rounds, all {Silos} answer ((closed_at - started_at) - slowest accepted training_time_ms): median {medianOverhead:N1} ms, p99 {p99Overhead:N1} ms, max {overheads.Max():N1} ms; goal <= 50 ms: {Verdict(medianOverhead <= 50)} at the median, {Verdict(p99Overhead <= 50)} at p99");
                Line($"  slowest training per round: median {Percentile(trainings, 0.5):N0} ms; overhead per round (ms): {perRound}");
                Line($"  round phases, median: open -> first update taken {Percentile(toFirst, 0.5):N0} ms, first -> last update taken {Percentile(spread, 0.5):N0} ms, last update -> closed {Percentile(toClose, 0.5):N0} ms");
                Line($"  per participant task, median over {submitted.Count}: round open -> task submitted {Percentile(submitted, 0.5):N0} ms, submitted -> dispatched {Percentile(dispatched, 0.5):N0} ms, dispatched -> completed minus training {Percentile(runnerBesidesTraining, 0.5):N0} ms, completed -> taken by the session {Percentile(handedBack, 0.5):N0} ms");
                Line($"  round 1, per participant: {string.Join("; ", phases[1])}; last update -> closed {toClose[0]:N0} ms");
                var worst = Enumerable.Range(1, overheads.Count - 1).MaxBy(i => overheads[i]);
                Line($"  the worst other round, {worst + 1} ({overheads[worst]:N0} ms), per participant: {string.Join("; ", phases[worst + 1])}; last update -> closed {toClose[worst]:N0} ms");
                Line($"close at quorum (aggregation_ms: closing update -> aggregated model persisted): median {medianAggregation:N1} ms, p99 {Percentile(aggregations, 0.99):N1} ms, max {aggregations.Max():N1} ms; goal <= 250 ms: {Verdict(medianAggregation <= 250)}");
                Line($"SIGKILL of participant {victim}'s silo process when round {openRound} of {KillRounds} opened (quorum 2 of {Silos}, round_timeout_seconds {KillRoundTimeoutSeconds}; the session's grain on {string.Join(", ", host)}):");
                Line($"  (a) round {openRound}: closed_at - deadline = {overshoot:N0} ms ({killedRound.CloseReason}); goal <= 1 s: {Verdict(overshoot <= 1000)}");
                Line($"      first round without {victim}'s update, round {missing?.Round}: closed_at - deadline = {missingOvershoot:N0} ms ({missing?.CloseReason}); goal <= 1 s: {Verdict(missingOvershoot <= 1000)}");
                Line($"  (b) kill -> participant_lost for {victim}: {detection / 1000:N1} s ({lost.Type} in round {lost.Round}: {lost.Message}); goal <= 20 s: {Verdict(detection <= 20_000)}");
                Line($"  (c) session {ParityJson.WireName(killSession.Status)}: {killSession.Rounds.Count} rounds, {killSession.Rounds.Count(r => r.Status == FlRoundStatus.Completed)} completed; rounds after round {openRound} took: {afterKill}");
                Line($"  round {roundStarted.Round} started {roundStarted.Time:HH:mm:ss.fff}, kill {killedAt:HH:mm:ss.fff}, participant_lost {lost.Time:HH:mm:ss.fff} (UTC)");
                foreach (var round in killSession.Rounds.Where(r => r.Round >= openRound - 1))
                {
                    var mine = round.Updates.First(u => u.Runner == victim);
                    var lateBy = round.ClosedAt is { } at ? (at - round.Deadline).TotalMilliseconds : double.NaN;
                    var others = string.Join("; ", round.Updates.Where(u => u.Runner != victim)
                        .Select(u => $"{u.Runner} {ParityJson.WireName(u.Status)}{(u.Reason is null ? "" : $" ({u.Reason})")}"));
                    Line($"    round {round.Round}: {victim} {ParityJson.WireName(mine.Status)} ({mine.Reason ?? "-"}), {others}; closed {lateBy:N0} ms after the deadline, {((round.ClosedAt ?? round.StartedAt) - round.StartedAt).TotalMilliseconds:N0} ms after it opened: {round.CloseReason}");
                }
            }

            Console.WriteLine();
            Console.WriteLine("---- paste into docs/benchmarks.md ----");
            Console.Write(report.ToString());
            Console.WriteLine("----");
        }
        finally
        {
            foreach (var process in processes) process.Dispose();
            // The processes' logs outlive the run: what a silo said is how an odd figure gets explained.
            var logs = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), clusterId + "-logs")).FullName;
            foreach (var (process, index) in processes.Select((p, i) => (p, i)))
                await File.WriteAllTextAsync(Path.Combine(logs, index < Silos ? $"flbench-{(char)('a' + index)}.log" : "gateway.log"), process.Output);
            Console.WriteLine($"process logs: {logs}");
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private const int ForestTrees = 100;

    /// <summary>
    /// A histogram forest over the silo processes against the same forest trained in this process on the parts' rows
    /// (the centralized reference the session's model must equal byte for byte): wall times, ratio, and the digests.
    /// </summary>
    private static async Task HistogramForest(HttpClient http, string cid, string digits, Action<FormattableString> line)
    {
        var body = new JsonObject
        {
            ["name"] = "flbench-forest",
            ["model_type"] = "random_forest",
            ["total_rounds"] = 1,
            ["min_participants"] = Silos,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = cid, ["data_format"] = "csv", ["split_strategy"] = "stratified",
                ["metadata"] = new JsonObject { ["min_samples"] = 10 },
            },
            ["config"] = new JsonObject
            {
                ["aggregation_method"] = "histogram",
                ["model_config"] = new JsonObject { ["n_estimators"] = ForestTrees, ["oob_score"] = true },
            },
            ["seed"] = 7,
        };
        var clock = Stopwatch.StartNew();
        var id = await CreateAndStart(http, body);
        var session = await WaitFinished(http, id, TimeSpan.FromMinutes(20));
        var clientSeconds = clock.Elapsed.TotalSeconds;
        if (session.Status != FlSessionStatus.Completed)
            throw new InvalidOperationException($"forest session {id}: {session.Status}: {session.Error}");
        var round = session.Rounds[0];
        var federatedSeconds = (round.ClosedAt!.Value - round.StartedAt).TotalSeconds;
        var model = await Json(http, HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}/model", null, HttpStatusCode.OK);

        // The reference, on this machine: the parts' rows one after the other, edges from the parts' summaries.
        var data = Parity.Learning.Data.DatasetReader.Read(await File.ReadAllBytesAsync(digits), Parity.Learning.Data.DatasetFormat.Csv);
        using var document = JsonDocument.Parse(body.ToJsonString());
        var spec = FlSessionRequest.Parse(document.RootElement, () => 1);
        var parts = Enumerable.Range(0, Silos)
            .Select(i => Parity.Learning.Partitioning.Partitioner.Select(data.Labels.Span, SessionPlanning.Partition(spec, Silos, i))).ToArray();
        using var config = JsonDocument.Parse(spec.Config);
        var options = Parity.Learning.Forest.ForestOptionsJson.FromJson(config.RootElement.GetProperty("model_config"), spec.Seed);
        var binning = Stopwatch.StartNew();
        var edges = Parity.Learning.Forest.BinEdges.FromSummaries(
            parts.Select(rows => Parity.Learning.Forest.ValueSummary.Of(data.Subset(rows))).ToArray(), options.MaxBins);
        binning.Stop();
        var classes = parts.SelectMany(rows => rows.Select(data.Label)).Distinct().Order().ToArray();
        var all = data.Subset(parts.SelectMany(rows => rows).ToArray());
        var training = Stopwatch.StartNew();
        var central = new Parity.Learning.Forest.ForestTrainer(options).Fit(all, edges, classes);
        training.Stop();
        var centralSha = ModelDigest.Of(Parity.Learning.Forest.ForestSerializer.Serialize(central));
        var federatedSha = model.GetProperty("sha256").GetString();
        var centralSeconds = (binning.Elapsed + training.Elapsed).TotalSeconds;
        line($"histogram forest, digits ({data.Rows} rows, 64 features, 10 classes), {ForestTrees} trees, full depth, OOB, stratified over {Silos} silo processes:");
        line($"  federated: {federatedSeconds:N2} s from round open to forest ({round.HistogramExchanges} histogram exchanges; {clientSeconds:N2} s create -> completed as the client saw it); parts' compute {round.Updates.Sum(u => u.TrainingTimeMs ?? 0) / 1000.0:N2} s in all");
        line($"  centralized in one process: {centralSeconds:N2} s (binning {binning.Elapsed.TotalSeconds:N2} s, training {training.Elapsed.TotalSeconds:N2} s); federated / centralized = {federatedSeconds / centralSeconds:N1}x");
        line($"  identical model: {(centralSha == federatedSha ? "yes" : "NO")} (sha256 {federatedSha}); OOB {round.Metrics?.OobScore:N4} vs {central.OobScore:N4}");
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";

    private static JsonObject Session(string cid, int rounds, int? quorum, int? timeoutSeconds)
    {
        var session = new JsonObject
        {
            ["name"] = "flbench-digits",
            ["model_type"] = "neural_network",
            ["total_rounds"] = rounds,
            ["min_participants"] = Silos,
            ["training_data"] = new JsonObject
            {
                ["dataset_cid"] = cid,
                ["data_format"] = "csv",
                ["split_strategy"] = "stratified",
                ["metadata"] = new JsonObject { ["min_samples"] = 10 },
            },
            ["config"] = new JsonObject
            {
                ["aggregation_method"] = "fedavg",
                ["learning_rate"] = 0.01,
                ["batch_size"] = 32,
                ["local_epochs"] = 2,
                ["model_config"] = new JsonObject { ["hidden_size"] = 32 },
                ["train_config"] = new JsonObject { ["optimizer"] = "adam" },
            },
            ["seed"] = 7,
        };
        if (quorum is { } q) session["quorum"] = q;
        if (timeoutSeconds is { } t) session["round_timeout_seconds"] = t;
        return session;
    }

    private static async Task<string> CreateAndStart(HttpClient http, JsonObject body)
    {
        var created = await Json(http, HttpMethod.Post, "/api/v1/federated-learning/sessions", body.ToJsonString(), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        await Json(http, HttpMethod.Post, $"/api/v1/federated-learning/sessions/{id}/start", null, HttpStatusCode.OK);
        return id;
    }

    private static async Task<FlSessionView> Session(HttpClient http, string id)
    {
        FlSessionView? view = null;
        // While membership has not declared a killed silo dead, a call through it may time out (504): asked again.
        await Until(async () => (view = (await TryJson(http, HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}"))
            ?.Deserialize<FlSessionView>(ParityJson.Options)) is not null, TimeSpan.FromMinutes(2), $"session {id}");
        return view!;
    }

    private static async Task<FlSessionView> WaitFinished(HttpClient http, string id, TimeSpan timeout)
    {
        FlSessionView? view = null;
        await Until(async () => (view = await Session(http, id)).Status is not (FlSessionStatus.Pending or FlSessionStatus.Active),
            timeout, $"session {id} to finish");
        return view!;
    }

    private static async Task<JsonElement> Json(HttpClient http, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement?> TryJson(HttpClient http, HttpMethod method, string path)
    {
        try
        {
            using var response = await http.SendAsync(new HttpRequestMessage(method, path));
            if ((int)response.StatusCode >= 500) return null;
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"no {what} within {timeout.TotalSeconds:N0} s");
            await Task.Delay(200);
        }
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        // Nearest rank: with 20 values p99 is the largest, which is what a tail figure over 20 rounds can honestly say.
        var rank = (int)Math.Ceiling(quantile * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static int DatasetRows(string path) => File.ReadLines(path).Count(l => l.Length > 0) - 1;

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Parity.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no directory holding Parity.sln above {AppContext.BaseDirectory}");
    }

    private static string DatasetPath(string repo, string file)
    {
        var path = Path.Combine(repo, "datasets", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"no dataset {file} in {Path.Combine(repo, "datasets")}", path);
    }

    /// <summary>
    /// The assembly in <paramref name="bin"/> when one is given, else the process's own build of another project: same
    /// configuration and target framework as this benchmark.
    /// </summary>
    private static string ProcessDll(string repo, string? bin, string project, string assembly)
    {
        if (bin is not null)
        {
            var published = Path.Combine(Path.GetFullPath(bin), assembly + ".dll");
            return File.Exists(published) ? published : throw new FileNotFoundException($"no {assembly}.dll in {bin}", published);
        }
        var tfmDir = AppContext.BaseDirectory.TrimEnd('/');
        var configuration = Path.GetFileName(Path.GetDirectoryName(tfmDir)!);
        var path = Path.Combine(repo, project, "bin", configuration, Path.GetFileName(tfmDir), assembly + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built (dotnet build Parity.sln -c {configuration})", path);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
