/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function mdTableToHtml(md: string): string {
  const rows = md
    .trim()
    .split('\n')
    .filter((l) => !/^\|-/.test(l));
  return `<table>${rows
    .map(
      (l, i) =>
        `<tr>${l
          .split('|')
          .slice(1, -1)
          .map((c) => (i === 0 ? `<th>${escapeHtml(c.trim())}</th>` : `<td>${escapeHtml(c.trim()).replace(/\*\*(.+)\*\*/, '<b>$1</b>')}</td>`))
          .join('')}</tr>`,
    )
    .join('')}</table>`;
}
