/** Money fields get two decimals as strings (`"1000.00"`), like the deprecated endpoints' samples. */
const MONEY = new Set([
  'amount',
  'cost',
  'first_cost',
  'cost_per_unit',
  'manual_cost',
  'cost_to_pay',
  'price_min',
  'price_max',
  'price',
  'balance',
  'spent',
  'paid',
]);

/** Every number becomes a string, the way old endpoints and doc samples send ids, amounts and flags. */
export function toLegacyStrings(value: unknown, key?: string): unknown {
  if (typeof value === 'number') return key && MONEY.has(key) ? value.toFixed(2) : String(value);
  if (Array.isArray(value)) return value.map((v) => toLegacyStrings(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toLegacyStrings(v, k)]));
  }
  return value;
}
