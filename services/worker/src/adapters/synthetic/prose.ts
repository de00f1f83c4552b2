/**
 * Prose for the synthetic model, cut into token pieces shaped like a BPE tokenizer's: mostly a
 * leading space and a word (" the", " model"), long words in 2–3 pieces (" stream" + "ing"),
 * punctuation on its own, every piece 1–8 characters.
 */
import type { Random } from './random.ts';
import {
  ADJECTIVES,
  ADVERBS,
  ANSWER_OPENERS,
  BASE_VERBS,
  CONJUNCTIONS,
  DETERMINERS,
  MODALS,
  NOUNS,
  PREPOSITIONS,
  SUFFIXES,
  THINKING_OPENERS,
  THINKING_SUBJECTS,
  VERBS,
} from './vocabulary.ts';

/** `answer` for the text block, `thinking` for the reasoning block. */
export type Register = 'answer' | 'thinking';

export const MAX_PIECE_LENGTH = 8;
export const PARAGRAPH_BREAK = '\n\n';

const PARAGRAPH_PROBABILITY: Record<Register, number> = { answer: 0.12, thinking: 0.2 };
const PUNCTUATION = new Set([',', '.', '?', ':']);

/**
 * Token pieces of prose: whole sentences, with occasional paragraph breaks, until at least
 * `minTokens` pieces were given; so it always ends with a sentence's last mark.
 */
export function* prosePieces(
  random: Random,
  register: Register,
  minTokens: number,
): Generator<string> {
  let count = 0;
  let paragraphStart = true;
  while (count < minTokens) {
    if (count > 0 && random.chance(PARAGRAPH_PROBABILITY[register])) {
      yield PARAGRAPH_BREAK;
      count++;
      paragraphStart = true;
    }
    for (const word of sentence(random, register)) {
      const pieces = PUNCTUATION.has(word)
        ? [word]
        : wordPieces(paragraphStart ? word : ` ${word}`);
      paragraphStart = false;
      for (const piece of pieces) {
        yield piece;
        count++;
      }
    }
  }
}

const pieceCache = new Map<string, readonly string[]>();

/** One word, with its leading space if any, as token pieces. */
export function wordPieces(word: string): readonly string[] {
  let pieces = pieceCache.get(word);
  if (pieces === undefined) {
    pieces = splitWord(word);
    // The vocabulary is finite, but tool arguments are not: keep the cache bounded.
    if (pieceCache.size < 10_000) pieceCache.set(word, pieces);
  }
  return pieces;
}

/** Any short text (a tool call's JSON arguments) as token pieces. */
export function textPieces(text: string): string[] {
  const pieces: string[] = [];
  for (const match of text.matchAll(/ ?[A-Za-z]+| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]{1,3}|\s{1,8}/g)) {
    pieces.push(...wordPieces(match[0]));
  }
  return pieces;
}

function splitWord(word: string): string[] {
  if (word.length <= MAX_PIECE_LENGTH) return [word];
  let fallback: string | undefined;
  for (const suffix of SUFFIXES) {
    const stem = word.slice(0, -suffix.length);
    if (!word.endsWith(suffix) || stem.trim().length < 3) continue;
    if (stem.length <= MAX_PIECE_LENGTH) return [stem, suffix];
    fallback ??= suffix;
  }
  if (fallback === undefined) return halves(word);
  return [...halves(word.slice(0, -fallback.length)), fallback];
}

function halves(text: string): string[] {
  if (text.length <= MAX_PIECE_LENGTH) return [text];
  const middle = Math.ceil(text.length / 2);
  return [...halves(text.slice(0, middle)), ...halves(text.slice(middle))];
}

/** One sentence as words and punctuation marks, its first word capitalised. */
function sentence(random: Random, register: Register): string[] {
  const words: string[] = [];
  const openers = register === 'answer' ? ANSWER_OPENERS : THINKING_OPENERS;
  if (random.chance(register === 'answer' ? 0.25 : 0.4)) {
    words.push(...random.pick(openers).split(' '), ',');
  }
  clause(random, register, words);
  if (random.chance(0.35)) {
    words.push(',', ...random.pick(CONJUNCTIONS).split(' '));
    clause(random, register, words);
  }
  words.push(register === 'thinking' && random.chance(0.1) ? '?' : '.');
  const first = words[0] ?? '';
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words;
}

function clause(random: Random, register: Register, words: string[]): void {
  const roll = register === 'thinking' ? random.next() : 1;
  if (roll < 0.4) {
    words.push(...random.pick(MODALS).split(' '), random.pick(BASE_VERBS));
  } else if (roll < 0.6) {
    words.push(...random.pick(THINKING_SUBJECTS).split(' '));
  } else {
    nounPhrase(random, words);
    if (random.chance(0.25)) words.push(random.pick(ADVERBS));
    words.push(random.pick(VERBS));
  }
  nounPhrase(random, words);
  if (random.chance(0.45)) {
    words.push(random.pick(PREPOSITIONS));
    nounPhrase(random, words);
  }
}

function nounPhrase(random: Random, words: string[]): void {
  const determiner = random.pick(DETERMINERS);
  const adjective = random.chance(0.4) ? random.pick(ADJECTIVES) : undefined;
  const noun = random.pick(NOUNS);
  const next = adjective ?? noun;
  words.push(determiner === 'a' && /^(?:[aeio]|u[^s])/.test(next) ? 'an' : determiner);
  if (adjective !== undefined) words.push(adjective);
  words.push(noun);
}
