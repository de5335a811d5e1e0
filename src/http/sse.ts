/**
 * Server-Sent Events framing (the HTML Living Standard, "Server-sent events"). A field's value
 * may not hold a line break, so data is one line of JSON, and an id or type never holds one.
 */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

export function sseEvent(id: number, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: clients ignore it, proxies and load balancers see the connection alive. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** How long a client waits before reconnecting after the stream ends. */
export function sseRetry(ms: number): string {
  return `retry: ${Math.round(ms)}\n\n`;
}
