using System.Text.RegularExpressions;

namespace Parity.Federation;

/// <summary>
/// What a dataset CID may look like until the storage room decodes CIDs fully: one token of base-N letters and digits,
/// so it can never name a path. The gateway's validation and the runner's dataset lookup use this one check.
/// </summary>
public static partial class CidSyntax
{
    public static bool IsWellFormed(string cid) => Pattern().IsMatch(cid);

    [GeneratedRegex("^[A-Za-z0-9]{1,128}$")]
    private static partial Regex Pattern();
}
