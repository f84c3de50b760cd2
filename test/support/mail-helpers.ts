import type { ParsedMail } from 'mailparser';
import type { SmtpSink } from './smtp-sink';

/** The 6-digit code of a mail (the text part shows it alone on an indented line). */
export function codeOf(mail: ParsedMail): string {
  const m = /^ {4}(\d{6})$/m.exec(mail.text ?? '');
  if (!m) throw new Error(`no code in mail "${mail.subject}"`);
  return m[1];
}

/** The token of the link of a mail (`.../users/verify?token=` or `.../password/reset?token=`). */
export function tokenOf(mail: ParsedMail): string {
  const m = /\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  if (!m) throw new Error(`no link in mail "${mail.subject}"`);
  return m[1];
}

/** Waits for the n-th mail to an address and returns it. */
export async function nthMailTo(sink: SmtpSink, address: string, n = 1): Promise<ParsedMail> {
  await sink.waitFor(() => sink.to(address).length >= n);
  return sink.to(address)[n - 1];
}

/** Waits for a mail to an address whose subject matches, and returns it. */
export async function mailTo(
  sink: SmtpSink,
  address: string,
  subject: RegExp,
  timeoutMs = 15_000,
): Promise<ParsedMail> {
  await sink.waitFor(() => sink.to(address).some((m) => subject.test(m.subject ?? '')), timeoutMs);
  return sink.to(address).find((m) => subject.test(m.subject ?? ''))!;
}
