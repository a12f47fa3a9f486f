using System.Globalization;
using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>The payer's steps: one per timer tick, one payment in flight at a time.</summary>
public sealed partial class RewardPayerGrain
{
    private async Task Step()
    {
        if (!Owed)
        {
            await StopWhenPaidUp();
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
            if (State.Sending is { } sending) await Follow(_payer, sending);
            else await SendNext(_payer, _token);
            _failures = 0;
            _problem = null;
        }
        catch (Exception e) when (e is ChainException or ConfigurationException or IdentityException or Nethereum.JsonRpc.Client.RpcResponseException)
        {
            // The chain or the payer's set-up, not one payment: every payout waits, with a growing pause.
            Pause(e is Nethereum.JsonRpc.Client.RpcResponseException rpc ? $"the chain refused a request: {rpc.RpcError?.Message ?? rpc.Message}" : e.Message);
            _token = null;
            _payer?.Dispose();
            _payer = null;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or Orleans.Storage.InconsistentStateException)
        {
            // A reward's grain or the storage did not answer: the same step is taken again after the pause.
            Pause($"the ledger did not answer ({e.Message})");
        }
    }

    private void Pause(string problem)
    {
        _failures++;
        _pausedUntil = Now + Backoff(_failures);
        _problem = problem;
        logger.LogWarning("Reward payouts paused for {Pause}: {Reason}", Backoff(_failures), problem);
    }

    /// <summary>A payment left in flight by an earlier activation that the contract's events already show: mined.</summary>
    private async Task Reconcile(RewardPayer payer)
    {
        if (State.Sending is not { } sending) return;
        var payments = await payer.PaymentsSinceAsync(sending.SignedAtBlock);
        var mined = payments.TryGetValue(sending.TxHash.ToLowerInvariant(), out var block);
        if (mined && sending.Block != block)
        {
            State.Sending = sending with { Block = block };
            await Write();
        }
        logger.LogInformation("Reward payer: the payout of task {TaskId} ({Hash}) was in flight at start-up; {Found}",
            sending.TaskId, sending.TxHash, mined ? $"its TaskPayment event is in block {block}" : "no TaskPayment event shows it yet");
    }

    private async Task Follow(RewardPayer payer, RewardSending sending)
    {
        var payout = State.Queue[sending.TaskId];
        var receipt = await payer.ReceiptAsync(sending.TxHash);
        if (receipt is null)
        {
            if (await payer.KnownAsync(sending.TxHash)) return;  // waiting in the pool
            if (await payer.MinedNonceAsync() > sending.Nonce)
            {
                // Its nonce is taken by another transaction of the payer, so this one can never be mined: pay anew.
                await Retry(payout, $"transferPayment {sending.TxHash} was never mined (nonce {sending.Nonce} went to another transaction of the payer)");
                return;
            }
            // Signed and recorded, then not sent (a crash, a lost connection): the same bytes, so at most one is mined.
            await payer.BroadcastAsync(sending.SignedTransaction);
            return;
        }
        var block = (long)receipt.BlockNumber.Value;
        if (receipt.Status?.Value != 1)
        {
            await Retry(payout, $"transferPayment {sending.TxHash} reverted in block {block}");
            return;
        }
        if (await payer.LatestBlockAsync() - block + 1 < rewards.Confirmations)
        {
            if (sending.Block != block)
            {
                State.Sending = sending with { Block = block };
                await Write();
                await Tell(payout, Progress(payout, sending, RewardStatus.Sending) with { Block = block });
            }
            return;
        }
        // The reward's grain stores it as paid before the payer forgets it: a reward found pending there was never paid.
        await Tell(payout, Progress(payout, sending, RewardStatus.Sending) with { Status = RewardStatus.Paid, Block = block, PaidAt = Now });
        State.Queue.Remove(payout.TaskId);
        State.Sending = null;
        await Write();
        RewardMetrics.Paid(payout.Tokens);
        logger.LogInformation("Reward for task {TaskId} paid to {Runner}: {Tokens} tokens, {Hash} in block {Block}",
            payout.TaskId, payout.Runner, payout.Tokens, sending.TxHash, block);
    }

