namespace Parity.Storage;

/// <summary>The IPFS node (IPFS_API_URL) refused or failed a call; the message names the node and its answer.</summary>
public sealed class IpfsNodeException(string message, Exception? inner = null) : Exception(message, inner);
