using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Parity.Chain;
using Parity.Hosting;
using Parity.Json;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner rewards [--runner NAME] [--limit N] [--json]</c>: the cluster's reward ledger from the gateway's
/// <c>GET /api/v1/rewards</c>: earned, pending, paid and unpaid totals, then one line per task with its status and,
/// once sent, its transaction hash.
/// </summary>
public static class RewardsCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var gateway = new Option<string?>("--gateway") { Description = "the cluster's gateway URL (default: GATEWAY_URLS' first entry)" };
        var runner = new Option<string?>("--runner") { Description = "only this runner's rewards (its name)" };
        var limit = new Option<int>("--limit") { Description = "at most this many entries, the newest first (1-100)", DefaultValueFactory = _ => 100 };
        var json = new Option<bool>("--json") { Description = "print the gateway's answer as JSON (for scripts)" };
        var rewards = new Command("rewards", "Rewards earned by the cluster's runners: pending, paid (with transaction hashes), unpaid") { gateway, runner, limit, json };
        rewards.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() => RunAsync(
            StorageCommand.Client.Load(parse.GetValue(configPath), parse.GetValue(gateway)), parse.GetValue(runner), parse.GetValue(limit),
            parse.GetValue(json), cancellation)));
        return rewards;
    }

    public static async Task<int> RunAsync(StorageCommand.Client client, string? runner, int limit, bool json, CancellationToken cancellation)
    {
        if (limit is < 1 or > Parity.Chain.IRewardAccountGrain.Recent)
        {
            await Console.Error.WriteLineAsync($"rewards: --limit must be from 1 to {Parity.Chain.IRewardAccountGrain.Recent}, got {limit}");
            return 2;
        }
        using var http = client.Http();
        var query = $"api/v1/rewards?limit={limit}" + (runner is null ? "" : $"&runner={Uri.EscapeDataString(runner)}");
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(query, cancellation);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"rewards: cannot reach the gateway at {http.BaseAddress}: {e.Message}");
            return 1;
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"rewards: the gateway answered {(int)response.StatusCode}: {StorageCommand.Detail(body)}");
                return 1;
            }
            if (json)
            {
                Console.WriteLine(body);
                return 0;
            }
            var report = JsonSerializer.Deserialize<RewardReport>(body, ParityJson.Options)!;
            foreach (var line in Lines(report)) Console.WriteLine(line);
            return 0;
        }
    }

    public static IEnumerable<string> Lines(RewardReport report)
    {
        yield return $"{(report.Runner is null ? "all runners" : $"runner {report.Runner}")}: earned {Tokens(report.Earned)}, " +
                     $"paid {Tokens(report.Paid)}, pending {Tokens(report.Pending)}, unpaid {Tokens(report.Unpaid)} (tokens; {report.Count} rewards)" +
                     (report.Payouts ? $"; the payer owes {report.Owed}" : "; this cluster has no payer, so nothing is paid (BLOCKCHAIN_PAYER_KEY_FILE)");
        if (report.PayerProblem is { } problem) yield return $"payouts paused: {problem}";
        foreach (var e in report.Entries)
        {
            var status = ParityJson.WireName(e.Status);
            var detail = e.Status switch
            {
                RewardStatus.Paid => $"{e.TxHash} block {e.Block}",
                RewardStatus.Sending => $"{e.TxHash} (nonce {e.Nonce})",
                _ => e.Problem ?? "",
            };
            yield return $"{e.TaskId}\t{e.Runner}\t{Tokens(e.Tokens)}\t{e.Basis}\t{status}\t{detail}".TrimEnd('\t');
        }
    }

    private static string Tokens(decimal amount) => amount.ToString("0.########", CultureInfo.InvariantCulture);
}
