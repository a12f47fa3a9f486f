using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Hosting;
using Parity.Json;
using Parity.Runners;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner status [--watch] [--json]</c>: the cluster on one screen, from the gateway's own routes
/// (<c>/api/status</c>, <c>/api/v1/runners</c>, the federated sessions): runners with their slots, health and models,
/// task counts by status, and the sessions still running. Everything it shows is scriptable through the same routes.
/// </summary>
public static class StatusCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var gateway = new Option<string?>("--gateway") { Description = "the cluster's gateway URL (default: GATEWAY_URLS' first entry)" };
        var watch = new Option<bool>("--watch", "-w") { Description = "refresh the overview until interrupted" };
        var json = new Option<bool>("--json") { Description = "print the overview as one JSON object (for scripts)" };
        var interval = new Option<double>("--interval") { Description = "seconds between refreshes with --watch", DefaultValueFactory = _ => 2 };
        var status = new Command("status", "The cluster at a glance: runners, slots, tasks, models, active sessions") { gateway, watch, json, interval };
        status.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => RunAsync(
            StorageCommand.Client.Load(parse.GetValue(configPath), parse.GetValue(gateway)), parse.GetValue(watch), parse.GetValue(json),
            TimeSpan.FromSeconds(Math.Max(0.5, parse.GetValue(interval))), cancellation)));
        return status;
    }

    /// <summary>What one look at the cluster gives.</summary>
    public sealed record Overview(JsonElement Cluster, IReadOnlyList<RunnerInfo> Runners, IReadOnlyList<FlSessionSummary> Sessions);

    public static async Task<int> RunAsync(StorageCommand.Client client, bool watch, bool json, TimeSpan interval, CancellationToken cancellation)
    {
        using var http = client.Http();
        var first = await LoadAsync(http, cancellation);
        if (first.Error is { } error)
        {
            await Console.Error.WriteLineAsync($"status: {error}");
            return 1;
        }
        if (json)
        {
            Console.WriteLine(Json(first.Overview!).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }
        if (Console.IsOutputRedirected)
        {
            // Into a pipe: plain lines, tab-separated rows (a table at 80 columns would wrap every cell). Watching into a
            // pipe (a log file, `tee`), a live display cannot redraw: each refresh is a new block after a blank line.
            foreach (var line in Plain(first.Overview!, http.BaseAddress!)) Console.WriteLine(line);
            while (watch && await NextAsync(interval, cancellation))
            {
                var next = await LoadAsync(http, cancellation);
                if (cancellation.IsCancellationRequested) break;
                Console.WriteLine();
                if (next.Overview is { } overview)
                    foreach (var line in Plain(overview, http.BaseAddress!)) Console.WriteLine(line);
                else Console.WriteLine($"{next.Error} ({DateTimeOffset.Now:HH:mm:ss})");
            }
            return 0;
        }
        if (!watch)
        {
            AnsiConsole.Write(Render(first.Overview!, http.BaseAddress!));
            return 0;
        }
        await AnsiConsole.Live(Render(first.Overview!, http.BaseAddress!)).StartAsync(async live =>
        {
            while (await NextAsync(interval, cancellation))
            {
                var next = await LoadAsync(http, cancellation);
                if (cancellation.IsCancellationRequested) break;
                // A gateway that stops answering is shown, not fatal: it may be restarting.
                live.UpdateTarget(next.Overview is { } overview ? Render(overview, http.BaseAddress!)
                    : new Markup($"[red]{Markup.Escape(next.Error!)}[/] ({DateTimeOffset.Now:HH:mm:ss})"));
            }
        });
        return 0;
    }

    /// <summary>Waits one refresh interval; false once the operator has interrupted the watch.</summary>
    private static async Task<bool> NextAsync(TimeSpan interval, CancellationToken cancellation)
    {
        try
        {
            await Task.Delay(interval, cancellation);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task<(Overview? Overview, string? Error)> LoadAsync(HttpClient http, CancellationToken cancellation)
    {
        try
        {
            var cluster = await GetAsync(http, "api/status", cancellation);
            var runners = await GetAsync(http, "api/v1/runners", cancellation);
            var sessions = await GetAsync(http, "api/v1/federated-learning/sessions", cancellation);
            return (new Overview(
                cluster,
                runners.Deserialize<List<RunnerInfo>>(ParityJson.Options)!,
                sessions.GetProperty("sessions").Deserialize<List<FlSessionSummary>>(ParityJson.Options)!
                    .Where(s => s.Status is FlSessionStatus.Pending or FlSessionStatus.Active).ToList()), null);
        }
        catch (HttpRequestException e)
        {
            return (null, $"cannot reach the gateway at {http.BaseAddress}: {e.Message}");
        }
        catch (StatusException e)
        {
            return (null, e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Ctrl-C in the middle of a refresh: the watch ends, nothing to report.
            return (null, "interrupted");
        }
    }

    public static JsonObject Json(Overview overview) => new()
    {
        ["cluster"] = JsonNode.Parse(overview.Cluster.GetRawText()),
        ["runners"] = JsonSerializer.SerializeToNode(overview.Runners, ParityJson.Options),
        ["active_sessions"] = JsonSerializer.SerializeToNode(overview.Sessions, ParityJson.Options),
    };

    private static readonly string[] RunnerColumns = ["runner", "status", "slots", "compute", "task types", "models (loaded*)", "heartbeat"];
    private static readonly string[] SessionColumns = ["session", "name", "model", "status", "round"];

    /// <summary>The overview's two heading lines: the cluster and its slots, then the task counts.</summary>
    private static string[] Heading(Overview overview, Uri gateway)
    {
        var cluster = overview.Cluster;
        var tasks = cluster.GetProperty("tasks");
        string Count(string name) => tasks.TryGetProperty(name, out var value) ? value.ToString() : "0";
        return
        [
            $"cluster {cluster.GetProperty("cluster_id").GetString()} ({cluster.GetProperty("clustering").GetString()}, " +
            $"version {cluster.GetProperty("version").GetString()}) via {gateway}: " +
            $"{cluster.GetProperty("runners_online").GetInt32()} runners online, {cluster.GetProperty("runners_offline").GetInt32()} offline; " +
            $"slots {cluster.GetProperty("slots_free").GetInt32()} free of {cluster.GetProperty("slots_total").GetInt32()}",
            $"tasks: {Count("pending")} pending, {Count("running")} running, {Count("completed")} completed, " +
            $"{Count("failed")} failed, {Count("cancelled")} cancelled",
        ];
    }

    private static IEnumerable<string[]> RunnerRows(Overview overview) =>
        overview.Runners.OrderBy(r => r.Name, StringComparer.Ordinal).Select(runner => new[]
        {
            runner.Name,
            ParityJson.WireName(runner.Status),
            $"{runner.SlotsUsed}/{runner.SlotsTotal}",
            string.IsNullOrEmpty(runner.Capabilities.ComputeDevice)
                ? runner.Capabilities.Compute : $"{runner.Capabilities.Compute} ({runner.Capabilities.ComputeDevice})",
            string.Join(", ", runner.Capabilities.TaskTypes.Select(ParityJson.WireName)),
            runner.Capabilities.Models.Count == 0 ? "-" : string.Join(", ", runner.Capabilities.Models.Select(m => m.Loaded ? m.Name + "*" : m.Name)),
            Ago(runner.LastHeartbeat),
        });

    private static IEnumerable<string[]> SessionRows(Overview overview) => overview.Sessions.Select(session => new[]
    {
        session.Id, session.Name, session.ModelType, ParityJson.WireName(session.Status), $"{session.CurrentRound}/{session.TotalRounds}",
    });

    private static IEnumerable<string> Plain(Overview overview, Uri gateway)
    {
        foreach (var line in Heading(overview, gateway)) yield return line;
        foreach (var row in RunnerRows(overview).Prepend(RunnerColumns)) yield return string.Join('\t', row);
        if (overview.Sessions.Count == 0) yield return "no active federated sessions";
        else
            foreach (var row in SessionRows(overview).Prepend(SessionColumns)) yield return string.Join('\t', row);
    }

    private static IRenderable Render(Overview overview, Uri gateway)
    {
        var heading = new Markup(Markup.Escape(string.Join('\n', Heading(overview, gateway))));
        var runners = new Table().AddColumns(RunnerColumns);
        foreach (var row in RunnerRows(overview))
            runners.AddRow(row.Select((cell, i) => i == 1
                ? cell == "online" ? "[green]online[/]" : $"[yellow]{Markup.Escape(cell)}[/]"
                : Markup.Escape(cell)).ToArray());
        if (overview.Sessions.Count == 0) return new Rows(heading, runners, new Markup("no active federated sessions"));
        var sessions = new Table().AddColumns(SessionColumns);
        foreach (var row in SessionRows(overview)) sessions.AddRow(row.Select(Markup.Escape).ToArray());
        return new Rows(heading, runners, sessions);
    }

    private static string Ago(DateTimeOffset time)
    {
        var age = DateTimeOffset.UtcNow - time;
        return age.TotalSeconds < 90 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, age.TotalSeconds):0} s ago")
            : age.TotalMinutes < 90 ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:0} min ago")
            : time.ToString("u", CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(path, cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
            throw new StatusException($"the gateway answered {(int)response.StatusCode} to GET /{path}: {StorageCommand.Detail(body)}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private sealed class StatusException(string message) : Exception(message);
}
