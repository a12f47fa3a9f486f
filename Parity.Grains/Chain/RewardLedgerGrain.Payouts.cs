using System.Globalization;
using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>The ledger's payouts: one step per timer tick, one payment in flight at a time.</summary>
public sealed partial class RewardLedgerGrain
{
    private async Task Step()
    {
        if (!Owed)
        {
            _timer?.Dispose();
            _timer = null;
            return;
        }
        if (Now < _pausedUntil) return;
        try
        {
            _payer ??= RewardPayer.Open(chain, rewards.PayerKeyFile!);
            _token ??= await _payer.ConnectAsync();
            if (!_reconciled)
            {
                await Reconcile(_payer);
                _reconciled = true;
            }
            if (Entries.Values.FirstOrDefault(e => e.Status == RewardStatus.Sending) is { } sending)
                await Follow(_payer, sending);
            else
                await SendNext(_payer, _token);
            _failures = 0;
            _payerProblem = null;
        }
        catch (Exception e) when (e is ChainException or ConfigurationException or IdentityException or Nethereum.JsonRpc.Client.RpcResponseException)
        {
            // The chain or the payer's set-up, not one payment: every payout waits, with a growing pause.
            _failures++;
            _pausedUntil = Now + Backoff(_failures);
            _token = null;
            _payer?.Dispose();
            _payer = null;
            _payerProblem = e is Nethereum.JsonRpc.Client.RpcResponseException rpc ? $"the chain refused a request: {rpc.RpcError?.Message ?? rpc.Message}" : e.Message;
            logger.LogWarning("Reward payouts paused for {Pause}: {Reason}", Backoff(_failures), e.Message);
        }
    }

    /// <summary>Entries left sending by an earlier activation whose payment the contract's events already show: mined.</summary>
    private async Task Reconcile(RewardPayer payer)
    {
        var sending = Entries.Values.Where(e => e is { Status: RewardStatus.Sending, TxHash: not null }).ToList();
        if (sending.Count == 0) return;
        var payments = await payer.PaymentsSinceAsync(sending.Min(e => e.SignedAtBlock ?? 0));
        var found = 0;
        foreach (var entry in sending)
            if (payments.TryGetValue(entry.TxHash!.ToLowerInvariant(), out var block))
            {
                Entries[entry.TaskId] = entry with { Block = block };
                found++;
            }
        if (found > 0) await state.WriteStateAsync();
        logger.LogInformation("Reward ledger: {Sending} payout(s) were sending at start-up, {Found} found mined in TaskPayment events", sending.Count, found);
    }

    private async Task Follow(RewardPayer payer, RewardEntry entry)
    {
        var receipt = await payer.ReceiptAsync(entry.TxHash!);
        if (receipt is null)
        {
            if (await payer.KnownAsync(entry.TxHash!)) return;  // waiting in the pool
            if (await payer.MinedNonceAsync() > entry.Nonce)
            {
                // Its nonce is taken by another transaction of the payer, so this one can never be mined: pay anew.
                await Retry(entry, $"transferPayment {entry.TxHash} was never mined (nonce {entry.Nonce} went to another transaction of the payer)");
                return;
            }
            // Signed and recorded, then not sent (a crash, a lost connection): the same bytes, so at most one is mined.
            await payer.BroadcastAsync(entry.SignedTransaction!);
            return;
        }
        var block = (long)receipt.BlockNumber.Value;
        if (receipt.Status?.Value != 1)
        {
            await Retry(entry, $"transferPayment {entry.TxHash} reverted in block {block}");
            return;
        }
        if (await payer.LatestBlockAsync() - block + 1 < rewards.Confirmations)
        {
            if (entry.Block != block)
            {
                Entries[entry.TaskId] = entry with { Block = block };
                await state.WriteStateAsync();
            }
            return;
        }
        Entries[entry.TaskId] = entry with { Status = RewardStatus.Paid, Block = block, PaidAt = Now, Problem = null, SignedTransaction = null };
        await state.WriteStateAsync();
        logger.LogInformation("Reward for task {TaskId} paid to {Runner}: {Tokens} tokens, {Hash} in block {Block}",
            entry.TaskId, entry.Runner, entry.Tokens, entry.TxHash, block);
    }

    private async Task SendNext(RewardPayer payer, ChainToken token)
    {
        var now = Now;
        if (Entries.Values.Where(e => e.Status == RewardStatus.Pending && (e.NextAttemptAt is null || e.NextAttemptAt <= now))
                .OrderBy(e => e.RecordedAt).ThenBy(e => e.TaskId, StringComparer.Ordinal).FirstOrDefault() is not { } entry)
            return;
        var units = RewardFormula.Units(entry.Tokens, token.Decimals);
        if (units.IsZero)
        {
            Entries[entry.TaskId] = entry with
            {
                Status = RewardStatus.Unpaid,
                Problem = $"not paid: {entry.Tokens.ToString(CultureInfo.InvariantCulture)} tokens is less than one unit of a token with {token.Decimals} decimals",
            };
            await state.WriteStateAsync();
            return;
        }
        var payment = new StakeWalletContract.TransferPayment { CreatorDeviceId = entry.CreatorDeviceId!, SolverDeviceId = entry.Runner, Amount = units };
        System.Numerics.BigInteger gas;
        try
        {
            gas = await payer.EstimateAsync(payment);
        }
        catch (Exception e) when (ContractErrors.Describe(e, token) is { } refusal)
        {
            // A refusal of this payment (the creator's stake too small, a device that never staked) may end when someone
            // stakes: tried again later, with a growing pause.
            await Retry(entry, $"transferPayment refused: {refusal}");
            return;
        }
        catch (Nethereum.JsonRpc.Client.RpcResponseException e)
        {
            await Retry(entry, $"transferPayment refused by the chain: {e.RpcError?.Message ?? e.Message}");
            return;
        }
        var nonce = await payer.PendingNonceAsync();
        var signedAt = await payer.LatestBlockAsync();
        var (hash, raw) = await payer.SignAsync(payment, nonce, gas);
        Entries[entry.TaskId] = entry with
        {
            Status = RewardStatus.Sending, Units = units.ToString(CultureInfo.InvariantCulture), TxHash = hash, Nonce = nonce,
            SignedTransaction = raw, SignedAtBlock = signedAt, Attempts = entry.Attempts + 1, Problem = null,
        };
        // Recorded before it is sent: from here on, only these bytes are ever sent for this entry until they are mined
        // or their nonce is provably spent.
        await state.WriteStateAsync();
        await payer.BroadcastAsync(raw);
    }

    private async Task Retry(RewardEntry entry, string problem)
    {
        // A payment sent counted its attempt when it was signed; a refused estimate counts one here.
        var attempts = entry.Status == RewardStatus.Sending ? entry.Attempts : entry.Attempts + 1;
        Entries[entry.TaskId] = entry with
        {
            Status = RewardStatus.Pending, Problem = problem, Attempts = attempts, NextAttemptAt = Now + Backoff(attempts),
            TxHash = null, Nonce = null, Units = null, Block = null, SignedTransaction = null, SignedAtBlock = null,
        };
        await state.WriteStateAsync();
        logger.LogWarning("Reward for task {TaskId}: {Problem}; next attempt in {Delay}", entry.TaskId, problem, Backoff(attempts));
    }

    /// <summary>1 s, 2 s, 4 s … up to BLOCKCHAIN_PAYOUT_RETRY_MAX.</summary>
    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Min(failures - 1, 30)), rewards.RetryMax.TotalSeconds));
}
