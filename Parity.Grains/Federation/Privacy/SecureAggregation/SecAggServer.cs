using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// The server's side of a secure-aggregation round: it relays keys and encrypted shares, adds up masked inputs, and
/// with the survivors' revealed shares removes the masks from the total. Each step collects messages
/// (<c>Accept</c>) until the caller closes it (<c>Close…</c>, at the step's quorum or deadline); who has not sent by
/// then has dropped at that step (<see cref="DroppedAt"/>). Every close checks that at least the threshold of
/// participants is left, and otherwise fails the round with the reason (<see cref="FailureReason"/>).
/// <para>
/// What it holds: public keys, ciphertexts it cannot open, and the running ring sum of the masked inputs; no input is
/// kept apart (each is added into the sum as it arrives). Only <see cref="Finish"/> removes masks, from the total, so
/// the only unmasked vector it ever has is the sum.
/// </para>
/// Not thread-safe: one caller at a time, as a grain's turns are.
/// </summary>
public sealed class SecAggServer
{
    private readonly SecAggParameters _parameters;
    private SecAggStep _step = SecAggStep.Advertising;
    private readonly Dictionary<int, KeyAdvertisement> _advertised = [];
    private readonly Dictionary<int, ShareBundle> _bundles = [];
    private int[] _sharers = [];
    private readonly HashSet<int> _maskedSenders = [];
    private readonly uint[] _sum;
    private UnmaskRequest? _request;
    private readonly Dictionary<int, UnmaskResponse> _responses = [];
    private readonly Dictionary<SecAggStep, int[]> _dropped = [];

    public SecAggServer(SecAggParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters;
        _sum = new uint[parameters.VectorLength];
    }

    /// <summary>The step whose messages the server takes now.</summary>
    public SecAggStep Step => _step;

    /// <summary>Why the round failed, once it has; every later call fails with it too.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>The participants expected at <paramref name="step"/> whose message did not come before it closed.</summary>
    public IReadOnlyList<int> DroppedAt(SecAggStep step) => _dropped.TryGetValue(step, out var dropped) ? dropped : [];

    public void Accept(KeyAdvertisement advertisement)
    {
        ArgumentNullException.ThrowIfNull(advertisement);
        Expect(SecAggStep.Advertising, "a key advertisement");
        _parameters.CheckParticipant(advertisement.Participant, "a key advertisement from participant");
        // Parsing the keys here turns a bad key into one participant's error rather than every peer's.
        SecAggKeys.ImportPublicKey(advertisement.ShareEncryptionKey, advertisement.Participant, "share-encryption").Dispose();
        SecAggKeys.ImportPublicKey(advertisement.MaskKey, advertisement.Participant, "mask").Dispose();
        if (!_advertised.TryAdd(advertisement.Participant, advertisement))
            throw new SecureAggregationException($"participant {advertisement.Participant} advertised its keys twice");
    }

    /// <summary>Ends step 1: the roster every advertiser receives.</summary>
    public KeyRoster CloseAdvertising()
    {
        Expect(SecAggStep.Advertising, "the end of advertising");
        Close(SecAggStep.Advertising, Enumerable.Range(1, _parameters.ParticipantCount), _advertised.Keys, "advertised their keys");
        _step = SecAggStep.Sharing;
        return new KeyRoster([.. _advertised.Values.OrderBy(a => a.Participant)]);
    }

    public void Accept(ShareBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        Expect(SecAggStep.Sharing, "a share bundle");
        if (!_advertised.ContainsKey(bundle.From))
            throw new SecureAggregationException($"participant {bundle.From} sent shares but is not on the roster");
        if (_bundles.ContainsKey(bundle.From)) throw new SecureAggregationException($"participant {bundle.From} sent its shares twice");
        // One share for every other participant on the roster, no more: a missing one would leave a peer unable to
        // help unmask, and the masks that peer adds would then be unremovable.
        var recipients = bundle.Shares.Select(s => s.To).Order().ToArray();
        var expected = _advertised.Keys.Where(p => p != bundle.From).Order().ToArray();
        if (bundle.Shares.Any(s => s.From != bundle.From) || !recipients.SequenceEqual(expected))
            throw new SecureAggregationException(
                $"participant {bundle.From}'s shares are addressed to {string.Join(",", recipients)}; the roster needs exactly {string.Join(",", expected)}");
        _bundles[bundle.From] = bundle;
    }

