namespace Parity.Federation;

/// <summary>
/// One participant's side of a histogram-forest session (key: <c>{session id}/{part index}</c>), placed on that
/// participant's silo: it fetches the dataset by CID there, takes its part, and answers the session's requests with
/// summaries and histograms of its rows, never the rows themselves. It keeps its binned part in memory between
/// requests as a cache only: every request carries what it needs to rebuild it.
/// </summary>
public interface IForestPartGrain : IGrainWithStringKey
{
    /// <summary>Step 0: this part's value summary and labels, from which the session builds the shared bin edges.</summary>
    Task<ForestPartSummary> Summarize(ForestPartSetup setup);

    /// <summary>One level: the histograms of this part's rows in the nodes a request (<c>HistogramWire</c> bytes) names.</summary>
    Task<ForestPartAnswer> Histograms(ForestPartSetup setup, ForestPartPlan plan, byte[] request);

    /// <summary>This part's share of the finished forest's out-of-bag score.</summary>
    Task<ForestOobShare> OutOfBag(ForestPartSetup setup, ForestPartPlan plan, byte[] forest);
}
