/**
 * Text analysis for the embedded engine. Latin, Cyrillic and Hangul text splits on spaces and
 * punctuation; Japanese and Chinese have no spaces, so a keyword such as 盲導犬 ("guide dog") must
 * also be findable by 犬. Such runs are additionally indexed as character unigrams and bigrams
 * (the classic CJK n-gram approach, as Lucene's CJKBigramFilter), in a field of their own with a
 * lower weight, so that a whole keyword equal to the query still ranks above a keyword that only
 * contains it.
 */

/** MiniSearch's own separator (space or punctuation), plus symbols such as `+` and `|`. */
const SEPARATOR = /[\n\r\p{Z}\p{P}\p{S}]+/u;
/** Han ideographs, kana and the prolonged sound mark: scripts written without spaces. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+/gu;
/** A Latin letter followed by combining marks. */
const LATIN_MARKS = /(\p{Script=Latin})\p{M}+/gu;

/**
 * Lower case, NFKC (full-width forms, compatibility characters), and diacritics folded on Latin
 * letters only (`café` finds `cafe`); kana voicing marks and Cyrillic letters such as й are
 * letters of their own and stay.
 */
export function normaliseTerm(term: string): string {
  return term.normalize("NFKC").toLowerCase().normalize("NFD").replace(LATIN_MARKS, "$1").normalize("NFC");
}

export function hasCjk(term: string): boolean {
  return CJK.test(term);
}

/** Whole words: what the `name` and `tags` fields hold, and what a query is split into. */
export function words(text: string): string[] {
  return text.split(SEPARATOR).filter((w) => w !== "");
}

function ngrams(run: string, sizes: readonly number[]): string[] {
  const chars = [...run];
  const out: string[] = [];
  for (const n of sizes) for (let i = 0; i + n <= chars.length; i += 1) out.push(chars.slice(i, i + n).join(""));
  return out;
}

/** Index side: the unigrams and bigrams of every CJK run (the `grams` field). */
export function indexGrams(text: string): string[] {
  return [...new Set([...text.matchAll(CJK_RUN)].flatMap((m) => ngrams(m[0], [1, 2])))];
}

/**
 * Query side: each word, plus the bigrams of its CJK runs (a one-character run is its own
 * unigram). Unigrams of longer runs are left out: they would match nearly everything.
 */
export function queryTerms(text: string): string[] {
  const out = new Set<string>();
  for (const word of words(text)) {
    out.add(word);
    for (const m of word.matchAll(CJK_RUN)) {
      const run = m[0];
      for (const g of [...run].length === 1 ? [run] : ngrams(run, [2])) out.add(g);
    }
  }
  return [...out];
}

/**
 * Edits allowed for a query term, as Meilisearch's typo tolerance is set (engine-meilisearch.ts):
 * none under 5 characters, one from 5, two from 7; none for CJK, where one character is a word.
 */
export function typoBudget(term: string): number {
  if (hasCjk(term)) return 0;
  const length = [...term].length;
  if (length >= 7) return 2;
  return length >= 5 ? 1 : 0;
}
