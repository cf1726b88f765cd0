namespace KernelMemoryPlus.Storage;

/// <summary>
/// A <see cref="Microsoft.Extensions.VectorData.VectorStore"/> that can group writes to several of its collections
/// into one atomic unit.
/// </summary>
/// <remarks>
/// The transaction is ambient for the current asynchronous flow: every operation on any collection of the same store
/// made while it is open (reads included, so the flow reads its own writes) joins it. Other flows are not blocked from
/// reading; writers from other flows wait until the transaction ends. Disposing a transaction that was not committed
/// rolls every write in it back. Transactions do not nest: beginning one inside another throws.
/// </remarks>
public interface ITransactionalVectorStore
{
    /// <summary>Begins a transaction that the current asynchronous flow joins until it is disposed.</summary>
    /// <param name="cancellationToken">Cancels waiting for other writers.</param>
    /// <returns>The open transaction; call <see cref="IVectorStoreTransaction.CommitAsync"/> and dispose it.</returns>
    ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default);
}

/// <summary>An open transaction of an <see cref="ITransactionalVectorStore"/>.</summary>
public interface IVectorStoreTransaction : IAsyncDisposable
{
    /// <summary>Makes every write of the transaction durable and visible to other readers at once.</summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    ValueTask CommitAsync(CancellationToken cancellationToken = default);
}
