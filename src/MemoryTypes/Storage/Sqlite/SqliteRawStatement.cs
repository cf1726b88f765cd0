using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// A statement prepared once on a connection and run through SQLitePCL's raw API, its parameters bound by position.
/// Used for the statements that run once per record of a batch.
/// </summary>
/// <remarks>
/// <para>
/// Microsoft.Data.Sqlite binds every parameter by name on every execution (<c>sqlite3_bind_parameter_index</c> with
/// the name converted to UTF-8 each time), allocates a binder per parameter and a data reader per execution; for a
/// record of ~30 columns that was about a sixth of the time of a bulk upsert (profiled). Here parameters are bound by
/// index and strings are encoded into a reused buffer, so binding a row allocates nothing. SQLite keeps a statement's
/// bindings from one execution to the next, so a parameter whose new value equals the one it holds (NULL, the same
/// number, the same short string) is not bound again: for a typical memory record that skips most of the ~30 native
/// calls per row.
/// </para>
/// <para>
/// Values are bound exactly as Microsoft.Data.Sqlite binds them: text as UTF-8 from <see cref="Encoding.UTF8"/> (lone
/// surrogates become U+FFFD), doubles refused when NaN (the same <see cref="InvalidOperationException"/>), and a step
/// that finds the database locked is retried until the connection's command timeout, as its commands do.
/// </para>
/// <para>Not thread-safe: it belongs to one <see cref="SqliteConnectionContext"/>, used by one operation at a time.</para>
/// </remarks>
internal sealed class SqliteRawStatement : IDisposable
{
    // Strings up to this many UTF-8 bytes are encoded into a buffer the statement keeps; longer ones into a rented one.
    private const int KeptScratchBytes = 64 * 1024;

    // Longer strings are not remembered (nor kept alive) as the bound value of a parameter.
    private const int MaxRememberedTextLength = 1024;

    private readonly SqliteConnection _connection;
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    // What each parameter (1-based) holds since its last bind: SQLite keeps bindings across executions, so a value
    // equal to the bound one (a NULL column, a namespace or timestamp shared by a batch) is not bound again.
    private readonly Bound[] _boundKinds;
    private readonly long[] _boundBits;
    private readonly string?[] _boundText;
    private byte[] _scratch = new byte[1024];
    private ArrayBufferWriter<byte>? _jsonBuffer;
    private Utf8JsonWriter? _jsonWriter;

    public SqliteRawStatement(SqliteConnection connection, string sql)
    {
        _connection = connection;
        _db = connection.Handle!;
        int rc = raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out sqlite3_stmt statement);
        if (rc != raw.SQLITE_OK)
        {
            statement?.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        _statement = statement!;
        ParameterCount = raw.sqlite3_bind_parameter_count(_statement);
        _boundKinds = new Bound[ParameterCount + 1];
        _boundBits = new long[ParameterCount + 1];
        _boundText = new string?[ParameterCount + 1];
    }

    private enum Bound : byte
    {
        Unknown,
        Null,
        Int64,
        Double,
        Text,
    }

    /// <summary>The number of parameters of the statement (the largest <c>?NNN</c>).</summary>
    public int ParameterCount { get; }

    /// <summary>The rowid of the row most recently inserted on the connection.</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    public void BindNull(int index)
    {
        if (Holds(index, Bound.Null))
        {
            return;
        }

        Forget(index);
        Check(raw.sqlite3_bind_null(_statement, index));
        Remember(index, Bound.Null, 0, null);
    }

    public void BindInt64(int index, long value)
    {
        if (Holds(index, Bound.Int64, value))
        {
            return;
        }

        Forget(index);
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        Remember(index, Bound.Int64, value, null);
    }

