using System.Security.Cryptography;
using System.Text;

namespace Parity.Gateway.Security;

/// <summary>
/// GATEWAY_API_KEY as the API and the dashboard check it: both sides are hashed before a fixed-time compare, so neither
/// the key's length nor its leading bytes show in how long a refusal takes.
/// </summary>
public sealed class ApiKeyHash(string key)
{
    private readonly byte[] _hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static ApiKeyHash? Of(string? key) => key is null ? null : new ApiKeyHash(key);

    public bool Matches(string? presented) => presented is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _hash);
}
