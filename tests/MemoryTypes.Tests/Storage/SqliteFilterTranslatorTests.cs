using System.Linq.Expressions;
using KernelMemoryPlus.Storage.Internal;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>
/// The filter translator: parameterized SQL only, and the same answers as LINQ to Objects (checked by running each
/// filter both ways over the same records, nulls included).
/// </summary>
public sealed class SqliteFilterTranslatorTests : IAsyncLifetime
{
    private readonly SqliteTestFiles _files = new();
    private SqliteVectorStore? _store;
    private VectorStoreCollection<int, Item>? _items;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed class Item
    {
        [VectorStoreKey]
        public int Id { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public string? Name { get; set; }

        [VectorStoreData]
        public decimal Price { get; set; }

        [VectorStoreData]
        public double? Ratio { get; set; }

        [VectorStoreData]
        public bool? Flag { get; set; }

        [VectorStoreData]
        public DateTime When { get; set; }

        [VectorStoreData]
        public DateTimeOffset? Due { get; set; }

        [VectorStoreData]
        public Guid? Ref { get; set; }

        [VectorStoreData]
        public List<int> Numbers { get; set; } = [];

        [VectorStoreData]
        public double[] Weights { get; set; } = [];

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    private static readonly Guid s_ref = Guid.Parse("6f9619ff-8b86-d011-b42d-00cf4fc964ff");

    private static readonly Item[] s_items =
    [
        new() { Id = 1, Name = "apple", Price = 1.50m, Ratio = 0.5, Flag = true, When = new DateTime(2024, 1, 1, 8, 0, 0, DateTimeKind.Utc), Due = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.FromHours(2)), Ref = s_ref, Numbers = [1, 2], Weights = [0.25] },
        new() { Id = 2, Name = null, Price = 10m, Ratio = null, Flag = null, When = new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Local), Due = null, Ref = null, Numbers = [], Weights = [] },
        new() { Id = 3, Name = "banana", Price = 0.001m, Ratio = 2.5, Flag = false, When = new DateTime(2023, 12, 31, 23, 59, 59, DateTimeKind.Unspecified), Due = new DateTimeOffset(2024, 6, 1, 9, 0, 0, TimeSpan.Zero), Ref = Guid.Empty, Numbers = [3], Weights = [1.5, 0.25] },
        new() { Id = 4, Name = "cherry", Price = 12345678901234567.891m, Ratio = -1, Flag = true, When = new DateTime(2025, 5, 5), Due = new DateTimeOffset(2024, 6, 1, 11, 0, 0, TimeSpan.FromHours(1)), Ref = s_ref, Numbers = [2, 3, 4], Weights = [] },
        new() { Id = 5, Name = "", Price = -2.5m, Ratio = 0, Flag = false, When = DateTime.MinValue, Due = DateTimeOffset.MaxValue, Ref = null, Numbers = [5], Weights = [9] },
    ];

