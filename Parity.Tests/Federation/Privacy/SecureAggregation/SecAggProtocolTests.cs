using System.Runtime.InteropServices;
using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

/// <summary>Whole rounds of the double-masking protocol, participants and server in process, with and without drop-outs.</summary>
public sealed class SecAggProtocolTests
{
    private static List<float[]> Updates(int n, int length, double clip = 1, int seed = 11)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * clip)).ToArray())];
    }

    /// <summary>The decoded sum against the plaintext sum of <paramref name="contributors"/>, coordinate by coordinate, within the encoding's bound.</summary>
    private static void AssertSumOf(SecAggRound round, SecAggResult result, IReadOnlyList<float[]> updates, IEnumerable<int> contributors)
    {
        var members = contributors.ToArray();
        Assert.Equal(members.Length, result.Count);
        var bound = round.Parameters.Encoding.ErrorBound(members.Length);
        for (var i = 0; i < result.Sum.Length; i++)
        {
            var expected = members.Sum(p => (double)updates[p - 1][i]);
            Assert.True(Math.Abs(result.Sum[i] - expected) <= bound, $"sum[{i}] = {result.Sum[i]} but the plaintext sum is {expected} (bound {bound:E2})");
        }
    }

    [Theory]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    [InlineData(10, 6)]
    public void The_masked_sum_equals_the_plaintext_sum_within_the_fixed_point_bound(int n, int t)
    {
        var updates = Updates(n, 2_000);
        using var round = new SecAggRound(SecAggRound.Make(n, t, 2_000));
        var result = round.Run(updates);
        AssertSumOf(round, result, updates, Enumerable.Range(1, n));
        Assert.Equal(SecAggStep.Done, round.Server.Step);
        Assert.All(Enum.GetValues<SecAggStep>(), step => Assert.Empty(round.Server.DroppedAt(step)));
    }

    [Fact]
    public void Weighted_fedavg_is_the_masked_sum_of_weighted_updates_over_the_masked_sum_of_weights()
    {
        // Each participant sends (w·x, w) with w its example count scaled into the clip range; the server divides.
        const int n = 4, length = 500;
        var updates = Updates(n, length, clip: 0.5);
        double[] examples = [120, 40, 300, 90];
        const double maxExamples = 400;
        var inputs = Enumerable.Range(0, n).Select(k =>
            updates[k].Select(x => (float)(x * examples[k] / maxExamples)).Append((float)(examples[k] / maxExamples)).ToArray()).ToList();
        using var round = new SecAggRound(SecAggRound.Make(n, 3, length + 1));
        var result = round.Run(inputs);
        var weightSum = result.Sum[length];
        var bound = round.Parameters.Encoding.ErrorBound(n);
        Assert.True(Math.Abs(weightSum - examples.Sum() / maxExamples) <= bound);
        for (var i = 0; i < length; i++)
        {
            var fedAvg = Enumerable.Range(0, n).Sum(k => examples[k] * updates[k][i]) / examples.Sum();
            // |Σwx/Σw − (Σwx ± e)/(Σw ± e)| ≤ e(1 + |avg|)/(Σw − e) for e the sum's bound.
            var avgBound = bound * (1 + Math.Abs(fedAvg)) / (weightSum - bound) + 1e-7;
            Assert.True(Math.Abs(result.Sum[i] / weightSum - fedAvg) <= avgBound, $"avg[{i}] = {result.Sum[i] / weightSum}, FedAvg {fedAvg}");
        }
    }

    [Fact]
    public void A_participant_that_drops_after_sharing_and_before_masking_leaves_the_exact_sum_of_the_survivors()
    {
        var updates = Updates(5, 1_000);
        using var round = new SecAggRound(SecAggRound.Make(5, 3, 1_000));
        var result = round.Run(updates, new Dictionary<SecAggStep, int[]> { [SecAggStep.Masking] = [2, 5] });
        AssertSumOf(round, result, updates, [1, 3, 4]);
        Assert.Equal([2, 5], round.Server.DroppedAt(SecAggStep.Masking));
        Assert.Equal([2, 5], round.Request!.Dropped);
    }

    [Fact]
    public void A_participant_that_drops_after_masking_and_before_unmasking_is_still_in_the_sum()
    {
        var updates = Updates(5, 1_000);
        using var round = new SecAggRound(SecAggRound.Make(5, 3, 1_000));
        var result = round.Run(updates, new Dictionary<SecAggStep, int[]> { [SecAggStep.Unmasking] = [1, 4] });
        AssertSumOf(round, result, updates, [1, 2, 3, 4, 5]);
        Assert.Equal([1, 4], round.Server.DroppedAt(SecAggStep.Unmasking));
    }

    [Fact]
    public void Drop_outs_at_every_step_up_to_n_minus_t_in_all_still_give_the_survivors_sum()
    {
        var updates = Updates(10, 800);
        using var round = new SecAggRound(SecAggRound.Make(10, 6, 800));
        var result = round.Run(updates, new Dictionary<SecAggStep, int[]>
        {
            [SecAggStep.Advertising] = [10], [SecAggStep.Sharing] = [3], [SecAggStep.Masking] = [7], [SecAggStep.Unmasking] = [1],
        });
        AssertSumOf(round, result, updates, [1, 2, 4, 5, 6, 8, 9]);
        Assert.Equal([10], round.Server.DroppedAt(SecAggStep.Advertising));
        Assert.Equal([3], round.Server.DroppedAt(SecAggStep.Sharing));
        Assert.Equal([7], round.Server.DroppedAt(SecAggStep.Masking));
        Assert.Equal([1], round.Server.DroppedAt(SecAggStep.Unmasking));
    }

    [Theory]
    [InlineData(SecAggStep.Advertising, "advertised their keys")]
    [InlineData(SecAggStep.Sharing, "shared their secrets")]
    [InlineData(SecAggStep.Masking, "sent their masked inputs")]
    [InlineData(SecAggStep.Unmasking, "answered the unmasking request")]
    public void More_than_n_minus_t_drop_outs_fail_the_round_with_the_reason(SecAggStep step, string action)
    {
        var updates = Updates(5, 100);
        using var round = new SecAggRound(SecAggRound.Make(5, 3, 100, session: "s-9", round: 4));
        var error = Assert.Throws<SecureAggregationException>(() => round.Run(updates, new Dictionary<SecAggStep, int[]> { [step] = [1, 2, 5] }));
        Assert.Contains($"only 2 of 5 participants {action}", error.Message);
        Assert.Contains("the threshold is 3 (at most 2 of 5 may drop out)", error.Message);
        Assert.Contains("session s-9, round 4", error.Message);
        Assert.Equal(error.Message, round.Server.FailureReason);
        Assert.Equal([1, 2, 5], round.Server.DroppedAt(step));
        // A failed round stays failed.
        Assert.Equal(error.Message, Assert.Throws<SecureAggregationException>(() => round.Server.Finish()).Message);
    }

    [Fact]
    public void Every_masked_input_the_server_receives_looks_uniform_and_decodes_far_from_the_update()
    {
        const int n = 3, length = 20_000;
        var updates = Updates(n, length);
        using var round = new SecAggRound(SecAggRound.Make(n, 2, length));
        round.Run(updates);
        Assert.Equal(n, round.MaskedInputsReceived.Count);
        var encoding = round.Parameters.Encoding;
        foreach (var input in round.MaskedInputsReceived)
        {
            var words = MemoryMarshal.Cast<byte, uint>(input.Masked).ToArray();
            var plain = encoding.Encode(updates[input.From - 1]);
            // The encoded update alone sits near 0 in the ring: its top four bits are 0x0 or 0xF. A masked one spreads
            // evenly over all 16 values; χ² with 15 degrees of freedom exceeds 100 with probability below 1e-13.
            Assert.True(ChiSquareTopNibble(plain) > 10_000);
            var chiSquare = ChiSquareTopNibble(words);
            Assert.True(chiSquare < 100, $"participant {input.From}'s masked input is not uniform in the ring (χ² = {chiSquare:F1})");
            // Read as if it were an update, it is nowhere near the real one: the mean distance of a uniform ring value
            // from the update is about n·clip/2, the update's own spread clip/2.
            var decoded = encoding.DecodeSum(words, n);
            var meanDistance = Enumerable.Range(0, length).Average(i => Math.Abs(decoded[i] - updates[input.From - 1][i]));
            Assert.True(meanDistance > 0.5, $"participant {input.From}'s masked input decodes within {meanDistance} of its update");
            Assert.True(Enumerable.Range(0, length).Count(i => Math.Abs(decoded[i] - updates[input.From - 1][i]) <= encoding.ErrorBound(1)) < length / 100);
        }
    }

    [Fact]
    public void The_server_never_holds_a_vector_close_to_one_participants_update()
    {
        const int n = 3, length = 4_000;
        var updates = Updates(n, length);
        using var round = new SecAggRound(SecAggRound.Make(n, 2, length));
        var deliveries = Step2(round, Step1(round));
        var encoding = round.Parameters.Encoding;
        foreach (var p in round.Participants)
        {
            round.Server.Accept(p.Mask(deliveries[p.Participant], updates[p.Participant - 1]));
            // After each arrival, every vector-sized array the server object reaches (its running sum above all) is
            // compared with every update: none may agree with one in more than 1 % of coordinates.
            var vectors = VectorsReachableFrom(round.Server, length);
            Assert.NotEmpty(vectors);
            foreach (var vector in vectors)
            {
                var decoded = encoding.DecodeSum(vector, n);
                for (var k = 0; k < n; k++)
                {
                    var close = Enumerable.Range(0, length).Count(i => Math.Abs(decoded[i] - updates[k][i]) <= 1e-3);
                    Assert.True(close < length / 100, $"after participant {p.Participant}'s input the server holds a vector within 1e-3 of update {k + 1} in {close} coordinates");
                }
            }
        }
    }

    /// <summary>Ring vectors of <paramref name="length"/> words in the fields of <paramref name="root"/> and the objects and collections they reach.</summary>
    private static List<uint[]> VectorsReachableFrom(object root, int length)
    {
        var found = new List<uint[]>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        void Visit(object? value, int depth)
        {
            if (value is null || depth > 6 || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value)) return;
            switch (value)
            {
                case uint[] words when words.Length == length: found.Add(words); return;
                case byte[] bytes when bytes.Length == 4 * length: found.Add(MemoryMarshal.Cast<byte, uint>(bytes).ToArray()); return;
                case Array array when array.GetType().GetElementType()!.IsPrimitive: return;
                case System.Collections.IEnumerable items:
                    foreach (var item in items) Visit(item, depth + 1);
                    return;
            }
            if (value.GetType().Namespace?.StartsWith("Parity", StringComparison.Ordinal) != true && !value.GetType().IsGenericType) return;
            for (var type = value.GetType(); type is not null; type = type.BaseType)
                foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
                    Visit(field.GetValue(value), depth + 1);
        }
        Visit(root, 0);
        return found;
    }

    private static double ChiSquareTopNibble(uint[] words)
    {
        var counts = new int[16];
        foreach (var word in words) counts[word >> 28]++;
        var expected = words.Length / 16.0;
        return counts.Sum(c => (c - expected) * (c - expected) / expected);
    }

    [Fact]
    public void A_participant_refuses_to_reveal_both_shares_of_one_peer_and_answers_only_once()
    {
        var updates = Updates(5, 50);
        using var round = new SecAggRound(SecAggRound.Make(5, 3, 50));
        var roster = Step1(round);
        var deliveries = Step2(round, roster);
        foreach (var p in round.Participants) round.Server.Accept(p.Mask(deliveries[p.Participant], updates[p.Participant - 1]));
        var honest = round.Server.CloseMasking();
        var participant = round[1];

        var both = Assert.Throws<SecureAggregationException>(() => participant.Reveal(new UnmaskRequest([1, 2, 3, 4, 5], [4])));
        Assert.Contains("refuses to reveal both the self-mask share and the mask-key share of participant 4", both.Message);
        var partial = Assert.Throws<SecureAggregationException>(() => participant.Reveal(new UnmaskRequest([1, 2, 3], [4])));
        Assert.Contains("are not the participants it masked with", partial.Message);
        var notSelf = Assert.Throws<SecureAggregationException>(() => participant.Reveal(new UnmaskRequest([2, 3, 4, 5], [1])));
        Assert.Contains("does not list it as a survivor", notSelf.Message);
        var tooFew = Assert.Throws<SecureAggregationException>(() => participant.Reveal(new UnmaskRequest([1, 2], [3, 4, 5])));
        Assert.Contains("refuses to unmask a sum of 2 updates", tooFew.Message);

        var answer = participant.Reveal(honest);
        Assert.Equal([1, 2, 3, 4, 5], answer.SelfMaskShares.Select(s => s.Owner));
        Assert.Empty(answer.MaskKeyShares);
        // Having given the self-mask shares, it will not now give the mask-key share of peer 4 on a second request.
        var again = Assert.Throws<SecureAggregationException>(() => participant.Reveal(new UnmaskRequest([1, 2, 3, 5], [4])));
        Assert.Contains("has finished this round", again.Message);
    }

    [Fact]
    public void A_tampered_or_redirected_share_fails_authentication()
    {
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 10));
        var roster = Step1(round);
        var deliveries = Step2(round, roster);
        var update = new float[10];
        var delivery = deliveries[2];
        var original = delivery.Shares[0];

        var flipped = original.Ciphertext.ToArray();
        flipped[5] ^= 0x01;
        var tampered = Assert.Throws<SecureAggregationException>(() =>
            round[2].Mask(new ShareDelivery(2, [original with { Ciphertext = flipped }, delivery.Shares[1]]), update));
        Assert.Contains($"the share from participant {original.From} to 2 fails authentication", tampered.Message);

        var tag = original.Tag.ToArray();
        tag[0] ^= 0x80;
        Assert.Throws<SecureAggregationException>(() => round[2].Mask(new ShareDelivery(2, [original with { Tag = tag }, delivery.Shares[1]]), update));

        // Participant 3's share for 2, relabelled as 1's: sealed under another pair's key and associated data.
        var relabelled = delivery.Shares.Single(s => s.From == 3) with { From = 1 };
        var other = Assert.Throws<SecureAggregationException>(() => round[2].Mask(new ShareDelivery(2, [relabelled, delivery.Shares.Single(s => s.From == 3)]), update));
        Assert.Contains("fails authentication", other.Message);

        // The untouched delivery still works: the failed attempts changed nothing.
        round[2].Mask(delivery, update);
    }

    [Fact]
    public void A_share_sealed_for_another_round_of_the_same_pair_fails_authentication()
    {
        var parameters = SecAggRound.Make(3, 2, 10, round: 1);
        var key = new byte[32];
        var share = ShareCipher.Seal(key, parameters, 1, 2, new byte[132]);
        Assert.Equal(132, ShareCipher.Open(key, parameters, share).Length);
        Assert.Contains("fails authentication", Assert.Throws<SecureAggregationException>(() => ShareCipher.Open(key, SecAggRound.Make(3, 2, 10, round: 2), share)).Message);
        Assert.Contains("fails authentication", Assert.Throws<SecureAggregationException>(() => ShareCipher.Open(key, SecAggRound.Make(3, 2, 10, session: "other", round: 1), share)).Message);
    }

    [Theory]
    [InlineData(1, 1, "participantCount must be ≥ 2")]
    [InlineData(5, 1, "threshold must be between 2 and participantCount (5)")]
    [InlineData(5, 6, "threshold must be between 2 and participantCount (5)")]
    [InlineData(6, 3, "threshold must be more than half of participantCount (6), at least 4")]
    [InlineData(4, 2, "threshold must be more than half of participantCount (4), at least 3")]
    public void Wrong_threshold_or_participant_counts_are_rejected_with_the_rule(int n, int t, string message)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggParameters("s", 0, n, t, 10, FixedPoint.Finest(1, 10)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Other_bad_parameters_are_rejected_naming_the_field()
    {
        var encoding = FixedPoint.Finest(1, 5);
        Assert.Contains("sessionId", Assert.Throws<ArgumentException>(() => new SecAggParameters("", 0, 5, 3, 10, encoding)).Message);
        Assert.Contains("round", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggParameters("s", -1, 5, 3, 10, encoding)).Message);
        Assert.Contains("vectorLength", Assert.Throws<ArgumentOutOfRangeException>(() => new SecAggParameters("s", 0, 5, 3, 0, encoding)).Message);
        Assert.Contains("the encoding holds sums of 5 updates, fewer than participantCount (7)",
            Assert.Throws<ArgumentException>(() => new SecAggParameters("s", 0, 7, 4, 10, encoding)).Message);
        Assert.Contains("not a participant of this round (1 to 5)",
            Assert.Throws<SecureAggregationException>(() => new SecAggParticipant(new SecAggParameters("s", 0, 5, 3, 10, encoding), 6)).Message);
    }

    [Fact]
    public void Steps_out_of_order_and_repeated_or_foreign_messages_are_refused()
    {
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 10));
        Assert.Contains("its next step is Advertising", Assert.Throws<SecureAggregationException>(() => round[1].Share(new KeyRoster([]))).Message);
        var advertisement = round[1].Advertise();
        round.Server.Accept(advertisement);
        Assert.Contains("advertised its keys twice", Assert.Throws<SecureAggregationException>(() => round.Server.Accept(advertisement)).Message);
        Assert.Contains("not a P-256 public key",
            Assert.Throws<SecureAggregationException>(() => round.Server.Accept(round[2].Advertise() with { MaskKey = [1, 2, 3] })).Message);
        round.Server.Accept(round[3].Advertise());
        Assert.Contains("cannot take a masked input now", Assert.Throws<SecureAggregationException>(() => round.Server.Accept(new MaskedInput(1, new byte[40]))).Message);
        var roster = round.Server.CloseAdvertising();
        Assert.Equal([1, 3], roster.Keys.Select(k => k.Participant));
        Assert.Contains("not on the roster", Assert.Throws<SecureAggregationException>(() => round.Server.Accept(new ShareBundle(2, []))).Message);

        var bundle = round[1].Share(roster);
        Assert.Contains("the roster needs exactly 3",
            Assert.Throws<SecureAggregationException>(() => round.Server.Accept(bundle with { Shares = [] })).Message);
        round.Server.Accept(bundle);
        round.Server.Accept(round[3].Share(roster));
        var deliveries = round.Server.CloseSharing();
        Assert.Contains("expects 40 (10 words)",
            Assert.Throws<SecureAggregationException>(() => round.Server.Accept(new MaskedInput(1, new byte[36]))).Message);
        var input = round[1].Mask(deliveries[1], new float[10]);
        round.Server.Accept(input);
        Assert.Contains("sent its masked input twice", Assert.Throws<SecureAggregationException>(() => round.Server.Accept(input)).Message);
        Assert.Contains("the update has 9 coordinates", Assert.Throws<ArgumentException>(() => round[3].Mask(deliveries[3], new float[9])).Message);
        Assert.Contains("update[2]", Assert.Throws<ArgumentOutOfRangeException>(() => round[3].Mask(deliveries[3], [0, 0, 7, 0, 0, 0, 0, 0, 0, 0])).Message);
    }

    [Fact]
    public void A_roster_that_alters_the_participants_own_keys_or_repeats_a_key_is_refused()
    {
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 10));
        var ads = round.Participants.Select(p => p.Advertise()).ToArray();
        var swapped = new KeyRoster([ads[0] with { MaskKey = ads[1].MaskKey }, ads[1], ads[2]]);
        Assert.Contains("does not carry participant 1's own keys", Assert.Throws<SecureAggregationException>(() => round[1].Share(swapped)).Message);
        var repeated = new KeyRoster([ads[0], ads[1] with { MaskKey = ads[2].MaskKey }, ads[2]]);
        Assert.Contains("repeats a public key", Assert.Throws<SecureAggregationException>(() => round[1].Share(repeated)).Message);
        Assert.Contains("fewer than the threshold 2", Assert.Throws<SecureAggregationException>(() => round[1].Share(new KeyRoster([ads[0]]))).Message);
    }

    [Fact]
    public void Corrupted_revealed_shares_fail_the_round_instead_of_returning_a_wrong_sum()
    {
        var updates = Updates(3, 20);
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 20));
        var deliveries = Step2(round, Step1(round));
        round.Server.Accept(round[1].Mask(deliveries[1], updates[0]));
        round.Server.Accept(round[2].Mask(deliveries[2], updates[1]));
        var request = round.Server.CloseMasking();
        Assert.Equal([3], request.Dropped);
        var answer = round[1].Reveal(request);
        var bad = answer.MaskKeyShares[0].Share.ToArray();
        bad[^1] ^= 0x01;
        round.Server.Accept(answer with { MaskKeyShares = [answer.MaskKeyShares[0] with { Share = bad }] });
        round.Server.Accept(round[2].Reveal(request));
        var error = Assert.Throws<SecureAggregationException>(() => round.Server.Finish());
        Assert.Contains("the revealed shares do not unmask the sum", error.Message);
    }

    [Fact]
    public void Changing_the_unmasking_request_handed_out_does_not_change_what_the_server_unmasks()
    {
        var updates = Updates(3, 30);
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 30));
        var deliveries = Step2(round, Step1(round));
        round.Server.Accept(round[1].Mask(deliveries[1], updates[0]));
        round.Server.Accept(round[3].Mask(deliveries[3], updates[2]));
        var request = round.Server.CloseMasking();
        var answers = new[] { round[1].Reveal(request), round[3].Reveal(request) };
        request.Survivors[0] = 2;
        request.Dropped[0] = 1;
        foreach (var answer in answers) round.Server.Accept(answer);
        AssertSumOf(round, round.Server.Finish(), updates, [1, 3]);
    }

    [Fact]
    public void A_dropped_participants_mask_key_rebuilt_from_shares_of_another_key_fails_the_round()
    {
        var updates = Updates(3, 20);
        using var round = new SecAggRound(SecAggRound.Make(3, 2, 20));
        var deliveries = Step2(round, Step1(round));
        round.Server.Accept(round[1].Mask(deliveries[1], updates[0]));
        round.Server.Accept(round[2].Mask(deliveries[2], updates[1]));
        var request = round.Server.CloseMasking();
        // Valid shares of a valid P-256 scalar, but not participant 3's.
        using var stranger = SecAggKeys.NewKeyPair();
        var forged = ShamirSecretSharing.Split(stranger.ExportParameters(true).D, 2, [1, 2, 3]);
        foreach (var p in new[] { round[1], round[2] })
        {
            var answer = p.Reveal(request);
            round.Server.Accept(answer with { MaskKeyShares = [new RevealedShare(3, forged[p.Participant - 1])] });
        }
        var error = Assert.Throws<SecureAggregationException>(() => round.Server.Finish());
        Assert.Contains("the rebuilt mask key of participant 3 does not match the key it advertised", error.Message);
    }

    [Fact]
    public void A_server_telling_two_groups_different_stories_gets_too_few_mask_key_shares_when_t_is_above_n_over_2()
    {
        // n = 5, t = 3. The server tells {1, 2, 5} that everyone survived and {3, 4} that 5 dropped, hoping for 5's
        // self-mask seed from the first group and its mask key from the second. Each participant's request is
        // consistent on its own, so all answer; but the second group is two, below t, and 5's key stays hidden.
        var updates = Updates(5, 20);
        using var round = new SecAggRound(SecAggRound.Make(5, 3, 20));
        var roster = Step1(round);
        var deliveries = Step2(round, roster);
        foreach (var p in round.Participants) round.Server.Accept(p.Mask(deliveries[p.Participant], updates[p.Participant - 1]));
        var everyone = new UnmaskRequest([1, 2, 3, 4, 5], []);
        var fiveDropped = new UnmaskRequest([1, 2, 3, 4], [5]);
        var seedShares = new[] { 1, 2, 5 }.Select(p => round[p].Reveal(everyone).SelfMaskShares.Single(s => s.Owner == 5).Share).ToArray();
        var keyShares = new[] { 3, 4 }.Select(p => round[p].Reveal(fiveDropped).MaskKeyShares.Single(s => s.Owner == 5).Share).ToArray();
        Assert.Equal(3, seedShares.Length);
        Assert.Equal(2, keyShares.Length);
        // Two shares of a degree-2 polynomial interpolate to an unrelated value: not participant 5's advertised key.
        var advertised = roster.Keys.Single(k => k.Participant == 5).MaskKey;
        try
        {
            var scalar = ShamirSecretSharing.Combine([3, 4], keyShares);
            using var guess = System.Security.Cryptography.ECDiffieHellman.Create();
            guess.ImportParameters(new System.Security.Cryptography.ECParameters { Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256, D = scalar });
            Assert.NotEqual(advertised, guess.ExportSubjectPublicKeyInfo());
        }
        catch (Exception e) when (e is SecureAggregationException or System.Security.Cryptography.CryptographicException)
        {
            // No 32-byte value, or no valid scalar: nothing learnt either.
        }
        // And the parameters refuse the threshold that would have let the trick work (two groups of t = 2 in n = 5).
        Assert.Throws<ArgumentOutOfRangeException>(() => SecAggRound.Make(5, 2, 20));
    }

    private static KeyRoster Step1(SecAggRound round)
    {
        foreach (var p in round.Participants) round.Server.Accept(p.Advertise());
        return round.Server.CloseAdvertising();
    }

    private static IReadOnlyDictionary<int, ShareDelivery> Step2(SecAggRound round, KeyRoster roster)
    {
        foreach (var p in round.Participants) round.Server.Accept(p.Share(roster));
        return round.Server.CloseSharing();
    }
}
