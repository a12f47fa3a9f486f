using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Per-round cost of secure aggregation (issue #15 §2): for n participants with updates of <c>length</c> floats, one
/// round of the double-masking protocol, all parties in this process and one at a time, against the same round
/// without it (each participant sends its float vector; the server adds them up). Client time is per participant (the
/// mean over the survivors of the time their key generation and four steps took); server time is everything the
/// server object did. With drop-outs (after sharing), the plain round has the same participants send nothing. Bytes
/// on the wire are the sum of the message payloads, both ways (byte arrays at their length, an int as 4 bytes), with
/// no transport framing, for both sides alike. Median of <c>repeats</c> rounds, after one warm-up round.
/// </summary>
public static class SecAggBenchmark
{
    public static void Run(int length, int repeats)
    {
        Console.WriteLine($"secure aggregation, {length:N0} parameters, {Environment.ProcessorCount} cores, median of {repeats} rounds (one thread)");
        Console.WriteLine("  n  t  drop-outs | plain: client ms  server ms  bytes      | secagg: client ms  server ms  bytes      | +client ms  +server ms  ×bytes");
        foreach (var (n, dropped) in new[] { (3, 0), (5, 0), (10, 0), (10, 1), (10, 4) })
        {
            var t = n / 2 + 1;
            var random = new Random(n);
            var updates = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
            // Without secure aggregation the participants that drop out simply send nothing.
            var sent = updates[..(n - dropped)];
            Plain(sent);
            Secure(updates, t, dropped);
            var plain = Enumerable.Range(0, repeats).Select(_ => Plain(sent)).ToArray();
            var secure = Enumerable.Range(0, repeats).Select(_ => Secure(updates, t, dropped)).ToArray();
            double Median(IEnumerable<double> values) => values.Order().ElementAt(repeats / 2);
            var (pc, ps, pb) = (Median(plain.Select(r => r.ClientMs)), Median(plain.Select(r => r.ServerMs)), plain[0].Bytes);
            var (sc, ss, sb) = (Median(secure.Select(r => r.ClientMs)), Median(secure.Select(r => r.ServerMs)), secure[0].Bytes);
            Console.WriteLine($"  {n,2} {t,2} {dropped,5}      | {pc,12:F2} {ps,10:F2}  {pb,10:N0} | {sc,13:F2} {ss,10:F2}  {sb,10:N0} | " +
                              $"{sc - pc,10:F2} {ss - ps,11:F2}  {(double)sb / pb,6:F3}×");
        }
    }

    private readonly record struct Figures(double ClientMs, double ServerMs, long Bytes);

    /// <summary>Each participant turns its floats into bytes; the server reads them back and sums.</summary>
    private static Figures Plain(float[][] updates)
    {
        var client = Stopwatch.StartNew();
        var messages = updates.Select(u => MemoryMarshal.AsBytes(u.AsSpan()).ToArray()).ToArray();
        var clientMs = client.Elapsed.TotalMilliseconds / updates.Length;
        var server = Stopwatch.StartNew();
        var sum = new float[updates[0].Length];
        foreach (var message in messages) TensorPrimitives.Add(sum, MemoryMarshal.Cast<byte, float>(message), sum);
        var serverMs = server.Elapsed.TotalMilliseconds;
        GC.KeepAlive(sum);
        return new(clientMs, serverMs, messages.Sum(m => (long)m.Length + 4));
    }

    /// <summary>One protocol round; the <paramref name="dropped"/> highest-numbered participants go silent after sharing.</summary>
    private static Figures Secure(float[][] updates, int threshold, int dropped)
    {
        var n = updates.Length;
        var parameters = new SecAggParameters("bench", 1, n, threshold, updates[0].Length, FixedPoint.Finest(1, n));
        var clientWatches = Enumerable.Range(0, n + 1).Select(_ => new Stopwatch()).ToArray();
        var serverWatch = new Stopwatch();
        long bytes = 0;
        T OnClient<T>(int participant, Func<T> step)
        {
            clientWatches[participant].Start();
            try { return step(); } finally { clientWatches[participant].Stop(); }
        }
        void OnServer(Action step)
        {
            serverWatch.Start();
            try { step(); } finally { serverWatch.Stop(); }
        }
        T OnServerValue<T>(Func<T> step)
        {
            serverWatch.Start();
            try { return step(); } finally { serverWatch.Stop(); }
        }

        var participants = Enumerable.Range(1, n).Select(p => OnClient(p, () => new SecAggParticipant(parameters, p))).ToArray();
        var server = OnServerValue(() => new SecAggServer(parameters));
        try
        {
            foreach (var p in participants)
            {
                var ad = OnClient(p.Participant, p.Advertise);
                bytes += 4 + ad.ShareEncryptionKey.Length + ad.MaskKey.Length;
                OnServer(() => server.Accept(ad));
            }
            var roster = OnServerValue(server.CloseAdvertising);
            bytes += n * roster.Keys.Sum(k => 4L + k.ShareEncryptionKey.Length + k.MaskKey.Length);

            foreach (var p in participants)
            {
                var bundle = OnClient(p.Participant, () => p.Share(roster));
                bytes += 4 + bundle.Shares.Sum(Size);
                OnServer(() => server.Accept(bundle));
            }
            var deliveries = OnServerValue(server.CloseSharing);
            bytes += deliveries.Values.Sum(d => 4 + d.Shares.Sum(Size));

            var survivors = participants.Take(n - dropped).ToArray();
            foreach (var p in survivors)
            {
                var input = OnClient(p.Participant, () => p.Mask(deliveries[p.Participant], updates[p.Participant - 1]));
                bytes += 4 + input.Masked.Length;
                OnServer(() => server.Accept(input));
            }
            var request = OnServerValue(server.CloseMasking);
            bytes += survivors.Length * 4L * (request.Survivors.Length + request.Dropped.Length);

            foreach (var p in survivors)
            {
                var response = OnClient(p.Participant, () => p.Reveal(request));
                bytes += 4 + response.SelfMaskShares.Concat(response.MaskKeyShares).Sum(s => 4L + s.Share.Length);
                OnServer(() => server.Accept(response));
            }
            var result = OnServerValue(server.Finish);
            if (result.Count != n - dropped) throw new InvalidOperationException($"the round summed {result.Count} updates, not {n - dropped}");
            // The figures are only worth reporting for a correct sum.
            var bound = parameters.Encoding.ErrorBound(result.Count);
            for (var i = 0; i < result.Sum.Length; i++)
            {
                var expected = survivors.Sum(p => (double)updates[p.Participant - 1][i]);
                if (Math.Abs(result.Sum[i] - expected) > bound) throw new InvalidOperationException($"sum[{i}] is {result.Sum[i]}, expected {expected}");
            }
            // Client time per participant: the mean over the survivors, who took all four steps.
            return new(survivors.Average(p => clientWatches[p.Participant].Elapsed.TotalMilliseconds), serverWatch.Elapsed.TotalMilliseconds, bytes);
        }
        finally
        {
            foreach (var p in participants) p.Dispose();
        }

        static long Size(EncryptedShare s) => 8 + s.Nonce.Length + s.Ciphertext.Length + s.Tag.Length;
    }
}
