namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>Server → every advertiser: the keys of all who advertised (at least the threshold), ordered by participant.</summary>
public sealed record KeyRoster(KeyAdvertisement[] Keys);
