using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using KernelMemoryPlus.Storage.Internal;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// Validates and compiles record filters and property selectors for the in-memory store.
/// </summary>
/// <remarks>
/// The in-memory store could run any predicate, but it deliberately accepts exactly what the SQLite connector can
/// translate, so that code tested against it keeps working on the real store: comparisons of a record property with a
/// value (<c>== != &lt; &lt;= &gt; &gt;=</c>; no range comparisons on Guid, bool or lists), <c>&amp;&amp; || ! &amp; |</c>,
/// bool properties, null checks and <c>HasValue</c>, <c>.Value</c> of nullable properties,
/// <c>r.Tags.Contains(value)</c> on a list property, <c>values.Contains(r.Property)</c> on a local collection, and
/// <c>r["Name"]</c> on dynamic records. Sub-expressions that do not touch the record (captured variables, constants,
/// computed values) are values and always allowed; any other method call (<c>Equals</c>, <c>StartsWith</c>, ...)
/// is refused. The accepted tree is rewritten before it is compiled so that missing values behave as in the SQLite
/// store: <c>Contains</c> on a null list is false, and <c>(int)r["Count"] &gt; 3</c> or <c>r.Rank.Value &gt; 3</c> on a
/// missing value is false instead of throwing.
/// </remarks>
internal static class InMemoryFilter
{
    private const string SupportedShapes =
        "Supported are: comparisons (==, !=, <, <=, >, >=) of a record property with a value, &&, ||, !, bool properties, "
        + "null checks and HasValue, list.Contains(value) on a list property, values.Contains(r.Property) on a local collection, "
        + "and r[\"Name\"] on dynamic records.";