    /// <summary>Ends step 2: for every participant that shared, the shares addressed to it by the others that shared.</summary>
    public IReadOnlyDictionary<int, ShareDelivery> CloseSharing()
    {
        Expect(SecAggStep.Sharing, "the end of sharing");
        Close(SecAggStep.Sharing, _advertised.Keys, _bundles.Keys, "shared their secrets");
        _sharers = [.. _bundles.Keys.Order()];
        _step = SecAggStep.Masking;
        return _sharers.ToDictionary(to => to, to => new ShareDelivery(to,
            [.. _sharers.Where(from => from != to).Select(from => _bundles[from].Shares.Single(s => s.To == to))]));
    }

    /// <summary>Adds a masked input into the running sum; the input itself is not kept.</summary>
    public void Accept(MaskedInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Expect(SecAggStep.Masking, "a masked input");
        if (Array.BinarySearch(_sharers, input.From) < 0)
            throw new SecureAggregationException($"participant {input.From} sent a masked input but did not share its secrets");
        if (input.Masked.Length != 4 * _parameters.VectorLength)
            throw new SecureAggregationException(
                $"participant {input.From}'s masked input is {input.Masked.Length} bytes; the round expects {4 * _parameters.VectorLength} ({_parameters.VectorLength} words)");
        if (!_maskedSenders.Add(input.From)) throw new SecureAggregationException($"participant {input.From} sent its masked input twice");
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<byte, uint>(input.Masked);
        // The wire order is little-endian; a big-endian host turns the words round first.
        if (!BitConverter.IsLittleEndian) words = words.ToArray().Select(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness).ToArray();
        System.Numerics.Tensors.TensorPrimitives.Add(_sum, words, _sum);
    }

    /// <summary>Ends step 3: the request every participant whose masked input arrived receives.</summary>
    public UnmaskRequest CloseMasking()
    {
        Expect(SecAggStep.Masking, "the end of masking");
        Close(SecAggStep.Masking, _sharers, _maskedSenders, "sent their masked inputs");
        _request = new UnmaskRequest([.. _maskedSenders.Order()], [.. _sharers.Except(_maskedSenders).Order()]);
        _step = SecAggStep.Unmasking;
        // A copy: the caller may hand the arrays on (in process, without a serializer's copy) and must not reach the server's own.
        return new UnmaskRequest([.. _request.Survivors], [.. _request.Dropped]);
    }

    public void Accept(UnmaskResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        Expect(SecAggStep.Unmasking, "an unmasking response");
        if (Array.BinarySearch(_request!.Survivors, response.From) < 0)
            throw new SecureAggregationException($"participant {response.From} answered the unmasking request but is not a survivor");
        if (_responses.ContainsKey(response.From)) throw new SecureAggregationException($"participant {response.From} answered the unmasking request twice");
        if (!response.SelfMaskShares.Select(s => s.Owner).SequenceEqual(_request.Survivors)
            || !response.MaskKeyShares.Select(s => s.Owner).SequenceEqual(_request.Dropped))
            throw new SecureAggregationException(
                $"participant {response.From}'s unmasking response does not hold one self-mask share per survivor and one mask-key share per dropped participant, in order");
        _responses[response.From] = response;
    }

