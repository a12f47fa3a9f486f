using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Parity.Federation;
using Parity.Hosting;
using Parity.Json;
using Spectre.Console;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner fl create|start|status|model|list</c>: a client of the gateway's federated-learning routes. Errors
/// are the API's, printed as they come; <c>status --watch</c> follows the session's event stream until it finishes.
/// </summary>
public static class FlCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var gateway = new Option<string?>("--gateway") { Description = "the cluster's gateway URL (default: GATEWAY_URLS' first entry)" };
        StorageCommand.Client Client(ParseResult parse) => StorageCommand.Client.Load(parse.GetValue(configPath), parse.GetValue(gateway));

        var file = new Option<FileInfo>("--file", "-f") { Description = "the session as JSON (the API's body)", Required = true };
        var create = new Command("create", "Create a session from a JSON file and print its id") { file, gateway };
        create.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => CreateAsync(Client(parse), parse.GetValue(file)!, cancellation)));

        var startId = new Argument<string>("id") { Description = "the session id" };
        var start = new Command("start", "Start a pending session") { startId, gateway };
        start.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            Post(Client(parse), $"sessions/{Uri.EscapeDataString(parse.GetValue(startId)!)}/start", "fl start", cancellation)));

        var statusId = new Argument<string>("id") { Description = "the session id" };
        var watch = new Option<bool>("--watch", "-w") { Description = "follow the session round by round until it finishes" };
        var status = new Command("status", "A session's status and rounds") { statusId, watch, gateway };
        status.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            StatusAsync(Client(parse), parse.GetValue(statusId)!, parse.GetValue(watch), cancellation)));

        var modelId = new Argument<string>("id") { Description = "the session id" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "where to write the model (default: standard output)" };
        var model = new Command("model", "The session's global model (JSON, with its SHA-256)") { modelId, output, gateway };
        model.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            ModelAsync(Client(parse), parse.GetValue(modelId)!, parse.GetValue(output), cancellation)));

        var list = new Command("list", "Sessions, newest first") { gateway };
        list.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => ListAsync(Client(parse), cancellation)));

        return new Command("fl", "Federated learning sessions on the cluster") { create, start, status, model, list };
    }

    private const string Base = "api/v1/federated-learning/";

    public static async Task<int> CreateAsync(StorageCommand.Client client, FileInfo file, CancellationToken cancellation)
    {
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"fl create: {file.FullName} does not exist");
            return 2;
        }
        using var http = client.Http();
        using var content = new StreamContent(file.OpenRead());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(Base + "sessions", content, cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode) return await Refused("fl create", response, body);
        using var session = JsonDocument.Parse(body);
        Console.WriteLine(session.RootElement.GetProperty("id").GetString());
        return 0;
    }

    public static async Task<int> StatusAsync(StorageCommand.Client client, string id, bool watch, CancellationToken cancellation)
    {
        using var http = client.Http();
        if (watch)
        {
            var followed = await Follow(http, id, cancellation);
            if (followed != 0) return followed;
        }
        using var response = await http.GetAsync(Base + $"sessions/{Uri.EscapeDataString(id)}", cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode) return await Refused("fl status", response, body);
        var session = JsonSerializer.Deserialize<FlSessionView>(body, ParityJson.Options)!;
        Render(session);
        return session.Status == FlSessionStatus.Failed ? 1 : 0;
    }

    public static async Task<int> ModelAsync(StorageCommand.Client client, string id, FileInfo? output, CancellationToken cancellation)
    {
        using var http = client.Http();
        using var response = await http.GetAsync(Base + $"sessions/{Uri.EscapeDataString(id)}/model", cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode) return await Refused("fl model", response, body);
        if (output is null)
        {
            Console.WriteLine(body);
            return 0;
        }
        await File.WriteAllTextAsync(output.FullName, body, cancellation);
        using var model = JsonDocument.Parse(body);
        await Console.Error.WriteLineAsync($"model of round {model.RootElement.GetProperty("round").GetInt32()} written to {output.FullName} " +
                                           $"(sha256 {model.RootElement.GetProperty("sha256").GetString()})");
        return 0;
    }

    public static async Task<int> ListAsync(StorageCommand.Client client, CancellationToken cancellation)
    {
        using var http = client.Http();
        using var response = await http.GetAsync(Base + "sessions", cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode) return await Refused("fl list", response, body);
        using var document = JsonDocument.Parse(body);
        var rows = document.RootElement.GetProperty("sessions").EnumerateArray()
            .Select(item => item.Deserialize<FlSessionSummary>(ParityJson.Options)!)
            .Select(s => new[] { s.Id, s.Name, s.ModelType, ParityJson.WireName(s.Status), $"{s.CurrentRound}/{s.TotalRounds}",
                s.CreatedAt.ToString("u", CultureInfo.InvariantCulture) })
            .ToList();
        string[] header = ["id", "name", "model", "status", "round", "created"];
        // Into a pipe, one tab-separated line per session (whole ids, for scripts); on a terminal, a table.
        if (Console.IsOutputRedirected)
        {
            foreach (var row in rows.Prepend(header)) Console.WriteLine(string.Join('\t', row));
            return 0;
        }
        var table = new Table().AddColumns(header);
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
        return 0;
    }

    private static async Task<int> Post(StorageCommand.Client client, string path, string command, CancellationToken cancellation)
    {
        using var http = client.Http();
        using var response = await http.PostAsync(Base + path, new StringContent("", Encoding.UTF8, "application/json"), cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode) return await Refused(command, response, body);
        using var document = JsonDocument.Parse(body);
        Console.WriteLine(document.RootElement.GetProperty("message").GetString());
        return 0;
    }

    /// <summary>Follows the event stream: one progress bar per round (its participants' answers), until the session ends.</summary>
    private static async Task<int> Follow(HttpClient http, string id, CancellationToken cancellation)
    {
        using var response = await http.GetAsync(Base + $"sessions/{Uri.EscapeDataString(id)}/events", HttpCompletionOption.ResponseHeadersRead, cancellation);
        if (!response.IsSuccessStatusCode)
            return await Refused("fl status", response, await response.Content.ReadAsStringAsync(cancellation));
        await using var stream = await response.Content.ReadAsStreamAsync(cancellation);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await AnsiConsole.Progress().AutoClear(false).StartAsync(async progress =>
        {
            ProgressTask? round = null;
            while (await reader.ReadLineAsync(cancellation) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                var entry = JsonSerializer.Deserialize<FlSessionEvent>(line["data: ".Length..], ParityJson.Options)!;
                switch (entry.Type)
                {
                    case "round_started":
                        round = progress.AddTask($"round {entry.Round}", maxValue: 1);
                        break;
                    case "update_received" or "update_rejected" or "participant_lost" when round is not null:
                        round.MaxValue = Math.Max(round.MaxValue, round.Value + 1);
                        round.Increment(1);
                        break;
                    case "round_aggregated" or "round_failed" when round is not null:
                        round.Value = round.MaxValue;
                        round.StopTask();
                        break;
                }
                AnsiConsole.MarkupLine(Markup.Escape($"{entry.Time:HH:mm:ss} {entry.Message}"));
            }
        });
        return 0;
    }

    private static void Render(FlSessionView session)
    {
        AnsiConsole.MarkupLine(Markup.Escape($"{session.Name} ({session.Id}): {ParityJson.WireName(session.Status)}, round " +
                                             $"{session.CurrentRound} of {session.TotalRounds}, {session.AggregationMethod}") +
                               (session.Error is null ? "" : $" [red]{Markup.Escape(session.Error)}[/]"));
        if (session.Privacy is { } privacy)
            AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
                $"differential privacy ({ParityJson.WireName(privacy.Mode)} mode, {ParityJson.WireName(privacy.Clipping)} clip {privacy.Clip:G4}): ") +
                FormattableString.Invariant($"ε {privacy.Epsilon:G4} at δ {privacy.Delta:G3} after {privacy.Rounds} rounds") +
                (privacy.MaxEpsilon is { } max ? FormattableString.Invariant($", budget {max:G4}") : "") +
                (privacy.StopReason is { } stop ? $"; {stop}" : "")));
        // "eval": the round's model on the participants' held-out rows (accuracy, or R² for a regression), when the session
        // holds rows out; it fills in when the next round (or the final evaluation) has scored that model.
        string[] header = ["round", "status", "accepted", "rejected", "train loss", "train acc", "eval", "test acc", "closed because"];
        var rows = session.Rounds.Select(round => new[]
        {
            $"{round.Round}", ParityJson.WireName(round.Status), $"{round.Accepted}", $"{round.Rejected}",
            Number(round.Metrics?.TrainLoss), Number(round.Metrics?.TrainAccuracy),
            Number(round.Metrics?.FederatedEvaluation?.Accuracy ?? round.Metrics?.FederatedEvaluation?.RSquared),
            Number(round.Metrics?.TestAccuracy), round.CloseReason ?? "",
        }).ToList();
        // Into a pipe, one tab-separated line per round (an 80-column table would wrap every cell); on a terminal, a table.
        if (Console.IsOutputRedirected)
        {
            foreach (var row in rows.Prepend(header)) Console.WriteLine(string.Join('\t', row));
            return;
        }
        var table = new Table().AddColumns(header);
        foreach (var row in rows) table.AddRow(row.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }

    private static string Number(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";

    private static async Task<int> Refused(string command, HttpResponseMessage response, string body)
    {
        await Console.Error.WriteLineAsync($"{command}: the gateway answered {(int)response.StatusCode}: {StorageCommand.Detail(body)}");
        return 1;
    }
}