    private async Task SendNext(RewardPayer payer, ChainToken token)
    {
        var now = Now;
        if (State.Queue.Values.Where(p => p.NextAttemptAt is null || p.NextAttemptAt <= now)
                .OrderBy(p => p.RecordedAt).ThenBy(p => p.TaskId, StringComparer.Ordinal).FirstOrDefault() is not { } payout)
            return;
        var units = RewardFormula.Units(payout.Tokens, token.Decimals);
        if (units.IsZero)
        {
            await Tell(payout, new RewardProgress
            {
                Status = RewardStatus.Unpaid, Attempts = payout.Attempts,
                Problem = $"not paid: {payout.Tokens.ToString(CultureInfo.InvariantCulture)} tokens is less than one unit of a token with {token.Decimals} decimals",
            });
            State.Queue.Remove(payout.TaskId);
            await Write();
            return;
        }
        var payment = new StakeWalletContract.TransferPayment { CreatorDeviceId = payout.CreatorDeviceId, SolverDeviceId = payout.Runner, Amount = units };
        System.Numerics.BigInteger gas;
        try
        {
            gas = await payer.EstimateAsync(payment);
        }
        catch (Exception e) when (ContractErrors.Describe(e, token) is { } refusal)
        {
            // A refusal of this payment (the creator's stake too small, a device that never staked) may end when someone
            // stakes: tried again later, with a growing pause.
            await Retry(payout with { Attempts = payout.Attempts + 1 }, $"transferPayment refused: {refusal}");
            return;
        }
        catch (Nethereum.JsonRpc.Client.RpcResponseException e)
        {
            await Retry(payout with { Attempts = payout.Attempts + 1 }, $"transferPayment refused by the chain: {e.RpcError?.Message ?? e.Message}");
            return;
        }
        var nonce = await payer.PendingNonceAsync();
        var signedAt = await payer.LatestBlockAsync();
        var (hash, raw) = await payer.SignAsync(payment, nonce, gas);
        payout = payout with { Attempts = payout.Attempts + 1 };
        var sending = new RewardSending
        {
            TaskId = payout.TaskId, Units = units.ToString(CultureInfo.InvariantCulture), TxHash = hash, Nonce = nonce,
            SignedTransaction = raw, SignedAtBlock = signedAt,
        };
        State.Queue[payout.TaskId] = payout;
        State.Sending = sending;
        // Recorded before it is sent: from here on, only these bytes are ever sent for this reward until they are mined
        // or their nonce is provably spent.
        await Write();
        await Tell(payout, Progress(payout, sending, RewardStatus.Sending));
        await payer.BroadcastAsync(raw);
    }

    /// <summary>Back to the queue after <paramref name="payout"/>'s attempts' backoff, with the reason.</summary>
    private async Task Retry(RewardPayout payout, string problem)
    {
        var delay = Backoff(payout.Attempts);
        payout = payout with { NextAttemptAt = Now + delay };
        State.Queue[payout.TaskId] = payout;
        State.Sending = null;
        await Write();
        await Tell(payout, new RewardProgress { Status = RewardStatus.Pending, Problem = problem, Attempts = payout.Attempts });
        logger.LogWarning("Reward for task {TaskId}: {Problem}; next attempt in {Delay}", payout.TaskId, problem, delay);
    }

    private static RewardProgress Progress(RewardPayout payout, RewardSending sending, RewardStatus status) => new()
    {
        Status = status, Units = sending.Units, TxHash = sending.TxHash, Nonce = sending.Nonce, Block = sending.Block,
        Attempts = payout.Attempts,
    };

    private Task Tell(RewardPayout payout, RewardProgress progress) =>
        GrainFactory.GetGrain<IRewardGrain>(payout.TaskId).Progress(progress);

    /// <summary>1 s, 2 s, 4 s … up to BLOCKCHAIN_PAYOUT_RETRY_MAX.</summary>
    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(Math.Pow(2, Math.Clamp(failures - 1, 0, 30)), rewards.RetryMax.TotalSeconds));
}
