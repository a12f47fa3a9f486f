namespace Parity.Execution.Docker;

/// <summary>A host a task named resolved to an address <see cref="FetchAddressPolicy"/> refuses; nothing was dialled.</summary>
internal sealed class AddressRefusedException(string addressClass)
    : Exception($"refused: address class {addressClass} not allowed ({FetchAddressPolicy.AllowKey})")
{
    public string AddressClass { get; } = addressClass;
}
