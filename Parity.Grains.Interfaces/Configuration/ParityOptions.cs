using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>
/// Registers Parity's options, one class per room, each read from the flat keys by its reader and validated when the
/// host starts; and resolves them where no host runs (start-up composition, host-less commands, tests).
/// </summary>
public static class ParityOptions
{
    /// <summary>The rooms both processes read: <see cref="ClusteringOptions"/>, <see cref="GatewayOptions"/>, <see cref="StorageOptions"/> and <see cref="TelemetryOptions"/>.</summary>
    public static IServiceCollection AddParityOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddParityConfiguration(configuration);
        services.AddParityOptions<ClusteringOptions, ClusteringOptionsReader, ClusteringOptionsValidator>();
        services.AddParityOptions<GatewayOptions, GatewayOptionsReader, GatewayOptionsValidator>();
        services.AddParityOptions<StorageOptions, StorageOptionsReader>();
        services.AddParityOptions<TelemetryOptions, TelemetryOptionsReader>();
        return services;
    }

    /// <summary>
    /// The keys the readers read. A process has one configuration, so a second registration (a silo that also serves
    /// the gateway registers both) keeps the first.
    /// </summary>
    public static IServiceCollection AddParityConfiguration(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(new ConfigurationReader(configuration));
        return services;
    }

    /// <summary>
    /// One room: <typeparamref name="TReader"/> sets <typeparamref name="TOptions"/> from its keys over the defaults
    /// its properties start with, the host reads and validates it at start, and the bound value itself is a service,
    /// so consumers take the plain options object. Registering a room twice is harmless.
    /// </summary>
    public static OptionsBuilder<TOptions> AddParityOptions<TOptions, TReader>(this IServiceCollection services)
        where TOptions : class
        where TReader : class, IConfigureOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<TOptions>, TReader>());
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<TOptions>>().Value);
        return services.AddOptions<TOptions>().ValidateOnStart();
    }

    /// <summary>A room with rules between its keys, which <typeparamref name="TValidator"/> checks once all are read.</summary>
    public static OptionsBuilder<TOptions> AddParityOptions<TOptions, TReader, TValidator>(this IServiceCollection services)
        where TOptions : class
        where TReader : class, IConfigureOptions<TOptions>
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddParityOptions<TOptions, TReader>();
    }

    /// <summary>
    /// A room's value outside a host's start. A failed validation becomes the <see cref="ConfigurationException"/> a
    /// bad single value throws, so every caller handles one error type.
    /// </summary>
    public static TOptions GetParityOptions<TOptions>(this IServiceProvider services) where TOptions : class
    {
        try
        {
            return services.GetRequiredService<IOptions<TOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new ConfigurationException(e.Message);
        }
    }

    /// <summary>
    /// Reads and validates every room registered with <c>ValidateOnStart</c> now, between building the host and starting
    /// it. The host would do the same at start, but a failure there also logs "Hosting failed to start" with a stack
    /// trace; here a bad value stops start-up with its one-line message only.
    /// </summary>
    public static void ValidateParityOptions(this IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    /// <summary>
    /// Reads a room of <see cref="AddParityOptions(IServiceCollection, IConfiguration)"/> before any host exists, for
    /// what decides how the host is built (which host, its URLs, its clustering). The host reads it again, the same way.
    /// </summary>
    public static TOptions ReadParityOptions<TOptions>(this IConfiguration configuration) where TOptions : class
    {
        using var services = new ServiceCollection().AddParityOptions(configuration).BuildServiceProvider();
        return services.GetParityOptions<TOptions>();
    }
}
