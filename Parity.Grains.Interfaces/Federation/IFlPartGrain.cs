namespace Parity.Federation;

/// <summary>
/// One participant's part of a session (key: <c>{session id}/{part index}</c>), placed on that participant's silo: it
/// fetches the dataset by CID there and takes its part. Every session has its participants prepare through it before
/// round 1 (the dataset fetched, verified, parsed and partitioned while nothing waits on it); a histogram forest's
/// session also asks it for summaries and histograms of its rows, never the rows themselves. It keeps its part in
/// memory between requests as a cache only: every request carries what it needs to rebuild it.
/// </summary>
public interface IFlPartGrain : IGrainWithStringKey
{
    /// <summary>Fetches and parses the dataset and takes this part, so that round 1 finds them ready on this silo.</summary>
    Task<FlPartReady> Prepare(FlPartSetup setup);

    /// <summary>A histogram forest's step 0: this part's value summary and labels, from which the session builds the shared bin edges.</summary>
    Task<ForestPartSummary> Summarize(FlPartSetup setup);

    /// <summary>One level: the histograms of this part's rows in the nodes a request (<c>HistogramWire</c> bytes) names.</summary>
    Task<ForestPartAnswer> Histograms(FlPartSetup setup, ForestPartPlan plan, byte[] request);

    /// <summary>This part's share of the finished forest's out-of-bag score.</summary>
    Task<ForestOobShare> OutOfBag(FlPartSetup setup, ForestPartPlan plan, byte[] forest);

    // Secure aggregation: the part holds the round's keys in memory (never persisted) and speaks the protocol's steps;
    // its runner's round task masks the update through it. Messages are the engine's records as JSON bytes.

    /// <summary>Step 1: fresh key pairs for this round, and their public halves (a <c>KeyAdvertisement</c>).</summary>
    Task<byte[]> SecAggAdvertise(FlPartSetup setup, SecAggSetup round);

    /// <summary>Step 2: given the roster, the part's secrets shared among the others, each share sealed to its holder.</summary>
    Task<byte[]> SecAggShare(SecAggSetup round, byte[] roster);

    /// <summary>The shares the others sealed to this part, kept for masking.</summary>
    Task SecAggDeliver(SecAggSetup round, byte[] delivery);

    /// <summary>Step 3, from the runner's round task on this silo: the update vector masked (ring words, little-endian).</summary>
    Task<byte[]> SecAggMask(SecAggSetup round, float[] vector);

    /// <summary>Step 4: this part's shares of the survivors' self masks and of the dropped parts' mask keys, once.</summary>
    Task<byte[]> SecAggReveal(SecAggSetup round, byte[] request);
}
