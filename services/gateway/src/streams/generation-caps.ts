/**
 * What one create may ask a worker for, checked before anything is stored (issue 13): Spool's
 * generation params by the rules every adapter applies (protocol's generation-rules.ts), and
 * this gateway's caps on what a client may cost — `max_tokens` (SPOOL_MAX_TOKENS), an unpaced
 * generation (`tokens_per_second: 0`, only with SPOOL_ALLOW_UNPACED=1) and the prompt's size
 * (SPOOL_MAX_PROMPT_CHARS). A breach is `400 invalid_request` naming the param; nothing is
 * stored and nothing enqueued.
 */
import type { GenerationJob } from '@spool/generation-queue';
import { generationParamsProblem, requestedMaxTokens, SpoolError } from '@spool/protocol';
import type { GatewayConfig } from '../config.ts';

export type GenerationCaps = Pick<
  GatewayConfig['bounds'],
  'maxTokens' | 'allowUnpaced' | 'maxPromptChars'
>;

export function checkGeneration(
  caps: GenerationCaps,
  job: Pick<GenerationJob, 'messages' | 'params'>,
): void {
  const { params } = job;
  const problem = generationParamsProblem(params);
  if (problem !== undefined) throw new SpoolError('invalid_request', problem);
  const maxTokens = requestedMaxTokens(params);
  if (maxTokens !== undefined && maxTokens > caps.maxTokens) {
    throw new SpoolError(
      'invalid_request',
      `params.max_tokens must be at most ${caps.maxTokens} on this service.`,
    );
  }
  if (params.tokens_per_second === 0 && !caps.allowUnpaced) {
    throw new SpoolError(
      'invalid_request',
      'params.tokens_per_second must be above 0 on this service (unpaced generation is off).',
    );
  }
  let chars = 0;
  for (const message of job.messages) chars += message.content.length;
  if (chars > caps.maxPromptChars) {
    throw new SpoolError(
      'invalid_request',
      `The prompt has ${chars} characters; at most ${caps.maxPromptChars} on this service.`,
    );
  }
}
