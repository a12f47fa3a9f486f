using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Parity.Hosting;

/// <summary>
/// Compiles the code of a namespace ahead of its first call, once per process, on a background thread of low priority.
/// </summary>
/// <remarks>
/// Why: the silos run without tiered compilation (training is several times faster with it off), so the first call of
/// every method compiles optimised code on the caller's thread. For most of the product that is a one-off start-up cost;
/// for a federated session it is not: the session's round bookkeeping (open, take, check, close, its record's codecs)
/// first runs in round 1, whose overhead it raised from ~20 ms to ~100 ms. Compiling it while the session prepares
/// (fetches, parts, rehearsal) takes that out of the rounds. Generic methods and methods of generic types are left to
/// the JIT: they are compiled per instantiation, which only a call can name.
/// </remarks>
public static class CodeWarmUp
{
    // A Lazy per prefix: GetOrAdd may run its factory twice when two sessions start at once, and the factory starts a
    // thread; the Lazy makes the second factory's value a cheap object that is thrown away, and only one thread runs.
    private static readonly ConcurrentDictionary<string, Lazy<Task<CodeWarmUpResult>>> Runs = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts compiling every non-generic method with a body of the types in <paramref name="assemblies"/> whose full name
    /// starts with <paramref name="namespacePrefix"/> (or with it after a code generator's own prefix, as Orleans' codecs
    /// and proxies are named); the first call for a prefix starts the work and later calls share it.
    /// </summary>
    /// <param name="services">
    /// When given (a silo's), a value of each of the namespace's serializable types (its fields all default) is also
    /// written, read back and deep-copied with its Orleans serializer and copier: their codecs reach fields through
    /// accessors that the runtime makes at first use, which compiling the declared methods does not reach.
    /// </param>
    public static Task<CodeWarmUpResult> Start(string namespacePrefix, IServiceProvider? services, params Assembly[] assemblies)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespacePrefix);
        return Runs.GetOrAdd(namespacePrefix, prefix => new Lazy<Task<CodeWarmUpResult>>(() => Run(prefix, services, assemblies))).Value;
    }

    private static Task<CodeWarmUpResult> Run(string prefix, IServiceProvider? services, Assembly[] assemblies)
    {
        var done = new TaskCompletionSource<CodeWarmUpResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(Compile(prefix, services, assemblies));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Priority = ThreadPriority.BelowNormal,
            Name = "parity-warm-up",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Compiles the matching methods on the calling thread (what <see cref="Start"/> runs).</summary>
    public static CodeWarmUpResult Compile(string namespacePrefix, IServiceProvider? services, IEnumerable<Assembly> assemblies)
    {
        var serializer = services?.GetService<Serializer>();
        var copier = services?.GetService<DeepCopier>();
        var clock = Stopwatch.StartNew();
        var compiled = 0;
        var failed = 0;
        var copied = 0;
        foreach (var type in assemblies.SelectMany(Types).Where(t => Matches(t, namespacePrefix)))
        {
            if (type.ContainsGenericParameters) continue;
            if (RoundTrip(serializer, copier, type)) copied++;
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance |
                                     BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null) continue;
                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception)
                {
                    // A method the runtime will not compile ahead (one it cannot load here): its first call compiles it,
                    // or says why, as it would have without the warm-up.
                    failed++;
                }
            }
        }
        return new CodeWarmUpResult(compiled, failed, copied, clock.Elapsed);
    }

    private static readonly MethodInfo SerializeTyped = typeof(Serializer).GetMethods()
        .Single(m => m is { Name: nameof(Serializer.SerializeToArray), IsGenericMethodDefinition: true } && m.GetParameters().Length == 1);
    private static readonly MethodInfo DeserializeTyped = typeof(Serializer).GetMethods()
        .Single(m => m is { Name: nameof(Serializer.Deserialize), IsGenericMethodDefinition: true } && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(byte[]));

    private static readonly MethodInfo CopyTyped = typeof(DeepCopier).GetMethods()
        .Single(m => m is { Name: nameof(DeepCopier.Copy), IsGenericMethodDefinition: true });

    private static bool RoundTrip(Serializer? serializer, DeepCopier? copier, Type type)
    {
        if (serializer is null || copier is null) return false;
        if (type.IsAbstract || type.IsEnum || !type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false)) return false;
        try
        {
            var value = type.IsValueType ? Activator.CreateInstance(type) : RuntimeHelpers.GetUninitializedObject(type);
            // Typed as the storage and the messages type it: the codec path of a typed value is not an object's.
            var bytes = (byte[])SerializeTyped.MakeGenericMethod(type).Invoke(serializer, [value])!;
            DeserializeTyped.MakeGenericMethod(type).Invoke(serializer, [bytes]);
            CopyTyped.MakeGenericMethod(type).Invoke(copier, [value]);
            return true;
        }
        catch (Exception)
        {
            // A type whose default value its codec refuses: its first real use compiles what it needs.
            return false;
        }
    }

    /// <summary>Whether <paramref name="type"/> (or the type it is nested in) is in the namespace, directly or under a generator's prefix.</summary>
    public static bool Matches(Type type, string namespacePrefix)
    {
        var name = type.FullName;
        if (name is null) return false;
        return InNamespace(name, namespacePrefix) || name.Contains("." + namespacePrefix + ".", StringComparison.Ordinal);
    }

    private static bool InNamespace(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && name.Length > prefix.Length && name[prefix.Length] is '.' or '+';

    private static IEnumerable<Type> Types(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }
}

