/**
 * The pages of one list, read one ahead: page n+1 is requested while page n is being merged, so the
 * request budget and the database work overlap instead of taking turns (with a remote database each
 * page's merge costs network time the budget would otherwise sit idle through). Nothing is committed
 * for a page read ahead: a crash costs at most that one request, which the resumed run makes again.
 * The next page is requested only when `isLast` says there is one, so a finished list costs nothing.
 */
export async function* readAhead<R>(
  fetchPage: (page: number) => Promise<R>,
  firstPage: number,
  isLast: (result: R, page: number) => boolean,
): AsyncGenerator<{ page: number; result: R }> {
  let page = firstPage;
  let pending = requested(fetchPage(page));
  for (;;) {
    const result = await pending;
    const last = isLast(result, page);
    if (!last) pending = requested(fetchPage(page + 1));
    yield { page, result };
    if (last) return;
    page += 1;
  }
}

/**
 * A read-ahead request the consumer may never await (it stopped on an error of its own): its failure
 * must not become an unhandled rejection. Awaiting the returned promise still throws.
 */
function requested<R>(promise: Promise<R>): Promise<R> {
  promise.catch(() => {});
  return promise;
}
