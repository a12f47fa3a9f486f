namespace Parity.Storage;

/// <summary>A CAR stream that breaks the CARv1 format or whose blocks do not match their CIDs; the message says where.</summary>
public sealed class CarFormatException(string message) : FormatException(message);
