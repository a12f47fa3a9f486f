namespace Parity.Gateway;

/// <summary>
/// Which failures of a grain call mean "a silo is gone and the cluster is re-homing its grains": the request is sound
/// and the same call succeeds once the silo is declared dead and the grain is activated elsewhere.
/// </summary>
public static class ClusterRecovering
{
    /// <summary>
    /// Seen while a killed silo is not yet declared dead: calls to its grains are rejected (SiloUnavailableException,
    /// OrleansMessageRejectionException), or, sent before the connection broke, wait out the response timeout
    /// (TimeoutException naming the refused connection); a grain call relayed by another grain may carry these inside an
    /// OrleansException.
    /// </summary>
    public static bool Is(Exception? error) => error switch
    {
        null => false,
        SiloUnavailableException or OrleansMessageRejectionException or ClientNotAvailableException => true,
        // Orleans' response timeout: the grain's silo did not answer within ClientMessagingOptions.ResponseTimeout.
        TimeoutException => true,
        Orleans.Runtime.Messaging.ConnectionFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(Is),
        // Only Orleans' own wrapping is looked through: an HTTP client's timeout inside some other failure is not the
        // cluster re-homing grains.
        OrleansException { InnerException: { } inner } => Is(inner),
        _ => false,
    };
}
