using System.Collections;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Translates a LINQ filter (<c>Expression&lt;Func&lt;TRecord, bool&gt;&gt;</c>) into a parameterized SQL condition.
/// </summary>
/// <remarks>
/// <para>Values never enter the SQL text: every constant, captured variable or sub-expression that does not depend
/// on the record is evaluated and bound as a parameter, so hostile strings are inert.</para>
/// <para>The SQL keeps .NET's two-valued logic where SQL would produce NULL: <c>==</c>/<c>!=</c> become
/// <c>IS</c>/<c>IS NOT</c> (a NULL column differs from "x", as in C#), and range comparisons on a NULL column are
/// false rather than unknown, so <c>!(r.N &lt; 5)</c> selects the same records as the compiled lambda would.</para>
/// <para>Supported: <c>== != &lt; &lt;= &gt; &gt;=</c>, <c>&amp;&amp; || !</c>, bool members, null comparisons,
/// <c>HasValue</c>, <c>r.List.Contains(x)</c> on list and array properties, <c>values.Contains(r.Field)</c>,
/// and the <c>r["Name"]</c> indexer of dynamic records. Anything else throws <see cref="NotSupportedException"/>
/// naming the construct.</para>
/// </remarks>
internal sealed class SqliteFilterTranslator
{
    // SQLite's compiled limit is 32766 host parameters per statement; keep room for the statement's own.
    private const int MaxParameters = 30000;

    private readonly SqliteRecordMapping _mapping;
    private readonly ParameterExpression _record;
    private readonly StringBuilder _sql = new();
    private readonly List<KeyValuePair<string, object>> _parameters = [];

    private SqliteFilterTranslator(SqliteRecordMapping mapping, ParameterExpression record)
    {
        _mapping = mapping;
        _record = record;
    }

    /// <summary>Translates <paramref name="filter"/>; null stays null (no condition).</summary>
    /// <exception cref="NotSupportedException">The filter uses a construct the store cannot translate.</exception>
    public static SqliteFilter? Translate(LambdaExpression? filter, SqliteRecordMapping mapping)
    {
        if (filter is null)
        {
            return null;
        }

        if (filter.Parameters.Count != 1)
        {
            throw new NotSupportedException("A filter must be a lambda with exactly one parameter, the record.");
        }

        var translator = new SqliteFilterTranslator(mapping, filter.Parameters[0]);
        translator.Condition(filter.Body);
        return new SqliteFilter(translator._sql.ToString(), translator._parameters);
    }

    /// <summary>The SQL expression a sort selector orders by (for example <c>t."Created"</c>).</summary>
    public static string OrderByExpression(LambdaExpression selector, SqliteRecordMapping mapping)
    {
        var translator = new SqliteFilterTranslator(mapping, selector.Parameters[0]);
        var column = translator.TryColumn(selector.Body)
            ?? throw new NotSupportedException($"Ordering by '{selector.Body}' is not supported; order by a data or key property.");
        if (!column.IsOrderable)
        {
            throw new NotSupportedException($"Ordering by '{column.Property.Name}' is not supported: {column.StorageToken} values have no order.");
        }

        return column.Kind == SqliteColumnKind.Decimal ? $"CAST(t.{column.QuotedName} AS REAL)" : "t." + column.QuotedName;
    }

    /// <summary>The property a selector such as <c>r =&gt; r.Embedding</c> or <c>r =&gt; r["Embedding"]</c> names.</summary>
    public static string PropertyName(LambdaExpression selector, SqliteRecordMapping mapping)
    {
        var translator = new SqliteFilterTranslator(mapping, selector.Parameters[0]);
        return translator.TryPropertyName(selector.Body)
            ?? throw new NotSupportedException($"'{selector.Body}' does not name a property of the record.");
    }

    private static Expression StripConvert(Expression expression)
    {
        while (expression is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.TypeAs } unary)
        {
            expression = unary.Operand;
        }

