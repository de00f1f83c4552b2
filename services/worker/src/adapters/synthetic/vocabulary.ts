/**
 * The synthetic model's built-in vocabulary, by part of speech, so that its sentences follow a
 * small grammar and read like (vague) prose instead of word salad. About 400 common words.
 */

const words = (text: string): readonly string[] => text.trim().split(/\s+/);
const phrases = (text: string): readonly string[] => text.split('|').map((phrase) => phrase.trim());

export const DETERMINERS = words('the the the a a this each every one that our your another');

export const NOUNS = words(`
  time system model stream token client server request answer question message buffer queue
  worker gateway offset block window network connection process result value record user
  team project problem idea reason example detail change update response signal event moment
  story plan step method pattern design choice limit cost benefit risk path node cluster
  region page document section sentence word letter number list table chart report summary
  picture river mountain city village garden harbour kitchen morning evening season market
  library teacher student writer reader engineer doctor friend family neighbour country world
  language history science music journey memory habit lesson skill surface sound engine
  machine program function variable loop branch error failure recovery backup copy version
  release feature interface contract boundary layer cache index log entry batch stage pipeline
  schedule deadline meeting decision argument theory experiment measurement sample principle
`);

export const ADJECTIVES = words(`
  small large quick slow simple complex careful clear useful important common rare early late
  recent modern ancient quiet busy bright dark warm cold fresh stable steady reliable fragile
  local remote shared private public central distant modest honest patient curious gentle
  strong weak heavy light narrow broad deep shallow smooth rough certain possible likely
  obvious subtle natural final initial main minor major single double partial complete open
  hidden visible silent noisy robust durable efficient expensive cheap familiar strange
`);

export const VERBS = words(`
  keeps reads writes sends receives holds builds breaks changes checks follows leads moves
  opens closes starts stops finds shows tells explains describes connects handles measures
  protects replaces returns reaches supports carries shapes guides limits improves reduces
  increases compares collects delivers accepts rejects remembers forgets repeats records
  watches needs uses creates covers joins splits marks tracks streams balances
`);

/** Verbs after a modal (`I should …`), for the reasoning register. */
export const BASE_VERBS = words(`
  check compare explain consider describe mention verify recall outline keep review test
  measure trace follow revisit summarise question reconsider separate combine list rank
`);

export const ADVERBS = words(`
  quickly slowly carefully clearly usually often rarely always sometimes simply quietly
  gradually directly nearly easily finally already still really mostly partly eventually
  steadily properly gently openly
`);

export const PREPOSITIONS = words(`
  in on at from into over under through across between behind beyond near after before
  around without within along toward beside
`);

export const CONJUNCTIONS = phrases('and|but|so|while|because|although|since|which means');

export const ANSWER_OPENERS = phrases(`
  In practice|As a result|For example|In most cases|At first|Over time|On the other hand|
  In short|By contrast|Of course|In the end|At the same time|For this reason|Usually|However|
  Still|Meanwhile|Later|Above all|In general
`);

export const THINKING_OPENERS = phrases(`
  Let me think|Hmm|Okay|Wait|First|So|Actually|Alternatively|Then again|Right|Now|Also|
  On second thought|To be sure|Next|Fine|Let me see
`);

export const MODALS = phrases('I should|I need to|I could|I might|maybe I can|I want to|I will');

export const THINKING_SUBJECTS = phrases(
  'the user wants|the question asks for|the answer needs|the prompt mentions|it helps to see',
);

/** Suffixes split off long words, the way a BPE vocabulary often does; longest first. */
export const SUFFIXES = words('ation tion ment ness able ally ing ers ies ed ly er es s');