    public void BindDouble(int index, double value)
    {
        if (double.IsNaN(value))
        {
            // What Microsoft.Data.Sqlite throws (SQLite itself would store NULL).
            throw new InvalidOperationException("Cannot store 'NaN' values.");
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        if (Holds(index, Bound.Double, bits))
        {
            return;
        }

        Forget(index);
        Check(raw.sqlite3_bind_double(_statement, index, value));
        Remember(index, Bound.Double, bits, null);
    }

    public void BindBlob(int index, ReadOnlySpan<byte> value)
    {
        Forget(index);
        Check(raw.sqlite3_bind_blob(_statement, index, value));
    }

    /// <summary>Binds UTF-8 text (SQLite copies it, so the span may be reused right after).</summary>
    public void BindText(int index, ReadOnlySpan<byte> utf8)
    {
        Forget(index);
        Check(raw.sqlite3_bind_text(_statement, index, utf8));
    }

    public void BindText(int index, string value)
    {
        if ((uint)index < (uint)_boundKinds.Length && _boundKinds[index] == Bound.Text && _boundText[index] is { } bound
            && (ReferenceEquals(bound, value) || (value.Length <= 64 && string.Equals(bound, value, StringComparison.Ordinal))))
        {
            return;
        }

        BindTextCore(index, value);
        if (value.Length <= MaxRememberedTextLength)
        {
            Remember(index, Bound.Text, 0, value);
        }
    }

    private void BindTextCore(int index, string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= _scratch.Length)
        {
            BindText(index, _scratch.AsSpan(0, Encoding.UTF8.GetBytes(value, _scratch)));
            return;
        }

        if (max <= KeptScratchBytes)
        {
            _scratch = new byte[Math.Max(max, Math.Min(KeptScratchBytes, _scratch.Length * 2))];
            BindText(index, _scratch.AsSpan(0, Encoding.UTF8.GetBytes(value, _scratch)));
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetByteCount(value));
        try
        {
            BindText(index, rented.AsSpan(0, Encoding.UTF8.GetBytes(value, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Binds a value produced by <see cref="SqliteValueCodec"/> (long, double, string, byte[] or <see cref="DBNull"/>),
    /// or any other value the way Microsoft.Data.Sqlite would bind it.
    /// </summary>
    public void BindValue(int index, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                BindNull(index);
                break;
            case string s:
                BindText(index, s);
                break;
            case long l:
                BindInt64(index, l);
                break;
            case double d:
                BindDouble(index, d);
                break;
            case byte[] b:
                BindBlob(index, b);
                break;
            case int i:
                BindInt64(index, i);
                break;
            case bool b:
                BindInt64(index, b ? 1L : 0L);
                break;
            default:
                throw new InvalidOperationException($"A value of type '{value.GetType().Name}' cannot be bound by the SQLite store.");
        }
    }

    /// <summary>
    /// A JSON writer over a buffer the statement reuses, reset for a new value; bind the result with
    /// <see cref="BindJson"/>.
    /// </summary>
    public Utf8JsonWriter StartJson()
    {
        if (_jsonWriter is null)
        {
            _jsonBuffer = new ArrayBufferWriter<byte>(256);
            _jsonWriter = new Utf8JsonWriter(_jsonBuffer);
        }
        else
        {
            _jsonBuffer!.ResetWrittenCount();
            _jsonWriter.Reset(_jsonBuffer);
        }

        return _jsonWriter;
    }

    /// <summary>Binds what was written since <see cref="StartJson"/> as text.</summary>
    public void BindJson(int index)
    {
        _jsonWriter!.Flush();
        BindText(index, _jsonBuffer!.WrittenSpan);
        if (_jsonBuffer.Capacity > KeptScratchBytes)
        {
            // Do not keep a huge buffer for the life of the connection because of one huge value.
            _jsonWriter.Dispose();
            _jsonWriter = null;
            _jsonBuffer = null;
        }
    }

    /// <summary>Binds a JSON array of encoded keys (strings and integers, see <see cref="SqliteValueCodec.EncodeKey"/>).</summary>
    public void BindJsonArray(int index, IReadOnlyList<object> keys)
    {
        var writer = StartJson();
        writer.WriteStartArray();
        for (int i = 0; i < keys.Count; i++)
        {
            if (keys[i] is long number)
            {
                writer.WriteNumberValue(number);
            }
            else
            {
                writer.WriteStringValue((string)keys[i]);
            }
        }

        writer.WriteEndArray();
        BindJson(index);
    }

    /// <summary>Binds a JSON array of row ids; an empty array for null.</summary>
    public void BindJsonArray(int index, List<long>? rowIds)
    {
        var writer = StartJson();
        writer.WriteStartArray();
        if (rowIds is not null)
        {
            foreach (var rowId in rowIds)
            {
                writer.WriteNumberValue(rowId);
            }
        }

        writer.WriteEndArray();
        BindJson(index);
    }

    /// <summary>Runs a statement that returns no rows; returns the rows it changed (<c>sqlite3_changes</c>).</summary>
    public int Execute()
    {
        try
        {
            int rc = Step();
            while (rc == raw.SQLITE_ROW)
            {
                rc = Step();
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Runs a query for one integer (column 0 of the first row); null when it returns no row.</summary>
    public long? QueryInt64()
    {
        try
        {
            if (Step() != raw.SQLITE_ROW)
            {
                return null;
            }

            long value = raw.sqlite3_column_int64(_statement, 0);
            while (Step() == raw.SQLITE_ROW)
            {
            }

            return value;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose()
    {
        _jsonWriter?.Dispose();
        _statement.Dispose();
    }

    private int Step()
    {
        int rc = raw.sqlite3_step(_statement);
        if (rc is raw.SQLITE_ROW or raw.SQLITE_DONE)
        {
            return rc;
        }

        if (IsBusy(rc))
        {
            // As Microsoft.Data.Sqlite does: retry a locked database until the command timeout.
            var timeout = _connection.DefaultTimeout;
            var timer = Stopwatch.StartNew();
            while (IsBusy(rc) && (timeout == 0 || timer.Elapsed.TotalSeconds < timeout))
            {
                raw.sqlite3_reset(_statement);
                Thread.Sleep(150);
                rc = raw.sqlite3_step(_statement);
            }

            if (rc is raw.SQLITE_ROW or raw.SQLITE_DONE)
            {
                return rc;
            }
        }

        SqliteException.ThrowExceptionForRC(rc, _db);
        return rc;
    }

    private bool Holds(int index, Bound kind, long bits = 0) =>
        (uint)index < (uint)_boundKinds.Length && _boundKinds[index] == kind && _boundBits[index] == bits;

    private void Remember(int index, Bound kind, long bits, string? text)
    {
        if ((uint)index < (uint)_boundKinds.Length)
        {
            _boundKinds[index] = kind;
            _boundBits[index] = bits;
            _boundText[index] = text;
        }
    }

    private void Forget(int index) => Remember(index, Bound.Unknown, 0, null);

    private static bool IsBusy(int rc) => rc is raw.SQLITE_LOCKED or raw.SQLITE_BUSY or raw.SQLITE_LOCKED_SHAREDCACHE;

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
