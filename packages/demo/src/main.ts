/**
 * The demo page: one prompt, one answer streaming through Spool, and the figures that show what
 * the middleware does. Everything goes through the SDK (@spool/client).
 */
import { SpoolClient, type SpoolStream } from '@spool/client';
import type { Chunk } from '@spool/protocol';

interface DemoConfig {
  gateways: string[];
}

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  form: element<HTMLFormElement>('ask'),
  prompt: element<HTMLInputElement>('prompt'),
  maxTokens: element<HTMLInputElement>('max-tokens'),
  send: element<HTMLButtonElement>('send'),
  drop: element<HTMLButtonElement>('drop'),
  switchGateway: element<HTMLButtonElement>('switch'),
  slow: element<HTMLInputElement>('slow'),
  transportChoice: element<HTMLSelectElement>('transport-choice'),
  status: element('status'),
  streamId: element('stream-id'),
  output: element('output'),
  reasoning: element('reasoning'),
  reasoningBox: element('reasoning-box'),
  tool: element('tool'),
  error: element('error'),
  figures: {
    ttft: element('ttft'),
    rate: element('rate'),
    chunk: element('chunk'),
    offset: element('offset'),
    backlog: element('backlog'),
    transport: element('transport'),
    gateway: element('gateway'),
    reconnects: element('reconnects'),
  },
};

const config: DemoConfig = await fetch('/demo/config.json').then((response) => response.json());
type Transport = 'auto' | 'ws' | 'sse';
const baseUrl = config.gateways.length > 0 ? config.gateways : [location.origin];
/** A client per transport the page offers (gRPC needs HTTP/2 clients a browser does not have). */
const clients = new Map<Transport, SpoolClient>(
  (['auto', 'ws', 'sse'] as const).map((transport) => [
    transport,
    new SpoolClient({ baseUrl, highWaterMark: 64, transport }),
  ]),
);
let current: SpoolStream | undefined;

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  void ask().catch((error: unknown) => fail(error));
});
ui.drop.addEventListener('click', () => current?.drop());
ui.switchGateway.addEventListener('click', () => current?.switchGateway());

async function ask(): Promise<void> {
  const client = clients.get(ui.transportChoice.value as Transport) as SpoolClient;
  current?.close();
  reset();
  ui.status.textContent = 'creating';
  const started = performance.now();
  const created = await client.create({
    prompt: ui.prompt.value,
    params: { max_tokens: Number(ui.maxTokens.value) || 300 },
  });
  ui.streamId.textContent = created.id;
  const stream = client.stream(created.id, { highWaterMark: 64 });
  current = stream;
  ui.drop.disabled = false;
  ui.switchGateway.disabled = false;
  ui.status.textContent = 'streaming';
  stream.on('state', (state) => {
    ui.figures.transport.textContent = state.transport ?? '—';
    ui.figures.gateway.textContent = state.gateway ?? '—';
    ui.figures.reconnects.textContent = String(state.reconnects);
  });
  const stopPolling = pollBacklog(stream);
  try {
    await consume(stream, started);
    ui.figures.backlog.textContent = '0';
    ui.status.textContent = 'done';
  } finally {
    stopPolling();
    ui.drop.disabled = true;
    ui.switchGateway.disabled = true;
  }
}

async function consume(stream: SpoolStream, started: number): Promise<void> {
  let firstTokenAt: number | undefined;
  let tokens = 0;
  let messages = 0;
  for await (const chunk of stream) {
    messages++;
    if (chunk.kind === 'tokens') {
      firstTokenAt ??= performance.now();
      tokens += chunk.to - chunk.from;
    }
    render(stream, chunk);
    const elapsed = (performance.now() - (firstTokenAt ?? started)) / 1_000;
    ui.figures.ttft.textContent = firstTokenAt ? `${Math.round(firstTokenAt - started)} ms` : '—';
    ui.figures.rate.textContent = elapsed > 0 ? (tokens / elapsed).toFixed(0) : '—';
    ui.figures.chunk.textContent = ((stream.offset || 1) / messages).toFixed(1);
    ui.figures.offset.textContent = String(stream.offset);
    if (ui.slow.checked) await new Promise((resolve) => setTimeout(resolve, 120));
  }
}

function render(stream: SpoolStream, chunk: Chunk): void {
  const reasoning = stream.blocks
    .filter((block) => block.kind === 'reasoning')
    .map((block) => block.text)
    .join('\n');
  const tools = stream.blocks.filter((block) => block.kind === 'tool_call');
  ui.output.textContent = stream.text;
  ui.reasoning.textContent = reasoning;
  ui.reasoningBox.hidden = reasoning === '';
  ui.tool.hidden = tools.length === 0;
  ui.tool.textContent = tools
    .map((block) => `${block.tool?.name ?? 'tool'}(${block.text})`)
    .join('\n');
  if (chunk.kind === 'control' && chunk.item.type === 'error')
    ui.error.textContent = `${chunk.item.code}: ${chunk.item.message}`;
}

/** The server-side lag: items in Redis the page has not consumed yet (grows with "slow reader"). */
function pollBacklog(stream: SpoolStream): () => void {
  const timer = setInterval(() => {
    (clients.get('auto') as SpoolClient).meta(stream.id).then(
      (meta) => {
        ui.figures.backlog.textContent = String(Math.max(0, meta.length - stream.offset));
      },
      () => {},
    );
  }, 400);
  return () => clearInterval(timer);
}

function reset(): void {
  ui.output.textContent = '';
  ui.reasoning.textContent = '';
  ui.tool.textContent = '';
  ui.error.textContent = '';
  for (const figure of Object.values(ui.figures)) figure.textContent = '—';
  ui.figures.reconnects.textContent = '0';
}

function fail(error: unknown): void {
  ui.status.textContent = 'failed';
  ui.error.textContent = error instanceof Error ? error.message : String(error);
}
