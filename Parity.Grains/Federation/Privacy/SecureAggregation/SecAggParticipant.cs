using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// One participant's side of a secure-aggregation round (double masking, after Bonawitz et al., "Practical Secure
/// Aggregation for Privacy-Preserving Machine Learning", CCS 2017). Its steps, in order:
/// <list type="number">
/// <item><see cref="Advertise"/>: two fresh P-256 public keys, one for share encryption, one for pairwise masks.</item>
/// <item><see cref="Share"/>: given the roster, Shamir-shares a fresh self-mask seed b and the mask private key among
/// the roster (threshold t), and encrypts each peer's pair of shares to that peer.</item>
/// <item><see cref="Mask"/>: given the shares that reached it, the update in the fixed-point ring plus PRG(b), plus
/// PRG(s_uv) for every peer v above it and minus PRG(s_uv) for every peer below it, s_uv the seed agreed with v.</item>
/// <item><see cref="Reveal"/>: once, and only if the survivors and the dropped are a true split of the peers it masked
/// with, its shares of the survivors' seeds b and of the dropped participants' mask keys.</item>
/// </list>
/// Each step may run once, in this order (a step that throws may be retried: it has given nothing out). The object
/// holds the round's secrets; dispose it when the round ends. Not thread-safe.
/// </summary>
public sealed class SecAggParticipant : IDisposable
{
    private readonly SecAggParameters _parameters;
    private readonly ECDiffieHellman _shareEncryptionKey = SecAggKeys.NewKeyPair();
    private readonly ECDiffieHellman _maskKey = SecAggKeys.NewKeyPair();
    private readonly KeyAdvertisement _advertisement;
    private SecAggStep _next = SecAggStep.Advertising;
    private Dictionary<int, KeyAdvertisement> _roster = [];
    private byte[] _selfMaskSeed = [];
    /// <summary>Shares held, by owner (this participant's own included): the owner's seed-b share and mask-key share.</summary>
    private readonly Dictionary<int, (byte[] SelfMask, byte[] MaskKey)> _held = [];
    /// <summary>U2 as this participant saw it: itself and every peer whose shares reached it; its pairwise masks cover these.</summary>
    private int[] _maskedWith = [];

