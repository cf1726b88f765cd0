using System.Reflection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Internal;

/// <summary>The role a property plays in a vector store record.</summary>
internal enum PropertyRole
{
    Key,
    Data,
    Vector,
}

/// <summary>
/// One property of a record as the project's connectors see it: its name, storage name, CLR type and how to read and
/// write it on a record instance (a typed POCO through reflection, or a <c>Dictionary&lt;string, object?&gt;</c> for
/// dynamic collections).
/// </summary>
/// <remarks>
/// Design note: Microsoft.Extensions.VectorData ships an equivalent model in its <c>ProviderServices</c> namespace,
/// but it is marked experimental (MEVD9001) and its shape still changes between releases. The connectors need only a
/// small part of it, so the project keeps this one small and stable.
/// </remarks>
internal class PropertyModel
{
    private readonly PropertyInfo? _property;

    public PropertyModel(PropertyRole role, string name, string storageName, Type type, PropertyInfo? property)
    {
        Role = role;
        Name = name;
        StorageName = storageName;
        Type = type;
        _property = property;
    }

    public PropertyRole Role { get; }

    /// <summary>The name used in code (the CLR property name, or the dictionary key of a dynamic record).</summary>
    public string Name { get; }

    /// <summary>The name used by the database (column name).</summary>
    public string StorageName { get; }

    /// <summary>The CLR type of the property.</summary>
    public Type Type { get; }

    /// <summary>The reflected property, or null for dynamic records.</summary>
    public PropertyInfo? PropertyInfo => _property;

    public bool IsIndexed { get; init; }

    public bool IsFullTextIndexed { get; init; }

    public object? GetValue(object record)
    {
        if (_property is not null)
        {
            return _property.GetValue(record);
        }

        var dictionary = (IDictionary<string, object?>)record;
        return dictionary.TryGetValue(Name, out var value) ? value : null;
    }

    public void SetValue(object record, object? value)
    {
        if (_property is not null)
        {
            _property.SetValue(record, value);
            return;
        }

        ((IDictionary<string, object?>)record)[Name] = value;
    }
}

/// <summary>A vector property: dimensions, distance function, index kind, and the generator for non-vector inputs.</summary>
internal sealed class VectorPropertyModel : PropertyModel
{
    public VectorPropertyModel(string name, string storageName, Type type, PropertyInfo? property, int dimensions)
        : base(PropertyRole.Vector, name, storageName, type, property)
    {
        Dimensions = dimensions;
    }

    public int Dimensions { get; }

    public string DistanceFunction { get; init; } = Microsoft.Extensions.VectorData.DistanceFunction.CosineSimilarity;

    public string IndexKind { get; init; } = Microsoft.Extensions.VectorData.IndexKind.Flat;

    /// <summary>Generates the vector when the property's type is not itself a vector (for example a string).</summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; init; }

    /// <summary>True when the property holds a vector (<c>ReadOnlyMemory&lt;float&gt;</c>, <c>float[]</c>, <c>Embedding&lt;float&gt;</c>).</summary>
    public bool HoldsVector => RecordModel.IsVectorType(Type);
}

/// <summary>The shape of a record type, built from its attributes or from a <see cref="VectorStoreCollectionDefinition"/>.</summary>
internal sealed class RecordModel
{
    private static readonly Type[] s_keyTypes = [typeof(string), typeof(Guid), typeof(int), typeof(long)];