    public async ValueTask InitializeAsync()
    {
        _store = new SqliteVectorStore(_files.PathOf("filters.db"));
        _items = _store.GetCollection<int, Item>("items");
        await _items.EnsureCollectionExistsAsync(Ct);
        await _items.UpsertAsync(s_items.Select(i => { i.Embedding = new float[] { i.Id, 1 }; return i; }), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _files.Dispose();
    }

    public static TheoryData<string> FilterNames => [.. Filters.Keys];

    private static readonly DateTimeOffset s_noonPlusTwo = new(2024, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
    private static readonly int[] s_ids = [2, 4, 99];
    private static readonly string?[] s_namesWithNull = ["apple", null];
    private static readonly List<string> s_noNames = [];

    private static Dictionary<string, Expression<Func<Item, bool>>> Filters { get; } = new()
    {
        ["name equals"] = i => i.Name == "apple",
        ["name not equals (null rows included)"] = i => i.Name != "apple",
        ["not name equals"] = i => !(i.Name == "apple"),
        ["name null"] = i => i.Name == null,
        ["name empty"] = i => i.Name == "",
        ["decimal greater"] = i => i.Price > 1m,
        ["decimal equals (scale ignored)"] = i => i.Price == 1.5000m,
        ["decimal huge"] = i => i.Price >= 12345678901234567.891m,
        ["nullable double less (nulls false)"] = i => i.Ratio < 1,
        ["not nullable double less (nulls true)"] = i => !(i.Ratio < 1),
        ["nullable double has value"] = i => i.Ratio.HasValue,
        ["nullable bool true"] = i => i.Flag == true,
        ["nullable bool not true"] = i => i.Flag != true,
        ["nullable bool value"] = i => i.Flag.HasValue && i.Flag.Value,
        ["date time before"] = i => i.When < new DateTime(2024, 1, 15),
        ["date time offset equal instant"] = i => i.Due == s_noonPlusTwo.ToOffset(TimeSpan.FromHours(-3)),
        ["date time offset range"] = i => i.Due > new DateTimeOffset(2024, 6, 1, 9, 30, 0, TimeSpan.Zero) && i.Due < DateTimeOffset.MaxValue,
        ["guid equals"] = i => i.Ref == s_ref,
        ["guid empty"] = i => i.Ref == Guid.Empty,
        ["int list contains"] = i => i.Numbers.Contains(3),
        ["double array contains"] = i => i.Weights.Contains(0.25),
        ["key in local array"] = i => s_ids.Contains(i.Id),
        ["name in list with null"] = i => s_namesWithNull.Contains(i.Name),
        ["name in empty list"] = i => s_noNames.Contains(i.Name!),
        ["not in"] = i => !s_ids.Contains(i.Id),
        ["reversed comparison"] = i => 3 <= i.Id,
        ["int compared with fraction"] = i => i.Id > 2.5,
        ["constant true"] = i => true,
        ["constant false or"] = i => false || i.Id == 1,
        ["bool comparison of condition"] = i => (i.Id > 3) == false,
        ["and or not mix"] = i => (i.Flag == true || i.Name == null) && !(i.Price < 0),
    };

    [Theory]
    [MemberData(nameof(FilterNames))]
    public async Task Filter_SelectsTheSameRecordsAsLinqToObjects(string name)
    {
        var filter = Filters[name];
        var expected = s_items.Where(filter.Compile()).Select(i => i.Id).Order().ToArray();

        var actual = (await _items!.GetAsync(filter, 100, cancellationToken: Ct).ToListAsync(Ct)).Select(i => i.Id).Order().ToArray();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task AllTypes_RoundTrip()
    {
        var copies = await _items!.GetAsync(i => i.Id > 0, 100, new() { OrderBy = o => o.Ascending(i => i.Id) }, Ct).ToListAsync(Ct);

        Assert.Equal(s_items.Length, copies.Count);
        foreach (var (original, copy) in s_items.Zip(copies))
        {
            Assert.Equal(original.Name, copy.Name);
            Assert.Equal(original.Price, copy.Price);
            Assert.Equal(original.Ratio, copy.Ratio);
            Assert.Equal(original.Flag, copy.Flag);
            Assert.Equal(original.When, copy.When);
            Assert.Equal(original.When.Kind, copy.When.Kind);
            Assert.Equal(original.Due, copy.Due);
            Assert.Equal(original.Due?.Offset, copy.Due?.Offset);
            Assert.Equal(original.Ref, copy.Ref);
            Assert.Equal(original.Numbers, copy.Numbers);
            Assert.Equal(original.Weights, copy.Weights);
        }
    }

    [Fact]
    public async Task OrderBy_DecimalAndDateTimeOffset_FollowValuesNotText()
    {
        var byPrice = await _items!.GetAsync(i => true, 10, new() { OrderBy = o => o.Descending(i => i.Price) }, Ct).ToListAsync(Ct);
        var byDue = await _items.GetAsync(i => i.Due != null, 10, new() { OrderBy = o => o.Ascending(i => i.Due) }, Ct).ToListAsync(Ct);

        Assert.Equal(s_items.OrderByDescending(i => i.Price).Select(i => i.Id), byPrice.Select(i => i.Id));
        Assert.Equal(s_items.Where(i => i.Due != null).OrderBy(i => i.Due).Select(i => i.Id), byDue.Select(i => i.Id));
    }

    [Fact]
    public void Translate_PutsNoValueIntoTheSqlText()
    {
        var mapping = new SqliteRecordMapping(RecordModel.Build(typeof(Item), null, null));
        var hostile = "x'); DROP TABLE items; --";
        var names = new[] { "a'b", hostile };

        var filter = SqliteFilterTranslator.Translate((Expression<Func<Item, bool>>)(i => i.Name == hostile || names.Contains(i.Name) || i.Price > 1.5m), mapping)!;

        Assert.DoesNotContain("DROP", filter.Sql, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("1.5", filter.Sql, StringComparison.Ordinal);
        Assert.DoesNotContain("'", filter.Sql, StringComparison.Ordinal);
        Assert.Equal(4, filter.Parameters.Count);
        Assert.Equal(hostile, filter.Parameters[0].Value);
    }

    [Fact]
    public void Translate_UnsupportedConstructs_ThrowNamingThem()
    {
        var mapping = new SqliteRecordMapping(RecordModel.Build(typeof(Item), null, null));

        NotSupportedException Fails(Expression<Func<Item, bool>> filter) =>
            Assert.Throws<NotSupportedException>(() => SqliteFilterTranslator.Translate(filter, mapping));

        Assert.Contains("StartsWith", Fails(i => i.Name!.StartsWith('a')).Message, StringComparison.Ordinal);
        Assert.Contains("string.Contains", Fails(i => i.Name!.Contains("pp", StringComparison.Ordinal)).Message, StringComparison.Ordinal);
        Assert.Contains("two properties", Fails(i => i.Ratio == (double)i.Price).Message, StringComparison.Ordinal);
        Assert.Contains("Embedding", Fails(i => i.Embedding.Length == 2).Message, StringComparison.Ordinal);
        Assert.Contains("Numbers", Fails(i => i.Numbers.Count == 2).Message, StringComparison.Ordinal);
    }
}