    private static readonly MethodInfo s_containsTyped = typeof(FilterFunctions).GetMethod(nameof(FilterFunctions.Contains))!;
    private static readonly MethodInfo s_containsObject = typeof(FilterFunctions).GetMethod(nameof(FilterFunctions.ContainsObject))!;
    private static readonly MethodInfo s_objectEquals = typeof(object).GetMethod(nameof(Equals), BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(object)])!;

    /// <summary>Validates <paramref name="filter"/> against the model and compiles it.</summary>
    /// <exception cref="NotSupportedException">The filter uses an expression a database connector cannot translate.</exception>
    public static Func<TRecord, bool> Compile<TRecord>(Expression<Func<TRecord, bool>> filter, RecordModel model)
    {
        var parameter = filter.Parameters[0];
        var body = new Translator(parameter, model).Predicate(filter.Body);
        return Expression.Lambda<Func<TRecord, bool>>(body, parameter).Compile();
    }

    /// <summary>The property a selector such as <c>r =&gt; r.Name</c> or <c>r =&gt; r["Name"]</c> names.</summary>
    /// <exception cref="NotSupportedException">The selector is not a plain property access, or names no property of the model.</exception>
    public static PropertyModel ResolveProperty(LambdaExpression selector, RecordModel model, string purpose)
    {
        var translator = new Translator(selector.Parameters[0], model, allowVectors: true);
        if (translator.TryField(selector.Body, out var field))
        {
            return field.Property;
        }

        throw new NotSupportedException($"The {purpose} selector '{selector}' is not supported; use a direct property access such as r => r.Name (or r => r[\"Name\"] for dynamic records).");
    }

    /// <summary>
    /// A recognized access to a record property. <paramref name="Raw"/> is the access without conversions;
    /// <paramref name="Lifted"/>, when set, is the same value typed as a nullable, to compare with instead of
    /// <paramref name="Access"/> because evaluating <paramref name="Access"/> throws on a missing value
    /// (<c>(int)r["Count"]</c>, <c>r.Rank.Value</c>).
    /// </summary>
    private readonly record struct Field(PropertyModel Property, Expression Access, Expression Raw, bool IsIndexer, Expression? Lifted);

    private sealed class Translator
    {
        private readonly ParameterExpression _parameter;
        private readonly RecordModel _model;
        private readonly bool _allowVectors;

        public Translator(ParameterExpression parameter, RecordModel model, bool allowVectors = false)
        {
            _parameter = parameter;
            _model = model;
            _allowVectors = allowVectors;
        }

        /// <summary>Translates an expression in a position that must produce a bool.</summary>
        public Expression Predicate(Expression node)
        {
            if (!UsesParameter(node))
            {
                return node;
            }

            switch (node.NodeType)
            {
                case ExpressionType.AndAlso:
                case ExpressionType.OrElse:
                case ExpressionType.And when node.Type == typeof(bool):
                case ExpressionType.Or when node.Type == typeof(bool):
                    var logical = (BinaryExpression)node;
                    return Expression.MakeBinary(logical.NodeType, Predicate(logical.Left), Predicate(logical.Right), logical.IsLiftedToNull, logical.Method);
                case ExpressionType.Not when node.Type == typeof(bool):
                    return Expression.Not(Predicate(((UnaryExpression)node).Operand));
                case ExpressionType.Convert when ((UnaryExpression)node).Operand.Type == typeof(bool) && node.Type == typeof(bool):
                    return Predicate(((UnaryExpression)node).Operand);
                case ExpressionType.Equal:
                case ExpressionType.NotEqual:
                case ExpressionType.LessThan:
                case ExpressionType.LessThanOrEqual:
                case ExpressionType.GreaterThan:
                case ExpressionType.GreaterThanOrEqual:
                    return Comparison((BinaryExpression)node);
                case ExpressionType.Call:
                    return Call((MethodCallExpression)node);
                case ExpressionType.MemberAccess when node is MemberExpression { Member.Name: "HasValue", Expression: { } target }
                    && Nullable.GetUnderlyingType(target.Type) is not null && TryField(target, out _):
                    // r.Rank.HasValue never throws; it is a null check.
                    return node;
                default:
                    if (TryField(node, out var field))
                    {
                        return BoolField(field, node);
                    }

                    throw Unsupported(node);
            }
        }

        /// <summary>Recognizes <c>r.Prop</c>, <c>r.Prop.Value</c> or <c>r["Prop"]</c>, possibly inside conversions.</summary>
        public bool TryField(Expression node, out Field field)
        {
            field = default;
            var raw = StripConvert(node);
            Expression? nullableValue = null;
            if (raw is MemberExpression { Member.Name: "Value", Expression: { } nullable } && Nullable.GetUnderlyingType(nullable.Type) is not null && UsesParameter(nullable))
            {
                raw = StripConvert(nullable);
                nullableValue = nullable;
            }

            PropertyModel? property;
            bool isIndexer;
            switch (raw)
            {
                case MemberExpression { Expression: { } target } member when StripConvert(target) == _parameter:
                    property = _model.FindByName(member.Member.Name)
                        ?? throw new NotSupportedException($"The filter uses '{member.Member.Name}', which is not a property of the record model (is it missing [VectorStoreData] or a definition entry?).");
                    isIndexer = false;
                    break;
                case MethodCallExpression { Method.Name: "get_Item", Arguments.Count: 1, Object: { } target } call when StripConvert(target) == _parameter && !UsesParameter(call.Arguments[0]):
                    var name = Evaluate(call.Arguments[0]) as string
                        ?? throw new NotSupportedException($"The indexer access '{call}' needs a property name string.");
                    property = _model.FindByName(name)
                        ?? throw new NotSupportedException($"The filter uses r[\"{name}\"], but the record definition has no property named '{name}'.");
                    isIndexer = true;
                    break;
                default:
                    return false;
            }

            if (property.Role == PropertyRole.Vector && !_allowVectors)
            {
                throw new NotSupportedException($"The filter uses the vector property '{property.Name}'; vectors cannot be filtered on.");
            }

            Expression? lifted = null;
            if (nullableValue is not null)
            {
                lifted = nullableValue;
            }
            else if (isIndexer && node.Type.IsValueType && Nullable.GetUnderlyingType(node.Type) is null)
            {
                lifted = Expression.Convert(raw, typeof(Nullable<>).MakeGenericType(node.Type));
            }

            field = new Field(property, node, raw, isIndexer, lifted);
            return true;
        }

        private Expression BoolField(Field field, Expression node)
        {
            var type = Nullable.GetUnderlyingType(field.Property.Type) ?? field.Property.Type;
            if (type != typeof(bool) || node.Type != typeof(bool))
            {
                throw new NotSupportedException($"The property '{field.Property.Name}' ({field.Property.Type.Name}) is used as a condition; only bool properties can be.");
            }

            // (bool)r["Flag"] and r.Flag.Value throw on a missing value; as bool? a missing value is simply not true.
            return field.Lifted is { } lifted
                ? Expression.Equal(lifted, Expression.Constant(true, typeof(bool?)))
                : node;
        }

        private Expression Comparison(BinaryExpression node)
        {
            bool leftIsField = TryField(node.Left, out var left);
            bool rightIsField = TryField(node.Right, out var right);
            if (leftIsField && rightIsField)
            {
                throw new NotSupportedException($"The filter '{node}' compares two record properties; compare a property with a value. {SupportedShapes}");
            }

            if (!leftIsField && !rightIsField)
            {
                // A condition compared with a constant, for example (r.A == 1) == true.
                if (node.NodeType is ExpressionType.Equal or ExpressionType.NotEqual && node.Left.Type == typeof(bool) && node.Right.Type == typeof(bool))
                {
                    bool leftIsCondition = UsesParameter(node.Left);
                    var constant = leftIsCondition ? node.Right : node.Left;
                    if (!UsesParameter(constant))
                    {
                        var condition = Predicate(leftIsCondition ? node.Left : node.Right);
                        return Expression.MakeBinary(node.NodeType, condition, constant);
                    }
                }

                throw Unsupported(node);
            }

            var field = leftIsField ? left : right;
            var value = leftIsField ? node.Right : node.Left;
            if (UsesParameter(value))
            {
                throw Unsupported(value);
            }

            var propertyType = Nullable.GetUnderlyingType(field.Property.Type) ?? field.Property.Type;
            bool isEquality = node.NodeType is ExpressionType.Equal or ExpressionType.NotEqual;
            bool isList = propertyType == typeof(byte[]) || InMemoryValues.ListElementType(propertyType) is not null;
            if (isList && !(isEquality && IsNullConstant(value)))
            {
                throw new NotSupportedException($"The filter '{node}' compares the list property '{field.Property.Name}' with a value; only null checks and Contains are supported on lists.");
            }

            if (!isEquality && (propertyType == typeof(Guid) || propertyType == typeof(bool)))
            {
                throw new NotSupportedException($"Range comparisons on the property '{field.Property.Name}' ({propertyType.Name}) are not supported.");
            }

            if (field.IsIndexer && field.Access.Type == typeof(object))
            {
                if (!isEquality)
                {
                    throw new NotSupportedException($"The filter '{node}' orders an untyped value; cast it to the property type, as in (int)r[\"{field.Property.Name}\"] > 3.");
                }

                // r["Name"] == "x" is a reference comparison in C#; mean value equality, as a database does.
                Expression equals = Expression.Call(s_objectEquals, field.Raw, Expression.Convert(value, typeof(object)));
                return node.NodeType == ExpressionType.Equal ? equals : Expression.Not(equals);
            }

            if (field.Lifted is { } lifted)
            {
                // Compare as T? so that a missing value compares as C# compares null (false for ranges, unequal for ==).
                Expression valueSide = value.Type == lifted.Type ? value : Expression.Convert(value, lifted.Type);
                return leftIsField
                    ? Expression.MakeBinary(node.NodeType, lifted, valueSide, liftToNull: false, node.Method)
                    : Expression.MakeBinary(node.NodeType, valueSide, lifted, liftToNull: false, node.Method);
            }

            return node;
        }

        private Expression Call(MethodCallExpression node)
        {
            var method = node.Method;
            if (method.Name == nameof(Enumerable.Contains))
            {
                return Contains(node);
            }

            if (TryField(node, out var boolField))
            {
                return BoolField(boolField, node);
            }

            throw new NotSupportedException($"The method '{method.DeclaringType?.Name}.{method.Name}' is not supported in a filter ('{node}'). {SupportedShapes}");
        }

        private Expression Contains(MethodCallExpression node)
        {
            var method = node.Method;
            if (node.Object?.Type == typeof(string))
            {
                throw new NotSupportedException($"'{node}': substring matching (string.Contains) is not supported in filters; use hybrid search keywords for text matching.");
            }

            Expression source;
            Expression item;
            if (method.IsStatic && node.Arguments.Count == 2
                && (method.DeclaringType == typeof(Enumerable) || method.DeclaringType == typeof(MemoryExtensions)))
            {
                source = UnwrapSpan(node.Arguments[0]);
                item = node.Arguments[1];
            }
            else if (!method.IsStatic && node.Object is not null && node.Arguments.Count == 1)
            {
                source = node.Object;
                item = node.Arguments[0];
            }
            else
            {
                throw Unsupported(node);
            }

            if (TryField(source, out var list))
            {
                // r.Tags.Contains("x"): the property is a list, the item a value.
                var element = InMemoryValues.ListElementType(Nullable.GetUnderlyingType(list.Property.Type) ?? list.Property.Type);
                if (element is null)
                {
                    throw new NotSupportedException($"'{node}': Contains is supported on list and array properties; '{list.Property.Name}' is a {list.Property.Type.Name}.");
                }

                if (UsesParameter(item))
                {
                    throw Unsupported(node);
                }

                var enumerable = typeof(IEnumerable<>).MakeGenericType(element);
                return Expression.Call(
                    s_containsTyped.MakeGenericMethod(element),
                    Expression.Convert(list.Raw, enumerable),
                    item.Type == element ? item : Expression.Convert(item, element));
            }

            if (!UsesParameter(source) && TryField(item, out var field))
            {
                // values.Contains(r.Id): an IN over a local collection.
                var propertyType = Nullable.GetUnderlyingType(field.Property.Type) ?? field.Property.Type;
                if (propertyType == typeof(byte[]) || InMemoryValues.ListElementType(propertyType) is not null)
                {
                    throw new NotSupportedException($"'{node}': the list property '{field.Property.Name}' cannot be matched against a list of values.");
                }

                if (source.Type == typeof(string))
                {
                    throw Unsupported(node);
                }

                if (field.IsIndexer || field.Lifted is not null || ElementTypeOf(source.Type) is not { } element)
                {
                    var boxed = field.IsIndexer ? field.Raw : Expression.Convert(field.Lifted ?? field.Access, typeof(object));
                    return Expression.Call(s_containsObject, Expression.Convert(source, typeof(IEnumerable)), boxed);
                }

                return Expression.Call(
                    s_containsTyped.MakeGenericMethod(element),
                    Expression.Convert(source, typeof(IEnumerable<>).MakeGenericType(element)),
                    item.Type == element ? item : Expression.Convert(item, element));
            }

            throw Unsupported(node);
        }

        private bool UsesParameter(Expression node)
        {
            var finder = new ParameterFinder(_parameter);
            finder.Visit(node);
            return finder.Found;
        }

        private static Expression StripConvert(Expression node)
        {
            while (node is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.TypeAs } unary)
            {
                node = unary.Operand;
            }

            return node;
        }

        /// <summary>
        /// Since C# 14, <c>array.Contains(x)</c> in an expression tree binds to <c>MemoryExtensions.Contains</c> over an
        /// implicit span conversion; take the array back out so the call can be evaluated as a plain sequence.
        /// </summary>
        private static Expression UnwrapSpan(Expression node)
        {
            static bool IsSpan(Type t) => t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>) || t.GetGenericTypeDefinition() == typeof(Span<>));

            return node switch
            {
                MethodCallExpression { Method.Name: "op_Implicit", Arguments.Count: 1 } call when IsSpan(call.Type) => call.Arguments[0],
                UnaryExpression { NodeType: ExpressionType.Convert } unary when IsSpan(unary.Type) => unary.Operand,
                _ => node,
            };
        }

        private static Type? ElementTypeOf(Type type)
        {
            if (type.IsArray)
            {
                return type.GetElementType();
            }

            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return type.GetGenericArguments()[0];
            }

            return type.GetInterfaces()
                .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                ?.GetGenericArguments()[0];
        }

        private static bool IsNullConstant(Expression node) => StripConvert(node) is ConstantExpression { Value: null };

        private static object? Evaluate(Expression node) =>
            node is ConstantExpression constant ? constant.Value : Expression.Lambda(node).Compile().DynamicInvoke();

        private static NotSupportedException Unsupported(Expression node) =>
            new($"The filter construct '{node}' ({node.NodeType}) is not supported by the vector store. {SupportedShapes}");
    }

    private sealed class ParameterFinder : ExpressionVisitor
    {
        private readonly ParameterExpression _parameter;

        public ParameterFinder(ParameterExpression parameter)
        {
            _parameter = parameter;
        }

        public bool Found { get; private set; }

        public override Expression? Visit(Expression? node) => Found ? node : base.Visit(node);

        protected override Expression VisitParameter(ParameterExpression node)
        {
            Found |= node == _parameter;
            return node;
        }
    }
}

/// <summary>Null-safe helpers the compiled filters call.</summary>
internal static class FilterFunctions
{
    /// <summary><paramref name="value"/> is in <paramref name="source"/>; false when the source is null.</summary>
    public static bool Contains<T>(IEnumerable<T>? source, T value) => source is not null && source.Contains(value);

    /// <summary>Untyped <see cref="Contains{T}"/> for dynamic records, comparing with <see cref="object.Equals(object?, object?)"/>.</summary>
    public static bool ContainsObject(IEnumerable? source, object? value)
    {
        if (source is null)
        {
            return false;
        }

        foreach (var item in source)
        {
            if (Equals(item, value))
            {
                return true;
            }
        }

        return false;
    }
}