    public SecAggParticipant(SecAggParameters parameters, int participant)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.CheckParticipant(participant, "participant");
        _parameters = parameters;
        Participant = participant;
        _advertisement = new KeyAdvertisement(participant, _shareEncryptionKey.ExportSubjectPublicKeyInfo(), _maskKey.ExportSubjectPublicKeyInfo());
    }

    public int Participant { get; }

    public KeyAdvertisement Advertise()
    {
        Expect(SecAggStep.Advertising, "advertise its keys");
        _next = SecAggStep.Sharing;
        return _advertisement;
    }

    /// <exception cref="SecureAggregationException">The roster is below the threshold, lacks or alters this participant's keys, repeats a participant or a key.</exception>
    public ShareBundle Share(KeyRoster roster)
    {
        ArgumentNullException.ThrowIfNull(roster);
        Expect(SecAggStep.Sharing, "share its secrets");
        var entries = new Dictionary<int, KeyAdvertisement>();
        foreach (var entry in roster.Keys)
        {
            _parameters.CheckParticipant(entry.Participant, "the roster lists participant");
            if (!entries.TryAdd(entry.Participant, entry))
                throw new SecureAggregationException($"the roster lists participant {entry.Participant} twice");
        }
        if (entries.Count < _parameters.Threshold)
            throw new SecureAggregationException($"the roster holds {entries.Count} participants, fewer than the threshold {_parameters.Threshold}");
        if (!entries.TryGetValue(Participant, out var own)
            || !own.ShareEncryptionKey.AsSpan().SequenceEqual(_advertisement.ShareEncryptionKey)
            || !own.MaskKey.AsSpan().SequenceEqual(_advertisement.MaskKey))
            throw new SecureAggregationException($"the roster does not carry participant {Participant}'s own keys as it advertised them");
        // Every key must be distinct: a key listed twice would make two pairs agree the same seeds.
        var keys = entries.Values.SelectMany(e => new[] { Convert.ToHexString(e.ShareEncryptionKey), Convert.ToHexString(e.MaskKey) }).ToList();
        if (keys.Distinct().Count() != keys.Count) throw new SecureAggregationException("the roster repeats a public key");
        _roster = entries;

        var holders = entries.Keys.Order().ToArray();
        _selfMaskSeed = RandomNumberGenerator.GetBytes(MaskExpansion.SeedBytes);
        var maskPrivate = _maskKey.ExportParameters(includePrivateParameters: true).D!;
        var selfMaskShares = ShamirSecretSharing.Split(_selfMaskSeed, _parameters.Threshold, holders);
        var maskKeyShares = ShamirSecretSharing.Split(maskPrivate, _parameters.Threshold, holders);
        CryptographicOperations.ZeroMemory(maskPrivate);

        var sealedShares = new List<EncryptedShare>(holders.Length - 1);
        var plaintext = new byte[2 * ShamirSecretSharing.ShareBytes];
        for (var k = 0; k < holders.Length; k++)
        {
            var peer = holders[k];
            if (peer == Participant)
            {
                _held[Participant] = (selfMaskShares[k], maskKeyShares[k]);
                continue;
            }
            selfMaskShares[k].CopyTo(plaintext, 0);
            maskKeyShares[k].CopyTo(plaintext, ShamirSecretSharing.ShareBytes);
            var key = PeerKey(peer, SecAggKeys.ShareEncryptionPurpose);
            sealedShares.Add(ShareCipher.Seal(key, _parameters, Participant, peer, plaintext));
            CryptographicOperations.ZeroMemory(key);
        }
        CryptographicOperations.ZeroMemory(plaintext);
        _next = SecAggStep.Masking;
        return new ShareBundle(Participant, [.. sealedShares]);
    }

    /// <summary>The masked update. <paramref name="update"/> must already be clipped to the encoding's range (and noised, under DP).</summary>
    /// <exception cref="SecureAggregationException">A share is not for this participant, comes from off the roster, repeats, or fails authentication; or too few peers shared.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A coordinate lies outside the clip range; the message names it.</exception>
    public MaskedInput Mask(ShareDelivery delivery, ReadOnlySpan<float> update)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        Expect(SecAggStep.Masking, "mask its update");
        if (update.Length != _parameters.VectorLength)
            throw new ArgumentException($"the update has {update.Length} coordinates; the round expects {_parameters.VectorLength}", nameof(update));
        if (delivery.To != Participant)
            throw new SecureAggregationException($"participant {Participant} was handed the share delivery for participant {delivery.To}");
        var received = new Dictionary<int, (byte[], byte[])>();
        foreach (var share in delivery.Shares)
        {
            if (share.To != Participant)
                throw new SecureAggregationException($"participant {Participant} was handed a share for participant {share.To}");
            if (share.From == Participant || !_roster.ContainsKey(share.From))
                throw new SecureAggregationException($"participant {Participant} was handed a share from participant {share.From}, who is not a peer on the roster");
            if (received.ContainsKey(share.From))
                throw new SecureAggregationException($"participant {Participant} was handed two shares from participant {share.From}");
            var key = PeerKey(share.From, SecAggKeys.ShareEncryptionPurpose);
            var plaintext = ShareCipher.Open(key, _parameters, share);
            CryptographicOperations.ZeroMemory(key);
            if (plaintext.Length != 2 * ShamirSecretSharing.ShareBytes)
                throw new SecureAggregationException($"the share from participant {share.From} to {Participant} has {plaintext.Length} bytes, not {2 * ShamirSecretSharing.ShareBytes}");
            received[share.From] = (plaintext[..ShamirSecretSharing.ShareBytes], plaintext[ShamirSecretSharing.ShareBytes..]);
        }
        if (received.Count + 1 < _parameters.Threshold)
            throw new SecureAggregationException(
                $"only {received.Count + 1} participants shared their secrets with participant {Participant}; the threshold is {_parameters.Threshold}");
        foreach (var (owner, shares) in received) _held[owner] = shares;
        _maskedWith = [.. received.Keys.Append(Participant).Order()];

        var words = _parameters.Encoding.Encode(update);
        MaskExpansion.Apply(words, _selfMaskSeed, subtract: false);
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
        foreach (var peer in _maskedWith)
        {
            if (peer == Participant) continue;
            var seed = PeerKey(peer, SecAggKeys.MaskPurpose);
            // The lower-numbered of the pair adds the mask and the higher one takes it away: the two cancel in the sum.
            MaskExpansion.Apply(words, seed, subtract: peer < Participant);
            CryptographicOperations.ZeroMemory(seed);
        }
        _next = SecAggStep.Unmasking;
        // The wire order is little-endian (the host's on every platform Parity runs on).
        if (!BitConverter.IsLittleEndian)
            for (var i = 0; i < words.Length; i++) words[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words[i]);
        return new MaskedInput(Participant, MemoryMarshal.AsBytes(words.AsSpan()).ToArray());
    }

    /// <summary>
    /// The shares the server needs to remove the masks. Refuses, revealing nothing, unless the request splits exactly
    /// the participants this one masked with into survivors (this one among them, at least the threshold) and dropped,
    /// with no participant in both lists: the self-mask seed and the mask key of one participant together would unmask
    /// its update. Answers once; a second request is refused, whatever it holds.
    /// </summary>
    public UnmaskResponse Reveal(UnmaskRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Expect(SecAggStep.Unmasking, "reveal its shares");
        var both = request.Survivors.Intersect(request.Dropped).Order().ToArray();
        if (both.Length > 0)
            throw new SecureAggregationException(
                $"participant {Participant} refuses to reveal both the self-mask share and the mask-key share of participant {both[0]} " +
                "(listed as survivor and as dropped); that would expose its update");
        var survivors = request.Survivors.Distinct().ToArray();
        var dropped = request.Dropped.Distinct().ToArray();
        if (survivors.Length != request.Survivors.Length || dropped.Length != request.Dropped.Length)
            throw new SecureAggregationException($"participant {Participant} refuses an unmasking request that lists a participant twice");
        if (!survivors.Concat(dropped).Order().SequenceEqual(_maskedWith))
            throw new SecureAggregationException(
                $"participant {Participant} refuses an unmasking request whose survivors and dropped ({string.Join(",", survivors.Concat(dropped).Order())}) " +
                $"are not the participants it masked with ({string.Join(",", _maskedWith)})");
        if (!survivors.Contains(Participant))
            throw new SecureAggregationException($"participant {Participant} refuses an unmasking request that does not list it as a survivor");
        if (survivors.Length < _parameters.Threshold)
            throw new SecureAggregationException(
                $"participant {Participant} refuses to unmask a sum of {survivors.Length} updates; the threshold is {_parameters.Threshold}");
        // Past this point the answer is given: no second request is answered, so no other split can be asked for.
        _next = SecAggStep.Done;
        return new UnmaskResponse(Participant,
            [.. survivors.Order().Select(owner => new RevealedShare(owner, _held[owner].SelfMask))],
            [.. dropped.Order().Select(owner => new RevealedShare(owner, _held[owner].MaskKey))]);
    }

    public void Dispose()
    {
        _shareEncryptionKey.Dispose();
        _maskKey.Dispose();
        CryptographicOperations.ZeroMemory(_selfMaskSeed);
    }

    /// <summary>The key agreed with <paramref name="peer"/> for <paramref name="purpose"/>, from this participant's matching key pair.</summary>
    private byte[] PeerKey(int peer, string purpose)
    {
        var mask = purpose == SecAggKeys.MaskPurpose;
        var advertised = _roster[peer];
        using var peerKey = SecAggKeys.ImportPublicKey(mask ? advertised.MaskKey : advertised.ShareEncryptionKey, peer, mask ? "mask" : "share-encryption");
        return SecAggKeys.Agree(mask ? _maskKey : _shareEncryptionKey, peerKey, purpose, _parameters, Participant, peer);
    }

    private void Expect(SecAggStep step, string action)
    {
        if (_next != step)
            throw new SecureAggregationException(
                _next == SecAggStep.Done
                    ? $"participant {Participant} has finished this round and will not {action} again"
                    : $"participant {Participant} cannot {action} now: its next step is {_next}");
    }
}
