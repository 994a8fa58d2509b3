import { esc } from './svg/format.js';

/** A cell: plain text (escaped), or pre-escaped HTML when wrapped with `raw`. */
export type Cell = string | number | { html: string };

export const raw = (html: string): { html: string } => ({ html });

function cell(c: Cell, tag: 'td' | 'th'): string {
  if (typeof c === 'object') return `<${tag}>${c.html}</${tag}>`;
  // Numbers arrive preformatted as strings; right-align anything that looks numeric.
  const numeric = typeof c === 'number' || /^[−-]?[\d.]+(e[+-]?\d+)?$|^[—∞]$|^n\/a$/.test(c);
  return `<${tag}${numeric && tag === 'td' ? ' class="n"' : ''}>${esc(c)}</${tag}>`;
}

/**
 * `rowClass[i]`: the class index row i is about (data-class on its <tr>), so a click on the row
 * highlights the class across the page.
 */
export function htmlTable(headers: string[], rows: Cell[][], opts: { id?: string; caption?: string; rowClass?: (number | null)[] } = {}): string {
  const id = opts.id ? ` data-table="${esc(opts.id)}"` : '';
  const caption = opts.caption ? `<caption>${esc(opts.caption)}</caption>` : '';
  const head = `<thead><tr>${headers.map((h) => cell(h, 'th')).join('')}</tr></thead>`;
  const body = rows.length
    ? rows
        .map((r, i) => {
          const k = opts.rowClass?.[i];
          return `<tr${k === undefined || k === null || k < 0 ? '' : ` data-class="${k}"`}>${r.map((c) => cell(c, 'td')).join('')}</tr>`;
        })
        .join('\n')
    : `<tr><td colspan="${headers.length}" class="empty">none</td></tr>`;
  return `<table${id}>${caption}${head}<tbody>\n${body}\n</tbody></table>`;
}
