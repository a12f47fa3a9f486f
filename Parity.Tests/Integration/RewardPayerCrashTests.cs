using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Nethereum.RPC.Eth.DTOs;
using Parity.Tests.Chain;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// Two parity-runner processes on the real Redis paying rewards on a dev chain of the class's own (the product's
/// StakeWallet): with the chain holding every transaction in its pool, a task's payout is recorded as sending and sent;
/// then every silo is killed with SIGKILL, the chain mines, and the silos are started again. The payer, woken at a
/// silo's start, finds the recorded transaction mined: the reward is paid once, with the hash recorded before sending,
/// one TaskPayment event, and the creator's stake lower by the reward exactly.
/// </summary>
public sealed class RewardPayerCrashTests(DevChain18 chain) : IClassFixture<DevChain18>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-payer-mp-").FullName;
    private readonly List<ParityProcess> _processes = [];
    private readonly string _clusterId = "pay-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _creator = $"creator-{Guid.NewGuid():N}";

    private Dictionary<string, string> Common() => new Dictionary<string, string>
    {
        ["ORLEANS_CLUSTERING"] = "redis",
        ["ORLEANS_REDIS"] = TestEngines.Redis,
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        // Loopback only; the transport's TLS is MultiProcessClusterTests' subject, the payer is this one's.
        ["CLUSTER_ALLOW_INSECURE"] = "true",
        ["RUNNER_WEBHOOK_SECRET"] = GatewayHost.Secret,
        ["RUNNER_HEARTBEAT_INTERVAL"] = "500ms",
        ["RUNNER_LEASE_DURATION"] = "3s",
        ["RUNNER_SHELL_ENABLED"] = "true",
    }.Concat(chain.PayerSettings(retryMax: "2s")).ToDictionary();

    private ParityProcess StartSilo(string name)
    {
        var environment = Common();
        environment["SILO_NAME"] = name;
        environment["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
        environment["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(CultureInfo.InvariantCulture);
        var silo = ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), environment, _work);
        _processes.Add(silo);
        return silo;
    }

    [Fact]
    public async Task A_payout_in_flight_when_every_silo_is_sigkilled_is_paid_once_after_a_restart()
    {
        string[] names = ["pay-a", "pay-b"];
        await chain.StakeAsync(_creator, chain.One * 100);
        foreach (var name in names) await chain.StakeAsync(name, BigInteger.One);
        var stakeBefore = await chain.StakeOfAsync(_creator);

        var silos = names.Select(StartSilo).ToList();
        foreach (var silo in silos) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        var port = TestEngines.FreeTcpPort();
        var gatewayEnvironment = Common();
        gatewayEnvironment["GATEWAY_URLS"] = $"http://127.0.0.1:{port}";
        gatewayEnvironment["GATEWAY_API_KEY"] = GatewayHost.ApiKey;
        var gateway = ParityProcess.Start(TestEngines.BuiltDll("Parity.Gateway", "parity-gateway"), gatewayEnvironment, _work);
        _processes.Add(gateway);
        await gateway.WaitForOutput("Parity gateway for cluster", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);

        // Nothing is mined from here until every silo is dead.
        await chain.RpcAsync("evm_setAutomine", false);
        var id = $"pay-crash-{Guid.NewGuid():N}";
        var body = $$"""{"id":"{{id}}","type":"command","config":{"command":"echo paid"},"reward":1.5,"creator_device_id":"{{_creator}}"}""";
        using (var submitted = await http.PostAsync("/api/v1/tasks", new StringContent(body, Encoding.UTF8, "application/json")))
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        var sending = await RewardAsync(http, id, "sending", TimeSpan.FromSeconds(120));
        var hash = sending.GetProperty("tx_hash").GetString()!;
        await Eventually.True(async () => await chain.Dev.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash) is not null,
            TimeSpan.FromSeconds(30), "the payment in the chain's pool");

        foreach (var silo in silos) silo.KillHard();
        foreach (var silo in silos) Assert.True(await silo.WaitForExit(TimeSpan.FromSeconds(10)), "a SIGKILLed silo exited");
        await chain.RpcAsync("evm_setAutomine", true);
        await chain.RpcAsync("evm_mine");
        Assert.NotNull(await chain.Dev.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash));

        // Both started again under their names: each new silo supersedes its dead namesake in the membership table (a
        // lone silo would first wait for its dead peer to be voted out).
        var restarted = names.Select(StartSilo).ToList();
        foreach (var silo in restarted) await silo.WaitForOutput("is up", TimeSpan.FromSeconds(120));
        var paid = await RewardAsync(http, id, "paid", TimeSpan.FromSeconds(180));
        Assert.Equal((hash, sending.GetProperty("nonce").GetInt64()), (paid.GetProperty("tx_hash").GetString(), paid.GetProperty("nonce").GetInt64()));

        // Nothing is owed any more, and the chain shows one payment, of the reward exactly.
        await Eventually.True(async () => await TryGetJson(http, "/api/v1/rewards") is { } r && r.GetProperty("owed").GetInt32() == 0
                && r.GetProperty("paid").GetDecimal() == 1.5m,
            TimeSpan.FromSeconds(60), "the payer owes nothing");
        var events = chain.Dev.Eth.GetEvent<StakeWalletAbi.TaskPayment>(chain.StakeWallet);
        var logs = await events.GetAllChangesAsync(events.CreateFilterInput(BlockParameter.CreateEarliest(), BlockParameter.CreateLatest()));
        var payment = Assert.Single(logs, l => l.Event.CreatorDeviceId == _creator);
        Assert.Equal(hash, payment.Log.TransactionHash);
        var reward = chain.One * 3 / 2;
        Assert.Equal((reward, stakeBefore - reward), (payment.Event.Amount, await chain.StakeOfAsync(_creator)));
    }

    private static async Task<JsonElement> RewardAsync(HttpClient http, string id, string status, TimeSpan timeout)
    {
        var text = await Eventually.Get(async () => await TryGetJson(http, $"/api/v1/rewards/{id}") is { } r
                && r.GetProperty("status").GetString() == status ? r.GetRawText() : null,
            timeout, $"the reward of {id} {status}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement?> TryGetJson(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        if (response.StatusCode != HttpStatusCode.OK) return null;
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public void Dispose()
    {
        chain.RpcAsync("evm_setAutomine", true).GetAwaiter().GetResult();
        foreach (var process in _processes) process.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
