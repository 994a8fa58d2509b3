/**
 * CSV fields as RFC 4180 wants them: a field holding a comma, quote, CR or LF is quoted, quotes doubled.
 * Numbers keep full precision (shortest round-trip form); null and undefined are empty fields; NaN and
 * ±Infinity are written `nan`, `inf`, `-inf`, which numpy and pandas both parse.
 */
export type CsvValue = string | number | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    return Object.is(v, -0) ? '0' : String(v);
  }
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV document; `eol` is CRLF (RFC 4180) unless told otherwise. */
export function toCsv(header: string[], rows: CsvValue[][], eol = '\r\n'): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',') + eol).join('');
}