        return expression;
    }

    /// <summary>
    /// C# 14 binds <c>array.Contains(x)</c> to <c>MemoryExtensions.Contains(ReadOnlySpan&lt;T&gt;, T)</c> through an
    /// implicit span conversion; look through that conversion to the array.
    /// </summary>
    private static Expression StripSpanConversion(Expression expression)
    {
        expression = StripConvert(expression);
        if (expression is MethodCallExpression { Method.Name: "op_Implicit", Arguments: [var operand] } call
            && call.Method.ReturnType.IsGenericType
            && call.Method.ReturnType.GetGenericTypeDefinition() is var definition
            && (definition == typeof(ReadOnlySpan<>) || definition == typeof(Span<>)))
        {
            return StripConvert(operand);
        }

        return expression;
    }

    private static bool IsFalse(object? value) => value is false;

    private void Condition(Expression node)
    {
        switch (node.NodeType)
        {
            case ExpressionType.AndAlso:
            case ExpressionType.And when node.Type == typeof(bool):
                Logical((BinaryExpression)node, " AND ");
                return;
            case ExpressionType.OrElse:
            case ExpressionType.Or when node.Type == typeof(bool):
                Logical((BinaryExpression)node, " OR ");
                return;
            case ExpressionType.Not:
                _sql.Append("NOT (");
                Condition(((UnaryExpression)node).Operand);
                _sql.Append(')');
                return;
            case ExpressionType.Convert or ExpressionType.ConvertChecked:
                Condition(((UnaryExpression)node).Operand);
                return;
            case ExpressionType.Equal:
            case ExpressionType.NotEqual:
            case ExpressionType.LessThan:
            case ExpressionType.LessThanOrEqual:
            case ExpressionType.GreaterThan:
            case ExpressionType.GreaterThanOrEqual:
                Comparison((BinaryExpression)node);
                return;
            case ExpressionType.Call:
                Call((MethodCallExpression)node);
                return;
        }

        if (!DependsOnRecord(node))
        {
            _sql.Append(IsFalse(Evaluate(node)) ? "0" : "1");
            return;
        }

        if (node is MemberExpression { Member.Name: "HasValue" } hasValue && hasValue.Expression is not null
            && Nullable.GetUnderlyingType(hasValue.Expression.Type) is not null && TryColumn(hasValue.Expression) is { } nullableColumn)
        {
            _sql.Append("t.").Append(nullableColumn.QuotedName).Append(" IS NOT NULL");
            return;
        }

        if (TryColumn(node) is { } column)
        {
            if (column.Kind != SqliteColumnKind.Boolean)
            {
                throw new NotSupportedException($"The property '{column.Property.Name}' ({column.ValueType.Name}) is used as a condition; only bool properties can be.");
            }

            _sql.Append("t.").Append(column.QuotedName).Append(" IS 1");
            return;
        }

        throw Unsupported(node);
    }

    private void Logical(BinaryExpression node, string op)
    {
        _sql.Append('(');
        Condition(node.Left);
        _sql.Append(op);
        Condition(node.Right);
        _sql.Append(')');
    }

    private void Comparison(BinaryExpression node)
    {
        var type = node.NodeType;
        var left = node.Left;
        var right = node.Right;
        var leftColumn = TryColumn(left);
        var rightColumn = TryColumn(right);

        if (leftColumn is null && rightColumn is null)
        {
            if (!DependsOnRecord(node))
            {
                _sql.Append(IsFalse(Evaluate(node)) ? "0" : "1");
                return;
            }

            // A comparison of a bool condition with a constant, for example (r.A == 1) == true.
            if (node.Left.Type == typeof(bool) && node.Right.Type == typeof(bool) && type is ExpressionType.Equal or ExpressionType.NotEqual)
            {
                var (condition, constant) = DependsOnRecord(left) ? (left, right) : (right, left);
                if (!DependsOnRecord(constant))
                {
                    bool wanted = Evaluate(constant) is true;
                    bool negate = wanted == (type == ExpressionType.NotEqual);
                    _sql.Append(negate ? "NOT (" : "(");
                    Condition(condition);
                    _sql.Append(')');
                    return;
                }
            }

            throw Unsupported(node);
        }

        if (leftColumn is not null && rightColumn is not null)
        {
            throw new NotSupportedException($"Comparing two properties ('{leftColumn.Property.Name}' and '{rightColumn.Property.Name}') is not supported; compare a property with a value.");
        }

        if (leftColumn is null)
        {
            // value op column -> column op' value
            (left, right) = (right, left);
            leftColumn = rightColumn;
            type = type switch
            {
                ExpressionType.LessThan => ExpressionType.GreaterThan,
                ExpressionType.LessThanOrEqual => ExpressionType.GreaterThanOrEqual,
                ExpressionType.GreaterThan => ExpressionType.LessThan,
                ExpressionType.GreaterThanOrEqual => ExpressionType.LessThanOrEqual,
                _ => type,
            };
        }

        var column = leftColumn!;
        if (DependsOnRecord(right))
        {
            throw Unsupported(node);
        }

        var value = Evaluate(right);
        var quoted = "t." + column.QuotedName;
        if (value is null)
        {
            _sql.Append(type switch
            {
                ExpressionType.Equal => quoted + " IS NULL",
                ExpressionType.NotEqual => quoted + " IS NOT NULL",
                // A lifted comparison with null is false in C#.
                _ => "0",
            });
            return;
        }

        if (type is ExpressionType.Equal or ExpressionType.NotEqual)
        {
            if (column.Kind is SqliteColumnKind.Json or SqliteColumnKind.Vector)
            {
                throw new NotSupportedException($"Comparing the property '{column.Property.Name}' ({column.StorageToken}) with a value is not supported; use Contains on list properties.");
            }

            var parameter = Parameter(SqliteValueCodec.EncodeComparable(column, value, forRange: false));
            _sql.Append(quoted).Append(type == ExpressionType.Equal ? " IS " : " IS NOT ").Append(parameter);
            return;
        }

        if (!column.IsOrderable || column.Kind is SqliteColumnKind.Guid or SqliteColumnKind.Boolean)
        {
            throw new NotSupportedException($"Range comparisons on the property '{column.Property.Name}' ({column.StorageToken}) are not supported.");
        }

        var op = type switch
        {
            ExpressionType.LessThan => " < ",
            ExpressionType.LessThanOrEqual => " <= ",
            ExpressionType.GreaterThan => " > ",
            _ => " >= ",
        };
        var operand = column.Kind == SqliteColumnKind.Decimal ? $"CAST({quoted} AS REAL)" : quoted;
        var rangeParameter = Parameter(SqliteValueCodec.EncodeComparable(column, value, forRange: true));
        _sql.Append('(').Append(quoted).Append(" IS NOT NULL AND ").Append(operand).Append(op).Append(rangeParameter).Append(')');
    }

    private void Call(MethodCallExpression call)
    {
        if (!DependsOnRecord(call))
        {
            _sql.Append(IsFalse(Evaluate(call)) ? "0" : "1");
            return;
        }

        if (call.Method.Name == "Contains")
        {
            Expression? source = null;
            Expression? item = null;
            if (call.Object?.Type == typeof(string))
            {
                throw new NotSupportedException($"'{call}': substring matching (string.Contains) is not supported in filters; use hybrid search keywords for text matching.");
            }

            if (call.Object is not null && call.Arguments.Count == 1)
            {
                (source, item) = (call.Object, call.Arguments[0]);
            }
            else if (call.Object is null && call.Arguments.Count == 2
                && (call.Method.DeclaringType == typeof(Enumerable) || call.Method.DeclaringType == typeof(MemoryExtensions)))
            {
                (source, item) = (call.Arguments[0], call.Arguments[1]);
            }

            if (source is not null && item is not null)
            {
                Contains(call, StripSpanConversion(source), item);
                return;
            }
        }

        if (TryColumn(call) is { Kind: SqliteColumnKind.Boolean } column)
        {
            _sql.Append("t.").Append(column.QuotedName).Append(" IS 1");
            return;
        }

        throw Unsupported(call);
    }

    private void Contains(MethodCallExpression call, Expression source, Expression item)
    {
        var listColumn = TryColumn(source);
        if (listColumn is not null)
        {
            // r.Tags.Contains("x"): an element of the stored JSON array equals the value.
            if (listColumn.Kind != SqliteColumnKind.Json)
            {
                throw new NotSupportedException($"'{call}': Contains is supported on list and array properties; '{listColumn.Property.Name}' is {listColumn.StorageToken}.");
            }

            if (DependsOnRecord(item))
            {
                throw Unsupported(call);
            }

            var value = Evaluate(item);
            if (value is null)
            {
                _sql.Append("EXISTS (SELECT 1 FROM json_each(t.").Append(listColumn.QuotedName).Append(") WHERE type = 'null')");
                return;
            }

            var parameter = Parameter(SqliteValueCodec.EncodeJsonElement(listColumn, value));
            _sql.Append("EXISTS (SELECT 1 FROM json_each(t.").Append(listColumn.QuotedName).Append(") WHERE value = ").Append(parameter).Append(')');
            return;
        }

        // values.Contains(r.Field): the field is one of the values.
        var column = TryColumn(item);
        if (column is null || DependsOnRecord(source))
        {
            throw Unsupported(call);
        }

        if (column.Kind is SqliteColumnKind.Json or SqliteColumnKind.Vector)
        {
            throw new NotSupportedException($"'{call}': the property '{column.Property.Name}' ({column.StorageToken}) cannot be matched against a list of values.");
        }

        if (Evaluate(source) is not IEnumerable values || values is string)
        {
            throw Unsupported(call);
        }

        bool hasNull = false;
        var names = new List<string>();
        foreach (var value in values)
        {
            if (value is null)
            {
                hasNull = true;
                continue;
            }

            if (_parameters.Count >= MaxParameters)
            {
                throw new NotSupportedException($"'{call}': the list of values is too long for one query (more than {MaxParameters}); split the query.");
            }

            names.Add(Parameter(SqliteValueCodec.EncodeComparable(column, value, forRange: false)));
        }

        var quoted = "t." + column.QuotedName;
        var parts = new List<string>();
        if (names.Count > 0)
        {
            parts.Add($"({quoted} IS NOT NULL AND {quoted} IN ({string.Join(", ", names)}))");
        }

        if (hasNull)
        {
            parts.Add(quoted + " IS NULL");
        }

        _sql.Append(parts.Count == 0 ? "0" : "(" + string.Join(" OR ", parts) + ")");
    }

    /// <summary>The column a record member access (<c>r.Prop</c>, <c>r.Prop.Value</c>, <c>r["Prop"]</c>) refers to, or null.</summary>
    private SqliteColumn? TryColumn(Expression expression)
    {
        var name = TryPropertyName(expression);
        if (name is null)
        {
            return null;
        }

        var column = _mapping.FindByPropertyName(name)
            ?? throw new NotSupportedException($"The filter uses '{name}', which is not a property of the record's key or data properties.");
        if (column.Kind == SqliteColumnKind.Vector)
        {
            throw new NotSupportedException($"The filter uses the vector property '{name}'; vectors cannot be filtered on.");
        }

        return column;
    }

    private string? TryPropertyName(Expression expression)
    {
        expression = StripConvert(expression);
        switch (expression)
        {
            case MemberExpression { Member.Name: "Value" } nullable when nullable.Expression is not null && Nullable.GetUnderlyingType(nullable.Expression.Type) is not null:
                return TryPropertyName(nullable.Expression);
            case MemberExpression member when member.Expression is not null && StripConvert(member.Expression) == _record:
                return member.Member.Name;
            case MethodCallExpression { Method.Name: "get_Item", Arguments: [var argument] } indexer
                when indexer.Object is not null && StripConvert(indexer.Object) == _record && !DependsOnRecord(argument):
                return Evaluate(argument) as string
                    ?? throw new NotSupportedException($"'{indexer}': the record indexer needs a property name (a string).");
            default:
                return null;
        }
    }

    private string Parameter(object value)
    {
        var name = "@f" + _parameters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _parameters.Add(new KeyValuePair<string, object>(name, value));
        return name;
    }

    private bool DependsOnRecord(Expression expression)
    {
        var finder = new ParameterFinder(_record);
        finder.Visit(expression);
        return finder.Found;
    }

    /// <summary>Evaluates a sub-expression that does not depend on the record (constants, captured variables, calls).</summary>
    private static object? Evaluate(Expression expression)
    {
        switch (expression)
        {
            case ConstantExpression constant:
                return constant.Value;
            case MemberExpression { Member: FieldInfo field } member:
                return field.GetValue(member.Expression is null ? null : Evaluate(member.Expression));
            case MemberExpression { Member: PropertyInfo { GetMethod.IsStatic: false } property } member when member.Expression is not null:
                return property.GetValue(Evaluate(member.Expression));
        }

        try
        {
            var lambda = Expression.Lambda<Func<object?>>(Expression.Convert(StripSpanConversion(expression), typeof(object)));
            return lambda.Compile(preferInterpretation: true)();
        }
        catch (Exception ex) when (ex is not NotSupportedException)
        {
            throw new NotSupportedException($"The filter value '{expression}' could not be evaluated: {ex.Message}", ex);
        }
    }

    private static NotSupportedException Unsupported(Expression node) =>
        new($"The filter construct '{node}' ({node.NodeType}) is not supported by the SQLite store. Supported: comparisons of a property with a value (==, !=, <, <=, >, >=), &&, ||, !, bool properties, null checks, list.Contains(value) and values.Contains(property).");

    private sealed class ParameterFinder(ParameterExpression parameter) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            if (Found || node is null)
            {
                return node;
            }

            if (node == parameter)
            {
                Found = true;
                return node;
            }

            return base.Visit(node);
        }
    }
}
