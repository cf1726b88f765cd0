using System.Runtime.InteropServices;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// Direct bindings to the C API of USearch (<c>libusearch_c</c>, shipped for linux-x64, win-x64 and osx-arm64 by the
/// Cloud.Unum.USearch package). The package's managed wrapper is not used: its <c>Add</c> grows the capacity one
/// vector at a time (a reallocation per insert), it has no batch search into caller buffers, and it does not expose
/// the expansion, thread-context or buffer (de)serialization calls this index needs.
/// </summary>
/// <remarks>
/// Signatures follow <c>c/usearch.h</c>. Errors come back as a pointer to a static message (never freed).
/// </remarks>
internal static class NativeMethods
{
    private const string Library = "libusearch_c";

    /// <summary>usearch_metric_kind_t: cosine.</summary>
    public const int MetricCos = 1;

    /// <summary>usearch_scalar_kind_t: 32-bit float.</summary>
    public const int ScalarF32 = 1;

    /// <summary>usearch_scalar_kind_t: 8-bit signed integer.</summary>
    public const int ScalarI8 = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public int MetricKind;
        public IntPtr Metric;
        public int Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern IntPtr usearch_init(ref InitOptions options, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl, EntryPoint = "usearch_init")]
    public static extern IntPtr usearch_init_empty(IntPtr options, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_free(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_size(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_capacity(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_dimensions(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_memory_usage(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_reserve(IntPtr index, nuint capacity, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_change_expansion_search(IntPtr index, nuint expansion, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_expansion_search(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_change_expansion_add(IntPtr index, nuint expansion, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_expansion_add(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_connectivity(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_change_threads_add(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_change_threads_search(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_add(IntPtr index, ulong key, ref sbyte vector, int vectorKind, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static extern bool usearch_contains(IntPtr index, ulong key, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_get(IntPtr index, ulong key, nuint count, ref sbyte vectors, int vectorKind, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_remove(IntPtr index, ulong key, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_rename(IntPtr index, ulong from, ulong to, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_search(IntPtr index, ref sbyte query, int queryKind, nuint count, ref ulong keys, ref float distances, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern nuint usearch_serialized_length(IntPtr index, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_save_buffer(IntPtr index, ref byte buffer, nuint length, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_load_buffer(IntPtr index, ref byte buffer, nuint length, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_save(IntPtr index, ref byte utf8Path, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    public static extern void usearch_load(IntPtr index, ref byte utf8Path, out IntPtr error);

    /// <summary>A path as the null-terminated UTF-8 string the C API takes.</summary>
    public static byte[] Utf8Path(string path)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    /// <summary>Throws when a call reported an error.</summary>
    /// <param name="error">The error pointer a call filled in.</param>
    /// <param name="operation">What was attempted, for the message.</param>
    public static void Check(IntPtr error, string operation)
    {
        if (error != IntPtr.Zero)
        {
            throw new InvalidOperationException($"USearch {operation} failed: {Marshal.PtrToStringUTF8(error)}");
        }
    }
}
