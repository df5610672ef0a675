/** Replaces the password (and user info) of every postgres URL in `text` so credentials never reach logs or results. */
export function redact(text: string): string {
  return text.replace(
    /(postgres(?:ql)?:\/\/)([^@\s/]*)@/gi,
    (_m, scheme: string, userinfo: string) => `${scheme}${userinfo.includes(':') ? `${userinfo.split(':')[0]}:***` : userinfo}@`,
  );
}

/** A URL's host, port and database only: what may be printed. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}
