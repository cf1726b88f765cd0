using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>A translated filter: a SQL condition over the alias <c>t</c> and the values of its parameters.</summary>
internal sealed class SqliteFilter
{
    public SqliteFilter(string sql, IReadOnlyList<KeyValuePair<string, object>> parameters)
    {
        Sql = sql;
        Parameters = parameters;
    }

    public string Sql { get; }

    public IReadOnlyList<KeyValuePair<string, object>> Parameters { get; }

    /// <summary>Adds the filter's parameters to a command whose parameters were cleared.</summary>
    public void Bind(SqliteCommand command)
    {
        foreach (var (name, value) in Parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }
}
