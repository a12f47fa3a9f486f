using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Parity.Storage;

/// <summary>
/// Blocks from several IPFS trustless gateways (<c>GET /ipfs/{cid}?format=raw</c>), each hashed against its CID before it
/// is returned. One instance is one fetch (a file, a pin): a gateway that serves a bad block or an oversized one is
/// dropped for the rest of it; one that stalls is abandoned and the block asked elsewhere; transient errors are retried
/// with backoff (Polly); gateways are asked in the order of their record in this fetch, and a slow answer is hedged by
/// asking the next gateway too, the first verified block winning. <see cref="Report"/> says what each gateway did.
/// </summary>
public sealed class GatewayBlockSource : IBlockSource
{
    private const string RawType = "application/vnd.ipld.raw";
    private const string CarType = "application/vnd.ipld.car";

    private readonly HttpClient _http;
    private readonly GatewayFetchOptions _options;
    private readonly ILogger _logger;
    private readonly GatewayRecord[] _records;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _noRetry = ResiliencePipeline.Empty;

    public GatewayBlockSource(HttpClient http, GatewayFetchOptions options, ILogger? logger = null)
    {
        _http = http;
        _options = options.Validate();
        _logger = logger ?? NullLogger.Instance;
        // A base URL without a trailing slash would lose its last path segment when /ipfs/… is resolved against it.
        _records = [.. options.Gateways.Select(g => new GatewayRecord(g.AbsoluteUri.EndsWith('/') ? g : new Uri(g.AbsoluteUri + "/")))];
        _retry = options.Retries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<GatewayAttemptException>(e => e.Transient),
                MaxRetryAttempts = options.Retries,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryDelay,
                UseJitter = true,
            }).Build();
    }

    /// <summary>Per gateway, in configuration order: blocks, bytes, bad blocks, stalls, errors, dropped.</summary>
    public IReadOnlyList<GatewayRecord> Report => _records;

    public async ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation)
    {
        if (cid.Hash.Code == Multicodec.Identity) return cid.Hash.Digest.ToArray();
        var candidates = _records.Where(r => !r.Dropped).OrderByDescending(r => r.Score).ToList();
        if (candidates.Count == 0)
            throw new BlockNotFoundException(cid, $"no gateway left to ask for {cid}: every one served a bad block in this fetch ({Dropped()})");

        var reasons = new List<string>();
        // First pass: each gateway once, no retries, so a refusing gateway costs one answer, not its backoff.
        var transient = await RaceAsync(cid, candidates, _noRetry, reasons, cancellation);
        if (transient.Block is { } block) return block;
        // Second pass: the gateways that failed in a way worth repeating, now with retries and backoff.
        if (transient.Retry.Count > 0)
        {
            var again = await RaceAsync(cid, transient.Retry, _retry, reasons, cancellation);
            if (again.Block is { } retried) return retried;
        }
        throw new BlockNotFoundException(cid, $"no gateway gave a verified block {cid}: {string.Join("; ", reasons)}");
    }

    /// <summary>
    /// Asks <paramref name="candidates"/> in order, the next one also when the hedge delay passes without a verified
    /// block, and at once when one fails. Before any gateway has served a block in this fetch there is no record to
    /// order them by, so every one is asked at once and the first verified answer sets the order.
    /// </summary>
    private async Task<(byte[]? Block, List<GatewayRecord> Retry)> RaceAsync(Cid cid, List<GatewayRecord> candidates,
        ResiliencePipeline pipeline, List<string> reasons, CancellationToken cancellation)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var running = new Dictionary<Task<byte[]>, GatewayRecord>();
        var retry = new List<GatewayRecord>();
        var next = 0;
        void Start() { var r = candidates[next++]; running.Add(AttemptAsync(r, cid, pipeline, race.Token), r); }

        var cold = _options.RaceFirstBlock && _records.All(r => r.Blocks == 0);
        do Start(); while (cold && next < candidates.Count);
        try
        {
            while (running.Count > 0)
            {
                var hedge = next < candidates.Count ? Task.Delay(_options.HedgeDelay, race.Token) : null;
                var done = await Task.WhenAny(hedge is null ? running.Keys : [.. running.Keys, hedge]);
                cancellation.ThrowIfCancellationRequested();
                if (done == hedge)
                {
                    Start();
                    continue;
                }
                var attempt = (Task<byte[]>)done;
                var record = running[attempt];
                running.Remove(attempt);
                try
                {
                    return (await attempt, retry);
                }
                catch (GatewayAttemptException e)
                {
                    reasons.Add(e.Message);
                    if (e.Transient) retry.Add(record);
                    // A gateway that failed is replaced at once, not after the hedge delay.
                    if (running.Count == 0 && next < candidates.Count) Start();
                }
            }
        }
        finally
        {
            // The first verified answer wins: the others are cancelled.
            await race.CancelAsync();
        }
        return (null, retry);
    }

    /// <summary>
    /// Fetches the whole DAG under <paramref name="root"/> as one CAR (<c>?format=car</c>) into <paramref name="store"/>:
    /// one request instead of one per block. Gateways are asked as blocks are: in the order of their record in this
    /// fetch (so the gateway that answered the root first is asked first), the next one too when no verified block has
    /// come by the hedge delay, at once when one fails, and all at once when none has a record yet. The first gateway
    /// to deliver a verified block wins and the other requests are cancelled; only the winner's blocks go into the
    /// store. Every block is hashed against its CID before it is put (a gateway sending a bad one is dropped, as for raw
    /// blocks, and the others are asked again); no more than <paramref name="maxBytes"/> of blocks are accepted from
    /// one gateway. Returns false when no gateway gave a whole CAR: the caller then fetches block by block, which also
    /// fills in whatever a cut-off CAR lacked.
    /// </summary>
    public async Task<bool> FetchCarAsync(Cid root, IBlockSink store, long maxBytes, CancellationToken cancellation)
    {
        var untried = _records.Where(r => !r.Dropped).OrderByDescending(r => r.Score).ToList();
        var cold = _options.RaceFirstBlock && _records.All(r => r.Blocks == 0);
        // Each round ends with a winner that finished (true) or failed part-way; the gateways that lost to it are not at
        // fault and go back in line, so every round takes one gateway out and the loop ends.
        while (untried.Count > 0)
        {
            if (await RaceCarAsync(root, untried, cold, store, maxBytes, cancellation)) return true;
            untried = [.. untried.OrderByDescending(r => r.Score)];
            cold = false;
        }
        return false;
    }

    private enum CarOutcome { Completed, Failed, Lost }

    /// <summary>Who won a CAR race: set once, by the first attempt to hold a verified block (or a whole, empty CAR).</summary>
    private sealed class CarClaim
    {
        private readonly TaskCompletionSource<GatewayRecord> _won = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task<GatewayRecord> Won => _won.Task;
        public bool TryClaim(GatewayRecord record) => _won.TrySetResult(record) || ReferenceEquals(_won.Task.Result, record);
    }

    private async Task<bool> RaceCarAsync(Cid root, List<GatewayRecord> untried, bool cold, IBlockSink store, long maxBytes,
        CancellationToken cancellation)
    {
        using var race = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var claim = new CarClaim();
        var running = new Dictionary<Task<CarOutcome>, (GatewayRecord Record, CancellationTokenSource Cancel)>();
        var lost = new List<GatewayRecord>();
        void Start()
        {
            var record = untried[0];
            untried.RemoveAt(0);
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(race.Token);
            running.Add(CarAttemptAsync(record, root, store, maxBytes, claim, cancel.Token, cancellation), (record, cancel));
        }

        do Start(); while (cold && untried.Count > 0);
        try
        {
            while (running.Count > 0)
            {
                var open = !claim.Won.IsCompleted;
                var hedge = open && untried.Count > 0 ? Task.Delay(_options.HedgeDelay, race.Token) : null;
                List<Task> waits = [.. running.Keys];
                if (hedge is not null) waits.Add(hedge);
                if (open) waits.Add(claim.Won);
                var done = await Task.WhenAny(waits);
                cancellation.ThrowIfCancellationRequested();
                if (done == hedge)
                {
                    Start();
                    continue;
                }
                if (done == claim.Won)
                {
                    // A verified block arrived: the other requests are cancelled; the winner reads on.
                    foreach (var (record, cancel) in running.Values)
                        if (!ReferenceEquals(record, claim.Won.Result)) await cancel.CancelAsync();
                    continue;
                }
                var attempt = (Task<CarOutcome>)done;
                var (finished, source) = running[attempt];
                running.Remove(attempt);
                source.Dispose();
                switch (await attempt)
                {
                    case CarOutcome.Completed:
                        return true;
                    case CarOutcome.Lost:
                        lost.Add(finished);
                        break;
                    case CarOutcome.Failed when claim.Won.IsCompleted && ReferenceEquals(claim.Won.Result, finished):
                        // The winner failed part-way (cut off, a bad block): a new round among the rest.
                        foreach (var (_, cancel) in running.Values) await cancel.CancelAsync();
                        break;
                    case CarOutcome.Failed when !claim.Won.IsCompleted && running.Count == 0 && untried.Count > 0:
                        // A gateway that failed is replaced at once, not after the hedge delay.
                        Start();
                        break;
                }
            }
        }
        finally
        {
            await race.CancelAsync();
            foreach (var (attempt, (_, cancel)) in running)
            {
                // Cancelled above: each ends promptly, and none is left running against the store.
                try { await attempt; } catch (Exception) { /* the fetch is over; the loser's end is beside the point */ }
                cancel.Dispose();
            }
            untried.InsertRange(0, lost);
        }
        return false;
    }

    /// <summary>How many verified-to-be blocks the reading thread may get ahead of the hashing one (2 MiB each at most).</summary>
    private const int CarHashQueue = 4;

    /// <summary>
    /// One gateway's CAR. The network is read and sections parsed on one task while this one hashes each block against
    /// its CID, so reading and hashing overlap; a block is claimed, put and counted only after it hashed right.
    /// </summary>
    private async Task<CarOutcome> CarAttemptAsync(GatewayRecord record, Cid root, IBlockSink store, long maxBytes, CarClaim claim,
        CancellationToken attempt, CancellationToken cancellation)
    {
        await Task.Yield(); // the race starts every attempt before any of them runs
        long received = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(record.Gateway, $"ipfs/{root}?format=car"));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(CarType));
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(attempt);
            headers.CancelAfter(_options.StallTimeout);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            if (!response.IsSuccessStatusCode)
            {
                record.Failed($"{root} as CAR: answered {(int)response.StatusCode}");
                return CarOutcome.Failed;
            }
            await using var body = new StallGuardStream(await response.Content.ReadAsStreamAsync(attempt), _options.StallTimeout);
            await using var buffered = new BufferedStream(body, 1 << 18);
            await CarReader.ReadHeaderAsync(buffered, attempt);

            var queue = Channel.CreateBounded<(Cid Cid, byte[] Block)>(new BoundedChannelOptions(CarHashQueue)
                { SingleReader = true, SingleWriter = true });
            using var reading = CancellationTokenSource.CreateLinkedTokenSource(attempt);
            var reader = Task.Run(async () =>
            {
                try
                {
                    long sent = 0;
                    await foreach (var section in CarReader.ReadSectionsAsync(buffered, _options.MaxBlockBytes, verify: false, reading.Token))
                    {
                        // Counted as read, so a gateway cannot make the fetcher read past the cap while the hasher lags.
                        sent += section.Block.Length;
                        if (sent > maxBytes) throw new CarFormatException($"sent more than {maxBytes} bytes of blocks for {root}");
                        await queue.Writer.WriteAsync(section, reading.Token);
                    }
                }
                finally
                {
                    queue.Writer.TryComplete();
                }
            }, CancellationToken.None);
            try
            {
                var index = 0L;
                await foreach (var (cid, block) in queue.Reader.ReadAllAsync(attempt))
                {
                    if (!cid.Matches(block)) throw new CarFormatException($"CAR block {index}: block bytes do not hash to {cid}");
                    if (!claim.TryClaim(record)) return CarOutcome.Lost;
                    await store.PutAsync(VerifiedBlock.Trusted(cid, block), cancellation);
                    record.Served(block.Length);
                    received += block.Length;
                    index++;
                }
                await reader; // a reading error (cut off, malformed, over a cap) surfaces here
                return claim.TryClaim(record) ? CarOutcome.Completed : CarOutcome.Lost;
            }
            finally
            {
                // The reading task is stopped before the streams it reads are disposed (it would read a disposed stream).
                await reading.CancelAsync();
                try { await reader; } catch (Exception) { /* reported above if it was the cause, else beside the point */ }
            }
        }
        catch (CarFormatException e)
        {
            record.Bad(root, $"CAR: {e.Message}");
            _logger.LogWarning("Gateway {Gateway} sent a bad CAR for {Cid}: {Why}; it is dropped for the rest of this fetch",
                record.Gateway, root, e.Message);
            return CarOutcome.Failed;
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return CarOutcome.Lost; // another gateway won the race
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException
                                      || (e is OperationCanceledException && !cancellation.IsCancellationRequested))
        {
            record.Failed($"{root} as CAR after {received} bytes: {e.Message}");
            return CarOutcome.Failed;
        }
    }

    private string Dropped() => string.Join("; ", _records.Where(r => r.Dropped).Select(r => $"{r.Gateway}: {string.Join(", ", r.BadBlocks)}"));

    private async Task<byte[]> AttemptAsync(GatewayRecord record, Cid cid, ResiliencePipeline pipeline, CancellationToken cancellation)
    {
        try
        {
            return await pipeline.ExecuteAsync(async token => await FetchOnceAsync(record, cid, token), cancellation);
        }
        catch (GatewayAttemptException e)
        {
            switch (e.Kind)
            {
                case GatewayFailure.Bad:
                    record.Bad(cid, e.Message);
                    _logger.LogWarning("Gateway {Gateway} served a bad block for {Cid}: {Why}; it is dropped for the rest of this fetch",
                        record.Gateway, cid, e.Message);
                    break;
                case GatewayFailure.Stalled:
                    record.Stalled();
                    _logger.LogInformation("Gateway {Gateway} stalled on {Cid}; asking another", record.Gateway, cid);
                    break;
                default:
                    record.Failed($"{cid}: {e.Message}");
                    break;
            }
            throw new GatewayAttemptException($"{record.Gateway}: {e.Message}", e.Kind);
        }
    }

    private async Task<byte[]> FetchOnceAsync(GatewayRecord record, Cid cid, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_options.RequestTimeout);
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        stall.CancelAfter(_options.StallTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(record.Gateway, $"ipfs/{cid}?format=raw"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(RawType));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token);
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                throw new GatewayAttemptException($"{status} (does not have it)", GatewayFailure.Missing);
            if (status == 429 || status >= 500)
                throw new GatewayAttemptException($"answered {status}", GatewayFailure.Transient);
            if (status != 200)
                throw new GatewayAttemptException($"answered {status}", GatewayFailure.Missing);
            if (response.Content.Headers.ContentLength is { } announced && announced > _options.MaxBlockBytes)
                throw new GatewayAttemptException($"announced {announced} bytes, over the block cap of {_options.MaxBlockBytes}", GatewayFailure.Bad);

            await using var body = await response.Content.ReadAsStreamAsync(stall.Token);
            var buffer = new byte[Math.Min(_options.MaxBlockBytes + 1, (int)(response.Content.Headers.ContentLength ?? 256 * 1024) + 1)];
            var length = 0;
            while (true)
            {
                if (length == buffer.Length) Array.Resize(ref buffer, Math.Min(_options.MaxBlockBytes + 1, buffer.Length * 2));
                stall.CancelAfter(_options.StallTimeout);
                var read = await body.ReadAsync(buffer.AsMemory(length), stall.Token);
                if (read == 0) break;
                length += read;
                // Stop reading at the cap: a gateway must not make the fetcher read (or hold) more than a block.
                if (length > _options.MaxBlockBytes)
                    throw new GatewayAttemptException($"sent more than the block cap of {_options.MaxBlockBytes} bytes", GatewayFailure.Bad);
            }
            var block = buffer.AsSpan(0, length).ToArray();
            if (!cid.Matches(block))
                throw new GatewayAttemptException($"its {length} bytes do not hash to the CID", GatewayFailure.Bad);
            record.Served(length);
            return block;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw deadline.IsCancellationRequested
                ? new GatewayAttemptException($"took longer than {_options.RequestTimeout.TotalSeconds:0.#} s", GatewayFailure.Stalled)
                : new GatewayAttemptException($"sent nothing for {_options.StallTimeout.TotalSeconds:0.#} s", GatewayFailure.Stalled);
        }
        catch (HttpRequestException e)
        {
            throw new GatewayAttemptException($"connection failed: {e.Message}", GatewayFailure.Transient);
        }
        catch (IOException e)
        {
            throw new GatewayAttemptException($"the answer was cut off: {e.Message}", GatewayFailure.Transient);
        }
    }
}
