using System.Globalization;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// Converts record values to the store's own representation and back, copying everything mutable so that neither
/// the caller's objects nor the returned records share state with the store.
/// </summary>
/// <remarks>
/// Stored representation: scalars boxed as the property's declared (non-nullable) type, every list as an array of its
/// element type, <c>byte[]</c> cloned. Keeping one representation per kind lets handles that declare the same column
/// as <c>string[]</c> and as <c>List&lt;string&gt;</c> share a collection.
/// </remarks>
internal static class InMemoryValues
{
    /// <summary>The element type when <paramref name="type"/> is one of the supported list types, else null.</summary>
    public static Type? ListElementType(Type type)
    {
        if (type == typeof(byte[]))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
                || definition == typeof(ICollection<>) || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }

    /// <summary>A name for the stored kind of a declared type; equal kinds share a representation.</summary>
    public static string KindOf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var element = ListElementType(t);
        return element is null ? t.Name : element.Name + "[]";
    }

    /// <summary>Converts a caller's value of a property declared as <paramref name="declaredType"/> to its stored form.</summary>
    /// <exception cref="ArgumentException">The value cannot be held by the property.</exception>
    public static object? ToStored(object? value, Type declaredType, string propertyName)
    {
        if (value is null)
        {
            return null;
        }

        var t = Nullable.GetUnderlyingType(declaredType) ?? declaredType;
        if (t == typeof(byte[]))
        {
            return value is byte[] bytes
                ? bytes.Clone()
                : throw Mismatch(propertyName, t, value);
        }

        var element = ListElementType(t);
        if (element is not null)
        {
            return value switch
            {
                string => throw Mismatch(propertyName, t, value),
                System.Collections.IEnumerable items => CopyToArray(items, element, propertyName),
                _ => throw Mismatch(propertyName, t, value),
            };
        }

        return ConvertScalar(value, t, propertyName);
    }

    /// <summary>Converts a stored value to a fresh instance of <paramref name="targetType"/>.</summary>
    public static object? FromStored(object? stored, Type targetType)
    {
        if (stored is null)
        {
            return null;
        }

        var t = Nullable.GetUnderlyingType(targetType) ?? targetType;
        if (stored is byte[] bytes)
        {
            return bytes.Clone();
        }

        if (stored is Array array && ListElementType(t) is { } element)
        {
            if (t.IsArray)
            {
                return array.Clone();
            }

            var list = (System.Collections.IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element), array.Length)!;
            foreach (var item in array)
            {
                list.Add(item);
            }

            return list;
        }

        return t == typeof(object) || t.IsInstanceOfType(stored) ? stored : ConvertScalar(stored, t, "(stored value)");
    }

    /// <summary>Normalizes a key to the key property's type so that boxed keys compare equal in dictionaries.</summary>
    /// <exception cref="ArgumentException">The key cannot be converted.</exception>
    public static object NormalizeKey(object? key, Type keyType, string propertyName)
    {
        if (key is null)
        {
            throw new ArgumentException($"The key property '{propertyName}' must not be null.", nameof(key));
        }

        var t = Nullable.GetUnderlyingType(keyType) ?? keyType;
        return t == typeof(object) ? key : ConvertScalar(key, t, propertyName);
    }

    private static object ConvertScalar(object value, Type target, string propertyName)
    {
        if (target.IsInstanceOfType(value))
        {
            return value;
        }

        if (target == typeof(Guid) && value is string text && Guid.TryParse(text, out var guid))
        {
            return guid;
        }

        if (target == typeof(DateTimeOffset) && value is DateTime dateTime)
        {
            return new DateTimeOffset(dateTime);
        }

        // Dynamic records often carry a numerically compatible but differently boxed value (an int for a long column).
        if (value is IConvertible && (target.IsPrimitive || target == typeof(decimal)) && value.GetType() != typeof(string))
        {
            try
            {
                return Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is InvalidCastException or OverflowException)
            {
                throw new ArgumentException($"The value of '{propertyName}' ({value}) does not fit the property type '{target.Name}'.", propertyName, ex);
            }
        }

        throw Mismatch(propertyName, target, value);
    }

    private static Array CopyToArray(System.Collections.IEnumerable items, Type element, string propertyName)
    {
        var buffer = new List<object?>();
        foreach (var item in items)
        {
            buffer.Add(item is null ? null : ConvertElement(item, element, propertyName));
        }

        var array = Array.CreateInstance(element, buffer.Count);
        for (int i = 0; i < buffer.Count; i++)
        {
            array.SetValue(buffer[i], i);
        }

        return array;
    }

    private static object ConvertElement(object item, Type element, string propertyName) =>
        element == typeof(string) ? item as string ?? throw Mismatch(propertyName, element, item) : ConvertScalar(item, element, propertyName);

    private static ArgumentException Mismatch(string propertyName, Type expected, object value) =>
        new($"The property '{propertyName}' holds '{expected.Name}' values; a value of type '{value.GetType().Name}' cannot be stored in it.", propertyName);
}
