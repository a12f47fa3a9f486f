namespace Parity.Gateway.OpenApi;

/// <summary>
/// Endpoint metadata put on the routes behind <see cref="Security.ApiKeyFilter"/> in the same statement that adds the
/// filter, so the document's security requirement follows where the filter really is.
/// </summary>
public sealed class RequiresApiKey
{
    public static readonly RequiresApiKey Marker = new();
}
