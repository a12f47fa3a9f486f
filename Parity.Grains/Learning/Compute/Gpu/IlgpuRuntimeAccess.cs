using System.Runtime.CompilerServices;

// ILGPU launches kernels through types it emits into a dynamic assembly of this name; they take the kernels'
// internal argument structs, so that assembly must see this one's internals.
[assembly: InternalsVisibleTo("ILGPURuntime")]