    private static readonly Type[] s_dataTypes =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(float), typeof(double), typeof(decimal),
        typeof(DateTime), typeof(DateTimeOffset), typeof(Guid), typeof(byte[]),
        typeof(string[]), typeof(List<string>), typeof(IList<string>), typeof(IReadOnlyList<string>), typeof(ICollection<string>),
        typeof(int[]), typeof(long[]), typeof(double[]), typeof(float[]), typeof(List<int>), typeof(List<long>),
        typeof(List<double>), typeof(List<float>),
    ];

    private readonly Dictionary<string, PropertyModel> _byName;
    private readonly Dictionary<string, PropertyModel> _byStorageName;
    private readonly Func<object> _factory;

    private RecordModel(Type recordType, bool isDynamic, PropertyModel key, List<PropertyModel> data, List<VectorPropertyModel> vectors, Func<object> factory)
    {
        RecordType = recordType;
        IsDynamic = isDynamic;
        Key = key;
        DataProperties = data;
        VectorProperties = vectors;
        _factory = factory;
        var all = new List<PropertyModel>(1 + data.Count + vectors.Count) { key };
        all.AddRange(data);
        all.AddRange(vectors);
        Properties = all;
        _byName = all.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _byStorageName = all.ToDictionary(p => p.StorageName, StringComparer.OrdinalIgnoreCase);
    }

    public Type RecordType { get; }

    public bool IsDynamic { get; }

    public PropertyModel Key { get; }

    public IReadOnlyList<PropertyModel> DataProperties { get; }

    public IReadOnlyList<VectorPropertyModel> VectorProperties { get; }

    public IReadOnlyList<PropertyModel> Properties { get; }

    public IEnumerable<PropertyModel> FullTextProperties => DataProperties.Where(p => p.IsFullTextIndexed);

    public object CreateRecord() => _factory();

    public PropertyModel? FindByName(string name) => _byName.GetValueOrDefault(name);

    public PropertyModel? FindByStorageName(string storageName) => _byStorageName.GetValueOrDefault(storageName);

    /// <summary>
    /// The vector property a search uses: the one the options name, else the only one.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no vector property, or several and none was named.</exception>
    public VectorPropertyModel GetSearchVector(string? requestedName)
    {
        if (requestedName is not null)
        {
            return VectorProperties.FirstOrDefault(v => v.Name == requestedName)
                ?? throw new InvalidOperationException($"The record type '{RecordType.Name}' has no vector property named '{requestedName}'.");
        }

        return VectorProperties.Count switch
        {
            1 => VectorProperties[0],
            0 => throw new InvalidOperationException($"The record type '{RecordType.Name}' has no vector property, so it cannot be searched by vector."),
            _ => throw new InvalidOperationException($"The record type '{RecordType.Name}' has {VectorProperties.Count} vector properties; name the one to search with VectorProperty in the search options."),
        };
    }

    /// <summary>The full-text property a hybrid search uses: the one named, else the only one.</summary>
    public PropertyModel GetFullTextProperty(string? requestedName)
    {
        if (requestedName is not null)
        {
            var named = FindByName(requestedName);
            return named is { IsFullTextIndexed: true }
                ? named
                : throw new InvalidOperationException($"The property '{requestedName}' of '{RecordType.Name}' is not full-text indexed (set IsFullTextIndexed = true).");
        }

        var candidates = FullTextProperties.ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw new InvalidOperationException($"The record type '{RecordType.Name}' has no full-text indexed property, so it cannot be searched by keyword."),
            _ => throw new InvalidOperationException($"The record type '{RecordType.Name}' has {candidates.Count} full-text indexed properties; name one with AdditionalProperty in the hybrid search options."),
        };
    }

    public static bool IsVectorType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(ReadOnlyMemory<float>) || t == typeof(float[]) || t == typeof(Embedding<float>) || t == typeof(Memory<float>);
    }

    /// <summary>Reads a vector value of any supported representation; null when unset.</summary>
    public static ReadOnlyMemory<float>? ToVector(object? value) => value switch
    {
        null => null,
        ReadOnlyMemory<float> m => m,
        Memory<float> m => (ReadOnlyMemory<float>)m,
        float[] a => a,
        Embedding<float> e => e.Vector,
        _ => throw new InvalidOperationException($"A value of type '{value.GetType().Name}' is not a vector."),
    };

    /// <summary>Converts a stored vector to the property's CLR representation.</summary>
    public static object? FromVector(Type propertyType, ReadOnlyMemory<float>? vector)
    {
        if (vector is null)
        {
            return null;
        }

        var t = Nullable.GetUnderlyingType(propertyType) ?? propertyType;
        if (t == typeof(ReadOnlyMemory<float>))
        {
            return vector.Value;
        }

        if (t == typeof(Memory<float>))
        {
            return new Memory<float>(vector.Value.ToArray());
        }

        if (t == typeof(float[]))
        {
            return vector.Value.ToArray();
        }

        if (t == typeof(Embedding<float>))
        {
            return new Embedding<float>(vector.Value);
        }

        // A generator-backed property (for example a string) is not read back: the store keeps only the vector.
        return null;
    }

    /// <summary>Builds the model of <paramref name="recordType"/> from a definition, or else its attributes.</summary>
    /// <exception cref="ArgumentException">The record shape is not supported; the message names the property.</exception>
    public static RecordModel Build(Type recordType, VectorStoreCollectionDefinition? definition, IEmbeddingGenerator? defaultGenerator)
    {
        bool isDynamic = recordType == typeof(Dictionary<string, object?>);
        if (isDynamic && definition is null)
        {
            throw new ArgumentException("A dynamic collection needs a VectorStoreCollectionDefinition.", nameof(definition));
        }

        PropertyModel? key = null;
        var data = new List<PropertyModel>();
        var vectors = new List<VectorPropertyModel>();
        var generator = definition?.EmbeddingGenerator ?? defaultGenerator;

        if (definition is not null)
        {
            foreach (var property in definition.Properties)
            {
                PropertyInfo? info = null;
                if (!isDynamic)
                {
                    info = recordType.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance)
                        ?? throw new ArgumentException($"The definition names the property '{property.Name}', which '{recordType.Name}' does not have.", nameof(definition));
                }

                var type = property.Type ?? info?.PropertyType
                    ?? throw new ArgumentException($"The property '{property.Name}' needs a Type in a dynamic definition.", nameof(definition));
                var storageName = property.StorageName ?? property.Name;
                switch (property)
                {
                    case VectorStoreKeyProperty:
                        if (key is not null)
                        {
                            throw new ArgumentException($"'{recordType.Name}' has more than one key property.", nameof(definition));
                        }

                        key = new PropertyModel(PropertyRole.Key, property.Name, storageName, type, info);
                        break;
                    case VectorStoreDataProperty d:
                        data.Add(new PropertyModel(PropertyRole.Data, property.Name, storageName, type, info)
                        {
                            IsIndexed = d.IsIndexed,
                            IsFullTextIndexed = d.IsFullTextIndexed,
                        });
                        break;
                    case VectorStoreVectorProperty v:
                        vectors.Add(new VectorPropertyModel(property.Name, storageName, type, info, v.Dimensions)
                        {
                            DistanceFunction = v.DistanceFunction ?? DistanceFunction.CosineSimilarity,
                            IndexKind = v.IndexKind ?? IndexKind.Flat,
                            EmbeddingGenerator = v.EmbeddingGenerator ?? generator,
                        });
                        break;
                    default:
                        throw new ArgumentException($"The property '{property.Name}' has an unsupported definition type '{property.GetType().Name}'.", nameof(definition));
                }
            }
        }
        else
        {
            foreach (var info in recordType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (info.GetCustomAttribute<VectorStoreKeyAttribute>() is { } k)
                {
                    if (key is not null)
                    {
                        throw new ArgumentException($"'{recordType.Name}' has more than one [VectorStoreKey] property.", nameof(recordType));
                    }

                    key = new PropertyModel(PropertyRole.Key, info.Name, k.StorageName ?? info.Name, info.PropertyType, info);
                }
                else if (info.GetCustomAttribute<VectorStoreDataAttribute>() is { } d)
                {
                    data.Add(new PropertyModel(PropertyRole.Data, info.Name, d.StorageName ?? info.Name, info.PropertyType, info)
                    {
                        IsIndexed = d.IsIndexed,
                        IsFullTextIndexed = d.IsFullTextIndexed,
                    });
                }
                else if (info.GetCustomAttribute<VectorStoreVectorAttribute>() is { } v)
                {
                    vectors.Add(new VectorPropertyModel(info.Name, v.StorageName ?? info.Name, info.PropertyType, info, v.Dimensions)
                    {
                        DistanceFunction = v.DistanceFunction ?? DistanceFunction.CosineSimilarity,
                        IndexKind = v.IndexKind ?? IndexKind.Flat,
                        EmbeddingGenerator = generator,
                    });
                }
            }
        }

        if (key is null)
        {
            throw new ArgumentException($"'{recordType.Name}' has no key property: mark one with [VectorStoreKey] or add a VectorStoreKeyProperty to the definition.", nameof(recordType));
        }

        var keyType = Nullable.GetUnderlyingType(key.Type) ?? key.Type;
        if (!s_keyTypes.Contains(keyType) && !(isDynamic && keyType == typeof(object)))
        {
            throw new ArgumentException($"The key property '{key.Name}' has type '{key.Type.Name}'; supported key types are string, Guid, int and long.", nameof(recordType));
        }

        foreach (var p in data)
        {
            var t = Nullable.GetUnderlyingType(p.Type) ?? p.Type;
            if (!s_dataTypes.Contains(t))
            {
                throw new ArgumentException($"The data property '{p.Name}' has type '{p.Type.Name}', which the store cannot hold; use a primitive, string, DateTimeOffset, Guid or a list of those.", nameof(recordType));
            }

            if (p.IsFullTextIndexed && t != typeof(string))
            {
                throw new ArgumentException($"The data property '{p.Name}' is full-text indexed but is not a string.", nameof(recordType));
            }
        }

        foreach (var v in vectors)
        {
            if (v.Dimensions <= 0)
            {
                throw new ArgumentException($"The vector property '{v.Name}' needs a positive number of dimensions (got {v.Dimensions}).", nameof(recordType));
            }

            if (!v.HoldsVector && v.EmbeddingGenerator is null)
            {
                throw new ArgumentException($"The vector property '{v.Name}' has type '{v.Type.Name}', which is not a vector; configure an embedding generator to turn it into one, or use ReadOnlyMemory<float>.", nameof(recordType));
            }
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in new[] { key }.Concat(data).Concat(vectors))
        {
            if (!names.Add(p.StorageName))
            {
                throw new ArgumentException($"Two properties of '{recordType.Name}' map to the storage name '{p.StorageName}'.", nameof(recordType));
            }
        }

        Func<object> factory = isDynamic
            ? () => new Dictionary<string, object?>()
            : CreateFactory(recordType);
        return new RecordModel(recordType, isDynamic, key, data, vectors, factory);
    }

    private static Func<object> CreateFactory(Type recordType)
    {
        var ctor = recordType.GetConstructor(Type.EmptyTypes)
            ?? throw new ArgumentException($"'{recordType.Name}' needs a public parameterless constructor to be read back from the store.", nameof(recordType));
        return () => ctor.Invoke(null);
    }
}
