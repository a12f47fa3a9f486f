namespace Parity.Gateway.OpenApi;

/// <summary>Endpoint metadata of <c>POST /webhook</c>, which checks X-Parity-Signature instead of the API key.</summary>
public sealed class RequiresWebhookSignature
{
    public static readonly RequiresWebhookSignature Marker = new();
}
