using Parity.Federation.Privacy.SecureAggregation;

namespace Parity.Tests.Federation.Privacy.SecureAggregation;

/// <summary>
/// Drives one secure-aggregation round in process, message by message, as a session would: every participant that is
/// still up answers each step, the server closes the step, and a participant listed in a drop-out set goes silent
/// from that step on. Every message the server receives is also kept here, for the tests that inspect the server's view.
/// </summary>
internal sealed class SecAggRound : IDisposable
{
    public SecAggRound(SecAggParameters parameters)
    {
        Parameters = parameters;
        Server = new SecAggServer(parameters);
        Participants = [.. Enumerable.Range(1, parameters.ParticipantCount).Select(p => new SecAggParticipant(parameters, p))];
    }

    public SecAggParameters Parameters { get; }
    public SecAggServer Server { get; }
    public SecAggParticipant[] Participants { get; }
    public List<MaskedInput> MaskedInputsReceived { get; } = [];
    public KeyRoster? Roster { get; private set; }
    public IReadOnlyDictionary<int, ShareDelivery>? Deliveries { get; private set; }
    public UnmaskRequest? Request { get; private set; }

    public static SecAggParameters Make(int n, int t, int length, double clip = 1, string session = "session-a", long round = 3) =>
        new(session, round, n, t, length, FixedPoint.Finest(clip, n));

    public SecAggParticipant this[int participant] => Participants[participant - 1];

    /// <summary>Runs the round; <paramref name="dropBefore"/> names, per step, the participants that fall silent before sending it.</summary>
    public SecAggResult Run(IReadOnlyList<float[]> updates, IReadOnlyDictionary<SecAggStep, int[]>? dropBefore = null)
    {
        var silent = new HashSet<int>();
        void Drop(SecAggStep step)
        {
            if (dropBefore is not null && dropBefore.TryGetValue(step, out var gone)) silent.UnionWith(gone);
        }
        IEnumerable<SecAggParticipant> Up() => Participants.Where(p => !silent.Contains(p.Participant));

        Drop(SecAggStep.Advertising);
        foreach (var p in Up()) Server.Accept(p.Advertise());
        Roster = Server.CloseAdvertising();

        Drop(SecAggStep.Sharing);
        foreach (var p in Up()) Server.Accept(p.Share(Roster));
        Deliveries = Server.CloseSharing();

        Drop(SecAggStep.Masking);
        foreach (var p in Up())
        {
            var input = p.Mask(Deliveries[p.Participant], updates[p.Participant - 1]);
            MaskedInputsReceived.Add(input);
            Server.Accept(input);
        }
        Request = Server.CloseMasking();

        Drop(SecAggStep.Unmasking);
        foreach (var p in Up()) Server.Accept(p.Reveal(Request));
        return Server.Finish();
    }

    public void Dispose()
    {
        foreach (var p in Participants) p.Dispose();
    }
}
