/** A cookie set by an answer (Set-Cookie), as `name=value` for a Cookie header, and its attributes. */
export function cookieOf(
  setCookie: string[] | string | undefined,
  name: string,
): { pair: string; attrs: string } {
  const line = [setCookie ?? []].flat().find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie in ${JSON.stringify(setCookie)}`);
  const [pair, ...attrs] = line.split(';');
  return { pair, attrs: attrs.join(';') };
}
