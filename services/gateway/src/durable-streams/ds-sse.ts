/**
 * SSE framing of Durable Streams reads (PROTOCOL.md section 5.8), pure: every `data` event is
 * followed by a `control` event with the offset after it; text-like payloads are sent as text
 * (multi-line payloads over several `data:` lines), others as base64.
 */

export interface DsControl {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: boolean;
  streamClosed?: boolean;
}

export function sseData(payload: string): string {
  return `event: data\n${dataLines(payload)}`;
}

export function sseControl(control: DsControl): string {
  return `event: control\n${dataLines(JSON.stringify(control))}`;
}

function dataLines(payload: string): string {
  return `${payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data:${line}`)
    .join('\n')}\n\n`;
}