    /// <summary>Ends step 4: rebuilds the secrets from threshold-many responses, removes every mask from the sum and decodes it.</summary>
    /// <exception cref="SecureAggregationException">Fewer than the threshold answered, or the shares do not rebuild the secrets.</exception>
    public SecAggResult Finish()
    {
        Expect(SecAggStep.Unmasking, "the end of unmasking");
        var survivors = _request!.Survivors;
        Close(SecAggStep.Unmasking, survivors, _responses.Keys, "answered the unmasking request");
        // Any t shares rebuild a secret; the lowest-numbered responders' are taken, the same set for every secret.
        var holders = _responses.Keys.Order().Take(_parameters.Threshold).ToArray();
        var lagrange = ShamirSecretSharing.LagrangeAtZero(holders);
        try
        {
            for (var i = 0; i < survivors.Length; i++)
            {
                var seed = ShamirSecretSharing.Combine(holders, lagrange, [.. holders.Select(h => _responses[h].SelfMaskShares[i].Share)]);
                MaskExpansion.Apply(_sum, seed, subtract: true);
                CryptographicOperations.ZeroMemory(seed);
            }
            for (var i = 0; i < _request.Dropped.Length; i++)
            {
                var gone = _request.Dropped[i];
                using var maskKey = RebuildMaskKey(gone, ShamirSecretSharing.Combine(holders, lagrange, [.. holders.Select(h => _responses[h].MaskKeyShares[i].Share)]));
                foreach (var survivor in survivors)
                {
                    using var survivorKey = SecAggKeys.ImportPublicKey(_advertised[survivor].MaskKey, survivor, "mask");
                    var seed = SecAggKeys.Agree(maskKey, survivorKey, SecAggKeys.MaskPurpose, _parameters, gone, survivor);
                    // The survivor added this mask if it is the lower of the pair and took it away otherwise; undo that.
                    MaskExpansion.Apply(_sum, seed, subtract: survivor < gone);
                    CryptographicOperations.ZeroMemory(seed);
                }
            }
        }
        catch (SecureAggregationException e)
        {
            throw Fail($"the revealed shares do not unmask the sum: {e.Message}");
        }
        _step = SecAggStep.Done;
        return new SecAggResult(_parameters.Encoding.DecodeSum(_sum, survivors.Length), survivors.Length);
    }

    /// <summary>The dropped participant's mask key from its rebuilt private scalar, checked against the public key it advertised.</summary>
    private ECDiffieHellman RebuildMaskKey(int participant, byte[] scalar)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
            // The points are compared, not the encodings: a key may be advertised in another valid encoding of one point.
            using var advertised = SecAggKeys.ImportPublicKey(_advertised[participant].MaskKey, participant, "mask");
            var (rebuilt, expected) = (key.ExportParameters(false).Q, advertised.ExportParameters(false).Q);
            if (!rebuilt.X.AsSpan().SequenceEqual(expected.X) || !rebuilt.Y.AsSpan().SequenceEqual(expected.Y))
                throw new SecureAggregationException($"the rebuilt mask key of participant {participant} does not match the key it advertised");
            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new SecureAggregationException($"the rebuilt mask key of participant {participant} is not a P-256 private key: {e.Message}", e);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>Records who dropped at <paramref name="step"/>, and fails the round when fewer than the threshold are left.</summary>
    private void Close(SecAggStep step, IEnumerable<int> expected, IEnumerable<int> arrived, string action)
    {
        var expectedSet = expected.ToHashSet();
        var arrivedSet = arrived.ToHashSet();
        _dropped[step] = [.. expectedSet.Except(arrivedSet).Order()];
        if (arrivedSet.Count < _parameters.Threshold)
            throw Fail($"only {arrivedSet.Count} of {expectedSet.Count} participants {action} at the {step.ToString().ToLowerInvariant()} step; " +
                       $"the threshold is {_parameters.Threshold} (at most {_parameters.ToleratedDropOuts} of {_parameters.ParticipantCount} may drop out)");
    }

    private SecureAggregationException Fail(string reason)
    {
        FailureReason = $"secure aggregation failed in session {_parameters.SessionId}, round {_parameters.Round}: {reason}";
        return new SecureAggregationException(FailureReason);
    }

    private void Expect(SecAggStep step, string what)
    {
        if (FailureReason is not null) throw new SecureAggregationException(FailureReason);
        if (_step != step)
            throw new SecureAggregationException($"the server cannot take {what} now: the round is at the {_step.ToString().ToLowerInvariant()} step");
    }
}
